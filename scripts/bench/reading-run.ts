// The reading benchmark's run, in a process of its own so that its peak memory is the pipeline's
// alone: every question of the labelled set through `runQuery` (rule planner, the real reader over
// HTTP to the loopback web, the extractive analyst), one reader for the whole run as `kb run` has.
// Then, for each labelled fact, whether its figure reached the briefing, and if not, which stage
// lost it. Prints one JSON object (ReadingRun) on stdout; progress goes to stderr.
//
//   node scripts/bench/reading-run.ts '{"outlets":{"wire":"http://127.0.0.1:…",…}}'
import MiniSearch from 'minisearch';
import type { Session, Step } from '#core/session.ts';
import { numberResults } from '#core/citations.ts';
import { isStopWord, normaliseTerm, wordTokens } from '#core/text-analysis.ts';
import type { Query } from '#kb/config/queries.ts';
import { extractCandidates, extractiveAnalyst, rankCandidates } from '#kb/pipeline/analysts/extractive/index.ts';
import { rulePlanner } from '#kb/pipeline/planners/rule.ts';
import { extract } from '#kb/pipeline/read/extract.ts';
import { createReader, READ_DEFAULTS, type Reader, type ReadStats } from '#kb/pipeline/read/index.ts';
import { rankPassages, splitPassages } from '#kb/pipeline/read/passages.ts';
import { runQuery } from '#kb/pipeline/run.ts';
import type { SearchHit, SearchProvider } from '#kb/providers/types.ts';
import { figurePattern, loadSet, paragraphsOf, renderPage, type ArticlePage, type Fact, type LabelledQuestion, type OutletId, type ReadingSet } from './reading-set.ts';

/** What the issue asks each question to run with. */
export const READING_SETTINGS = { steps: 4, maxResults: 6, read: 3, depth: 2, breadth: 2, maxPages: 15 } as const;
const RSS_SAMPLE_MS = 20;

export type Stage = 'search' | 'not opened' | 'budget' | 'fetch' | 'extraction' | 'passages' | 'analyst' | 'grounding';

export interface LostFact {
  question: string;
  fact: string;
  figure: string;
  page: string;
  stage: Stage;
  detail: string;
}

export interface QuestionRun {
  id: string;
  question: string;
  facts: number;
  reached: number;
  ms: number;
  rounds: number;
  steps: number;
  stoppedBy?: string;
  /** Pages read in this session (the question's own, other questions', none of the hostile ones). */
  pagesRead: number;
  /** Of the question's five labelled pages, how many were read. */
  ownPagesRead: number;
  /** Hostile pages among the results, and what became of them. */
  hostile: Array<{ id: string; kind: string; status: string; note?: string }>;
  lost: LostFact[];
  error?: string;
}

/** What-if knobs (configuration only): pages opened per step, passages kept per page. */
export interface ReadingOverrides {
  read?: number;
  passagesPerSource?: number;
}

export interface ReadingRun {
  settings: Omit<typeof READING_SETTINGS, 'read'> & { read: number; passagesPerSource: number; perHost: number; concurrency: number; timeoutMs: number; maxBytes: number };
  questions: QuestionRun[];
  facts: number;
  reached: number;
  /** Wall time with at least one `reader.read` call in flight. */
  readingMs: number;
  /** Each `reader.read` call (one per step that opens pages): its time, pages fetched, and whether the drip page was among them. */
  readCalls: Array<{ ms: number; pages: number; drip: boolean }>;
  reader: ReadStats;
  pagesByKind: Record<string, number>;
  searchCalls: number;
  wallMs: number;
  rss: { atStartBytes: number; peakSampledBytes: number; maxRssBytes: number; sampleMs: number };
}

// ── The search API: a small index of the loopback web's pages ───────────────────────────────────

interface Doc {
  id: string;
  url: string;
  title: string;
  snippet: string;
  text: string;
  outlet: string;
}

/**
 * A search engine over the web's pages: BM25 over title (×2), snippet and body, as a web search
 * indexes a page's text; the snippet it returns is the page's lead (its description), which
 * never holds a labelled fact. Pages' text is never handed over: the reader must fetch it.
 */
function loopbackSearch(docs: Doc[]): SearchProvider & { calls: number } {
  const index = new MiniSearch<Doc>({
    fields: ['title', 'snippet', 'text'],
    storeFields: ['url', 'title', 'snippet', 'outlet'],
    tokenize: (text) => wordTokens(text),
    processTerm: (term) => (isStopWord(term) ? null : normaliseTerm(term) || null),
    searchOptions: { boost: { title: 2 }, combineWith: 'OR' },
  });
  index.addAll(docs);
  const provider = {
    name: 'loopback',
    calls: 0,
    async search(query: string, options: { maxResults: number }): Promise<SearchHit[]> {
      provider.calls++;
      return index
        .search(query)
        .slice(0, options.maxResults)
        .map((hit) => ({ title: hit.title as string, url: hit.url as string, snippet: hit.snippet as string, source: hit.outlet as string }));
    },
  };
  return provider;
}

// ── Where a fact was lost ───────────────────────────────────────────────────────────────────────

function findResult(steps: Step[], url: string) {
  for (const { n, stepIndex, result } of numberResults(steps)) if (result.url === url) return { n, stepIndex, result, step: steps[stepIndex]! };
  return undefined;
}

async function diagnose(
  set: ReadingSet,
  q: LabelledQuestion,
  page: ArticlePage,
  fact: Fact,
  url: string,
  session: Session,
  searches: Array<{ query: string; urls: string[] }>,
  { read, passagesPerSource }: { read: number; passagesPerSource: number },
): Promise<Omit<LostFact, 'question' | 'fact' | 'figure' | 'page'>> {
  const pattern = figurePattern(fact.figure);
  const found = findResult(session.steps, url);
  if (!found) {
    const asked = searches.map((s) => `"${s.query}"`).join(', ');
    return { stage: 'search', detail: `the page was in no search's top ${READING_SETTINGS.maxResults} (queries: ${asked})` };
  }
  const { n, step, result } = found;
  const position = step.results.indexOf(result) + 1;
  if (!result.read) {
    const first = searches.findIndex((s) => s.query === step.query);
    const again = searches.filter((s, i) => i !== first && s.urls.includes(url)).length;
    return {
      stage: 'not opened',
      detail: `result ${position} of step "${step.query}" (round ${step.round}): only a step's first ${read} new results are opened${again ? `, and the ${again} later search${again === 1 ? '' : 'es'} that returned it dropped it as already found` : ''}`,
    };
  }
  if (result.read.status === 'skipped') return { stage: 'budget', detail: result.read.note ?? 'skipped' };
  if (result.read.status === 'snippet') return { stage: 'fetch', detail: result.read.note ?? 'not read' };
  if (!(result.passages ?? []).some((p) => pattern.test(p.text))) {
    // Where the fact's passage ranked on the page, scored as the reader scored it.
    const rendered = renderPage(set, q, page);
    const doc = await extract(new Uint8Array(rendered.body), rendered.type.split(';')[0]!, 'utf-8');
    const passages = rankPassages(splitPassages(doc.blocks), { question: q.question, subQuery: step.query, title: doc.title ?? result.title }, Number.MAX_SAFE_INTEGER);
    const all = splitPassages(doc.blocks);
    const rank = passages.findIndex((p) => pattern.test(p.text));
    if (!all.some((p) => pattern.test(p.text))) return { stage: 'extraction', detail: `the figure is in none of the page's ${all.length} passages after cleaning` };
    const kept = passagesPerSource;
    return {
      stage: 'passages',
      detail:
        rank < 0
          ? `its passage shares no word with the question or the sub-query "${step.query}" (score 0; ${passages.length} of ${all.length} passages scored, ${kept} kept)`
          : `its passage ranked ${rank + 1} of ${all.length} for the sub-query "${step.query}" (score ${passages[rank]!.score} against ${passages[kept - 1]?.score ?? 0} for the last of the ${kept} kept)`,
    };
  }
  // In the passages. Quoted by the analyst, then taken out by the grounding pass?
  const draft = await extractiveAnalyst.analyse(q.question, session.steps);
  if (pattern.test([draft.answer?.text ?? '', draft.summary, draft.analysis].join('\n'))) return { stage: 'grounding', detail: 'the analyst quoted it; the grounding pass took it out' };
  // Did the analyst have it as a sentence, how did it score, was it chosen?
  const ranked = rankCandidates(q.question, session.steps, extractCandidates(numberResults(session.steps)));
  const mine = ranked.find((c) => c.n === n && pattern.test(c.text));
  if (!mine) return { stage: 'analyst', detail: 'no quotable sentence holds the figure (cut as a fragment, a run-on or a near-duplicate)' };
  const best = Math.max(...ranked.map((c) => c.score));
  const order = [...ranked].filter((c) => c.score > 0).sort((a, b) => b.score - a.score);
  const rank = order.indexOf(mine) + 1;
  if (mine.score === 0) return { stage: 'analyst', detail: `its sentence scored 0 (off topic: it shares no term with the question, or does not name the topic), of ${ranked.length} sentences` };
  if (mine.score < best * 0.1) return { stage: 'analyst', detail: `its sentence scored ${mine.score}, under a tenth of the best (${best})` };
  const briefing = [session.summary, session.analysis].join('\n');
  const quotedHere = ranked.filter((c) => c.n === n && briefing.includes(c.text.replace(/[.!?]$/, ''))).length;
  const quoted = ranked.filter((c) => briefing.includes(c.text.replace(/[.!?]$/, ''))).length;
  return {
    stage: 'analyst',
    detail: `its sentence ranked ${rank} of ${order.length} scored sentences (score ${mine.score}, best ${best}); ${quoted} sentences were quoted, ${quotedHere} of them from this page (at most 2 a page)`,
  };
}

// ── The run ─────────────────────────────────────────────────────────────────────────────────────

async function main() {
  const arg = process.argv[2];
  if (!arg) throw new Error('usage: node scripts/bench/reading-run.ts \'{"outlets":{…}}\'');
  const { outlets, overrides = {} } = JSON.parse(arg) as { outlets: Record<OutletId, string>; overrides?: ReadingOverrides };
  const read = overrides.read ?? READING_SETTINGS.read;
  const passagesPerSource = overrides.passagesPerSource ?? READ_DEFAULTS.passagesPerSource;
  const set = loadSet();
  const urlOf = (outlet: OutletId, path: string) => `${outlets[outlet]}${path}`;

  const docs: Doc[] = [];
  for (const q of set.questions)
    for (const p of q.pages) {
      docs.push({ id: p.id, url: urlOf(p.outlet, p.path), title: p.title, snippet: p.lead, text: paragraphsOf(set, q, p).map((x) => x.text).join('\n'), outlet: set.outlets[p.outlet] });
    }
  for (const h of set.hostile) docs.push({ id: h.id, url: urlOf(h.outlet, h.path), title: h.title, snippet: h.snippet, text: '', outlet: set.outlets[h.outlet] });
  const search = loopbackSearch(docs);
  const hostileByUrl = new Map(set.hostile.map((h) => [urlOf(h.outlet, h.path), h]));

  const atStart = process.memoryUsage.rss();
  let peak = atStart;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), RSS_SAMPLE_MS);

  const hosts = Object.values(outlets).map((u) => new URL(u).host);
  const reader = createReader({ allowPrivateHosts: hosts, passagesPerSource });
  let inFlight = 0;
  let since = 0;
  let readingMs = 0;
  const readCalls: ReadingRun['readCalls'] = [];
  const dripUrls = new Set(set.hostile.filter((h) => h.kind === 'drip').map((h) => urlOf(h.outlet, h.path)));
  const timed: Reader = {
    async read(items, request) {
      if (inFlight++ === 0) since = performance.now();
      const t0 = performance.now();
      const before = reader.stats.pagesFetched;
      try {
        return await reader.read(items, request);
      } finally {
        readCalls.push({ ms: performance.now() - t0, pages: reader.stats.pagesFetched - before, drip: items.some((i) => dripUrls.has(i.url)) });
        if (--inFlight === 0) readingMs += performance.now() - since;
      }
    },
    get stats() {
      return reader.stats;
    },
    close: () => reader.close(),
  };

  const started = performance.now();
  const questions: QuestionRun[] = [];
  const pagesByKind: Record<string, number> = {};
  try {
    for (const q of set.questions) {
      const query: Query = {
        id: q.id,
        question: q.question,
        tags: [],
        schedule: '7d',
        steps: READING_SETTINGS.steps,
        maxResults: READING_SETTINGS.maxResults,
        search: 'corpus',
        llm: 'extractive',
        read,
        depth: READING_SETTINGS.depth,
        breadth: READING_SETTINGS.breadth,
        budget: { maxPages: READING_SETTINGS.maxPages },
      };
      const searches: Array<{ query: string; urls: string[] }> = [];
      const logged: SearchProvider = {
        name: search.name,
        async search(text, options) {
          const hits = await search.search(text, options);
          searches.push({ query: text, urls: hits.map((h) => h.url!) });
          return hits;
        },
      };
      const facts = q.pages.flatMap((p) => p.facts.map((f) => ({ page: p, fact: f })));
      const t0 = performance.now();
      let session: Session;
      try {
        session = await runQuery(query, { planner: rulePlanner, search: logged, analyst: extractiveAnalyst, reader: timed, providers: { search: 'loopback', llm: 'extractive', planner: rulePlanner.name } });
      } catch (error) {
        questions.push({ id: q.id, question: q.question, facts: facts.length, reached: 0, ms: performance.now() - t0, rounds: 0, steps: 0, pagesRead: 0, ownPagesRead: 0, hostile: [], lost: [], error: (error as Error).message });
        console.error(`[reading] ${q.id}: FAILED ${(error as Error).message}`);
        continue;
      }
      const ms = performance.now() - t0;
      const briefing = [session.answer?.text ?? '', session.summary, session.analysis].join('\n');
      const lost: LostFact[] = [];
      let reached = 0;
      for (const { page, fact } of facts) {
        if (figurePattern(fact.figure).test(briefing)) {
          reached++;
          continue;
        }
        const why = await diagnose(set, q, page, fact, urlOf(page.outlet, page.path), session, searches, { read, passagesPerSource });
        lost.push({ question: q.id, fact: fact.id, figure: fact.figure, page: page.id, ...why });
      }
      const results = session.steps.flatMap((s) => s.results);
      for (const r of results) if (r.read?.status === 'read' && r.read.kind) pagesByKind[r.read.kind] = (pagesByKind[r.read.kind] ?? 0) + 1;
      const ownUrls = new Set(q.pages.map((p) => urlOf(p.outlet, p.path)));
      questions.push({
        id: q.id,
        question: q.question,
        facts: facts.length,
        reached,
        ms,
        rounds: session.budget?.rounds ?? 0,
        steps: session.steps.length,
        ...(session.budget?.stoppedBy ? { stoppedBy: session.budget.stoppedBy } : {}),
        pagesRead: results.filter((r) => r.read?.status === 'read').length,
        ownPagesRead: results.filter((r) => r.read?.status === 'read' && ownUrls.has(r.url ?? '')).length,
        hostile: results.filter((r) => hostileByUrl.has(r.url ?? '')).map((r) => ({ id: hostileByUrl.get(r.url!)!.id, kind: hostileByUrl.get(r.url!)!.kind, status: r.read?.status ?? 'not opened', ...(r.read?.note ? { note: r.read.note } : {}) })),
        lost,
      });
      console.error(`[reading] ${q.id}: ${reached}/${facts.length} facts, ${(ms / 1000).toFixed(1)} s`);
    }
  } finally {
    clearInterval(sampler);
    await reader.close();
  }
  const run: ReadingRun = {
    settings: { ...READING_SETTINGS, read, passagesPerSource, perHost: READ_DEFAULTS.perHost, concurrency: READ_DEFAULTS.concurrency, timeoutMs: READ_DEFAULTS.timeoutMs, maxBytes: READ_DEFAULTS.maxBytes },
    questions,
    facts: questions.reduce((n, q) => n + q.facts, 0),
    reached: questions.reduce((n, q) => n + q.reached, 0),
    readingMs,
    readCalls,
    reader: reader.stats,
    pagesByKind,
    searchCalls: search.calls,
    wallMs: performance.now() - started,
    rss: { atStartBytes: atStart, peakSampledBytes: Math.max(peak, process.memoryUsage.rss()), maxRssBytes: process.resourceUsage().maxRSS * 1024, sampleMs: RSS_SAMPLE_MS },
  };
  process.stdout.write(JSON.stringify(run) + '\n');
}

await main();
