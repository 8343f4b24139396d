// The offline planner: turns a question into distinct sub-queries by rule. The first is the
// question's core topic; the rest pair the topic with facets chosen by cues in the question
// ("dependency" → import shares and processing capacity, "policy" → policy response, …), and
// generic facets fill any remaining steps. Same question and step count, same plan.
import { compareStrings, normaliseTerm, STOP_WORDS } from '#core/text-analysis.ts';
import type { Plan, Planner } from '#kb/pipeline/types.ts';

/** Steps a plan may have. */
export const MIN_STEPS = 1;
export const MAX_STEPS = 8;
/** Sub-queries stay short: search engines do best with a handful of words. */
const MAX_QUERY_WORDS = 12;

interface FacetRule {
  /** Tested against the lowercased question. */
  cue: RegExp;
  facets: string[];
  /** The cue words name the topic itself ("refining", "anodes"), so they stay in facet queries. */
  topical?: boolean;
}

/** In priority order: when several rules match, their facets are interleaved in this order. */
const FACET_RULES: FacetRule[] = [
  { cue: /\b(?:depend\w*|relian\w*|rely|relies|imports?|imported|importing|suppl(?:y|ier|iers) from|sourc\w+)\b/, facets: ['import share statistics', 'supply chain processing capacity', 'top supplier countries'] },
  { cue: /\b(?:export controls?|export bans?|export restrictions?|restrict\w*|bans?|banned|licen[cs]\w*|sanctions?|embargo\w*|quotas?)\b/, facets: ['export controls licensing timeline', 'trade flows and prices after restrictions'] },
  { cue: /\b(?:grow\w*|growth|fast\w*|rapid\w*|quick\w*|expan\w*|increas\w*|boom\w*|scal(?:e|ing) up)\b/, facets: ['growth rate forecast', 'capacity additions pipeline'] },
  { cue: /\b(?:on track|targets?|goals?|meet|enough|shortfall|deficit|(?:20[3-5]\d))\b/, facets: ['supply demand balance forecast', 'targets progress and gaps'] },
  { cue: /\b(?:outside|alternatives?|diversif\w*|substitut\w*|reshor\w*|friend-?shor\w*|domestic|non-chinese)\b/, facets: ['new projects and alternative suppliers', 'costs compared with incumbents'], topical: true },
  { cue: /\b(?:prices?|pricing|costs?|costly|cheap\w*|afford\w*|margins?)\b/, facets: ['price trends', 'production costs'] },
  { cue: /\b(?:produc\w*|mines?|mining|refin\w*|process\w*|smelt\w*|capacity|output|anodes?|cathodes?|magnets?)\b/, facets: ['production capacity by country', 'refining and processing capacity'], topical: true },
  { cue: /\b(?:polic\w*|governments?|regulat\w*|laws?|subsid\w*|tariffs?|duties|acts?|strateg\w*|incentives?)\b/, facets: ['policy response', 'government funding and incentives'] },
  { cue: /\b(?:risks?|secur\w*|vulnerab\w*|disrupt\w*|shortages?|bottlenecks?|resilien\w*|exposure)\b/, facets: ['supply risks and disruptions'] },
  { cue: /\b(?:environment\w*|emissions?|esg|labou?r|child|human rights|pollut\w*|deforest\w*|sustainab\w*|artisanal)\b/, facets: ['environmental and social impacts'], topical: true },
  { cue: /\b(?:demand|consum\w*|needs?|uses?)\b/, facets: ['demand forecast by end use'] },
  { cue: /\b(?:concentrat\w*|share|dominan\w*|grip|monopol\w*|control of)\b/, facets: ['market share by country', 'ownership of mines and refineries'] },
  { cue: /\b(?:which|compare\w*|comparison|versus|vs|rank\w*|largest|biggest|leading)\b/, facets: ['ranking by country share'] },
  { cue: /\b(?:technolog\w*|innovation\w*|recycl\w*|chemistr\w*)\b/, facets: ['recycling and technology alternatives'], topical: true },
];

/** Used when the cues do not fill the steps, in this order. */
const GENERIC_FACETS = ['latest data', 'policy response', 'risks and constraints', 'outlook forecast', 'key companies and projects', 'historical trend', 'expert analysis'];

/**
 * Words that say what kind of answer is wanted rather than what about ("dependency", "share",
 * "risks"): they stay in the core query but are dropped from facet queries, where the facet
 * names the aspect better. Words matched by any facet cue count as such words too.
 */
const ASPECT_WORDS = new Set([
  'depend', 'depends', 'dependent', 'dependence', 'dependency', 'dependencies', 'reliance', 'reliant', 'rely', 'relies', 'extent', 'fast', 'quickly',
  'rapidly', 'growing', 'grow', 'keeping', 'keep', 'pace', 'track', 'happening', 'changing', 'change', 'likely', 'expected', 'main', 'big',
  'supply', 'supplies', 'share', 'global', 'world', 'concentrated', 'concentration', 'risk', 'risks', 'capacity', 'demand', 'meet', 'enough',
  'market', 'markets', 'level', 'levels', 'amount', 'role', 'effect', 'effects', 'impact', 'impacts', 'response', 'responses', 'take', 'taken',
  'took', 'approach',
]);

function isAspectWord(word: string): boolean {
  const lower = word.toLowerCase();
  if (ASPECT_WORDS.has(lower)) return true;
  return FACET_RULES.some((rule) => !rule.topical && rule.cue.test(lower));
}

function tokensOf(question: string): string[] {
  const normalised = question.replace(/\bU\.S\.(?:A\.)?/g, 'US').replace(/\bU\.K\./g, 'UK').replace(/[’‘]/g, "'");
  return normalised.match(/[\p{L}\p{N}]+(?:[-'][\p{L}\p{N}]+)*/gu) ?? [];
}

function isStop(token: string): boolean {
  // An all-capitals token is an acronym (US, IT), never the stop word it spells.
  if (token.length > 1 && token === token.toUpperCase() && /\p{Lu}/u.test(token)) return false;
  return STOP_WORDS.has(token.toLowerCase());
}

/** A token as it should appear in a query: sentence-initial capitals are not kept. */
function queryWord(token: string, index: number): string {
  if (index === 0 && /^\p{Lu}\p{Ll}+$/u.test(token)) return token.toLowerCase();
  return token;
}

/** The question's topic words, in order, without interrogatives and stop words. */
export function coreTerms(question: string): string[] {
  const tokens = tokensOf(question);
  const kept: string[] = [];
  const seen = new Set<string>();
  tokens.forEach((token, index) => {
    if (isStop(token)) return;
    const key = normaliseTerm(token);
    if (seen.has(key)) return;
    seen.add(key);
    kept.push(queryWord(token, index));
  });
  return kept;
}

/** Removes multi-word cues such as "export controls" or "on track", which name aspects, not topics. */
function stripMultiWordCues(question: string): string {
  return question.replace(/\b(?:export (?:controls?|bans?|restrictions?)|on track|human rights|supply chains?|scal(?:e|ing) up)\b/gi, ' ');
}

function matchedFacets(question: string): string[] {
  const lower = question.toLowerCase();
  const matched = FACET_RULES.filter((rule) => rule.cue.test(lower));
  const facets: string[] = [];
  // First the leading facet of every matching rule, then their second ones, then the generics,
  // then any further ones: a plan covers many angles before it goes deep on one.
  for (const rule of matched) if (rule.facets[0]) facets.push(rule.facets[0]);
  for (const rule of matched) if (rule.facets[1]) facets.push(rule.facets[1]);
  facets.push(...GENERIC_FACETS);
  for (const rule of matched) facets.push(...rule.facets.slice(2));
  return facets;
}

function combine(subject: string[], facet: string): string {
  const facetWords = facet.split(' ');
  const facetKeys = new Set(facetWords.map((w) => normaliseTerm(w)));
  // A subject word the facet already says ("imports" + "import share") is said once.
  const own = subject.filter((word) => !facetKeys.has(normaliseTerm(word)));
  const room = Math.max(1, MAX_QUERY_WORDS - facetWords.length);
  return [...own.slice(0, room), ...facetWords].join(' ');
}

/** A query's identity for de-duplication: its normalised words as a set. */
function identity(query: string): string {
  return [...new Set(tokensOf(query).filter((t) => !isStop(t)).map((t) => normaliseTerm(t)))].sort(compareStrings).join(' ');
}

export function planQueries(question: string, steps: number): string[] {
  const count = Number.isFinite(steps) ? Math.min(MAX_STEPS, Math.max(MIN_STEPS, Math.trunc(steps))) : 4;
  const core = coreTerms(question);
  const fallback = tokensOf(question).slice(0, MAX_QUERY_WORDS).join(' ');
  const coreQuery = core.length ? core.slice(0, MAX_QUERY_WORDS).join(' ') : fallback;
  // Multi-word cues ("export controls") are removed from the question before its words are tested.
  const subject = coreTerms(stripMultiWordCues(question)).filter((word) => !isAspectWord(word));
  const facetSubject = subject.length ? subject : core.length ? core : fallback.split(' ').filter(Boolean);

  const queries: string[] = [];
  const seen = new Set<string>();
  const add = (query: string) => {
    const key = identity(query) || query.toLowerCase();
    if (!query || seen.has(key)) return;
    seen.add(key);
    queries.push(query);
  };
  add(coreQuery);
  for (const facet of matchedFacets(question)) {
    if (queries.length >= count) break;
    add(combine(facetSubject, facet));
  }
  // Only an empty question can run out of distinct facets; number what is left.
  for (let n = 2; queries.length < count; n++) add(`${coreQuery || 'overview'} part ${n}`);
  return queries;
}

export const rulePlanner: Planner = {
  name: 'rules',
  async plan(question: string, steps: number, signal?: AbortSignal): Promise<Plan> {
    signal?.throwIfAborted();
    return { queries: planQueries(question, steps) };
  },
  async followUp(request) {
    request.signal?.throwIfAborted();
    // Loaded here: follow-up.ts uses coreTerms from this module.
    const { ruleFollowUps } = await import('./follow-up.ts');
    return { queries: ruleFollowUps(request) };
  },
};
