// How dist/pagefind/ is laid out, shared by the index build and the search page's script (so it
// imports nothing that a browser could not load).
//
// A knowledge base of up to ONE_INDEX_MAX briefings is ONE Pagefind index in Pagefind's standard
// place, dist/pagefind/: relevance ranks across its whole history, the year is a Pagefind filter,
// and Pagefind's own API (`/pagefind/pagefind.js`), its UIs and another site's `mergeIndex` can use
// it. A larger one is split into date bundles (./bundles.ts), each at dist/pagefind/<key>/, which
// keeps Pagefind's memory, the first search's download and an incremental build's work bounded
// (docs/performance.md) — at the cost of relevance ranking within each bundle only.

/** The key of the one index, in bundles.json and in the cache. */
export const ONE_INDEX_KEY = 'all';

/** The key of the date bundles' merge into one standard index (src/search/merge.ts), for the search page and in the cache. */
export const MERGED_KEY = '_merged';

/**
 * The same as one bundle's limit (BUNDLE_LIMIT): a knowledge base that fits is searched with the
 * download and speed one bundle was measured at. `KB_SEARCH_ONE_INDEX_MAX` overrides it.
 */
export const ONE_INDEX_MAX = 300;
