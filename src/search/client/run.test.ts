// The order the search page searches date bundles in, and how it joins their results, with a
// stand-in for Pagefind's instances (the real ones are searched in Chromium by
// tests/e2e/search-standard.test.ts and tests/e2e/discovery.test.ts).
import { describe, expect, it } from 'vitest';
import type { BundleManifest } from '#search/bundles.ts';
import { MERGED_KEY } from '#search/layout.ts';
import type { SearchIndex } from './loader.ts';
import type { PagefindInstance } from './pagefind-api.ts';
import { BundleSearch, DIRECTORY_KEY, bundlesFor } from './run.ts';
import { readState } from './state.ts';

const bundle = (key: string, first: string, last: string, count: number) => ({ key, first, last, count, path: `pagefind/${key}/`, hash: `h${key}` });
const manifest: BundleManifest = {
  version: 1,
  total: 9,
  bundles: [bundle('2026', '2026-01-02', '2026-03-04', 3), bundle('2025', '2025-01-02', '2025-12-30', 3), bundle('2024', '2024-02-01', '2024-11-30', 3)],
  merged: { path: 'pagefind/', hash: 'hm' },
};

/** Instances that answer each key with the given result ids, and remember which were searched with what; `directory` answers for the word directory. */
function fakeIndex(answers: Record<string, string[]>, directory?: { count: number; ids: string[] }, m: BundleManifest = manifest) {
  const searched: { key: string; filters: object; sort: object }[] = [];
  const index: SearchIndex = {
    manifest: Promise.resolve(m),
    json: () => Promise.reject(new Error('not used')),
    directory: async () => {
      searched.push({ key: DIRECTORY_KEY, filters: {}, sort: {} });
      return directory && { count: directory.count, results: directory.ids.map((id, i) => ({ id, score: 10 - i, data: () => Promise.reject(new Error('not used')) })) };
    },
    instance: async (key) =>
      ({
        preload: async () => undefined,
        search: async (_term, { filters = {}, sort = {} }) => {
          searched.push({ key, filters, sort });
          return { results: (answers[key] ?? []).map((id) => ({ id, data: () => Promise.reject(new Error('not used')) })) };
        },
      }) satisfies PagefindInstance,
  };
  return { index, searched };
}

describe('the order the search page searches date bundles in', () => {
  it('by relevance: the merge of all of them, ranked as one; by date: bundle after bundle', () => {
    expect(bundlesFor(readState('?q=hafnium'), manifest).map((b) => [b.key, b.first, b.last, b.count])).toEqual([[MERGED_KEY, '2024-02-01', '2026-03-04', 9]]);
    expect(bundlesFor(readState('?q=hafnium&sort=date'), manifest).map((b) => b.key)).toEqual(['2026', '2025', '2024']);
    expect(bundlesFor(readState('?q=hafnium&sort=oldest'), manifest).map((b) => b.key)).toEqual(['2024', '2025', '2026']);
    // No term: newest first, bundle after bundle.
    expect(bundlesFor(readState('?tag=x'), manifest).map((b) => b.key)).toEqual(['2026', '2025', '2024']);
    // One year chosen: its bundle alone; two: the merge, which filters the years itself.
    expect(bundlesFor(readState('?q=x&year=2025'), manifest).map((b) => b.key)).toEqual(['2025']);
    expect(bundlesFor(readState('?q=x&year=2025&year=2024'), manifest).map((b) => b.key)).toEqual([MERGED_KEY]);
    // A site built before the merge existed: bundle after bundle.
    expect(bundlesFor(readState('?q=x'), { ...manifest, merged: undefined }).map((b) => b.key)).toEqual(['2026', '2025', '2024']);
  });
});

describe('a search over date bundles', () => {
  it('by relevance, ranks all history as one in the merge, which filters by year itself', async () => {
    // The merge ranks an old briefing (c) first.
    const { index, searched } = fakeIndex({ '2026': ['a', 'b'], [MERGED_KEY]: ['c', 'a', 'd', 'b'] });
    const state = readState('?q=hafnium&year=2026&year=2024');
    const search = new BundleSearch(index, state);
    search.order = bundlesFor(state, await index.manifest);
    const id = search.restart();
    expect(await search.collect(id, 10)).toBe(true);
    expect(search.hits.map((h) => h.result.id)).toEqual(['c', 'a', 'd', 'b']);
    expect(searched.map((s) => [s.key, s.filters])).toEqual([[MERGED_KEY, { year: { any: ['2026', '2024'] } }]]);
    expect(search.take(10)).toHaveLength(4);
    expect(search.progress()).toEqual({ summary: '4 briefings found for “hafnium”.', moreHidden: true, moreLabel: 'Search earlier briefings' });
  });

  it('answers a word found nowhere after one index, not after every bundle', async () => {
    const { index, searched } = fakeIndex({});
    const state = readState('?q=xylophonist');
    const search = new BundleSearch(index, state);
    search.order = bundlesFor(state, await index.manifest);
    await search.collect(search.restart(), 10);
    expect(searched.map((s) => s.key)).toEqual([MERGED_KEY]);
    expect(search.progress().summary).toBe('No briefings found for “xylophonist”.');
  });

  it('by date, stops after the newest bundle while it has a page of results, and says what is left', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `n${i}`);
    const { index, searched } = fakeIndex({ '2026': ids, '2025': ['old'] });
    const state = readState('?q=supply&sort=date');
    const search = new BundleSearch(index, state);
    search.order = bundlesFor(state, await index.manifest);
    const id = search.restart();
    await search.collect(id, 10);
    expect(search.take(10)).toHaveLength(10);
    expect(searched.map((s) => [s.key, s.sort])).toEqual([['2026', { date: 'desc' }]]);
    expect(search.progress()).toEqual({ summary: '12 briefings found for “supply” in briefings of 2026-01-02 to 2026-03-04; earlier briefings (2024-02-01 to 2025-12-30) not searched yet.', moreHidden: false, moreLabel: 'More results' });
    await search.collect(id, 20);
    expect(search.take(20).map((h) => h.result.id)).toEqual(['n10', 'n11', 'old']);
  });
});

describe('a one-word search over date bundles with a word directory', () => {
  const withDirectory: BundleManifest = { ...manifest, merged: { path: 'pagefind/', hash: 'hm', directory: ['a', 'm'] } };

  it('asks the directory first only for one word, by relevance, with no filter', () => {
    expect(bundlesFor(readState('?q=hafnium'), withDirectory).map((b) => b.key)).toEqual([DIRECTORY_KEY, MERGED_KEY]);
    for (const q of ['?q=rare+earths', '?q=hafnium&sort=date', '?q=hafnium&tag=x', '?q=hafnium&year=2025&year=2024', '?q=%22hafnium%22', '?tag=x']) {
      expect(bundlesFor(readState(q), withDirectory).map((b) => b.key), q).not.toContain(DIRECTORY_KEY);
    }
  });

  it('shows the directory\'s page, then more from the merge, each briefing once', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `d${i}`);
    const { index, searched } = fakeIndex({ '2026': ['d1'], [MERGED_KEY]: [...ids, 'e1', 'e2'] }, { count: 12, ids }, withDirectory);
    const state = readState('?q=hafnium');
    const search = new BundleSearch(index, state);
    search.order = bundlesFor(state, withDirectory);
    const id = search.restart();
    await search.collect(id, 10);
    expect(search.take(10).map((h) => h.result.id)).toEqual(ids);
    expect(searched.map((s) => s.key)).toEqual([DIRECTORY_KEY]);
    // The count is the directory's: every briefing that holds the word.
    expect(search.progress()).toEqual({ summary: '12 briefings found for “hafnium”.', moreHidden: false, moreLabel: 'More results' });
    await search.collect(id, 20);
    expect(search.take(20).map((h) => h.result.id)).toEqual(['e1', 'e2']);
    expect(searched.map((s) => s.key)).toEqual([DIRECTORY_KEY, MERGED_KEY]);
    expect(search.progress()).toEqual({ summary: '12 briefings found for “hafnium”.', moreHidden: true, moreLabel: 'Search earlier briefings' });
  });

  it('stops after the directory when its page holds every briefing found, and asks the merge when it does not list the word', async () => {
    const all = fakeIndex({}, { count: 2, ids: ['a', 'b'] }, withDirectory);
    const state = readState('?q=zirconium');
    const search = new BundleSearch(all.index, state);
    search.order = bundlesFor(state, withDirectory);
    await search.collect(search.restart(), 10);
    expect(search.take(10).map((h) => h.result.id)).toEqual(['a', 'b']);
    expect(all.searched.map((s) => s.key)).toEqual([DIRECTORY_KEY]);
    expect(search.progress()).toEqual({ summary: '2 briefings found for “zirconium”.', moreHidden: true, moreLabel: 'Search earlier briefings' });

    const none = fakeIndex({ '2026': ['n'], [MERGED_KEY]: ['n', 'o'] }, undefined, withDirectory);
    const other = new BundleSearch(none.index, state);
    other.order = bundlesFor(state, withDirectory);
    await other.collect(other.restart(), 10);
    expect(other.hits.map((h) => h.result.id)).toEqual(['n', 'o']);
    expect(none.searched.map((s) => s.key)).toEqual([DIRECTORY_KEY, MERGED_KEY]);
  });
});
