// The offline analyst: no model. It quotes the search snippets' most relevant sentences,
// grouped into themes, with every sentence cited `[n]`, a table of the figures they contain,
// and limitations computed from the data. Nothing is paraphrased and nothing is invented; the
// same steps always give byte-identical text.
import type { Result, Step } from '#core/session.ts';
import { compareStrings, contentTerms, splitSentences, squash, STOP_WORDS, wordCount } from '#core/text-analysis.ts';
import { numberResults } from '#core/citations.ts';
import type { NumberedResult } from '#core/citations.ts';
import type { Analysis, Analyst } from '#kb/pipeline/types.ts';

/** Sentences shorter than this are fragments, longer ones are run-ons (tables, lists). */
const MIN_WORDS = 6;
const MAX_WORDS = 70;
/** Sentences from one result that may be quoted. */
const PER_RESULT_CAP = 2;
/** Sentences scoring below this share of the best one are left out. */
const MIN_RELATIVE_SCORE = 0.1;
/** Key findings in the summary. */
const KEY_FINDINGS = 3;

/** One quotable sentence from one result. */
export interface Candidate {
  /** The result's citation number. */
  n: number;
  stepIndex: number;
  /** Position in the result's snippet, for stable ordering. */
  position: number;
  /** The sentence as the snippet gives it (ellipsis and mark-up stripped). */
  text: string;
  terms: Set<string>;
  figures: string[];
  /** The result's outlet, lowercased, without `www.`. */
  domain: string;
  score: number;
}

export const extractiveAnalyst: Analyst = {
  name: 'extractive',
  async analyse(question: string, steps: Step[], signal?: AbortSignal): Promise<Analysis> {
    signal?.throwIfAborted();
    return extractiveAnalysis(question, steps);
  },
};

export function extractiveAnalysis(question: string, steps: Step[]): Analysis {
  const numbered = numberResults(steps);
  if (numbered.length === 0) return noResults(steps);

  const candidates = rankCandidates(question, steps, extractCandidates(numbered));
  const picked = pickDiverse(candidates, steps.length);
  if (picked.length === 0) return nothingQuotable(steps, numbered, candidates.length);

  const questionTerms = new Set(contentTerms(question));
  const idf = inverseDocumentFrequency(candidates);
  const themes = buildThemes(steps, picked, questionTerms, idf);

  const strongest = [...picked].sort(byScore).slice(0, KEY_FINDINGS);
  const domains = distinctDomains(numbered);
  const named = themes.filter((theme) => theme.heading !== OTHER_FINDINGS).map((theme) => theme.heading.toLowerCase());
  const opening =
    `The ${plural(numbered.length, 'search result')} from ${plural(domains.size, 'distinct source')} ${numbered.length === 1 ? 'bears' : 'bear'} on this question ` +
    (named.length > 1
      ? `mainly through ${named.length > 4 ? 'these themes, among others' : `${named.length} themes`}: ${named.slice(0, 4).join('; ')}.`
      : named.length === 1
        ? `mainly through one theme: ${named[0]}.`
        : 'only loosely; the sentences most relevant to it are quoted below.');
  const summary = [opening, '', 'Key findings:', '', ...strongest.map((c, i) => `${i + 1}. ${cite(c)}`)].join('\n');

  const analysis = [
    '## Findings',
    '',
    ...themes.flatMap((theme) => [`### ${theme.heading}`, '', ...theme.sentences.map((c) => `- ${cite(c)}`), '']),
    '## Figures',
    '',
    ...figuresTable(themes.flatMap((t) => t.sentences)),
    '',
    '## Limitations',
    '',
    ...limitations(steps, numbered, { picked: picked.length, usable: candidates.length }).map((line) => `- ${line}`),
  ].join('\n');

  return { summary, analysis: `${analysis}\n` };
}

// ---------------------------------------------------------------------------------------------
// Sentences

/** Conservative: only things that look like tags (`<b>`, `</p>`, `<br/>`), never "a < b". */
const TAG_LIKE = /<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>/g;
/** `[12]`-style reference marks from the source page would read as our citations. */
const FOREIGN_REFERENCE = /\s*\[\d+(?:\s*[,–-]\s*\d+)*\]/g;
const ELLIPSIS_END = /\s*(?:\.{3}|…)\s*$/;
const ELLIPSIS_START = /^\s*(?:\.{3}|…)\s*/;
const TERMINAL = /[.!?]["'”’)\]]*$/;

export function extractCandidates(numbered: NumberedResult[]): Candidate[] {
  const candidates: Candidate[] = [];
  for (const { n, stepIndex, result } of numbered) {
    const raw = squash((result.snippet ?? '').replace(TAG_LIKE, ' ').replace(FOREIGN_REFERENCE, ''));
    if (!raw) continue;
    const startsMid = ELLIPSIS_START.test(raw);
    const sentences = splitSentences(raw.replace(ELLIPSIS_START, ''));
    sentences.forEach((sentence, position) => {
      const text = cleanSentence(sentence, position === 0 && startsMid);
      if (!text) return;
      candidates.push({ n, stepIndex, position, text, terms: new Set(contentTerms(text)), figures: findFigures(text), domain: domainOf(result), score: 0 });
    });
  }
  return dedupe(candidates);
}

/**
 * The sentence fit to quote, or undefined for a fragment. A sentence cut off with an ellipsis
 * is kept (ellipsis stripped, full stop added) only when what remains reads as complete.
 */
function cleanSentence(sentence: string, startsMidSentence: boolean): string | undefined {
  let text = squash(sentence.replace(ELLIPSIS_START, ''));
  if (!text) return undefined;
  // A sentence that starts in lower case (or after a leading ellipsis, mid-way) is a tail.
  if (/^\p{Ll}/u.test(text) || (startsMidSentence && !/^[\p{Lu}\p{N}"“'‘(]/u.test(text))) return undefined;
  if (ELLIPSIS_END.test(text)) {
    text = text.replace(ELLIPSIS_END, '');
    if (!TERMINAL.test(text)) {
      // Without a full stop, only a long clause ending in a content word (not a stop word, verb
      // or adverb: "…and prices fell", not "…as prices" or "…were placed on") passes as complete.
      const last = /([\p{L}\p{N}%)]+)$/u.exec(text)?.[1] ?? '';
      const looksComplete =
        last !== '' &&
        wordCount(text) >= 8 &&
        !STOP_WORDS.has(last.toLowerCase()) &&
        !looksLikeVerbOrAdverb(last) &&
        !/ing$/.test(last) &&
        (last.length >= 4 || /\d|%/.test(last));
      if (!looksComplete) return undefined;
      text = `${text}.`;
    }
  }
  const words = wordCount(text);
  if (words < MIN_WORDS || words > MAX_WORDS) return undefined;
  if (looksLikeTableRow(text)) return undefined;
  if (!/\p{L}{3}/u.test(text)) return undefined;
  return text;
}

/** Rows of a table flattened into text ("Year; Supply; 2023; 250; …") are data, not sentences. */
function looksLikeTableRow(text: string): boolean {
  if ((text.match(/;/g) ?? []).length >= 3) return true;
  const words = text.split(/\s+/).filter(Boolean);
  const numeric = words.filter((w) => /^[^\p{L}]*\d[^\p{L}]*$/u.test(w)).length;
  return numeric / words.length > 0.4;
}

/** Drops near-identical sentences (same content words, or 85% overlap), keeping the first cited. */
function dedupe(candidates: Candidate[]): Candidate[] {
  const kept: Candidate[] = [];
  const exact = new Set<string>();
  for (const candidate of candidates) {
    const key = [...candidate.terms].sort(compareStrings).join(' ');
    if (exact.has(key)) continue;
    if (kept.some((other) => jaccard(other.terms, candidate.terms) >= 0.85)) continue;
    exact.add(key);
    kept.push(candidate);
  }
  return kept;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const term of a) if (b.has(term)) shared++;
  return shared / (a.size + b.size - shared);
}

// ---------------------------------------------------------------------------------------------
// Figures

// An amount: optional currency, a number (with thousands separators or decimals), an optional
// range, scale word, percent sign or unit. Not part of a name such as "F-35" or "COVID-19".
const FIGURE =
  /(?<![\p{L}\p{N}\-_/.])(?:(?:US|A|C|AU|HK)?[$€£¥]\s?)?\d+(?:[.,]\d+)*(?:\s?(?:–|-|to)\s?(?:[$€£¥])?\d+(?:[.,]\d+)*)?(?:\s?(?:million|billion|trillion|thousand|bn|mn|m|k)\b)?(?:\s?(?:%|percent\b|per cent\b|percentage points?\b))?(?:\s?(?:tonnes|tonne|tons|ton|t|kt|Mt|kg|lb|GWh|GW|MWh|MW|kWh|TWh|ounces|oz)\b)?(?![\p{L}\p{N}])/gu;
/** A year, or a span of years ("2024–2026", "2024 to 26"). */
const YEAR = /^(?:19|20)\d{2}(?:\s?(?:–|-|to)\s?(?:19|20)?\d{2})?$/;

/** The figures in a sentence; years count only when the sentence has no other figure. */
export function findFigures(text: string): string[] {
  const all = [...text.matchAll(FIGURE)].map((m) => m[0].trim()).filter((f) => /\d/.test(f));
  const amounts = all.filter((f) => !YEAR.test(f));
  return [...new Set(amounts.length ? amounts : all)];
}

// ---------------------------------------------------------------------------------------------
// Scoring and selection

function inverseDocumentFrequency(candidates: Candidate[]): Map<string, number> {
  const df = new Map<string, number>();
  for (const c of candidates) for (const term of c.terms) df.set(term, (df.get(term) ?? 0) + 1);
  const idf = new Map<string, number>();
  for (const [term, count] of df) idf.set(term, Math.log(1 + candidates.length / count));
  return idf;
}

/**
 * Scores each sentence by the IDF-weighted overlap of its terms with the question (full weight)
 * and with its step's sub-query (half weight), scaled by how much of the question its result
 * covers as a whole (title and snippet: a passage about gallium that happens to say "China"
 * and "imports" is not about rare earths), with a bonus for figures, a small one for results
 * the search ranked higher, and a mild penalty for long sentences.
 */
export function rankCandidates(question: string, steps: Step[], candidates: Candidate[]): Candidate[] {
  const idf = inverseDocumentFrequency(candidates);
  const maxIdf = Math.log(1 + Math.max(1, candidates.length) / 0.5);
  const weightOf = (term: string) => idf.get(term) ?? maxIdf;
  const questionTerms = new Set(contentTerms(question));
  const questionWeight = [...questionTerms].reduce((sum, term) => sum + weightOf(term), 0);
  const stepTerms = steps.map((step) => new Set(contentTerms(step.query ?? '')));
  const resultCoverage = new Map<number, number>();
  for (const { n, result } of numberResults(steps)) {
    const terms = new Set(contentTerms(`${result.title} ${result.snippet ?? ''}`));
    const covered = [...questionTerms].reduce((sum, term) => sum + (terms.has(term) ? weightOf(term) : 0), 0);
    resultCoverage.set(n, questionWeight > 0 ? covered / questionWeight : 1);
  }
  const topic = topicTerms(steps, questionTerms);
  const titleOnTopic = new Set<number>();
  for (const { n, result } of numberResults(steps)) {
    const terms = new Set(contentTerms(result.title));
    if (topic.size === 0 || [...topic].some((term) => terms.has(term))) titleOnTopic.add(n);
  }
  // On topic: the sentence or its result's title names the topic.
  const onTopic = (c: Candidate) => titleOnTopic.has(c.n) || [...topic].some((term) => c.terms.has(term));
  const firstN = new Map<number, number>();
  for (const c of candidates) if (!firstN.has(c.stepIndex) || c.n < firstN.get(c.stepIndex)!) firstN.set(c.stepIndex, c.n);

  return candidates.map((c) => {
    let relevance = 0;
    for (const term of c.terms) {
      const weight = idf.get(term) ?? 0;
      if (questionTerms.has(term)) relevance += weight;
      else if (stepTerms[c.stepIndex]?.has(term)) relevance += weight * 0.5;
    }
    if (relevance === 0) return { ...c, score: 0 };
    const words = wordCount(c.text);
    const lengthFactor = words <= 30 ? 1 : 30 / words + (1 - 30 / words) * 0.6;
    const rankInStep = c.n - (firstN.get(c.stepIndex) ?? c.n);
    const coverage = resultCoverage.get(c.n) ?? 1;
    // A sentence that never names the question's topic, from a result whose title does not
    // either, is off topic, whatever other words it shares with the question.
    if (!onTopic(c)) return { ...c, score: 0 };
    // "They", "This", "Together they"…: the sentence leans on one the reader does not see.
    const standsAlone = ANAPHORIC_START.test(c.text) ? 0.6 : 1;
    const score =
      relevance *
      (0.2 + 0.8 * coverage) *
      lengthFactor *
      standsAlone *
      (c.figures.length ? 1.3 : 1) *
      (1 + 0.1 / (1 + rankInStep)) *
      (c.position === 0 ? 1.05 : 1);
    return { ...c, score: round(score) };
  });
}

const ANAPHORIC_START = /^(?:This|These|That|Those|It|Its|They|Their|Them|He|She|His|Her|Such|Both|Together|The latter|The former|The rest|Here|There)\b/;

/**
 * The question's topic words: of the question's words, those the best-ranked result titles
 * (the top three of each step) use most — at least half of the titles, and at least 80% as
 * often as the most used one. "anode" for a question about graphite anode material, where
 * "US" and "material" are context; both "gallium" and "germanium" for a question about both.
 * Empty when no word qualifies (then no result is ruled off topic).
 */
export function topicTerms(steps: Step[], questionTerms: Set<string>): Set<string> {
  const titles = steps.flatMap((step) => step.results.slice(0, 3).map((result) => new Set(contentTerms(result.title))));
  if (titles.length === 0) return new Set();
  const frequency = new Map([...questionTerms].map((term) => [term, titles.filter((title) => title.has(term)).length]));
  const top = Math.max(0, ...frequency.values());
  return new Set([...frequency].filter(([, count]) => count * 2 >= titles.length && count >= top * 0.8).map(([term]) => term));
}

/** Rounded so that scores compare equal on every platform (no last-bit float surprises). */
function round(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}

function byScore(a: Candidate, b: Candidate): number {
  return b.score - a.score || a.n - b.n || a.position - b.position;
}

/**
 * Maximal marginal relevance: each pick maximises 0.7·relevance − 0.3·similarity to what is
 * already picked, with at most two sentences per result and a fair share per step.
 */
export function pickDiverse(candidates: Candidate[], stepCount: number): Candidate[] {
  const best = candidates.reduce((max, c) => Math.max(max, c.score), 0);
  if (best === 0) return [];
  // Sentences far weaker than the best are not findings, however many slots are free.
  const pool = candidates.filter((c) => c.score > 0 && c.score >= best * MIN_RELATIVE_SCORE).sort(byScore);
  const stepsWithCandidates = new Set(pool.map((c) => c.stepIndex)).size;
  const target = Math.min(pool.length, Math.max(6, Math.min(16, 3 * Math.max(stepCount, stepsWithCandidates))));
  const perStep = Math.max(2, Math.ceil(target / stepsWithCandidates) + 1);
  const top = pool[0]!.score;

  const picked: Candidate[] = [];
  const perResult = new Map<number, number>();
  const fromStep = new Map<number, number>();
  const remaining = [...pool];
  // The per-step share only holds while other steps have sentences to offer.
  let stepCap = perStep;
  while (picked.length < target && remaining.length > 0) {
    let bestIndex = -1;
    let bestValue = -Infinity;
    remaining.forEach((c, index) => {
      if ((perResult.get(c.n) ?? 0) >= PER_RESULT_CAP || (fromStep.get(c.stepIndex) ?? 0) >= stepCap) return;
      const similarity = picked.reduce((max, p) => Math.max(max, jaccard(p.terms, c.terms)), 0);
      const value = round(0.7 * (c.score / top) - 0.3 * similarity);
      // `remaining` is in score order, so on a tie the earlier (stronger, lower-cited) one wins.
      if (value > bestValue) {
        bestValue = value;
        bestIndex = index;
      }
    });
    if (bestIndex < 0) {
      if (stepCap === Infinity) break;
      stepCap = Infinity;
      continue;
    }
    const [chosen] = remaining.splice(bestIndex, 1);
    picked.push(chosen!);
    perResult.set(chosen!.n, (perResult.get(chosen!.n) ?? 0) + 1);
    fromStep.set(chosen!.stepIndex, (fromStep.get(chosen!.stepIndex) ?? 0) + 1);
  }
  return picked;
}

// ---------------------------------------------------------------------------------------------
// Themes

/** Words too general to name a theme: quantities, time, units and vague qualifiers. */
const GENERIC_TERMS = new Set(
  contentTerms(
    `half third quarter total share part number level amount rest lot year years decade decades month months week weeks day days time period
    percent million billion trillion thousand tonne tonnes ton tons kilogram kilograms pound pounds dollar dollars
    first second third last next new large larger largest major main high higher low lower big small smaller little far early late recent
    including include includes according said says report reported estimate estimated estimates expected expect around roughly nearly almost
    end start based way kind case cases example point points least combination result results question view basis picture terms step side
    analyst analysts industry company companies source sources world global country countries full whole`,
  ),
);

/** Verbs that headline nothing. Words ending in -ed or -ly (as typed) are treated alike. */
const COMMON_VERBS = new Set(
  `fell rose grew cut made make makes take takes took say says expect expects reach reaches remain remains become becomes became need needs
  show shows hold holds put set keep keeps give gives began begin begins start starts told add adds find finds found run runs want wants help
  helps seek seeks sought plan plans face faces buy buys bought sell sells sold pay pays paid build builds built drew draw draws rise rises fall
  falls grow grows leave leaves left stay stays accounted account accounts suggest suggests allow allows agree agrees argue argues`.split(/\s+/),
);

function looksLikeVerbOrAdverb(word: string): boolean {
  const lower = word.toLowerCase();
  return COMMON_VERBS.has(lower) || (word === lower && /(?:ed|ly)$/.test(lower));
}

function isAcronym(word: string): boolean {
  return word.length > 1 && word === word.toUpperCase() && /\p{Lu}/u.test(word);
}

/** At most this many themes; what the themes do not take goes under "Other findings". */
const MAX_THEMES = 5;
const OTHER_FINDINGS = 'Other findings';

interface Theme {
  heading: string;
  sentences: Candidate[];
}

/** A term or two-word phrase a sentence uses, with the spelling it used. */
interface KeyUse {
  id: string;
  parts: string[];
  form: string;
  /** Used at the very start of the sentence (its capital may not be its own). */
  initial: boolean;
}

interface TermLabel {
  id: string;
  parts: string[];
  label: string;
  score: number;
}

/**
 * The key terms and phrases of a sentence: content words of 3+ letters that are not numbers and
 * not question words, and two-word phrases of such words (phrases never run across punctuation).
 */
function keyUses(c: Candidate, questionTerms: Set<string>): KeyUse[] {
  const uses: KeyUse[] = [];
  c.text.split(/[,;:()[\]“”"—–]|\.(?:\s|$)/u).forEach((clause, clauseIndex) => {
    const words = clause.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? [];
    const tokens = words.map((word) => ({ word, key: contentTerms(word)[0] }));
    const usable = (key: string | undefined): key is string => key !== undefined && !/\d/.test(key) && key.length >= 3;
    tokens.forEach((token, i) => {
      if (!usable(token.key) || GENERIC_TERMS.has(token.key)) return;
      const initial = clauseIndex === 0 && i === 0;
      if (!questionTerms.has(token.key) && !(initial && !isAcronym(token.word)) && !looksLikeVerbOrAdverb(token.word)) {
        uses.push({ id: token.key, parts: [token.key], form: token.word, initial });
      }
      const next = tokens[i + 1];
      if (!usable(next?.key) || next.key === token.key || GENERIC_TERMS.has(next.key)) return;
      const third = tokens[i + 2];
      if (questionTerms.has(next.key) && usable(third?.key) && questionTerms.has(third.key) && !questionTerms.has(token.key)) {
        // "heavy rare earths", not "heavy rare".
        uses.push({ id: `${token.key} ${next.key} ${third.key}`, parts: [token.key, next.key, third.key], form: `${token.word} ${next.word} ${third.word}`, initial });
      } else if (!(questionTerms.has(token.key) && questionTerms.has(next.key))) {
        uses.push({ id: `${token.key} ${next.key}`, parts: [token.key, next.key], form: `${token.word} ${next.word}`, initial });
      }
    });
  });
  return uses;
}

/**
 * The terms and phrases that best characterise a group of sentences: how many of them use the
 * term times how rare it is overall (phrases count a little more than single words). Chosen
 * labels never overlap ("heavy rare earths" and "heavy" are not both picked).
 */
function topTerms(
  sentences: Candidate[],
  uses: Map<Candidate, KeyUse[]>,
  idf: Map<string, number>,
  count: number,
  minFrequency: number,
  exclude: Set<string> = new Set(),
): TermLabel[] {
  const stats = new Map<string, { parts: string[]; sentences: Set<number>; forms: Map<string, number>; initialForms: Map<string, number> }>();
  sentences.forEach((c, index) => {
    for (const use of uses.get(c) ?? []) {
      if (use.parts.some((part) => exclude.has(part))) continue;
      let entry = stats.get(use.id);
      if (!entry) {
        entry = { parts: use.parts, sentences: new Set(), forms: new Map(), initialForms: new Map() };
        stats.set(use.id, entry);
      }
      entry.sentences.add(index);
      const forms = use.initial ? entry.initialForms : entry.forms;
      forms.set(use.form, (forms.get(use.form) ?? 0) + 1);
    }
  });

  const scored: TermLabel[] = [];
  for (const [id, entry] of stats) {
    const frequency = entry.sentences.size;
    // A phrase must recur to count: a single use of a phrase is just prose.
    if (frequency < Math.max(minFrequency, entry.parts.length > 1 ? 2 : 1)) continue;
    const rarity = entry.parts.reduce((sum, part) => sum + (idf.get(part) ?? 0), 0) / entry.parts.length;
    const score = round(frequency * rarity * (entry.parts.length > 1 ? 1.6 : 1));
    scored.push({ id, parts: entry.parts, label: displayForm(entry.forms, entry.initialForms), score });
  }
  scored.sort((a, b) => b.score - a.score || compareStrings(a.id, b.id));

  const chosen: TermLabel[] = [];
  const covered = new Set<string>();
  for (const candidate of scored) {
    if (chosen.length >= count) break;
    if (candidate.parts.some((part) => covered.has(part))) continue;
    chosen.push(candidate);
    for (const part of candidate.parts) covered.add(part);
  }
  return chosen;
}

/**
 * Groups the picked sentences into themes, in two passes.
 *
 * 1. Facets of the plan: each step's sub-query minus the words every sub-query shares (the
 *    question's subject) names an aspect, such as "import share statistics" or "policy
 *    response". A sentence joins the aspect whose own words (not the question's) it uses most,
 *    weighted by rarity; the heading is the aspect's words.
 * 2. Shared key terms: among the sentences no aspect took, the term most of them share
 *    (weighted by rarity) defines a theme and takes every sentence that uses it; repeat. The
 *    heading is that term and the next one its sentences share.
 *
 * Whatever is left goes under "Other findings".
 */
function buildThemes(steps: Step[], picked: Candidate[], questionTerms: Set<string>, idf: Map<string, number>): Theme[] {
  const themes: Theme[] = [];
  let remaining = [...picked].sort(byScore);

  const facets = stepFacets(steps, questionTerms);
  const byFacet = new Map<number, Candidate[]>();
  remaining = remaining.filter((c) => {
    let best = -1;
    let bestWeight = 0;
    facets.forEach((facet, index) => {
      const weight = round([...facet.terms].reduce((sum, term) => sum + (c.terms.has(term) ? (idf.get(term) ?? 0) : 0), 0));
      if (weight > bestWeight) {
        best = index;
        bestWeight = weight;
      }
    });
    if (best < 0) return true;
    byFacet.set(best, [...(byFacet.get(best) ?? []), c]);
    return false;
  });
  facets.forEach((facet, index) => {
    const sentences = byFacet.get(index);
    if (sentences?.length) themes.push({ heading: capitalise(facet.words), sentences });
  });

  const uses = new Map(remaining.map((c) => [c, keyUses(c, questionTerms)] as const));
  const usesId = (c: Candidate, id: string) => (uses.get(c) ?? []).some((use) => use.id === id);
  while (themes.length < MAX_THEMES && remaining.length >= 2) {
    const [term] = topTerms(remaining, uses, idf, 1, 2);
    if (!term) break;
    const members = remaining.filter((c) => usesId(c, term.id));
    const [second] = topTerms(members, uses, idf, 1, 2, new Set(term.parts));
    themes.push({ heading: capitalise(second ? `${term.label} and ${second.label}` : term.label), sentences: members });
    remaining = remaining.filter((c) => !members.includes(c));
  }
  if (remaining.length) {
    if (themes.length) themes.push({ heading: OTHER_FINDINGS, sentences: remaining });
    else {
      const labels = topTerms(remaining, uses, idf, 3, 1).map((t) => t.label);
      themes.push({ heading: labels.length ? capitalise(joinWords(labels)) : 'Findings', sentences: remaining });
    }
  }
  for (const theme of themes) theme.sentences.sort(byScore);
  return themes;
}

interface Facet {
  /** The aspect as words to show, e.g. "import share statistics". */
  words: string;
  /** The aspect's own terms: not the question's, not generic. */
  terms: Set<string>;
}

/** Words that name no aspect of their own in a sub-query ("latest data", "statistics by country"). */
const FACET_NOISE = new Set(contentTerms('latest data statistics overview analysis expert recent news report reports update trend trends forecast outlook'));

/**
 * Each step's aspect: its sub-query without the words all sub-queries share (with a single
 * step, without the question's words). Steps whose aspect has no terms of its own, or repeats
 * an earlier one, give none.
 */
function stepFacets(steps: Step[], questionTerms: Set<string>): Facet[] {
  const queries = steps.map((step) => squash(step.query ?? '')).filter(Boolean);
  if (queries.length === 0) return [];
  const termSets = queries.map((query) => new Set(contentTerms(query)));
  const subject = queries.length > 1 ? new Set([...termSets[0]!].filter((term) => termSets.every((set) => set.has(term)))) : questionTerms;
  // The question's own aspect words ("import dependency"): a step that only restates them is
  // the core query, not an aspect.
  const questionAspect = [...questionTerms]
    .filter((term) => !subject.has(term) && !FACET_NOISE.has(term) && !GENERIC_TERMS.has(term))
    .sort(compareStrings)
    .join(' ');
  const facets: Facet[] = [];
  const seen = new Set<string>();
  for (const query of queries) {
    const words = query.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? [];
    const kept = words.filter((word) => {
      const [term] = contentTerms(word);
      return term === undefined || !subject.has(term);
    });
    // Trim stop words left dangling at either end ("and prices after" → "prices").
    while (kept.length && contentTerms(kept[0]!).length === 0) kept.shift();
    while (kept.length && contentTerms(kept.at(-1)!).length === 0) kept.pop();
    const terms = new Set(contentTerms(kept.join(' ')).filter((term) => !subject.has(term) && !FACET_NOISE.has(term) && !GENERIC_TERMS.has(term)));
    const key = [...terms].sort(compareStrings).join(' ');
    if (terms.size === 0 || seen.has(key)) continue;
    seen.add(key);
    const restatesQuestion = [...terms].every((term) => questionTerms.has(term)) && key === questionAspect;
    if (restatesQuestion) continue;
    facets.push({ words: kept.join(' '), terms });
  }
  return facets;
}

/**
 * The most used spelling away from the start of a sentence (so names keep their capitals and
 * common words do not); a word only ever seen starting a sentence is lowercased unless it is
 * an acronym.
 */
function displayForm(forms: Map<string, number>, initialForms: Map<string, number>): string {
  const mostUsed = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1] || compareStrings(a[0], b[0]))[0]?.[0];
  const form = mostUsed(forms);
  if (form !== undefined) return form;
  const initial = mostUsed(initialForms) ?? '';
  const [first = '', ...rest] = initial.split(' ');
  const isAcronym = first.length > 1 && first === first.toUpperCase();
  return [isAcronym ? first : first.toLowerCase(), ...rest].join(' ');
}

// ---------------------------------------------------------------------------------------------
// Writing

/** The sentence with its citation, placed before the closing full stop. */
function cite(c: Candidate): string {
  const match = /^(.*?)([.!?])$/su.exec(c.text);
  if (match) return `${match[1]} [${c.n}]${match[2]}`;
  return `${c.text} [${c.n}]`;
}

function figuresTable(sentences: Candidate[]): string[] {
  const rows = sentences.filter((c) => c.figures.length > 0);
  if (rows.length === 0) return ['None of the quoted sentences contains a figure.'];
  return [
    '| Figure | Context | Source |',
    '| --- | --- | --- |',
    ...rows.map((c) => `| ${cell(c.figures.join('; '))} | ${cell(c.text)} | [${c.n}] ${cell(c.domain)} |`),
  ];
}

/** A table cell: one line, and a `|` in the text must not end the cell. */
function cell(text: string): string {
  return squash(text).replace(/\|/g, '\\|');
}

function limitations(steps: Step[], numbered: NumberedResult[], counts: { picked: number; usable: number }): string[] {
  const lines: string[] = [];
  const domains = distinctDomains(numbered);
  lines.push(
    `This briefing draws on ${plural(numbered.length, 'result')} from ${plural(domains.size, 'distinct source')} (by domain) across ${plural(steps.length, 'search', 'searches')}.`,
  );
  lines.push(dateSpan(numbered.map((r) => r.result)));
  const noSnippet = numbered.filter((r) => !squash(r.result.snippet ?? '')).length;
  if (noSnippet) lines.push(`${plural(noSnippet, 'result')} had no snippet, so nothing could be quoted from ${noSnippet === 1 ? 'it' : 'them'}.`);
  lines.push(...stepProblems(steps));
  if (counts.usable > counts.picked) {
    lines.push(
      `Only ${counts.picked} of ${counts.usable} usable sentences are quoted, chosen by their overlap with the question's terms; relevant detail phrased in other words may have been left out.`,
    );
  }
  lines.push(
    'The text is extracted from search snippets by a rule-based summariser, not written by a language model: sentences are quoted as the snippets give them and have not been checked against the full sources.',
  );
  return lines;
}

function dateSpan(results: Result[]): string {
  const dates = results
    .map((r) => (r.publishedAt ? Date.parse(r.publishedAt) : Number.NaN))
    .filter((time) => Number.isFinite(time))
    .map((time) => new Date(time).toISOString().slice(0, 10))
    .sort(compareStrings);
  const undated = results.length - dates.length;
  if (dates.length === 0) return `None of the results carries a publication date, so how current they are cannot be judged.`;
  const span = dates[0] === dates.at(-1) ? `all dated ${dates[0]}` : `dated from ${dates[0]} to ${dates.at(-1)}`;
  const missing = undated ? `; ${plural(undated, 'result')} ${undated === 1 ? 'has' : 'have'} no date` : '';
  return `Publication dates are known for ${dates.length} of ${plural(results.length, 'result')}, ${span}${missing}.`;
}

function stepProblems(steps: Step[]): string[] {
  const lines: string[] = [];
  steps.forEach((step) => {
    const name = step.query ? `${step.id} (“${squash(step.query)}”)` : step.id;
    const note = step.note ? ` ${squash(step.note)}` : '';
    if (step.error) lines.push(`${name} failed: ${squash(step.error)}.${note}`.replace(/\.\.$/, '.'));
    // The pipeline drops results an earlier step already found, so an empty step may have
    // found only repeats; unless a note says which, the wording covers both.
    else if (step.results.length === 0) lines.push(note ? `${name} added no results.${note}` : `${name} added no results: none were found, or all repeated an earlier step's.`);
    if (step.truncated) lines.push(`${name} was cut off: more results existed than arrived.`);
  });
  return lines;
}

function noResults(steps: Step[]): Analysis {
  const why =
    steps.length === 0
      ? 'No searches were run for this question.'
      : steps.every((s) => s.error)
        ? `Every search failed (${plural(steps.length, 'search', 'searches')}).`
        : `None of the ${plural(steps.length, 'search', 'searches')} returned a result.`;
  const summary = `No sources were found for this question, so this briefing has no findings. ${why}`;
  const analysis = [
    '## Findings',
    '',
    `No sources were found, so there is nothing to report: no finding here is drawn from evidence, and none has been made up. ${why}`,
    '',
    '## Limitations',
    '',
    ...stepProblems(steps).map((line) => `- ${line}`),
    '- The text is written by a rule-based summariser from search snippets, not by a language model.',
    '',
  ].join('\n');
  return { summary, analysis };
}

function nothingQuotable(steps: Step[], numbered: NumberedResult[], usable: number): Analysis {
  const reason = usable
    ? `none of their ${plural(usable, 'usable sentence')} shares a key term with the question`
    : 'their snippets hold no complete sentence to quote';
  const summary = `The ${plural(numbered.length, 'search result')} found do not answer this question directly: ${reason}. The sources are listed for reading in full.`;
  const analysis = [
    '## Findings',
    '',
    `No findings could be extracted: ${reason}.`,
    '',
    '## Limitations',
    '',
    ...limitations(steps, numbered, { picked: 0, usable: 0 }).map((line) => `- ${line}`),
    '',
  ].join('\n');
  return { summary, analysis };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function domainOf(result: Result): string {
  let host: string | undefined;
  if (result.url) {
    try {
      host = new URL(result.url).hostname;
    } catch {
      host = undefined;
    }
  }
  return (host || result.source || result.title || 'unknown').toLowerCase().replace(/^www\./, '');
}

function distinctDomains(numbered: NumberedResult[]): Set<string> {
  return new Set(numbered.map((r) => domainOf(r.result)));
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
