import { describe, expect, it } from 'vitest';
import type { SearchHit, SearchProvider } from '#kb/providers/types.ts';
import type { Reader } from './read/index.ts';
import { research, type ResearchSettings } from './research.ts';
import type { FollowUp, FollowUpRequest, Planner } from './types.ts';

const hit = (n: number, extra: Partial<SearchHit> = {}): SearchHit => ({ title: `Result ${n}`, url: `https://example.org/${n}`, snippet: `Snippet ${n}.`, ...extra });

/** A search that answers each query from a table, and records what it was asked. */
function searchOf(table: Record<string, SearchHit[]>, offline = false): SearchProvider & { asked: Array<{ query: string; since?: string }> } {
  const asked: Array<{ query: string; since?: string }> = [];
  return { name: 'table', offline, asked, search: async (query, o) => (asked.push({ query, ...(o.since ? { since: o.since } : {}) }), table[query] ?? []) };
}

/** A planner whose follow-ups are scripted per round, and that records what it saw. */
function plannerOf(rounds: FollowUp[][]): Planner & { seen: FollowUpRequest[] } {
  const seen: FollowUpRequest[] = [];
  return { name: 'script', seen, plan: async () => ({ queries: [] }), followUp: async (r) => (seen.push(r), { queries: rounds[seen.length - 1] ?? [] }) };
}

/** A reader that reads every page it is given (counting them), with one passage naming its url. */
function readerOf(): Reader & { pages: string[] } {
  const pages: string[] = [];
  return {
    pages,
    stats: { pagesFetched: 0, fromCache: 0, requests: 0, bytes: 0, robotsFetched: 0, ms: 0 },
    close: async () => {},
    read: async (items, request) =>
      items.map((item, i) => {
        if (item.content === undefined && i >= request.maxPages) return { url: item.url, status: 'skipped' as const, note: 'Not read: budget.', passages: [] };
        if (item.content === undefined) pages.push(item.url);
        return { url: item.url, status: 'read' as const, kind: item.content !== undefined ? ('provided' as const) : ('html' as const), chars: 500, passages: [{ text: `Passage of ${item.url}.`, where: 'Intro', score: 0.5 }] };
      }),
  };
}

const settings = (over: Partial<ResearchSettings> = {}): ResearchSettings => ({
  question: 'How much X does Y import?',
  planned: [{ query: 'x imports', reason: 'the question, in search words' }],
  maxResults: 5,
  read: 2,
  depth: 3,
  breadth: 2,
  budget: { maxPages: 10 },
  ...over,
});
const hooks = { spent: () => ({ tokens: 0 }), addUsage: () => {} };

describe('research rounds', () => {
  it('reads the best results of each step, asks follow-ups from what was read, and records round and reason', async () => {
    const search = searchOf({ 'x imports': [hit(1), hit(2), hit(3)], 'lead A': [hit(4)], 'gap B': [hit(5)] });
    const planner = plannerOf([[{ query: 'lead A', reason: 'a lead' }, { query: 'gap B', reason: 'a gap' }], []]);
    const reader = readerOf();
    const out = await research(settings(), { planner, search, reader }, hooks);
    expect(out.steps.map((s) => [s.id, s.round, s.query, s.reason])).toEqual([
      ['step_0', 1, 'x imports', 'the question, in search words'],
      ['step_1', 2, 'lead A', 'a lead'],
      ['step_2', 2, 'gap B', 'a gap'],
    ]);
    // Two pages a step, best first; the third result keeps its snippet and is not opened.
    expect(out.steps[0]!.results.map((r) => r.read?.status)).toEqual(['read', 'read', undefined]);
    expect(out.steps[0]!.results[0]!.passages).toEqual([{ text: 'Passage of https://example.org/1.', where: 'Intro', score: 0.5 }]);
    expect(reader.pages).toEqual(['https://example.org/1', 'https://example.org/2', 'https://example.org/4', 'https://example.org/5']);
    // The planner saw what round 1 read before it chose round 2.
    expect(planner.seen[0]!.steps[0]!.results[0]!.passages).toHaveLength(1);
    expect(out.budget).toEqual({ maxPages: 10, rounds: 2, pagesRead: 4 }); // round 3 had nothing left to ask
  });

  it('opens a result a later step finds again when the step that found it first had no page left for it', async () => {
    const search = searchOf({ 'x imports': [hit(1), hit(2), hit(3)], 'x share': [hit(3), hit(4)] });
    const reader = readerOf();
    const out = await research(settings({ planned: [{ query: 'x imports', reason: 'r' }, { query: 'x share', reason: 'r' }], read: 2, depth: 1 }), { planner: plannerOf([]), search, reader }, hooks);
    // Step 1 opened its best two; step 2 found result 3 again and opened it, then its own new one.
    expect(reader.pages).toEqual(['https://example.org/1', 'https://example.org/2', 'https://example.org/3', 'https://example.org/4']);
    expect(out.steps[0]!.results.map((r) => r.read?.status)).toEqual(['read', 'read', 'read']);
    expect(out.steps[1]!.results.map((r) => r.url)).toEqual(['https://example.org/4']);
    expect(out.budget.pagesRead).toBe(4);
  });

  it('ends early when a round brings no new source, and says so', async () => {
    const search = searchOf({ 'x imports': [hit(1)], again: [hit(1)] });
    const out = await research(settings(), { planner: plannerOf([[{ query: 'again', reason: 'a gap' }], [{ query: 'never asked', reason: 'x' }]]), search }, hooks);
    expect(search.asked.map((a) => a.query)).toEqual(['x imports', 'again']);
    expect(out.budget).toMatchObject({ rounds: 2, stoppedBy: 'no-new-sources' });
    expect(out.steps[1]!.note).toBe('All 1 result of this step had already been found by an earlier step, so none is repeated here.');
  });

  it('stops at the page budget and at the token budget, recording which', async () => {
    const table = { 'x imports': [hit(1), hit(2), hit(3)], more: [hit(4)] };
    const pages = await research(settings({ read: 3, budget: { maxPages: 2 } }), { planner: plannerOf([[{ query: 'more', reason: 'r' }]]), search: searchOf(table), reader: readerOf() }, hooks);
    expect(pages.steps).toHaveLength(1);
    expect(pages.steps[0]!.results.map((r) => r.read?.status)).toEqual(['read', 'read', 'skipped']);
    expect(pages.budget).toMatchObject({ pagesRead: 2, stoppedBy: 'pages' });

    const tokens = await research(settings({ budget: { maxPages: 10, maxTokens: 1000 } }), { planner: plannerOf([[{ query: 'more', reason: 'r' }]]), search: searchOf(table) }, { ...hooks, spent: () => ({ tokens: 1200 }) });
    expect(tokens.steps).toHaveLength(1);
    expect(tokens.budget).toMatchObject({ stoppedBy: 'tokens', maxTokens: 1000 });
  });

  it('passes a follow-up’s date filter to the search, and never fetches an offline provider’s pages', async () => {
    const search = searchOf({ 'x imports': [hit(1, { content: '## Intro\n\nWhole text of one.' }), hit(2)], latest: [hit(3)] }, true);
    const reader = readerOf();
    const out = await research(settings({ previous: { generatedAt: '2026-11-01T05:00:00Z' } }), { planner: plannerOf([[{ query: 'latest', reason: 'since', since: '2026-11-01' }]]), search, reader }, hooks);
    expect(search.asked).toEqual([{ query: 'x imports' }, { query: 'latest', since: '2026-11-01' }]);
    expect(reader.pages).toEqual([]); // the first page came with its text; the others are not opened offline
    expect(out.steps[0]!.results.map((r) => r.read?.kind)).toEqual(['provided', undefined]);
    // The page text is read, never stored.
    expect(JSON.stringify(out.steps)).not.toContain('Whole text');
  });

  it('fails the run only when every first-round search fails', async () => {
    const failing: SearchProvider = { name: 'down', search: async () => Promise.reject(new Error('503 from the API')) };
    await expect(research(settings(), { planner: plannerOf([]), search: failing }, hooks)).rejects.toThrow('every search failed; first error: 503 from the API');
  });
});
