// Synthetic sessions for the build benchmark: seeded and reproducible, shaped like real pipeline
// output (5 steps × 6 results, a 1,000–1,500-word markdown analysis with headings, lists, a GFM
// table and [n] citations, a ~150-word summary), spread over many questions, each a timeline
// of weekly, fortnightly or four-weekly runs. By default the sessions are schema version 2, as
// the pipeline writes them now: a cited answer with 3–8 key figures that form series over a
// question's runs, pages read with 2–4 passages on about a third of the results, rounds, a
// budget, the method stamp, and the ledger against the question's previous session
// (`compareSessions`, as `kb run` stores it); `schema: 1` gives the earlier shape. Every session
// is validated with the real schema and written with the real `sessionToMdx` to the path the
// store would choose.
//
// Writing is CPU-bound (sessionToMdx re-parses its own output), so sessions are written on worker
// threads; a finished set is cached under node_modules/.cache/kb-bench/ and copied on later runs.
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { compareSessions } from '#core/ledger/index.ts';
import { Session, sessionProblems, type KeyFigure, type Method, type Passage, type Step } from '#core/session.ts';
import { sessionToMdx } from '#kb/store/mdx.ts';
import { sessionPath } from '#kb/store/store.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Part of the cache key, with the hashes of the files below: 2 since version 2 sessions. */
const GENERATOR = 2;
const STEPS = 5;
const RESULTS = 6;

export interface SyntheticOptions {
  sessions: number;
  seed: number;
  /** Distinct questions; by default about 50 sessions each, between 10 and 500. */
  questions?: number;
  /**
   * The session shape: 2 (the default) as the pipeline writes now — an answer with key figures
   * that form series across a question's sessions, pages read with their passages, rounds, a
   * budget, the method stamp, and the ledger against the question's previous session; 1 the
   * earlier shape (none of these), for comparing with figures measured before December 2026.
   */
  schema?: 1 | 2;
}

export const schemaOf = (options: SyntheticOptions): 1 | 2 => options.schema ?? 2;

export function questionCount({ sessions, questions }: SyntheticOptions): number {
  return questions ?? Math.min(500, Math.max(Math.min(10, sessions), Math.round(sessions / 50)));
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness: one generator per (seed, stream, index), so any worker can produce
// any session without the others.

function mulberry32(a: number) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rngFor(seed: number, stream: string, index: number) {
  const h = createHash('sha256').update(`${seed}:${stream}:${index}`).digest();
  const next = mulberry32(h.readUInt32LE(0));
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  // Zipf-like: low indexes far more often, as words are in real text.
  const zipf = <T>(xs: readonly T[]): T => xs[Math.min(xs.length - 1, Math.floor(Math.pow(next(), 2.2) * xs.length))]!;
  const hex = (n: number) => Array.from({ length: n }, () => int(0, 15).toString(16)).join('');
  return { next, int, pick, zipf, hex };
}
type Rng = ReturnType<typeof rngFor>;

// ---------------------------------------------------------------------------------------------
// Vocabulary. Real words for the frame; a pool of generated proper nouns and technical terms
// (fixed by a constant seed) so the index holds a realistic number of distinct words.

export const MATERIALS = ['lithium', 'cobalt', 'nickel', 'graphite', 'gallium', 'germanium', 'copper', 'rare earths', 'neodymium', 'dysprosium', 'manganese', 'tungsten', 'antimony', 'vanadium', 'platinum', 'palladium', 'silicon', 'tin', 'tantalum', 'niobium', 'uranium', 'helium', 'magnesium', 'titanium', 'zinc', 'bauxite', 'phosphate', 'potash', 'indium', 'bismuth', 'chromium', 'molybdenum', 'scandium', 'hafnium', 'beryllium', 'fluorspar', 'barite', 'lead', 'iridium', 'rhodium'];
export const COUNTRIES = ['China', 'the United States', 'Australia', 'Chile', 'Argentina', 'Bolivia', 'Indonesia', 'the Philippines', 'the Democratic Republic of the Congo', 'Zambia', 'South Africa', 'Zimbabwe', 'Canada', 'Brazil', 'Peru', 'Mexico', 'Russia', 'Kazakhstan', 'Mongolia', 'Vietnam', 'Myanmar', 'Malaysia', 'Japan', 'South Korea', 'Taiwan', 'India', 'Germany', 'France', 'Sweden', 'Finland', 'Norway', 'Poland', 'Morocco', 'Namibia', 'Tanzania', 'Mozambique', 'Madagascar', 'Gabon', 'Guinea', 'Ghana', 'Turkey', 'Saudi Arabia', 'the United Kingdom', 'Spain', 'Portugal', 'Serbia', 'Ukraine', 'Greenland', 'New Caledonia', 'Papua New Guinea'];
const THEMES = ['supply risk', 'prices', 'export controls', 'refining capacity', 'recycling', 'demand outlook', 'stockpiles', 'trade flows', 'mine permitting', 'ownership of mines and refineries', 'market share by country', 'substitution', 'battery demand', 'defence supply chains', 'tariffs', 'long-term contracts', 'processing technology', 'environmental rules', 'labour and safety', 'investment and financing'];
const QUESTION_FORMS = [
  (m: string, c: string, t: string) => `What is the supply outlook for ${m} in ${c}, with a focus on ${t}?`,
  (m: string, c: string, t: string) => `How dependent is ${c} on imported ${m}, and how do ${t} change that?`,
  (m: string, c: string, t: string) => `How are ${t} reshaping ${m} supply from ${c}?`,
  (m: string, c: string, t: string) => `Is ${m} production in ${c} growing fast enough, given ${t}?`,
  (m: string, c: string, t: string) => `What share of global ${m} supply comes from ${c}, and what do ${t} mean for buyers?`,
];
const ADJ = ['tight', 'loose', 'volatile', 'stable', 'concentrated', 'diversified', 'fragile', 'resilient', 'strategic', 'constrained', 'oversupplied', 'undersupplied', 'rising', 'falling', 'seasonal', 'structural', 'cyclical', 'regional', 'domestic', 'integrated'];
const VERB = ['expanded', 'cut', 'doubled', 'halved', 'raised', 'lowered', 'restarted', 'suspended', 'delayed', 'accelerated', 'announced', 'approved', 'cancelled', 'financed', 'acquired', 'commissioned'];
const NOUN = ['output', 'exports', 'imports', 'capacity', 'inventories', 'shipments', 'contracts', 'offtake agreements', 'quotas', 'royalties', 'refinery throughput', 'smelter utilisation', 'spot prices', 'forward curves', 'premiums', 'concentrate grades', 'tailings volumes', 'processing margins', 'investment', 'permits'];
const ACTOR = ['the state miner', 'a Japanese trading house', 'a Korean battery maker', 'the national development bank', 'an Australian junior miner', 'a Chinese refiner', 'the European Commission', 'the US Department of Energy', 'a Canadian royalty company', 'a private equity fund', 'the ministry of mines', 'an automaker consortium', 'a Swiss commodity trader', 'the customs authority', 'a sovereign wealth fund'];
const UNITS = ['tonnes', 'kilotonnes', 'million tonnes', 'per cent', 'US dollars per tonne', 'US dollars per kilogram', 'megawatt-hours', 'billion US dollars'];

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'tor', 'va', 'dun', 'sel', 'bri', 'quo', 'zan', 'pe', 'lum', 'hal', 'rix', 'tam', 'gor', 'nel', 'fas', 'ul', 'dre', 'vin', 'sor', 'tek', 'mar', 'ost', 'pol', 'che', 'ba', 'iz', 'wen', 'cal', 'ter', 'yo', 'ash', 'mon', 'dak', 'sti', 'rov', 'el'];
const fixed = rngFor(7, 'vocabulary', 0);
const coin = (syllables: number) => Array.from({ length: syllables }, () => fixed.pick(SYLLABLES)).join('');
const capital = (s: string) => s[0]!.toUpperCase() + s.slice(1);
/** Company, mine and place names: thousands of distinct proper nouns across a large corpus. */
const NAMES = Array.from({ length: 6000 }, () => capital(coin(fixed.int(2, 3))));
/** Technical terms, used Zipf-like so a few are common and most are rare. */
const TERMS = Array.from({ length: 20000 }, () => coin(fixed.int(2, 4)));
const HOST_SUFFIX = ['com', 'org', 'net', 'io', 'co.uk', 'de', 'com.au', 'ca', 'info', 'news'];
/**
 * Outlets: as in real results, a few hosts recur across thousands of sessions and most are
 * rare (distinct within one session). Sized so the "source" facet is as large as a real one.
 */
const HOSTS = [...new Set(Array.from({ length: 3000 }, () => `www.${coin(fixed.int(2, 3))}-${fixed.pick(['news', 'metals', 'mining', 'energy', 'markets', 'review', 'journal', 'daily', 'gov', 'institute'])}.${fixed.pick(HOST_SUFFIX)}`))];

function figure(r: Rng): string {
  switch (r.int(0, 5)) {
    case 0:
      return `${r.int(2, 98)}%`;
    case 1:
      return `${r.int(1, 999).toLocaleString('en-US')},${String(r.int(0, 999)).padStart(3, '0')} ${r.pick(UNITS)}`;
    case 2:
      return `${(r.next() * 90 + 1).toFixed(1)} ${r.pick(UNITS)}`;
    case 3:
      return `US$${r.int(1, 95)}.${r.int(0, 9)} billion`;
    case 4:
      return `${r.int(100, 9999)} ${r.pick(UNITS)}`;
    default:
      return `${r.int(11, 49)} million tonnes`;
  }
}

interface Ctx {
  r: Rng;
  material: string;
  country: string;
  theme: string;
  cite: () => string;
}

const SENTENCES: Array<(c: Ctx) => string> = [
  ({ r, material, country }) => `${capital(material)} supply from ${country} reached ${figure(r)} in ${r.int(2015, 2026)}, according to ${r.pick(NAMES)} ${r.pick(['Research', 'Analytics', 'Advisory', 'Institute'])} ${c2(r)}.`,
  ({ r, material }) => `${r.pick(NAMES)} ${r.pick(VERB)} ${r.pick(NOUN)} at its ${r.pick(NAMES)} ${material} project by ${figure(r)}, citing ${r.zipf(TERMS)} costs and ${r.pick(ADJ)} demand.`,
  ({ r, country, theme }) => `In ${country}, ${r.pick(ACTOR)} said ${theme} would remain ${r.pick(ADJ)} through ${r.int(2026, 2035)}, while ${r.pick(NOUN)} stood at ${figure(r)}.`,
  ({ r, material }) => `The ${r.pick(ADJ)} ${material} market absorbed ${figure(r)} of new supply, yet ${r.pick(NOUN)} fell ${r.int(2, 60)}% year on year.`,
  ({ r, material, country }) => `Analysts at ${r.pick(NAMES)} estimate that ${country} controls ${r.int(5, 95)}% of ${material} ${r.pick(['mining', 'refining', 'processing', 'trade'])}, up from ${r.int(1, 80)}% in ${r.int(2005, 2020)}.`,
  ({ r, theme }) => `Changes in ${theme} moved ${r.pick(NOUN)} by ${figure(r)}, and the ${r.zipf(TERMS)} ${r.zipf(TERMS)} process cut energy use by ${r.int(3, 45)}%.`,
  ({ r, material }) => `${capital(r.pick(ACTOR))} ${r.pick(VERB)} a ${r.pick(ADJ)} supply agreement for ${figure(r)} of ${material} with ${r.pick(NAMES)} ${r.pick(['Mining', 'Metals', 'Resources', 'Minerals', 'Holdings'])}.`,
  ({ r, country }) => `Ports in ${country} handled ${figure(r)} of concentrate, with ${r.pick(NAMES)} and ${r.pick(NAMES)} taking most of the ${r.zipf(TERMS)} grade.`,
  ({ r, material, theme }) => `Because ${theme} dominate the ${material} supply chain, ${r.pick(NOUN)} ${r.pick(['rose', 'fell', 'held steady', 'swung'])} to ${figure(r)} in the ${r.pick(['first', 'second', 'third', 'fourth'])} quarter.`,
  ({ r, material }) => `Recycled ${material} covered ${r.int(1, 40)}% of demand, and the ${r.zipf(TERMS)} method could lift that to ${r.int(20, 70)}% by ${r.int(2028, 2040)}.`,
  ({ r, country, material }) => `${capital(country)} ${r.pick(VERB)} its ${material} ${r.pick(NOUN)} after the ${r.pick(NAMES)} ${r.pick(['deposit', 'smelter', 'refinery', 'mine', 'plant'])} reported ${figure(r)}.`,
  ({ r }) => `Prices for ${r.zipf(TERMS)} ${r.pick(['grade', 'concentrate', 'oxide', 'carbonate', 'hydroxide', 'sulphate'])} averaged ${figure(r)}, a ${r.pick(ADJ)} level by historical standards.`,
  ({ r, material, country }) => `Buyers hedged ${material} supply from ${country} with ${r.pick(NOUN)} worth ${figure(r)}, mostly through ${r.pick(NAMES)} and ${r.pick(ACTOR)}.`,
  ({ r, theme, country }) => `Survey respondents in ${country} ranked ${theme} as the ${r.pick(['first', 'second', 'third'])} risk to supply, ahead of ${r.zipf(TERMS)} and ${r.zipf(TERMS)} constraints.`,
  ({ r, material }) => `Demand for ${material} in ${r.pick(['batteries', 'magnets', 'alloys', 'catalysts', 'semiconductors', 'solar panels', 'wind turbines', 'defence systems'])} grew ${r.int(2, 70)}% to ${figure(r)}.`,
];
function c2(r: Rng): string {
  return `(${r.pick(['report', 'note', 'survey', 'review', 'bulletin'])} ${r.int(1, 99)})`;
}

function sentence(c: Ctx, cite = true): string {
  const s = c.r.pick(SENTENCES)(c);
  return cite ? `${s.slice(0, -1)} ${c.cite()}.` : s;
}
function paragraph(c: Ctx, min: number, max: number): string {
  return Array.from({ length: c.r.int(min, max) }, () => sentence(c, c.r.next() < 0.6)).join(' ');
}
/** Words of prose: markdown's own marks (#, -, |) do not count. */
const words = (s: string) => s.split(/\s+/).filter((w) => /[A-Za-z0-9]/.test(w)).length;

function analysisFor(c: Ctx): string {
  const { r } = c;
  // Sections are added while there is room; the last may overrun a little, and the outlook
  // (about 60 words) closes the analysis: 1,000–1,500 words in all.
  const target = r.int(1050, 1400);
  const room = () => words(out.join(' ')) < target - 100;
  const out: string[] = ['## Overview', '', paragraph(c, 4, 6), ''];
  const themes = [...new Set(Array.from({ length: 6 }, () => r.pick(THEMES)))];
  let tableDone = false;
  for (const theme of themes) {
    out.push(`## ${capital(theme)}`, '', paragraph({ ...c, theme }, 3, 5), '');
    for (let k = 0; k < r.int(1, 2) && room(); k++) {
      out.push(`### ${capital(r.pick(NOUN))} in ${r.pick(COUNTRIES)}`, '', paragraph({ ...c, theme }, 2, 4), '');
      out.push(...Array.from({ length: r.int(3, 5) }, () => `- ${sentence({ ...c, theme })}`), '');
    }
    if (!tableDone) {
      tableDone = true;
      out.push('## Figures', '', '| Figure | Context | Source |', '| --- | --- | --- |');
      for (let k = 0; k < r.int(5, 8); k++) out.push(`| ${figure(r)} | ${sentence(c, false).slice(0, -1)} | ${c.cite()} |`);
      out.push('');
    }
    if (!room()) break;
  }
  while (room()) out.push(paragraph(c, 2, 3), '');
  out.push('## Outlook', '', paragraph(c, 2, 4), '');
  return out.join('\n');
}

interface Question {
  slug: string;
  question: string;
  tags: string[];
  material: string;
  country: string;
  theme: string;
  /** Days between runs: half the questions weekly, a third fortnightly, the rest every 4 weeks. */
  every: number;
}

export function questionFor(seed: number, q: number): Question {
  const r = rngFor(seed, 'question', q);
  const material = r.pick(MATERIALS);
  const country = r.pick(COUNTRIES);
  const theme = r.pick(THEMES);
  const slugify = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const tags = [...new Set([slugify(material), slugify(country.replace(/^the /, '')), slugify(theme), ...(r.next() < 0.5 ? [r.pick(['batteries', 'defence', 'energy-transition', 'critical-minerals', 'trade-policy', 'prices'])] : [])])];
  const every = [7, 7, 7, 14, 14, 28][q % 6]!;
  return { slug: `${slugify(material)}-${slugify(country.replace(/^the /, ''))}-${q + 1}`, question: r.pick(QUESTION_FORMS)(material, country, theme), tags, material, country, theme, every };
}

const DAY = 86_400_000;
const END = Date.parse('2026-11-16T06:00:00Z');

/**
 * Session number `i` without its ledger: the version 1 shape, or with `schema: 2` (the default)
 * also the answer, pages read, rounds, budget and method (`v2Fields`). Not validated.
 */
function baseSession(options: SyntheticOptions, i: number): Session {
  const { seed } = options;
  const total = options.sessions;
  const questions = questionCount(options);
  const q = i % questions;
  const run = Math.floor(i / questions);
  const runs = Math.ceil(total / questions);
  const question = questionFor(seed, q);
  const r = rngFor(seed, 'session', i);
  // On the question's schedule, the newest in the last week; questions offset by minutes so every
  // generatedAt in the set is distinct and each timeline increases.
  const generatedAt = new Date(END - (runs - 1 - run) * question.every * DAY + q * 60_000 + r.int(0, 59) * 1000).toISOString();
  let n = 0;
  const c: Ctx = { r, material: question.material, country: question.country, theme: question.theme, cite: () => `[${r.int(1, STEPS * RESULTS)}]` };
  const hosts = new Set<string>();
  const steps: Step[] = Array.from({ length: STEPS }, (_, s) => ({
    id: `step_${s + 1}`,
    query: `${question.material} ${question.country.replace(/^the /, '')} ${r.pick(THEMES)} ${r.zipf(TERMS)}`,
    results: Array.from({ length: RESULTS }, () => {
      let host: string;
      do host = r.zipf(HOSTS);
      while (hosts.has(host));
      hosts.add(host);
      n++;
      let snippet = '';
      const want = r.int(40, 80);
      while (words(snippet) < want) snippet += (snippet ? ' ' : '') + sentence(c, false);
      snippet = snippet.split(/\s+/).slice(0, want).join(' ');
      return {
        title: `${r.pick(NAMES)} ${r.pick(VERB)} ${question.material} ${r.pick(NOUN)} in ${r.pick(COUNTRIES)} (${figure(r)})`,
        url: `https://${host}/${r.int(2019, 2026)}/${r.zipf(TERMS)}-${r.zipf(TERMS)}-${r.hex(6)}`,
        snippet,
        source: host,
        publishedAt: new Date(Date.parse(generatedAt) - r.int(1, 400) * DAY).toISOString().slice(0, 10),
      };
    }),
  }));
  let summary = '';
  while (words(summary) < 140) summary += (summary ? ' ' : '') + sentence(c);
  const session = {
    id: `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-${r.pick(['8', '9', 'a', 'b'])}${r.hex(3)}-${r.hex(12)}`,
    query: question.question,
    querySlug: question.slug,
    title: `${capital(question.material)} in ${question.country.replace(/^the /, '')}: ${r.pick(THEMES)}, run ${run + 1}`,
    generatedAt,
    summary,
    analysis: analysisFor(c),
    tags: question.tags,
    steps,
    status: 'complete' as const,
    providers: { search: 'tavily', llm: 'openai', model: 'gpt-4o-mini' },
    metrics: { durationMs: r.int(8000, 60000), inputTokens: r.int(8000, 20000), outputTokens: r.int(1500, 3000), citations: { resolved: r.int(10, 30), removed: 0 } },
  };
  // Everything above draws on the `session` stream in the same order for both shapes, so the
  // version 1 sessions are the ones earlier generators wrote; version 2 adds its fields from
  // streams of its own.
  if (schemaOf(options) === 1) return session;
  return { ...session, ...v2Fields(options, i, question, run, generatedAt, steps) };
}

// ---------------------------------------------------------------------------------------------
// Schema version 2: the answer and its key figures, pages read, rounds, budget, method, ledger.
//
// Key figures follow a per-question plan: 3–8 measures drawn from FIGURE_KINDS, each a series
// whose value walks from session to session (a share 0–3 points a run, one run in ten 4–8; an
// amount 0–4 %, one run in ten 8–20 %). A figure is left out of one answer in eight, and one in
// eight is reworded (another of its kind's labels, which the ledger's label matching still takes
// for the same series). The summary's findings are slots that each keep their sentence for 3–12
// runs, so a ledger sees mostly unchanged claims, a few new and dropped ones, and figures moving.

interface FigureKind {
  unit: string;
  /** Labels for the same measure: the question keeps one, and a session sometimes uses another. */
  labels: (m: string, c: string) => string[];
  start: (r: Rng) => number;
  /** Shares move in points, amounts by a fraction. */
  share: boolean;
  /** The period the figure describes, from the session's date. */
  asOf: (at: Date) => string | undefined;
  text: (v: number, r: Rng) => string;
  /** A sentence stating the figure (no citation, no final stop). */
  say: (m: string, c: string, text: string, asOf: string | undefined) => string;
}

const lastYear = (at: Date) => String(at.getUTCFullYear() - 1);
const about = (r: Rng) => r.pick(['about ', 'roughly ', '', 'nearly ', 'some ']);
const sig3 = (v: number) => {
  const p = Math.pow(10, Math.max(0, Math.floor(Math.log10(Math.abs(v) || 1)) - 2));
  return Math.round(v / p) * p;
};
const inYear = (asOf: string | undefined) => (asOf ? ` in ${asOf}` : '');

export const FIGURE_KINDS: FigureKind[] = [
  {
    unit: '%',
    labels: (m, c) => [`Share of global ${m} mining in ${c}`, `${capital(c)}'s share of global ${m} mining`, `Share of world ${m} mining in ${c}`],
    start: (r) => r.int(8, 85),
    share: true,
    asOf: lastYear,
    text: (v, r) => `${about(r)}${v}%`,
    say: (m, c, t, y) => `${capital(c)} accounted for ${t} of global ${m} mining${inYear(y)}`,
  },
  {
    unit: '%',
    labels: (m) => [`China's portion of ${m} refining`, `Portion of ${m} refining in China`, `${capital(m)} refining, China's portion`],
    start: (r) => r.int(35, 95),
    share: true,
    asOf: lastYear,
    text: (v, r) => `${about(r)}${v}%`,
    say: (m, _c, t, y) => `Refiners in China processed ${t} of the world's ${m}${inYear(y)}`,
  },
  {
    unit: '%',
    labels: (m) => [`Recycled share of ${m} demand`, `Share of ${m} demand met by recycling`, `Recycling share of ${m} demand`],
    start: (r) => r.int(2, 30),
    share: true,
    asOf: lastYear,
    text: (v, r) => `${about(r)}${v}%`,
    say: (m, _c, t, y) => `Recycling met ${t} of ${m} demand${inYear(y)}`,
  },
  {
    unit: 't',
    labels: (m, c) => [`${capital(m)} mine output in ${c}`, `${capital(m)} output from mines in ${c}`, `Mined ${m} output in ${c}`],
    start: (r) => sig3(r.int(2_000, 400_000)),
    share: false,
    asOf: lastYear,
    text: (v, r) => `${about(r)}${v.toLocaleString('en-US')} tonnes`,
    say: (m, c, t, y) => `Mines in ${c} produced ${t} of ${m}${inYear(y)}`,
  },
  {
    unit: 't',
    labels: (m) => [`${capital(m)} export volume`, `Exported ${m} volume`, `${capital(m)} export volumes`],
    start: (r) => sig3(r.int(1_000, 250_000)),
    share: false,
    asOf: lastYear,
    text: (v, r) => `${about(r)}${v.toLocaleString('en-US')} tonnes`,
    say: (m, _c, t, y) => `Exports of ${m} reached ${t}${inYear(y)}`,
  },
  {
    unit: 'USD/t',
    labels: (m) => [`${capital(m)} spot price`, `Spot price of ${m}`, `${capital(m)} spot prices`],
    start: (r) => sig3(r.int(1_500, 90_000)),
    share: false,
    asOf: (at) => at.toISOString().slice(0, 7),
    text: (v) => `US$${v.toLocaleString('en-US')} a tonne`,
    say: (m, _c, t, y) => `The ${m} spot price stood at ${t}${y ? ` in ${y}` : ''}`,
  },
  {
    unit: 'USD',
    labels: (m) => [`Investment announced in ${m} projects`, `Announced investment in ${m} projects`, `${capital(m)} project investment announced`],
    start: (r) => sig3(r.int(200, 40_000)) * 1e6,
    share: false,
    asOf: () => undefined,
    text: (v) => `US$${(v / 1e9).toFixed(1)} billion`,
    say: (m, _c, t) => `Companies have announced ${t} of investment in new ${m} projects`,
  },
  {
    unit: 't',
    labels: (m) => [`Government stockpiles of ${m}`, `Government ${m} stockpiles`, `${capital(m)} stockpiles held by governments`],
    start: (r) => sig3(r.int(500, 60_000)),
    share: false,
    asOf: lastYear,
    text: (v, r) => `${about(r)}${v.toLocaleString('en-US')} tonnes`,
    say: (m, _c, t, y) => `Government stockpiles held ${t} of ${m}${inYear(y)}`,
  },
];

interface QuestionPlan {
  /** Indexes into FIGURE_KINDS, in the order the answer gives them. */
  kinds: number[];
  /** The label each kind usually has. */
  label: number[];
  /** Summary findings: each keeps its sentence for `life` runs, from an offset. */
  slots: Array<{ life: number; phase: number }>;
}

const plans = new Map<string, QuestionPlan>();
function planFor(seed: number, q: number): QuestionPlan {
  const key = `${seed}:${q}`;
  let plan = plans.get(key);
  if (!plan) {
    const r = rngFor(seed, 'figure-plan', q);
    const order = FIGURE_KINDS.map((_, k) => ({ k, x: r.next() })).sort((a, b) => a.x - b.x).map((o) => o.k);
    const kinds = order.slice(0, r.int(3, 8));
    plan = { kinds, label: kinds.map(() => r.int(0, 2)), slots: Array.from({ length: r.int(3, 5) }, () => ({ life: r.int(3, 12), phase: r.int(0, 11) })) };
    plans.set(key, plan);
  }
  return plan;
}

/** A series' value at run `run` of its question: a seeded walk from its start. */
function valueAt(seed: number, q: number, kindIndex: number, run: number): number {
  const kind = FIGURE_KINDS[kindIndex]!;
  const r = rngFor(seed, `figure-walk:${kindIndex}`, q);
  let v = kind.start(r);
  for (let k = 0; k < run; k++) {
    const big = r.next() < 0.1;
    const sign = r.next() < 0.5 ? -1 : 1;
    if (kind.share) v = Math.min(99, Math.max(1, v + sign * (big ? r.int(4, 8) : r.int(0, 3))));
    else v = Math.max(1, sig3(v * (1 + sign * (big ? r.int(8, 20) : r.int(0, 4)) / 100)));
  }
  return v;
}

const PROMPTS_BEFORE = { planner: '3f9c2a71b4e0', 'follow-up': '8d41e6c05a92', analyst: 'c27b90f4e613' };
const PROMPTS_AFTER = { ...PROMPTS_BEFORE, analyst: '5ae08d3b7c14', verify: '91f2c4d8a07e' };
/** Sessions from this day on were made with pipeline 2 and another analyst prompt: one ledger per question says the method changed. */
const METHOD_CHANGED = Date.parse('2026-06-01T00:00:00Z');
const HEADINGS = ['Supply', 'Prices', 'Outlook', 'Trade', 'Production', 'Policy', 'Demand', 'Refining'];

function v2Fields(options: SyntheticOptions, i: number, question: Question, run: number, generatedAt: string, steps: Step[]): Partial<Session> {
  const { seed } = options;
  const q = i % questionCount(options);
  const plan = planFor(seed, q);
  const r = rngFor(seed, 'session-v2', i);
  const at = new Date(generatedAt);
  const country = question.country.replace(/^the /, '');
  const { material } = question;
  const results = steps.flatMap((s) => s.results);

  // The key figures this session gives: most of the plan's, at least three.
  // The answer rests on two to four results, as a model's answer does.
  const sources = Array.from({ length: r.int(2, 4) }, () => r.int(1, results.length));
  let present = plan.kinds.map(() => r.next() >= 0.125);
  if (present.filter(Boolean).length < 3) present = plan.kinds.map((_, k) => k < 3 || present[k]!);
  const figures: Array<KeyFigure & { sentence: string }> = [];
  plan.kinds.forEach((kindIndex, k) => {
    if (!present[k]) return;
    const kind = FIGURE_KINDS[kindIndex]!;
    const labels = kind.labels(material, country);
    const label = r.next() < 0.125 ? labels[(plan.label[k]! + r.int(1, 2)) % 3]! : labels[plan.label[k]!]!;
    const value = valueAt(seed, q, kindIndex, run);
    const text = kind.text(value, r);
    const asOf = kind.asOf(at);
    const cite = r.pick(sources);
    figures.push({ label, value, unit: kind.unit, text, ...(asOf ? { asOf } : {}), cite, sentence: kind.say(material, country, text, asOf) });
  });
  const cited = new Map<number, string[]>();
  for (const f of figures) cited.set(f.cite!, [...(cited.get(f.cite!) ?? []), f.sentence]);

  // The answer states the first one or two figures; the summary's findings the next two, then slots.
  const stated = (f: (typeof figures)[number]) => `${f.sentence} [${f.cite}].`;
  const answerText = figures.slice(0, r.next() < 0.5 ? 1 : 2).map(stated).join(' ');
  const findings = figures.slice(2, 4).map(stated);
  plan.slots.forEach((slot, j) => {
    const fr = rngFor(seed, `finding:${q}:${j}`, Math.floor((run + slot.phase) / slot.life));
    findings.push(sentence({ r: fr, material, country: question.country, theme: question.theme, cite: () => `[${fr.int(1, results.length)}]` }));
  });
  const summary = `Key findings:\n\n${findings.map((f, k) => `${k + 1}. ${f}`).join('\n')}`;

  // About a third of the results were opened (every result a figure cites and a quarter of the
  // others), with 2–4 passages each; a cited page's first passage states its figures.
  const c: Ctx = { r, material, country: question.country, theme: question.theme, cite: () => '' };
  let pagesRead = 0;
  const read = (n: number, result: Step['results'][number]): Step['results'][number] => {
    const quotes = cited.get(n);
    if (!quotes && r.next() >= 0.25) return result;
    pagesRead++;
    const count = r.int(2, 4);
    const passages: Passage[] = Array.from({ length: count }, (_, k) => {
      let text = k === 0 && quotes ? quotes.map((s) => `${s}.`).join(' ') : '';
      const max = r.int(260, 400);
      for (;;) {
        const next = sentence(c, false);
        if (text.length >= 200 && text.length + next.length + 1 > max) break;
        text += (text ? ' ' : '') + next;
        if (text.length >= max) break;
      }
      const paragraph = `paragraph ${r.int(1, 9)}`;
      return { text, where: r.next() < 0.5 ? paragraph : `${r.pick(HEADINGS)}, ${paragraph}`, score: k === 0 ? 1 : Math.round(r.next() * (0.6 / k) * 1000) / 1000 };
    });
    return { ...result, read: { status: 'read', kind: r.next() < 0.1 ? 'pdf' : 'html', chars: r.int(1500, 14000) }, passages };
  };
  let n = 0;
  const steps2: Step[] = steps.map((step, s) => ({
    ...step,
    results: step.results.map((result) => read(++n, result)),
    round: s < 3 ? 1 : 2,
    reason: s === 0 ? 'the question, in search words' : s < 3 ? 'an angle of the question' : `a lead the pages raised: ${r.pick(NAMES)} (named by ${r.int(2, 5)} sources)`,
  }));

  const method: Method = Date.parse(generatedAt) < METHOD_CHANGED ? { pipeline: 1, package: '0.1.0', prompts: PROMPTS_BEFORE, analyst: 'model' } : { pipeline: 2, package: '0.2.0', prompts: PROMPTS_AFTER, analyst: 'model' };
  return {
    summary,
    steps: steps2,
    schemaVersion: 2,
    answer: { text: answerText, figures: figures.map(({ sentence: _s, ...f }) => f) },
    budget: { maxPages: 15, rounds: 2, pagesRead: Math.min(pagesRead, 15), ...(pagesRead >= 15 ? { stoppedBy: 'pages' as const } : {}) },
    method,
  };
}

/**
 * Session number `i` of a set (index `options.sessions` is the one the incremental build adds).
 * In version 2, a session after its question's first run records that run as `previous` and
 * carries the ledger `compareSessions` makes against it, as `kb run` stores it. `previousBase`
 * is that session without its ledger (`sessionsFrom` passes it on instead of generating it again).
 */
export function sessionFor(options: SyntheticOptions, i: number, previousBase?: Session): Session {
  return sessionAndBase(options, i, previousBase).session;
}

function sessionAndBase(options: SyntheticOptions, i: number, previousBase?: Session): { session: Session; base: Session } {
  const base = baseSession(options, i);
  const questions = questionCount(options);
  let session = base;
  if (schemaOf(options) === 2 && i >= questions) {
    const before = previousBase ?? baseSession(options, i - questions);
    const seen = new Set(before.steps.flatMap((s) => s.results.map((x) => x.url)));
    const newSources = new Set(base.steps.flatMap((s) => s.results.map((x) => x.url)).filter((u) => u && !seen.has(u))).size;
    session = { ...base, previous: { id: before.id, generatedAt: before.generatedAt, newSources }, ledger: compareSessions(before, base) };
  }
  const parsed = Session.safeParse(session);
  if (!parsed.success) throw new Error(`synthetic session ${i} is not a valid Session:\n  ${sessionProblems(parsed.error, session).join('\n  ')}`);
  return { session: parsed.data, base };
}

/** Sessions `from` to `to` − 1 in order, each question's previous base kept, not generated twice. */
export function* sessionsFrom(options: SyntheticOptions, from: number, to: number): Generator<Session> {
  const questions = questionCount(options);
  const last = new Map<number, Session>();
  for (let i = from; i < to; i++) {
    const { session, base } = sessionAndBase(options, i, last.get(i % questions));
    last.set(i % questions, base);
    yield session;
  }
}

/** `n` cited sentences on session `i`'s question, as its findings read (the ledger benchmark's claims). */
export function findingsFor(options: SyntheticOptions, i: number, n: number, stream = 'findings'): string[] {
  const question = questionFor(options.seed, i % questionCount(options));
  const r = rngFor(options.seed, stream, i);
  const c: Ctx = { r, material: question.material, country: question.country, theme: question.theme, cite: () => `[${r.int(1, STEPS * RESULTS)}]` };
  return Array.from({ length: n }, () => sentence(c));
}

export function queriesYaml(options: SyntheticOptions): string {
  const lines = ['# Synthetic questions for npm run bench.', 'defaults:', '  schedule: 7d', '  steps: 5', '  maxResults: 6', '  search: tavily', '  llm: openai', '  model: gpt-4o-mini', 'queries:'];
  for (let q = 0; q < questionCount(options); q++) {
    const { slug, question, tags, every } = questionFor(options.seed, q);
    lines.push(`  - id: ${slug}`, `    question: ${JSON.stringify(question)}`, `    tags: [${tags.join(', ')}]`, ...(every === 7 ? [] : [`    schedule: ${every}d`]));
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Writing, on worker threads, with a cache.

async function writeRange(options: SyntheticOptions, contentDir: string, from: number, to: number) {
  const dirs = new Set<string>();
  for (const session of sessionsFrom(options, from, to)) {
    const file = sessionPath(contentDir, session);
    const dir = path.dirname(file);
    if (!dirs.has(dir)) await mkdir(dir, { recursive: true }), dirs.add(dir);
    // `wx`: two sessions landing on one file name would be a generator bug, not an overwrite.
    await writeFile(file, sessionToMdx(session), { flag: 'wx' });
  }
}

if (!isMainThread && (workerData as { kbBenchSynthetic?: boolean })?.kbBenchSynthetic) {
  const { options, contentDir, from, to } = workerData as { options: SyntheticOptions; contentDir: string; from: number; to: number };
  await writeRange(options, contentDir, from, to);
  parentPort!.postMessage('done');
}

/**
 * What the generated files depend on: this file, the writer, and all of src/core (the schema,
 * and the ledger stored in version 2 sessions, with the claim and figure code it uses).
 */
async function generatorVersion(): Promise<string> {
  const hash = createHash('sha256').update(`generator ${GENERATOR}\u0000`);
  const core = (await readdir(path.join(ROOT, 'src', 'core'), { recursive: true }))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => path.join('src', 'core', f))
    .sort();
  for (const file of ['scripts/bench/synthetic.ts', 'src/kb/store/mdx.ts', 'src/kb/store/store.ts', ...core]) hash.update(file).update('\u0000').update(await readFile(path.join(ROOT, file)));
  return hash.digest('hex').slice(0, 12);
}

async function generate(options: SyntheticOptions, dir: string) {
  await mkdir(path.join(dir, 'briefings'), { recursive: true });
  await writeFile(path.join(dir, 'queries.yaml'), queriesYaml(options));
  const threads = Math.max(1, Math.min(os.availableParallelism(), Math.ceil(options.sessions / 50)));
  const per = Math.ceil(options.sessions / threads);
  await Promise.all(
    Array.from({ length: threads }, (_, t) => {
      const from = t * per;
      const to = Math.min(options.sessions, from + per);
      return new Promise<void>((resolve, reject) => {
        const worker = new Worker(new URL(import.meta.url), { workerData: { kbBenchSynthetic: true, options, contentDir: dir, from, to } });
        worker.once('message', () => resolve());
        worker.once('error', reject);
        worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`synthetic session writer exited with code ${code}`))));
      });
    }),
  );
}

/**
 * Puts `options.sessions` synthetic sessions (and a queries.yaml) into `contentDir`, from the
 * cache when it holds this set. Returns whether the cache was used and how long it took.
 */
export async function syntheticContent(options: SyntheticOptions, contentDir: string): Promise<{ cached: boolean; ms: number; cacheDir: string }> {
  const started = performance.now();
  const version = await generatorVersion();
  const cacheRoot = path.join(ROOT, 'node_modules', '.cache', 'kb-bench');
  const cacheDir = path.join(cacheRoot, `${options.sessions}-${options.seed}-${questionCount(options)}q-s${schemaOf(options)}-${version}`);
  // Sets from older generators (or an older sessionToMdx) are never used again.
  for (const name of await readdir(cacheRoot).catch(() => [] as string[])) {
    if (!name.endsWith(`-${version}`) && !name.includes('.tmp-')) await rm(path.join(cacheRoot, name), { recursive: true, force: true });
  }
  let cached = true;
  if (!(await stat(cacheDir).catch(() => undefined))) {
    cached = false;
    const temp = `${cacheDir}.tmp-${process.pid}`;
    await rm(temp, { recursive: true, force: true });
    try {
      await generate(options, temp);
      await rename(temp, cacheDir);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
  }
  await cp(cacheDir, contentDir, { recursive: true });
  return { cached, ms: performance.now() - started, cacheDir };
}
