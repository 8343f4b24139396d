// The research rounds of one question: search the planned sub-queries, open and read the best
// results of each step, then ask follow-ups about what the pages leave open, round after round,
// until the rounds, the page budget or the token budget run out, or a round finds no new source.
// Every step records its round and why it was asked; every result what became of its page.
import { normaliseUrl } from '#core/facets.ts';
import type { Budget, Result, Step } from '#core/session.ts';
import type { SearchHit, SearchProvider, Usage } from '#kb/providers/types.ts';
import type { PageRead, Reader } from './read/index.ts';
import type { FollowUp, Planner } from './types.ts';

export interface ResearchSettings {
  question: string;
  /** Sub-queries of the first round. */
  planned: FollowUp[];
  maxResults: number;
  /** Pages read per step (0: snippets only). */
  read: number;
  depth: number;
  breadth: number;
  budget: { maxPages: number; maxTokens?: number; maxCostUsd?: number };
  previous?: { generatedAt: string };
}

export interface ResearchStages {
  planner: Planner;
  search: SearchProvider;
  /** Absent: nothing is opened, the snippets are all there is (as before reading existed). */
  reader?: Reader;
}

export interface ResearchHooks {
  /** Tokens (and cost) spent so far by the whole run, for the budget between rounds. */
  spent: () => { tokens: number; costUsd?: number };
  addUsage: (usage?: Usage) => void;
  onSearch?: (step: Step, index: number, of: number) => void;
  signal?: AbortSignal;
}

export interface Research {
  steps: Step[];
  budget: Budget;
  duplicatesRemoved: number;
}

export async function research(settings: ResearchSettings, stages: ResearchStages, hooks: ResearchHooks): Promise<Research> {
  const steps: Step[] = [];
  const seen = new Set<string>();
  let duplicatesRemoved = 0;
  let pagesLeft = stages.reader ? settings.budget.maxPages : 0;
  let stoppedBy: Budget['stoppedBy'];
  /** Results found but not yet opened, by key, with where they are stored. */
  const unread = new Map<string, Unread>();
  let round = 0;
  let queries = settings.planned;

  while (queries.length) {
    round++;
    const first = steps.length;
    const searched = await Promise.all(queries.map((q, i) => searchStep(q, `step_${first + i}`, round, stages.search, settings.maxResults, hooks, first + i, first + queries.length)));
    if (round === 1 && searched.every((s) => s.step.error)) throw new Error(`every search failed; first error: ${searched[0]?.step.error ?? 'no steps planned'}`);
    let newSources = 0;
    for (const { step, hits } of searched) {
      const before = hits.length;
      const fresh = freshOnly(hits, seen);
      newSources += fresh.length;
      noteDuplicates(step, before - fresh.length, fresh.length);
      duplicatesRemoved += before - fresh.length;
      step.results = fresh.map(stored);
      steps.push(step);
      fresh.forEach((hit, i) => unread.set(resultKey(hit), { step, index: i, hit }));
      // Pages are read in step order, best results first, while the budget lasts: the step's own
      // new results, and earlier results it found again that are still unread (a result two
      // sub-queries find is worth opening, and would otherwise never be).
      pagesLeft -= await readStep(step, hits, unread, settings, stages.reader, Math.min(settings.read, pagesLeft), !!stages.search.offline, hooks.signal);
    }
    if (round > 1 && newSources === 0) {
      stoppedBy = 'no-new-sources';
      break;
    }
    if (round >= settings.depth) break;
    const over = overBudget(settings.budget, hooks.spent(), pagesLeft, settings.read > 0 && !!stages.reader);
    if (over) {
      stoppedBy = over;
      break;
    }
    if (!stages.planner.followUp) break;
    const next = await stages.planner.followUp({ question: settings.question, steps, count: settings.breadth, previous: settings.previous, signal: hooks.signal });
    hooks.addUsage(next.usage);
    queries = next.queries.slice(0, settings.breadth);
  }

  const pagesRead = steps.reduce((n, s) => n + s.results.filter((r) => r.read?.status === 'read').length, 0);
  const { maxPages, maxTokens, maxCostUsd } = settings.budget;
  return {
    steps,
    duplicatesRemoved,
    budget: { maxPages, ...(maxTokens ? { maxTokens } : {}), ...(maxCostUsd ? { maxCostUsd } : {}), rounds: round, pagesRead, ...(stoppedBy ? { stoppedBy } : {}) },
  };
}

async function searchStep(q: FollowUp, id: string, round: number, search: SearchProvider, maxResults: number, hooks: ResearchHooks, index: number, of: number): Promise<{ step: Step; hits: SearchHit[] }> {
  const step: Step = { id, query: q.query, results: [], round, reason: q.reason };
  let hits: SearchHit[] = [];
  try {
    hits = await search.search(q.query, { maxResults, signal: hooks.signal, ...(q.since ? { since: q.since } : {}) });
  } catch (error) {
    step.error = error instanceof Error ? error.message : String(error);
  }
  hooks.onSearch?.({ ...step, results: hits.map(stored) }, index, of);
  return { step, hits };
}

interface Unread {
  step: Step;
  index: number;
  hit: SearchHit;
}

/**
 * Opens the best `read` unread results among the step's hits, in the step's order, and stores what
 * was read on each where it is kept (its own step, or the earlier one that found it first).
 * Returns the pages fetched (text handed over with a result costs none).
 */
async function readStep(step: Step, hits: SearchHit[], unread: Map<string, Unread>, settings: ResearchSettings, reader: Reader | undefined, pages: number, offline: boolean, signal?: AbortSignal): Promise<number> {
  if (!reader || settings.read === 0) return 0;
  // An offline provider's other results (earlier sessions' sources) are never fetched: offline means no network.
  const chosen = hits
    .map((hit) => unread.get(resultKey(hit)))
    .filter((u): u is Unread => !!u && !!u.hit.url && (!offline || u.hit.content !== undefined))
    .slice(0, settings.read);
  if (!chosen.length) return 0;
  const reads = await reader.read(
    chosen.map(({ hit }) => ({ url: hit.url!, title: hit.title, ...(hit.snippet ? { snippet: hit.snippet } : {}), ...(hit.content !== undefined ? { content: hit.content } : {}) })),
    { question: settings.question, subQuery: step.query, maxPages: pages, signal },
  );
  let fetched = 0;
  chosen.forEach((u, k) => {
    const page = reads[k]!;
    u.step.results[u.index] = withRead(u.step.results[u.index]!, page);
    // Tried is done: only a page left for lack of budget may be opened by a later step.
    if (page.status !== 'skipped') unread.delete(resultKey(u.hit));
    // Every page the reader tried to fetch counts, read or not: the budget bounds the traffic.
    if (page.status !== 'skipped' && u.hit.content === undefined) fetched++;
  });
  return fetched;
}

function withRead(result: Result, page: PageRead): Result {
  const read: Result['read'] = { status: page.status, ...(page.kind ? { kind: page.kind } : {}), ...(page.chars ? { chars: page.chars } : {}), ...(page.note ? { note: page.note } : {}) };
  const passages = page.status === 'read' ? page.passages.slice(0, 12).map((p) => ({ text: p.text, ...(p.where ? { where: p.where } : {}), score: clamp01(p.score) })) : [];
  return { ...result, read, ...(passages.length ? { passages } : {}) };
}

const clamp01 = (n: number) => Math.round(Math.min(1, Math.max(0, Number.isFinite(n) ? n : 0)) * 1000) / 1000;

/** A hit as the session stores it: the page text is evidence to read, not to keep whole. */
function stored(hit: SearchHit): Result {
  const { content: _content, ...result } = hit;
  return result;
}

function overBudget(budget: ResearchSettings['budget'], spent: { tokens: number; costUsd?: number }, pagesLeft: number, reads: boolean): Budget['stoppedBy'] {
  if (budget.maxTokens && spent.tokens >= budget.maxTokens) return 'tokens';
  if (budget.maxCostUsd && (spent.costUsd ?? 0) >= budget.maxCostUsd) return 'cost';
  if (reads && pagesLeft <= 0) return 'pages';
  return undefined;
}

function noteDuplicates(step: Step, dropped: number, kept: number) {
  if (!dropped) return;
  // Say so, or an emptied step would read as a search that found nothing.
  const note =
    kept === 0
      ? `All ${dropped} result${dropped === 1 ? '' : 's'} of this step had already been found by an earlier step, so none ${dropped === 1 ? 'is' : 'are'} repeated here.`
      : `${dropped} result${dropped === 1 ? '' : 's'} already found by an earlier step ${dropped === 1 ? 'was' : 'were'} left out here.`;
  step.note = step.note ? `${step.note} ${note}` : note;
}

/** The results no earlier step found, in order; `seen` remembers them for the next step. */
function freshOnly<T extends Result>(results: T[], seen: Set<string>): T[] {
  return results.filter((r) => {
    const key = resultKey(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Stored steps with every result an earlier step already had left out, and a note where that happened. */
export function dropDuplicateUrls(steps: Step[]): { steps: Step[]; duplicatesRemoved: number } {
  const seen = new Set<string>();
  let duplicatesRemoved = 0;
  const deduped = steps.map((step) => {
    const results = freshOnly(step.results, seen);
    const dropped = step.results.length - results.length;
    if (!dropped) return step;
    duplicatesRemoved += dropped;
    const out = { ...step, results };
    noteDuplicates(out, dropped, results.length);
    return out;
  });
  return { steps: deduped, duplicatesRemoved };
}

/** A result an earlier step already found (same url, or same words for a url-less corpus note) counts once. */
export function resultKey(r: Result): string {
  if (!r.url) return `text:${r.source ?? ''}\n${r.title}\n${r.snippet ?? ''}`;
  return normaliseUrl(r.url) ?? r.url.trim();
}
