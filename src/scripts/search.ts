// The search page's script (bundled by Astro from src/pages/search.astro): it finds the page's
// form and wires its controls to the search over the date bundles of dist/pagefind/, whose parts
// live beside the index build in src/search/client/.
import type { BundleManifest } from '#search/bundles.ts';
import { openIndex } from '#search/client/loader.ts';
import { setupFilters } from '#search/client/filters.ts';
import { resultList } from '#search/client/results.ts';
import { BundleSearch, DIRECTORY_KEY, PAGE, bundlesFor, pagefindFilters, usesDirectory } from '#search/client/run.ts';
import { hasCriteria, readState, writeUrl, type Sort } from '#search/client/state.ts';

const UNAVAILABLE = 'The search index could not be loaded. Reload the page to try again.';

export function startSearch(): void {
  const form = document.querySelector<HTMLFormElement>('form[data-search]');
  if (!form) return;
  const base = form.dataset.base ?? '/';
  const input = form.querySelector<HTMLInputElement>('#search-q')!;
  const sortEl = form.querySelector<HTMLSelectElement>('#search-sort')!;
  const summary = form.querySelector<HTMLElement>('[data-summary]')!;
  const more = form.querySelector<HTMLButtonElement>('[data-more]')!;
  // The newest briefings, written into the page for a visitor who has not searched yet.
  const latest = document.querySelector<HTMLElement>('[data-latest]');
  const baseTitle = document.title;
  const debounceMs = Number(form.dataset.debounce) || 80;
  form.hidden = false;

  const state = readState(location.search);
  input.value = state.term;
  sortEl.value = state.sort;
  const index = openIndex(base);
  /** The manifest, once in. */
  let manifest: BundleManifest | undefined;
  const searcher = new BundleSearch(index, state);
  /** The first Pagefind index the search will open (the word directory, if first, is not one). */
  const firstIndex = () => searcher.order.find((b) => b.key !== DIRECTORY_KEY);
  const results = resultList(form.querySelector<HTMLOListElement>('[data-results]')!);

  /** Searches further bundles until `want` results are found or none is left, then shows them. */
  async function fill(id: number, want: number) {
    summary.textContent = 'Searching…';
    more.disabled = true; // one fill at a time; it keeps its focus for the next click
    if (!(await searcher.collect(id, want))) return;
    // The first results of a search are on screen: fetch theirs without waiting for a frame.
    const first = searcher.shown === 0;
    for (const [i, hit] of searcher.take(want).entries()) results.add(hit.result, first && i < 3);
    const { summary: text, moreHidden, moreLabel } = searcher.progress();
    summary.textContent = text;
    more.disabled = false;
    more.hidden = moreHidden;
    more.textContent = moreLabel;
  }

  async function search() {
    const id = searcher.restart();
    results.clear();
    more.hidden = true;
    if (latest) latest.hidden = true;
    writeUrl(state, baseTitle);
    renderActive();
    try {
      searcher.order = bundlesFor(state, await index.manifest);
      if (id === searcher.run) await fill(id, PAGE);
    } catch (error) {
      if (id !== searcher.run) return;
      console.error(error);
      summary.textContent = UNAVAILABLE;
    }
  }

  more.addEventListener('click', () => {
    const id = searcher.run;
    fill(id, searcher.shown + PAGE).catch((error) => {
      console.error(error);
      if (id === searcher.run) summary.textContent = UNAVAILABLE;
    });
  });

  let timer: ReturnType<typeof setTimeout> | undefined;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    // Fetch the term's index chunks of the first bundle while the debounce waits, unless the word
    // directory will answer it without Pagefind.
    const term = input.value.trim();
    const first = firstIndex();
    if (term && first && !(manifest && usesDirectory({ ...state, term }, manifest))) void index.instance(first.key).then((pf) => pf.preload(term, { filters: pagefindFilters(state) })).catch(() => undefined);
    timer = setTimeout(() => {
      const term = input.value.trim();
      if (term === state.term) return;
      state.term = term;
      void search();
    }, debounceMs);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(timer);
    state.term = input.value.trim();
    void search();
  });
  sortEl.addEventListener('change', () => {
    state.sort = sortEl.value as Sort;
    void search();
  });

  const renderActive = setupFilters({ form, active: form.querySelector<HTMLUListElement>('[data-active]')!, input, state, index, search: () => void search() });

  // The newest bundle's index and Pagefind's WebAssembly load now, so typing finds them ready —
  // unless the word directory is there: a one-word search then needs neither, and any other
  // loads them on the first keystroke.
  index.manifest
    .then((m) => {
      manifest = m;
      if (searcher.next === 0) searcher.order = bundlesFor(state, m);
      const first = firstIndex();
      return first && !m.merged?.directory?.length ? index.instance(first.key) : undefined;
    })
    .catch(() => undefined);
  if (hasCriteria(state)) void search();
  else renderActive();
}
