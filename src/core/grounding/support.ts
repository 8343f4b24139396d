// The support check. For each claim: the results it cites (`[n]`, numbered as `numberResults`
// numbers them), or every result of the session when it cites none. A claim is
//   supported   — each of its figures is in those results (same unit, same value within
//                 rounding) and enough of its key terms are too; the answer says which result
//                 and which words, with offsets into that result's title or snippet;
//   unsupported — it cites results, or states figures, that those results do not bear out; the
//                 answer says which figure is missing or how few key terms matched;
//   uncited     — it cites nothing, states no figure, and no result holds its key terms: an
//                 opinion, a recommendation, or a claim with no evidence offered.
// It is a lexical and numeric check: it finds the claim's words and numbers in the sources; it
// does not know whether the sources, or the claim, are true.
import { normaliseTerm, isStopWord } from '#core/text-analysis.ts';
import { extractBlocks, type Block, type Part } from './claims.ts';
import { describeFigure, extractFigures, sameFigure, type Figure } from './figures.ts';

/** Bumped whenever a change to the check can change its verdicts, so stored records say which check made them. */
export const GROUNDING_VERSION = 2; // 2: the passages read from a page bear out claims too

/** At least this share of a claim's key terms must be in the results, when its figures are found. */
const TERMS_WITH_FIGURES = 0.3;
/** …and when it states no figure, in one result, and at least two terms. */
const TERMS_WITHOUT_FIGURES = 0.5;

export interface GroundingInput {
  summary?: string;
  analysis: string;
  steps: Array<{ results: Array<{ title: string; snippet?: string; url?: string; source?: string; publishedAt?: string; passages?: Array<{ text: string }> }> }>;
}

export type ClaimStatus = 'supported' | 'unsupported' | 'uncited';
export type Field = 'title' | 'snippet' | 'passages';

/** The passages read from a result's page, as the one text that `passages` evidence offsets point into. */
export function passagesText(result: { passages?: Array<{ text: string }> }): string {
  return (result.passages ?? []).map((p) => p.text).join(PASSAGE_JOIN);
}
/** Between two passages in `passagesText`: a card finds passage i at the sum of the lengths before it plus this. */
export const PASSAGE_JOIN = '\n\n';

/** Words or a figure in one result that support a claim. Offsets are into the result's title, snippet or passages text. */
export interface Evidence {
  n: number;
  field: Field;
  start: number;
  end: number;
  kind: 'figure' | 'term';
}

export interface ClaimFigure {
  /** Offsets into the block text, like the claim's. */
  start: number;
  end: number;
  text: string;
  kind: Figure['kind'];
  found: boolean;
  /** The results that hold it. */
  in: number[];
  /** Why it does not count as supported, in words; only when not found. */
  why?: string;
}

export interface Claim {
  part: Part;
  /** Index into the report's blocks, and offsets into that block's text. */
  block: number;
  start: number;
  end: number;
  text: string;
  /** Result numbers the claim cites that exist, and numbers that point at nothing. */
  cites: number[];
  unresolved: number[];
  figures: ClaimFigure[];
  terms: { total: number; matched: number };
  status: ClaimStatus;
  /** One line: why this status. */
  why: string;
  /** Results that support it, best first (empty unless supported). */
  sources: number[];
  evidence: Evidence[];
  /** Outlets named in the text instead of cited, e.g. "(Reuters, November 2025)". */
  outlets: string[];
}

export interface GroundingCounts {
  version: number;
  claims: number;
  figures: number;
  supported: number;
  unsupported: number;
  uncited: number;
  citations: { resolved: number; unresolved: number };
  /** Share of claims that are supported, 0–1, two decimals. */
  score: number;
  /** Places that name an outlet ("(Reuters, November 2025)") rather than cite a result. */
  namedSources?: number;
  /** Session-level findings in words (at most a few). */
  notes?: string[];
}

export interface GroundingReport {
  version: number;
  blocks: Block[];
  claims: Claim[];
  counts: GroundingCounts;
}

interface Token {
  term: string;
  field: Field;
  start: number;
  end: number;
}

interface PreparedResult {
  n: number;
  title: string;
  snippet: string;
  passages: string;
  /** Worked out when a claim first needs them: most claims cite one or two of thirty results. */
  readonly figures: Array<Figure & { field: Field }>;
  /** Its key terms in reading order (title, snippet, passages), for evidence: see `places`. */
  words: Words;
  /** Years the result mentions (text or publication date). */
  readonly years: Set<number>;
  publishedYear?: number;
  /** Its figures that a claim's figure could match, by the claim figure's unit: see `comparable`. */
  pools: Map<string, Array<Figure & { field: Field }>>;
}

const TOKEN = /[\p{L}\p{N}]+(?:['.][\p{L}\p{N}]+)*/gu;
const MONTHS = 'January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec';
// "(Reuters, November 2025)", "(Bloomberg, MSN November 2025)", "(OilPrice, 2025)": an outlet
// named where a citation should be.
const ATTRIBUTION = new RegExp(`\\(((?:[A-Z][\\w&.'’-]*)(?:[ ,]+(?:[A-Z][\\w&.'’-]*|and|&))*)[ ,]+(?:(?:${MONTHS})\\.? )?(?:\\d{4})\\)`, 'g');
const MONTH_AT_END = new RegExp(`\\s*\\b(?:${MONTHS})\\.?$`);
const CITATION = /\[(\d+(?:\s*(?:,|-|–)\s*\d+)*)\](?![(:])/g;
const META = /\b(?:this briefing|this step|(?:the |these |its |our )?(?:search )?results?\b(?! in)|the sources?|snippets?|the text is|summariser|sentences are quoted)/i;
const ADMISSION = /\b(?:lack|lacks|lacking|no|without|absence of|do(?:es)? not (?:provide|include|contain|give|report)|not available)\b[^.;]{0,80}?\b(?:statistics|data|figures|numbers|quantification|tonnages?)\b/i;

/**
 * Each distinct word's key term (or '' for a stop word, a number or a stray letter), remembered:
 * a build checks every result of every briefing, and the same few thousand words make up most of
 * them. Cleared when full, so a hostile text cannot grow it without bound.
 */
const termOf = new Map<string, string>();
const TERM_MEMO = 100_000;

function keyTerm(word: string): string {
  let term = termOf.get(word);
  if (term !== undefined) return term;
  const spelled = /^(?:U\.S(?:\.A)?|USA?)$/.test(word) ? 'USA' : word;
  term = /^\d/.test(spelled) || isStopWord(spelled) ? '' : normaliseTerm(spelled);
  if (term.length < 2) term = '';
  if (termOf.size >= TERM_MEMO) termOf.clear();
  termOf.set(word, term);
  return term;
}

/**
 * A result's key terms and their places, in flat arrays: a build reads some three thousand words
 * per briefing and keeps them only while it is checked, so no object per word.
 */
interface Words {
  terms: string[];
  /** Start and end of term i at 2i and 2i + 1. */
  spans: number[];
  /** Where the snippet's terms and the passages' begin in `terms`. */
  snippetFrom: number;
  passagesFrom: number;
}

function readWords(title: string, snippet: string, passages: string): Words {
  const words: Words = { terms: [], spans: [], snippetFrom: 0, passagesFrom: 0 };
  const read = (text: string) => {
    for (const m of text.matchAll(TOKEN)) {
      const term = keyTerm(m[0]);
      if (!term) continue;
      words.terms.push(term);
      words.spans.push(m.index, m.index + m[0].length);
    }
  };
  read(title);
  words.snippetFrom = words.terms.length;
  read(snippet);
  words.passagesFrom = words.terms.length;
  read(passages);
  return words;
}

/** The places of the given terms in a result, term by term in their order, each term's in reading order. */
function places(r: PreparedResult, terms: string[]): Array<Token> {
  const { words } = r;
  const wanted = new Map<string, Token[]>(terms.map((t) => [t, []]));
  for (let i = 0; i < words.terms.length; i++) {
    const list = wanted.get(words.terms[i]!);
    if (!list) continue;
    const field: Field = i < words.snippetFrom ? 'title' : i < words.passagesFrom ? 'snippet' : 'passages';
    list.push({ term: words.terms[i]!, field, start: words.spans[2 * i]!, end: words.spans[2 * i + 1]! });
  }
  return [...wanted.values()].flat();
}

/** Key terms with their places: stop words and numbers left out, stems as text-analysis makes them. */
function tokens(text: string, field: Field, skip: Array<[number, number]> = []): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const start = m.index;
    const end = start + m[0].length;
    if (skip.length && skip.some(([a, b]) => start < b && end > a)) continue;
    const term = keyTerm(m[0]);
    if (term) out.push({ term, field, start, end });
  }
  return out;
}

/**
 * The session's results, numbered, and the index of which results hold each key term. A result's
 * figures are worked out on first use: many claims cite one or two of thirty results.
 */
function prepare(steps: GroundingInput['steps']): { results: PreparedResult[]; index: Map<string, number[]> } {
  const out: PreparedResult[] = [];
  const index = new Map<string, number[]>();
  for (const step of steps) {
    for (const result of step.results) {
      const n = out.length + 1;
      const title = (result.title ?? '').slice(0, MAX_RESULT_TEXT);
      const snippet = (result.snippet ?? '').slice(0, MAX_RESULT_TEXT);
      // What was read of the page bears out claims as the snippet does (issue "research that reads").
      const passages = passagesText(result).slice(0, MAX_RESULT_TEXT);
      const words = readWords(title, snippet, passages);
      for (const term of words.terms) {
        const holders = index.get(term);
        if (!holders) index.set(term, [n]);
        else if (holders[holders.length - 1] !== n) holders.push(n);
      }
      const published = /^(\d{4})/.exec(result.publishedAt?.trim() ?? '');
      const publishedYear = published ? Number(published[1]) : undefined;
      let figures: PreparedResult['figures'] | undefined;
      let years: Set<number> | undefined;
      out.push({
        n,
        title,
        snippet,
        passages,
        publishedYear,
        words,
        pools: new Map(),
        get figures() {
          return (figures ??= [
            ...extractFigures(title).map((f) => ({ ...f, field: 'title' as const })),
            ...extractFigures(snippet).map((f) => ({ ...f, field: 'snippet' as const })),
            ...extractFigures(passages).map((f) => ({ ...f, field: 'passages' as const })),
          ]);
        },
        get years() {
          if (!years) {
            years = new Set<number>();
            for (const f of this.figures) if (f.kind === 'year') for (let y = f.value; y <= (f.high ?? f.value) && y - f.value < 200; y++) years.add(y);
          }
          return years;
        },
      });
    }
  }
  return { results: out, index };
}

function parseCitations(text: string, count: number): { cites: number[]; unresolved: number[]; spans: Array<[number, number]> } {
  const cites: number[] = [];
  const unresolved: number[] = [];
  const spans: Array<[number, number]> = [];
  for (const m of text.matchAll(CITATION)) {
    spans.push([m.index, m.index + m[0].length]);
    for (const part of m[1]!.split(',')) {
      const [from, to = from] = part.split(/[-–]/).map((s) => Number(s.trim()));
      if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from || to - from > 50) {
        unresolved.push(from!);
        continue;
      }
      for (let k = from!; k <= to!; k++) (k >= 1 && k <= count ? cites : unresolved).push(k);
    }
  }
  return { cites: [...new Set(cites)], unresolved, spans };
}

/** The grounding of one session: its claims, each checked against the results, and the counts. */
export function groundSession(session: GroundingInput): GroundingReport {
  const { results, index } = prepare(session.steps);
  // The check's work grows faster than the text; a briefing is some 10–20 KB, so anything past
  // the cap (a runaway model, a hostile import) is left unchecked and says so, rather than
  // exhausting memory. Offsets stay valid: the checked text is a prefix.
  const clipped = (['summary', 'analysis'] as const).filter((part) => (session[part]?.length ?? 0) > MAX_PROSE);
  const blocks = [...extractBlocks(session.summary?.slice(0, MAX_PROSE), 'summary'), ...extractBlocks(session.analysis.slice(0, MAX_PROSE), 'analysis')];
  const claims: Claim[] = [];
  let resolvedCitations = 0;
  let unresolvedCitations = 0;
  let namedSources = 0;
  let admission: string | undefined;

  blocks.forEach((block, blockIndex) => {
    for (const span of block.claims) {
      const text = span.text;
      const { cites, unresolved, spans: citeSpans } = parseCitations(text, results.length);
      resolvedCitations += cites.length;
      unresolvedCitations += unresolved.length;
      const outlets: string[] = [];
      const attribution: Array<[number, number]> = [];
      for (const m of text.matchAll(ATTRIBUTION)) {
        attribution.push([m.index, m.index + m[0].length]);
        // "(Bloomberg, MSN November 2025)": the month is the date's, not the outlet's.
        for (const name of m[1]!.split(/\s*(?:,|\band\b|&)\s*/)) {
          const outlet = name.replace(MONTH_AT_END, '').trim();
          if (outlet) outlets.push(outlet);
        }
      }
      namedSources += attribution.length;
      if (!admission && ADMISSION.test(text)) admission = text;
      const blank = [...citeSpans, ...attribution];
      const figures = extractFigures(text).filter((f) => !blank.some(([a, b]) => f.start < b && f.end > a));
      const claimTerms = [...new Set(tokens(text, 'snippet', [...blank, ...figures.map((f): [number, number] => [f.start, f.end])]).map((t) => t.term))];
      const candidates = cites.length ? results.filter((r) => cites.includes(r.n)) : results;
      let claim = check({ text, figures, claimTerms, candidates, results, index, cited: cites.length > 0 });
      // "This briefing draws on 6 results from 3 sources": a sentence about the briefing itself,
      // citing nothing, is no claim about the world, and its counts are not figures to find.
      if (!cites.length && claim.status !== 'supported' && META.test(text)) {
        claim = { ...claim, status: 'uncited', why: 'it describes this briefing or its sources, not the world, and cites no result', sources: [], evidence: [] };
      }
      claims.push({
        part: block.part,
        block: blockIndex,
        start: span.start,
        end: span.end,
        text,
        cites,
        unresolved,
        outlets,
        ...claim,
        figures: claim.figures.map((f) => ({ ...f, start: f.start + span.start, end: f.end + span.start })),
      });
    }
  });

  const count = (s: ClaimStatus) => claims.filter((c) => c.status === s).length;
  const supported = count('supported');
  const notes: string[] = [];
  for (const part of clipped) notes.push(`Only the first ${MAX_PROSE.toLocaleString('en-GB')} characters of the ${part} were checked; the rest is too long to check.`);
  if (namedSources > 0) {
    notes.push(`${namedSources === 1 ? 'One place names' : `${namedSources} places name`} a news outlet (e.g. “(Reuters, November 2025)”) instead of citing a numbered result; a named outlet is not a link, so those claims were checked against every result.`);
  }
  const unsupportedFigures = claims.filter((c) => c.status === 'unsupported').flatMap((c) => c.figures.filter((f) => !f.found && f.kind !== 'year'));
  if (admission && unsupportedFigures.length > 0) {
    notes.push(
      `The text says the sources lack figures (“${clipText(admission, 120)}”), yet it states ${unsupportedFigures.length === 1 ? 'a figure' : `${unsupportedFigures.length} figures`} that no result it rests on holds.`,
    );
  }
  const counts: GroundingCounts = {
    version: GROUNDING_VERSION,
    claims: claims.length,
    figures: claims.reduce((n, c) => n + c.figures.length, 0),
    supported,
    unsupported: count('unsupported'),
    uncited: count('uncited'),
    citations: { resolved: resolvedCitations, unresolved: unresolvedCitations },
    score: claims.length ? Math.round((supported / claims.length) * 100) / 100 : 0,
    ...(namedSources ? { namedSources } : {}),
    ...(notes.length ? { notes } : {}),
  };
  return { version: GROUNDING_VERSION, blocks, claims, counts };
}

function clipText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

interface CheckInput {
  text: string;
  figures: Figure[];
  claimTerms: string[];
  candidates: PreparedResult[];
  results: PreparedResult[];
  /** Key term → the numbers of the results that hold it. */
  index: Map<string, number[]>;
  cited: boolean;
}

type CheckOutput = Pick<Claim, 'figures' | 'terms' | 'status' | 'why' | 'sources' | 'evidence'>;

const list = (ns: number[]) => ns.map((n) => `[${n}]`).join(', ');

const UP = /\b(?:rose|rise[sn]?|rising|grew|grow(?:s|n|ing)?|increas(?:e|ed|es|ing)|up|climb(?:ed|s|ing)?|jump(?:ed|s)?|surg(?:e|ed|es|ing)|gain(?:ed|s)?|higher|expand(?:ed|s)?)\b/i;
const DOWN = /\b(?:fell|fall(?:s|ing|en)?|drop(?:ped|s)?|declin(?:e|ed|es|ing)|down|decreas(?:e|ed|es|ing)|lower|shr[aiu]nk|plung(?:e|ed|es)|slump(?:ed|s)?|cut|reduc(?:e|ed|es)|collaps(?:e|ed|es))\b/i;

/** Which way a change goes in a text: up, down, or undefined when it says neither or both. */
function direction(text: string): 'up' | 'down' | undefined {
  const up = UP.test(text);
  const down = DOWN.test(text);
  return up === down ? undefined : up ? 'up' : 'down';
}

const low = (f: Figure): Figure => ({ ...f, high: undefined });
const high = (f: Figure): Figure => ({ ...f, value: f.high!, high: undefined });

/**
 * Whether a result holds a figure: the same figure, or for a range both ends ("between 2022 and
 * 2030" is in a text that names 2022 and 2030). A change in percent must also go the same way:
 * "rose 15.4%" is not borne out by "down 15.4%".
 */
function holds(r: PreparedResult, figure: Figure, claimDirection: 'up' | 'down' | undefined): boolean {
  const agrees = (f: Figure & { field: Field }) => {
    if (!claimDirection || (figure.kind !== 'percent' && figure.kind !== 'points')) return true;
    const text = f.field === 'title' ? r.title : f.field === 'snippet' ? r.snippet : r.passages;
    const seen = direction(text.slice(Math.max(0, f.start - 60), f.end + 25));
    return !seen || seen === claimDirection;
  };
  const pool = comparable(r, figure);
  if (pool.some((f) => sameFigure(figure, f) && agrees(f))) return true;
  if (figure.high === undefined) return false;
  return pool.some((f) => sameFigure(low(figure), f)) && pool.some((f) => sameFigure(high(figure), f));
}

/**
 * The figures of a result that `sameFigure` could find the same as `figure`, in reading order:
 * years with years; otherwise the same unit or a bare count, or every unit for a bare count. A
 * claim's figure is looked for in all thirty results, each holding dozens of figures.
 */
function comparable(r: PreparedResult, figure: Figure): Array<Figure & { field: Field }> {
  const year = figure.kind === 'year';
  const key = year ? '\0year' : figure.unit;
  let pool = r.pools.get(key);
  if (!pool) {
    pool = r.figures.filter((f) => (f.kind === 'year') === year && (year || figure.unit === '' || f.unit === '' || f.unit === figure.unit));
    r.pools.set(key, pool);
  }
  return pool;
}

/** Evidence ranges kept per claim. */
const MAX_EVIDENCE = 24;
/** Characters of the summary and of the analysis that are checked. */
const MAX_PROSE = 60_000;
/** Characters of a result's title, of its snippet and of its passages that are read. */
const MAX_RESULT_TEXT = 20_000;

function check({ text, figures, claimTerms, candidates, results, index, cited }: CheckInput): CheckOutput {
  const claimDirection = direction(text);
  const where = cited ? `the cited result${candidates.length === 1 ? '' : 's'} ${list(candidates.map((r) => r.n))}` : 'any result of this session';
  const evidence: Evidence[] = [];
  const figureOut: ClaimFigure[] = [];
  const figureSources = new Set<number>();
  for (const figure of figures) {
    const holders = candidates.filter((r) => holds(r, figure, claimDirection));
    const base = { start: figure.start, end: figure.end, text: describeFigure(figure), kind: figure.kind };
    if (holders.length) {
      for (const r of holders) {
        figureSources.add(r.n);
        for (const f of r.figures) {
          // Enough to show the reader; a text repeating one figure thousands of times (a hostile
          // or runaway result) must not make the record grow with claims × repeats.
          if (evidence.length >= MAX_EVIDENCE) break;
          if (sameFigure(figure, f) || (figure.high !== undefined && (sameFigure(low(figure), f) || sameFigure(high(figure), f)))) evidence.push({ n: r.n, field: f.field, start: f.start, end: f.end, kind: 'figure' });
        }
      }
      figureOut.push({ ...base, found: true, in: holders.map((r) => r.n) });
      continue;
    }
    if (figure.kind === 'year') {
      // A year is checked only against sources that give years: "in 2024" cannot be wrong about
      // a snippet that names no year, and the publication date counts as the source's year.
      const dated = candidates.filter((r) => r.years.size > 0 || r.publishedYear !== undefined);
      const byDate = candidates.filter((r) => r.publishedYear !== undefined && r.publishedYear >= figure.value && r.publishedYear <= (figure.high ?? figure.value));
      if (byDate.length || dated.length === 0) {
        figureOut.push({ ...base, found: true, in: byDate.map((r) => r.n) });
        continue;
      }
    }
    const elsewhere = results.filter((r) => !candidates.includes(r) && holds(r, figure, claimDirection)).map((r) => r.n);
    const turned = claimDirection && candidates.some((r) => holds(r, figure, undefined));
    const why = turned
      ? `“${base.text}” is in ${where}, but there it went ${claimDirection === 'up' ? 'down' : 'up'}, not ${claimDirection}`
      : cited
        ? `“${base.text}” is not in ${where}${elsewhere.length ? `; result${elsewhere.length === 1 ? '' : 's'} ${list(elsewhere.slice(0, 3))} ${elsewhere.length === 1 ? 'has' : 'have'} it` : ''}`
        : `“${base.text}” appears in no result of this session`;
    figureOut.push({ ...base, found: false, in: [], why });
  }

  // Key terms: per result, and over all the candidates.
  const total = claimTerms.length;
  let best: PreparedResult | undefined;
  let bestMatched = 0;
  const union = new Set<string>();
  // Each term is looked up once in the session's index, not once per result.
  const perResult = new Map<number, number>();
  const allowed = candidates.length === results.length ? undefined : new Set(candidates.map((r) => r.n));
  for (const term of claimTerms) {
    for (const n of index.get(term) ?? []) {
      if (allowed && !allowed.has(n)) continue;
      perResult.set(n, (perResult.get(n) ?? 0) + 1);
      union.add(term);
    }
  }
  for (const r of candidates) {
    const matched = perResult.get(r.n) ?? 0;
    if (matched > bestMatched || (matched === bestMatched && best && figureSources.has(r.n) && !figureSources.has(best.n))) {
      best = r;
      bestMatched = matched;
    }
  }
  const figuresOk = figureOut.every((f) => f.found);
  const hasFigures = figureOut.some((f) => f.kind !== 'year');
  let status: ClaimStatus;
  let why: string;
  let sources: number[] = [];
  // With figures the numbers carry the claim, so fewer words need to match; without, the words
  // must be in one result.
  const matched = hasFigures ? union.size : bestMatched;
  const share = total ? matched / total : 1;
  // Two or more figures found together in one result carry a claim on their own ("grew from
  // 17.2 GWh to 21.9 GWh"), whatever words surround them.
  const numeric = figureOut.filter((f) => f.found && f.kind !== 'year');
  const together = numeric.length >= 2 && candidates.some((r) => numeric.every((f) => f.in.includes(r.n)));
  const termsOk = together || (hasFigures ? share >= TERMS_WITH_FIGURES : share >= TERMS_WITHOUT_FIGURES && matched >= Math.min(2, total));
  const termWords = `${matched} of its ${total} key term${total === 1 ? '' : 's'}`;

  if (figuresOk && termsOk && candidates.length > 0 && (total > 0 || hasFigures)) {
    status = 'supported';
    sources = hasFigures ? [...figureSources] : best ? [best.n] : [];
    if (best && !sources.includes(best.n) && bestMatched > 0) sources.push(best.n);
    const named = hasFigures ? `its figure${figureOut.length === 1 ? '' : 's'} and ${termWords}` : termWords;
    why = `${named} ${matched === 1 && !hasFigures ? 'is' : 'are'} in result${sources.length === 1 ? '' : 's'} ${list(sources)}`;
    for (const r of candidates.filter((c) => sources.includes(c.n))) {
      for (const t of places(r, claimTerms)) evidence.push({ n: r.n, field: t.field, start: t.start, end: t.end, kind: 'term' });
    }
  } else if (!figuresOk) {
    status = 'unsupported';
    why = figureOut.filter((f) => !f.found).map((f) => f.why).join('; ');
  } else if (cited || hasFigures) {
    status = 'unsupported';
    why = candidates.length === 0 ? 'this session has no results to check it against' : `too few key terms in ${where}: ${termWords}`;
  } else {
    status = 'uncited';
    why = `it cites no result, and no result holds enough of its words (${termWords} in the closest)`;
  }
  return {
    figures: figureOut,
    terms: { total, matched },
    status,
    why,
    sources,
    evidence: status === 'supported' ? evidence.filter((e) => sources.includes(e.n)) : [],
  };
}
