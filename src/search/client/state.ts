// What the reader is searching for — term, filters, sort — kept in the URL, so that a search can
// be shared and survives a reload: ?q=term&query=…&tag=…&year=…&source=…&status=…&sort=date|oldest.

export const FILTERS = ['query', 'tag', 'year', 'source', 'status'] as const;
export type FilterName = (typeof FILTERS)[number];
export const SORTS = { date: { date: 'desc' }, oldest: { date: 'asc' } } as const;
export type Sort = '' | keyof typeof SORTS;

export interface SearchState {
  term: string;
  filters: Record<FilterName, string[]>;
  sort: Sort;
}

export function readState(search: string): SearchState {
  const params = new URLSearchParams(search);
  return {
    term: (params.get('q') ?? '').trim(),
    filters: Object.fromEntries(FILTERS.map((f) => [f, [...new Set(params.getAll(f).map((v) => v.trim()).filter(Boolean))]])) as Record<FilterName, string[]>,
    sort: (Object.hasOwn(SORTS, params.get('sort') ?? '') ? params.get('sort') : '') as Sort,
  };
}

/** Without any, the page shows the newest briefings written into it instead of searching. */
export const hasCriteria = (state: SearchState): boolean => Boolean(state.term || FILTERS.some((f) => state.filters[f].length) || state.sort);

/** Replaces (not pushes: typing is not navigation) the URL with the state's, and titles the page after the term. */
export function writeUrl(state: SearchState, baseTitle: string): void {
  const out = new URLSearchParams();
  if (state.term) out.set('q', state.term);
  for (const name of FILTERS) for (const value of state.filters[name]) out.append(name, value);
  if (state.sort) out.set('sort', state.sort);
  const qs = out.toString();
  const url = location.pathname + (qs ? `?${qs}` : '') + location.hash;
  if (url !== location.pathname + location.search + location.hash) history.replaceState(history.state, '', url);
  document.title = state.term ? `${state.term} — ${baseTitle}` : baseTitle;
}
