// The search index is split into date bundles, each a Pagefind index of its own
// (src/search/index-build.ts builds them, src/search/client/ searches them):
//   - one bundle per UTC year; a year holding more than BUNDLE_LIMIT briefings is split into one
//     bundle per UTC month, and such a month, if it too holds more, into weeks of the month (days
//     1–7, 8–14, 15–21, 22–28, 29–31). Keys are "2026", "2026-03" or "2026-03-w2": stable, so an
//     old period keeps its key and its cached index for as long as its briefings do not change;
//   - Pagefind's memory while indexing grows with the bundle, not the knowledge base;
//   - sorted by date, the search page searches the newest bundle first and earlier ones only when
//     asked, so it downloads one bundle's posting list and page metadata, not every briefing's
//     (by relevance it searches the bundles' merge, src/search/merge.ts, and its word directory).
// Bundles partition the dates, so "newest first" across bundles is their results in key order
// (keys sort as their dates do).
import { createHash } from 'node:crypto';
import { ONE_INDEX_KEY } from './layout.ts';

/**
 * Chosen by measurement (docs/performance.md, "Search bundles"): the first search for a word on
 * every page costs about 100 KB whatever the bundle (Pagefind's WebAssembly and script, the page's
 * script, metadata, the first results' text) plus about 150 bytes per briefing of the bundle
 * (the word's index chunks): 468 briefings measured 173 KB. 300 keeps it under 150 KB, and
 * Pagefind indexes 300 briefings in well under 0.5 GB.
 */
export const BUNDLE_LIMIT = 300;

/** Bump when the layout of a bundle's folder changes, so cached bundles are rebuilt. */
export const BUNDLE_LAYOUT_VERSION = 4; // 3: the one index (./layout.ts), year counts; 4: Pagefind's scripts kept, for the merge

/** Bump when ./merge.ts writes another index from the same bundles. */
export const MERGE_VERSION = 3; // 2: a chunk of its own for a word that fills one; short fragment names. 3: the word directory

export interface Dated {
  meta: { id: string; generatedAt: string };
}

export interface Bundle<T> {
  /** "2026", "2026-03" or "2026-03-w2" (UTC). */
  key: string;
  /** UTC days of its oldest and newest briefing, YYYY-MM-DD. */
  first: string;
  last: string;
  /** Oldest first (then by id): the order its cache key is computed in. */
  items: T[];
}

const time = (item: Dated) => {
  const t = Date.parse(item.meta.generatedAt);
  // The catalog only holds sessions whose generatedAt is a valid date-time with a zone.
  if (Number.isNaN(t)) throw new Error(`session ${item.meta.id} has no valid generatedAt (${item.meta.generatedAt}); run kb verify`);
  return t;
};

/** Oldest first, then by id: the order a bundle's cache key is computed in. */
const chronological = <T extends Dated>(items: readonly T[]) =>
  items.map((item) => ({ item, t: time(item) })).sort((a, b) => a.t - b.t || (a.item.meta.id < b.item.meta.id ? -1 : a.item.meta.id > b.item.meta.id ? 1 : 0));
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Every item as the one index (./layout.ts): a single "bundle" keyed ONE_INDEX_KEY, or none when there are no items. */
export function oneIndex<T extends Dated>(items: readonly T[]): Bundle<T>[] {
  const sorted = chronological(items);
  return sorted.length ? [{ key: ONE_INDEX_KEY, first: day(sorted[0]!.t), last: day(sorted.at(-1)!.t), items: sorted.map((x) => x.item) }] : [];
}

/** Partitions items into bundles, newest bundle first. */
export function partitionBundles<T extends Dated>(items: readonly T[], limit = BUNDLE_LIMIT): Bundle<T>[] {
  const sorted = chronological(items);
  // Year, then month, then week of the month: each level only where the one above is too big.
  const split = (list: { item: T; t: number }[], key: (t: number) => string) => {
    const groups = new Map<string, { item: T; t: number }[]>();
    for (const x of list) {
      const k = key(x.t);
      const group = groups.get(k);
      if (group) group.push(x);
      else groups.set(k, [x]);
    }
    return groups;
  };
  const iso = (t: number) => new Date(t).toISOString();
  const week = (t: number) => `${iso(t).slice(0, 7)}-w${Math.min(5, Math.floor((new Date(t).getUTCDate() - 1) / 7) + 1)}`;
  const groups: [string, { item: T; t: number }[]][] = [];
  for (const [year, inYear] of split(sorted, (t) => iso(t).slice(0, 4))) {
    if (inYear.length <= limit) groups.push([year, inYear]);
    else for (const [month, inMonth] of split(inYear, (t) => iso(t).slice(0, 7))) {
      if (inMonth.length <= limit) groups.push([month, inMonth]);
      else groups.push(...split(inMonth, week));
    }
  }
  return groups
    .map(([key, list]) => ({ key, first: day(list[0]!.t), last: day(list.at(-1)!.t), items: list.map((x) => x.item) }))
    .sort((a, b) => (a.key < b.key ? 1 : -1));
}

/** What a bundle's index depends on: an unchanged hash means its cached index is still right. */
export function bundleHash(key: string, digests: readonly string[], documentVersion: string, pagefindVersion: string): string {
  return createHash('sha1').update(JSON.stringify([BUNDLE_LAYOUT_VERSION, documentVersion, pagefindVersion, key, digests])).digest('hex').slice(0, 20);
}

/** dist/pagefind/bundles.json: what the search page reads before its first search. */
export interface BundleManifest {
  version: 1;
  total: number;
  /** Newest first. `path` is relative to the site's base, with a trailing slash; `hash` changes with the bundle. */
  bundles: { key: string; first: string; last: string; count: number; path: string; hash: string }[];
  /**
   * With date bundles: their merge into one index (src/search/merge.ts), which ranks across all of
   * them, and the first word of each shard of its word directory (src/search/directory.ts).
   */
  merged?: { path: string; hash: string; directory?: string[] };
}

/** Counts of filter values, for the filter menus (loaded only when a menu opens). */
export type FacetCounts = Record<'query' | 'tag' | 'source' | 'status' | 'year', Record<string, number>>;

export const emptyFacets = (): FacetCounts => ({ query: {}, tag: {}, source: {}, status: {}, year: {} });

export function addFacets(into: FacetCounts, from: FacetCounts): FacetCounts {
  for (const name of ['query', 'tag', 'source', 'status', 'year'] as const) {
    for (const [value, n] of Object.entries(from[name])) into[name][value] = (into[name][value] ?? 0) + n;
  }
  return into;
}

/** [value, count] pairs, most used first, then alphabetically. */
export const byCount = (counts: Record<string, number>): [string, number][] =>
  Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
