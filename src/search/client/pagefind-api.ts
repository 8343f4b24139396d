// pagefind.js's browser API, as far as the search page uses it. The pagefind package's own types
// (types/index.d.ts) cover only its Node indexing API, not the pagefind.js it writes into each
// bundle, so these are local: named after Pagefind's web types (pagefind_web_js/types), and looser
// where the page must not trust the index (sub_results may be missing, meta values too).

/** A section of a result's page that matched. */
export interface PagefindSubResult {
  title: string;
  url: string;
  excerpt: string;
  /** Each matching word in the section, with its weight and score (Pagefind 1.x). */
  weighted_locations?: { weight?: number; balanced_score?: number; location?: number }[];
}

/** A result's text: one fragment file, fetched only when the result is shown. */
export interface PagefindSearchFragment {
  url: string;
  excerpt: string;
  meta: Record<string, string | undefined>;
  sub_results?: PagefindSubResult[];
}

export interface PagefindSearchResult {
  /** The page's fragment name: the same in a bundle and in the bundles' merge for the newest bundle's pages. */
  id: string;
  data(): Promise<PagefindSearchFragment>;
}

export interface PagefindSearchResults {
  results: PagefindSearchResult[];
}

export interface PagefindSearchOptions {
  filters?: object;
  sort?: object;
}

export interface PagefindIndexOptions {
  basePath: string;
  baseUrl: string;
  metaCacheTag?: string;
  noWorker?: boolean;
}

export interface PagefindInstance {
  preload(term: string, options: PagefindSearchOptions): Promise<void>;
  search(term: string | null, options: PagefindSearchOptions): Promise<PagefindSearchResults | null>;
}

/** What `import('<base>pagefind/pagefind.js')` resolves to. */
export interface PagefindModule {
  createInstance(options: PagefindIndexOptions): PagefindInstance;
}
