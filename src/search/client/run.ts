// A search over the date bundles:
//   - by relevance, all of history ranked as one: the bundles' merge (src/search/merge.ts), one
//     index of every briefing — after, for one word and no filter, the word directory
//     (./directory.ts), which draws the first page of the same ranking without loading Pagefind;
//     the merge then gives the rest, the directory's results skipped by id. (A year filter of
//     one year searches that year's bundle, all of the history asked for.)
//   - by date, bundle by bundle, one Pagefind instance each: the newest (the oldest for "Oldest
//     first") first, its results shown at once, the next only when the reader asks or while fewer
//     results than wanted are found. Bundles partition the dates, so date-sorted results come out
//     in order by concatenating the bundles' own sorted results, and only the bundles the results
//     shown need are downloaded. (Pagefind's mergeIndex would search every bundle up front.)
//   - a site built before the merge existed (no `merged` in bundles.json): bundle by bundle.
import type { BundleManifest } from '#search/bundles.ts';
import type { ManifestBundle, SearchIndex } from './loader.ts';
import type { PagefindSearchResult } from './pagefind-api.ts';
import { SORTS, type SearchState, type Sort } from './state.ts';
import { MERGED_KEY, ONE_INDEX_KEY } from '#search/layout.ts';
import { directoryWord } from './directory.ts';

/** The word directory's step in a search's order: not a bundle, answered by SearchIndex.directory. */
export const DIRECTORY_KEY = '_directory';

/** Results shown at a time. */
export const PAGE = 10;

export interface Hit {
  bundle: string;
  result: PagefindSearchResult;
}

/** With no term there is no relevance to rank by: newest first. */
export const sortKey = (state: SearchState): Sort => state.sort || (state.term ? '' : 'date');

/** A search the word directory may answer first: by relevance, one word, no filter, over date bundles with a directory. */
export function usesDirectory(state: SearchState, m: BundleManifest): boolean {
  const unfiltered = Object.values(state.filters).every((values) => values.length === 0);
  return Boolean(m.merged?.directory?.length && m.bundles.length > 1 && sortKey(state) === '' && unfiltered && directoryWord(state.term));
}

/** The bundles to search, in the order to search them; the year filter chooses date bundles (the one index and the merge filter years themselves). */
export function bundlesFor(state: SearchState, m: BundleManifest): ManifestBundle[] {
  if (m.bundles.length === 1 && m.bundles[0]!.key === ONE_INDEX_KEY) return m.bundles;
  const years = state.filters.year;
  const chosen = m.bundles.filter((b) => years.length === 0 || years.includes(b.key.slice(0, 4)));
  const key = sortKey(state);
  if (key === 'oldest') return chosen.reverse();
  if (key === '' && m.merged && chosen.length > 1) {
    const { path, hash } = m.merged;
    const merged = { key: MERGED_KEY, first: chosen.at(-1)!.first, last: chosen[0]!.last, count: chosen.reduce((n, b) => n + b.count, 0), path, hash };
    return usesDirectory(state, m) ? [{ ...merged, key: DIRECTORY_KEY }, merged] : [merged];
  }
  return chosen;
}

/** Filters years itself (the date bundles are chosen by year instead). */
const filtersYears = (key: string) => key === ONE_INDEX_KEY || key === MERGED_KEY;

/** The question, tag, source and status filters, any of the chosen values; years too in the one index (date bundles are chosen by year). */
export function pagefindFilters(state: SearchState, oneIndex = false): Record<string, { any: string[] }> {
  const filters: Record<string, { any: string[] }> = {};
  for (const name of ['query', 'tag', 'source', 'status', ...(oneIndex ? (['year'] as const) : [])] as const) if (state.filters[name].length) filters[name] = { any: state.filters[name] };
  return filters;
}

/** The results found so far and how far through the bundles the search has come. */
export class BundleSearch {
  /** One search at a time: each new one takes the next id, and an older one stops at its next step. */
  run = 0;
  hits: Hit[] = [];
  shown = 0;
  /** The bundles in the order they are searched; set once the manifest is in. */
  order: ManifestBundle[] = [];
  next = 0;
  /** How many briefings hold the word, once the word directory has said (its hits are the first of them). */
  total: number | undefined;
  private readonly index: SearchIndex;
  private readonly state: SearchState;

  constructor(index: SearchIndex, state: SearchState) {
    this.index = index;
    this.state = state;
  }

  /** Forgets the last search's results; returns the new search's id. */
  restart(): number {
    const id = ++this.run;
    this.hits = [];
    this.shown = 0;
    this.next = 0;
    this.total = undefined;
    return id;
  }

  /** Searches further bundles until `want` results are found or none is left; false if a newer search has started. */
  async collect(id: number, want: number): Promise<boolean> {
    while (this.hits.length < want && this.next < this.order.length) {
      await this.searchNextBundle(id);
      if (id !== this.run) return false;
    }
    return true;
  }

  /** The results after those shown, up to the `want`th, from now on counted as shown. */
  take(want: number): Hit[] {
    const page = this.hits.slice(this.shown, want);
    this.shown += page.length;
    return page;
  }

  /** What the summary line and the "more" button say. */
  progress(): { summary: string; moreHidden: boolean; moreLabel: string } {
    const searched = this.order.slice(0, this.next);
    const left = this.order.slice(this.next);
    const term = this.state.term;
    const word = term ? ` for “${term}”` : '';
    const found = Math.max(this.total ?? 0, this.hits.length);
    let text = found === 0 ? `No briefings found${word}` : `${found} briefing${found === 1 ? '' : 's'} found${word}`;
    const later = sortKey(this.state) === 'oldest';
    // With the directory's count, every briefing that holds the word is counted already.
    if (searched.length && left.length && this.total === undefined) text += ` in briefings of ${span(searched)}; ${later ? 'later' : 'earlier'} briefings (${span(left)}) not searched yet`;
    return {
      summary: `${text}.`,
      moreHidden: this.shown >= this.hits.length && this.next >= this.order.length,
      moreLabel: this.shown < found ? 'More results' : `Search ${later ? 'later' : 'earlier'} briefings`,
    };
  }

  private async searchNextBundle(id: number) {
    const bundle = this.order[this.next]!;
    if (bundle.key === DIRECTORY_KEY) return this.searchDirectory(id);
    const pf = await this.index.instance(bundle.key);
    const key = sortKey(this.state);
    const found = await pf.search(this.state.term || null, { filters: pagefindFilters(this.state, filtersYears(bundle.key)), sort: key ? SORTS[key] : {} });
    if (id !== this.run) return;
    this.next++;
    const shown = bundle.key === MERGED_KEY ? new Set(this.hits.map((h) => h.result.id)) : undefined;
    for (const result of found?.results ?? []) if (!shown?.has(result.id)) this.hits.push({ bundle: bundle.key, result });
  }

  /** The directory's page of results, then the merge for more (or nothing, when the page holds every briefing found); the merge alone when the directory does not list the word. */
  private async searchDirectory(id: number) {
    const answer = await this.index.directory(this.state.term);
    if (id !== this.run) return;
    this.next++;
    if (!answer) return; // not listed: the merge answers
    for (const result of answer.results) this.hits.push({ bundle: DIRECTORY_KEY, result });
    this.total = answer.count;
    if (answer.count <= answer.results.length) this.next = this.order.length;
  }
}

/** The days the bundles cover: "2026-02-01 to 2026-11-27". */
function span(bundles: ManifestBundle[]): string {
  const days = bundles.flatMap((b) => [b.first, b.last]).sort();
  return days.length ? `${days[0]} to ${days.at(-1)}` : '';
}
