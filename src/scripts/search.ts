// The search page's script (bundled by Astro from src/pages/search.astro). It searches the date
// bundles of dist/pagefind/ (src/integrations/pagefind.ts) through pagefind.js's own API, one
// Pagefind instance per bundle, created when that bundle is first searched:
//   - the newest bundle first (the oldest first for "Oldest first"), its results shown at once;
//   - the next bundle only when the reader asks ("Search earlier briefings"), or while fewer than a
//     page of results has been found. Bundles partition the dates, so date-sorted results come
//     out in order by concatenating the bundles' own sorted results. (Pagefind's mergeIndex would
//     search every bundle up front and re-sort the merged results by score, sort or not.)
//   - relevance ranks within a bundle; bundles stay in date order.
// Every string from the index is untrusted: it reaches the page only as text nodes (and <mark>
// elements made here), and only http(s) or same-site links become hrefs.

interface PagefindResult {
  data(): Promise<PagefindData>;
}
interface PagefindData {
  url: string;
  excerpt: string;
  meta: Record<string, string | undefined>;
  sub_results?: { title: string; url: string; excerpt: string }[];
}
interface PagefindInstance {
  preload(term: string, options: { filters?: object }): Promise<void>;
  search(term: string | null, options: { filters?: object; sort?: object }): Promise<{ results: PagefindResult[] } | null>;
}
interface PagefindModule {
  createInstance(options: { basePath: string; baseUrl: string; metaCacheTag?: string; noWorker?: boolean }): PagefindInstance;
}
interface Manifest {
  total: number;
  bundles: { key: string; first: string; last: string; count: number; path: string; hash: string }[];
}

const PAGE = 10;
const FILTERS = ['query', 'tag', 'year', 'source'] as const;
type FilterName = (typeof FILTERS)[number];
const SORTS = { date: { date: 'desc' }, oldest: { date: 'asc' } } as const;
type Sort = '' | keyof typeof SORTS;
/** At most this many values of a menu are listed; the Source menu narrows with its own box. */
const MENU_LIMIT = 100;
const STATUSES = new Set(['complete', 'partial', 'failed']);

interface Hit {
  bundle: string;
  result: PagefindResult;
}

export function startSearch(): void {
  const form = document.querySelector<HTMLFormElement>('form[data-search]');
  if (!form) return;
  const base = form.dataset.base ?? '/';
  const input = form.querySelector<HTMLInputElement>('#search-q')!;
  const sortEl = form.querySelector<HTMLSelectElement>('#search-sort')!;
  const summary = form.querySelector<HTMLElement>('[data-summary]')!;
  const list = form.querySelector<HTMLOListElement>('[data-results]')!;
  const more = form.querySelector<HTMLButtonElement>('[data-more]')!;
  const active = form.querySelector<HTMLUListElement>('[data-active]')!;
  // The newest briefings, written into the page for a visitor who has not searched yet.
  const latest = document.querySelector<HTMLElement>('[data-latest]');
  const baseTitle = document.title;
  const debounceMs = Number(form.dataset.debounce) || 80;
  form.hidden = false;

  const params = new URLSearchParams(location.search);
  const state = {
    term: (params.get('q') ?? '').trim(),
    filters: Object.fromEntries(FILTERS.map((f) => [f, [...new Set(params.getAll(f).map((v) => v.trim()).filter(Boolean))]])) as Record<FilterName, string[]>,
    sort: (Object.hasOwn(SORTS, params.get('sort') ?? '') ? params.get('sort') : '') as Sort,
  };
  input.value = state.term;
  sortEl.value = state.sort;

  const json = <T>(file: string): Promise<T> =>
    fetch(`${base}pagefind/${file}`).then((r) => {
      if (!r.ok) throw new Error(`${r.status} fetching ${file}`);
      return r.json() as Promise<T>;
    });
  const manifest = json<Manifest>('bundles.json');
  const pagefind = import(/* @vite-ignore */ `${base}pagefind/pagefind.js`) as Promise<PagefindModule>;
  // Creating an instance fetches its bundle's entry and metadata: once per bundle, when first needed.
  const instances = new Map<string, Promise<PagefindInstance>>();
  const instance = (key: string) => {
    let found = instances.get(key);
    if (!found) {
      found = Promise.all([manifest, pagefind]).then(([m, pf]) => {
        const bundle = m.bundles.find((b) => b.key === key)!;
        // The tag lets the browser cache the bundle's entry file until the bundle changes. No web
        // worker: it is a second copy of pagefind.js (12 KB gzipped) to download, and a bundle is
        // small enough to search on the page's thread (see BUNDLE_LIMIT).
        return pf.createInstance({ basePath: `${base}${bundle.path}`, baseUrl: base, metaCacheTag: bundle.hash, noWorker: true });
      });
      instances.set(key, found);
    }
    return found;
  };

  // One search at a time: a newer one makes the older one stop at its next step.
  let run = 0;
  let hits: Hit[] = [];
  let shown = 0;
  let order: Manifest['bundles'] = [];
  let next = 0;

  const sortKey = (): Sort => state.sort || (state.term ? '' : 'date');
  const bundlesFor = (m: Manifest) => {
    const years = state.filters.year;
    const chosen = m.bundles.filter((b) => years.length === 0 || years.includes(b.key.slice(0, 4)));
    return sortKey() === 'oldest' ? chosen.reverse() : chosen;
  };

  /** The question, tag and source filters, any of the chosen values (years choose bundles). */
  const pagefindFilters = () => {
    const filters: Record<string, { any: string[] }> = {};
    for (const name of ['query', 'tag', 'source'] as const) if (state.filters[name].length) filters[name] = { any: state.filters[name] };
    return filters;
  };

  async function searchNextBundle(id: number) {
    const bundle = order[next]!;
    const pf = await instance(bundle.key);
    const key = sortKey();
    const found = await pf.search(state.term || null, { filters: pagefindFilters(), sort: key ? SORTS[key] : {} });
    if (id !== run) return;
    next++;
    for (const result of found?.results ?? []) hits.push({ bundle: bundle.key, result });
  }

  /** Searches further bundles until `want` results are found or none is left, then shows them. */
  async function fill(id: number, want: number) {
    summary.textContent = 'Searching…';
    more.disabled = true; // one fill at a time; it keeps its focus for the next click
    while (hits.length < want && next < order.length) {
      await searchNextBundle(id);
      if (id !== run) return;
    }
    const page = hits.slice(shown, want);
    // Placeholders now; each result's text (a Pagefind fragment of a few KB) is fetched when its
    // placeholder comes near the viewport, as Pagefind's own UI does.
    // The first results of a search are on screen: fetch theirs without waiting for a frame.
    for (const [i, hit] of page.entries()) list.append(placeholder(hit, shown === 0 && i < 3));
    shown += page.length;
    describe();
  }

  const near = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        load(entry.target as HTMLLIElement);
      }
    },
    { rootMargin: '200px' },
  );
  const pendingHits = new WeakMap<Element, Hit>();
  function load(li: HTMLLIElement) {
    near.unobserve(li);
    const hit = pendingHits.get(li);
    pendingHits.delete(li);
    hit?.result.data().then(
      (data) => li.replaceWith(renderHit(data)),
      () => li.replaceChildren(el('p', 'hit-excerpt', 'This result could not be loaded.')),
    );
  }
  function placeholder(hit: Hit, now: boolean): HTMLLIElement {
    const li = el('li', 'hit hit-loading');
    li.setAttribute('aria-busy', 'true');
    li.append(el('span', 'visually-hidden', 'Loading result…'));
    pendingHits.set(li, hit);
    if (now) load(li);
    else near.observe(li);
    return li;
  }

  function describe() {
    const searched = order.slice(0, next);
    const left = order.slice(next);
    const word = state.term ? ` for “${state.term}”` : '';
    let text = hits.length === 0 ? `No briefings found${word}` : `${hits.length} briefing${hits.length === 1 ? '' : 's'} found${word}`;
    const later = sortKey() === 'oldest';
    if (searched.length && left.length) text += ` in briefings of ${span(searched)}; ${later ? 'later' : 'earlier'} briefings (${span(left)}) not searched yet`;
    summary.textContent = `${text}.`;
    more.disabled = false;
    more.hidden = shown >= hits.length && next >= order.length;
    more.textContent = shown < hits.length ? 'More results' : `Search ${later ? 'later' : 'earlier'} briefings`;
  }

  async function search() {
    const id = ++run;
    hits = [];
    shown = 0;
    next = 0;
    for (const li of list.children) near.unobserve(li);
    list.replaceChildren();
    more.hidden = true;
    if (latest) latest.hidden = true;
    writeUrl();
    renderActive();
    try {
      order = bundlesFor(await manifest);
      if (id === run) await fill(id, PAGE);
    } catch (error) {
      if (id !== run) return;
      console.error(error);
      summary.textContent = 'The search index could not be loaded. Reload the page to try again.';
    }
  }

  more.addEventListener('click', () => {
    const id = run;
    fill(id, shown + PAGE).catch((error) => {
      console.error(error);
      if (id === run) summary.textContent = 'The search index could not be loaded. Reload the page to try again.';
    });
  });

  function writeUrl() {
    const out = new URLSearchParams();
    if (state.term) out.set('q', state.term);
    for (const name of FILTERS) for (const value of state.filters[name]) out.append(name, value);
    if (state.sort) out.set('sort', state.sort);
    const qs = out.toString();
    const url = location.pathname + (qs ? `?${qs}` : '') + location.hash;
    if (url !== location.pathname + location.search + location.hash) history.replaceState(history.state, '', url);
    document.title = state.term ? `${state.term} — ${baseTitle}` : baseTitle;
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    // Fetch the term's index chunks of the first bundle while the debounce waits.
    const term = input.value.trim();
    const first = order[0];
    if (term && first) void instance(first.key).then((pf) => pf.preload(term, { filters: pagefindFilters() })).catch(() => undefined);
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

  // ---- filter menus: their values are fetched the first time a menu opens ----

  let menuValues: Promise<Record<'query' | 'tag', [string, number][]>> | undefined;
  let sourceValues: Promise<[string, number][]> | undefined;
  const valuesOf = async (name: FilterName): Promise<[string, number][]> => {
    if (name === 'year') {
      const years = new Map<string, number>();
      for (const b of (await manifest).bundles) years.set(b.key.slice(0, 4), (years.get(b.key.slice(0, 4)) ?? 0) + b.count);
      return [...years].sort((a, b) => (a[0] < b[0] ? 1 : -1));
    }
    if (name === 'source') return (sourceValues ??= json('sources.json'));
    return (await (menuValues ??= json('filters.json')))[name];
  };

  const redraws: (() => void)[] = [];
  for (const menu of form.querySelectorAll<HTMLDetailsElement>('details[data-filter]')) {
    const name = menu.dataset.filter as FilterName;
    const box = menu.querySelector<HTMLElement>('[data-values]')!;
    const find = menu.querySelector<HTMLInputElement>('[data-find]');
    let values: [string, number][] | undefined;
    const draw = () => {
      if (!values) return;
      const needle = find?.value.trim().toLowerCase() ?? '';
      const chosen = new Set(state.filters[name]);
      // Chosen values first, so they can be unticked whatever the list shows.
      const matching = values.filter(([v]) => chosen.has(v) || !needle || v.toLowerCase().includes(needle));
      const listed = [...matching.filter(([v]) => chosen.has(v)), ...matching.filter(([v]) => !chosen.has(v))].slice(0, Math.max(MENU_LIMIT, chosen.size));
      box.replaceChildren(...listed.map(([value, count]) => checkbox(name, value, count, chosen.has(value))));
      if (matching.length > listed.length) box.append(note(`${matching.length - listed.length} more${find ? ': type to narrow the list' : ''}`));
      if (listed.length === 0) box.append(note('No values'));
    };
    menu.addEventListener('toggle', () => {
      if (!menu.open || values) return;
      valuesOf(name).then(
        (v) => ((values = v), draw()),
        () => box.replaceChildren(note('Could not load the list. Reload the page to try again.')),
      );
    });
    find?.addEventListener('input', draw);
    box.addEventListener('change', (event) => {
      const target = event.target as HTMLInputElement;
      const set = new Set(state.filters[name]);
      if (target.checked) set.add(target.value);
      else set.delete(target.value);
      state.filters[name] = [...set];
      void search();
    });
    redraws.push(draw);
  }

  // A menu closes when another opens, on a click outside it, and on Escape.
  const menus = [...form.querySelectorAll<HTMLDetailsElement>('details[data-filter]')];
  for (const menu of menus) menu.addEventListener('toggle', () => menu.open && menus.forEach((m) => m !== menu && (m.open = false)));
  document.addEventListener('click', (event) => menus.forEach((m) => m.open && !m.contains(event.target as Node) && (m.open = false)));
  form.addEventListener('keydown', (event) => {
    const menu = menus.find((m) => m.open && m.contains(event.target as Node));
    if (event.key === 'Escape' && menu) {
      menu.open = false;
      menu.querySelector('summary')!.focus();
    }
  });

  function renderActive() {
    const items = FILTERS.flatMap((name) =>
      state.filters[name].map((value) => {
        const li = document.createElement('li');
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'search-chip';
        button.textContent = `${value} ×`;
        button.setAttribute('aria-label', `Remove filter ${name === 'query' ? 'question' : name}: ${value}`);
        button.addEventListener('click', () => {
          state.filters[name] = state.filters[name].filter((v) => v !== value);
          for (const redraw of redraws) redraw();
          void search();
          input.focus();
        });
        li.append(button);
        return li;
      }),
    );
    active.replaceChildren(...items);
    for (const menu of menus) {
      const n = state.filters[menu.dataset.filter as FilterName].length;
      menu.querySelector('[data-count]')!.textContent = n ? ` (${n})` : '';
    }
  }

  // The newest bundle's index and Pagefind's WebAssembly load now, so typing finds them ready.
  manifest.then((m) => {
    if (next === 0) order = bundlesFor(m);
    return order[0] ? instance(order[0].key) : undefined;
  }).catch(() => undefined);
  if (state.term || FILTERS.some((f) => state.filters[f].length) || state.sort) void search();
  else renderActive();
}

/** The days the bundles cover: "2026-02-01 to 2026-11-27". */
function span(bundles: Manifest['bundles']): string {
  const days = bundles.flatMap((b) => [b.first, b.last]).sort();
  return days.length ? `${days[0]} to ${days.at(-1)}` : '';
}

function note(text: string): HTMLElement {
  const p = document.createElement('p');
  p.className = 'search-filter-note';
  p.textContent = text;
  return p;
}

function checkbox(name: string, value: string, count: number, checked: boolean): HTMLElement {
  const label = document.createElement('label');
  label.className = 'search-filter-value';
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.name = name;
  box.value = value;
  box.checked = checked;
  const text = document.createElement('span');
  text.textContent = value;
  const n = document.createElement('span');
  n.className = 'search-filter-n';
  n.textContent = String(count);
  label.append(box, text, n);
  return label;
}

/** A same-site path or an http(s) URL, else undefined: index data never makes a javascript: link. */
function safeHref(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.startsWith('//')) return undefined;
  try {
    const parsed = new URL(url, location.href);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
    return parsed.origin === location.origin ? parsed.pathname + parsed.search + parsed.hash : parsed.href;
  } catch {
    return undefined;
  }
}

/**
 * Pagefind's excerpts are the indexed text with < and > escaped and <mark> around the matches.
 * They become text nodes and <mark> elements: nothing in them is parsed as HTML.
 */
function excerptNodes(excerpt: string): Node[] {
  const nodes: Node[] = [];
  let marked = false;
  for (const part of excerpt.split(/(<mark>|<\/mark>)/)) {
    if (part === '<mark>') marked = true;
    else if (part === '</mark>') marked = false;
    else if (part) {
      const text = document.createTextNode(part.replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
      if (marked) {
        const mark = document.createElement('mark');
        mark.append(text);
        nodes.push(mark);
      } else nodes.push(text);
    }
  }
  return nodes;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children);
  return node;
}

function link(url: unknown, text: string): HTMLElement {
  const href = safeHref(url);
  if (!href) return el('span', '', text);
  const a = el('a', '', text);
  a.href = href;
  return a;
}

function renderHit(data: PagefindData): HTMLLIElement {
  const li = el('li', 'hit');
  const title = typeof data.meta?.title === 'string' && data.meta.title.trim() ? data.meta.title : 'Untitled briefing';
  li.append(el('p', 'hit-title', link(data.url, title)));
  const meta = el('p', 'hit-meta');
  if (typeof data.meta?.date === 'string') meta.append(el('span', '', data.meta.date));
  const status = data.meta?.status;
  if (typeof status === 'string' && STATUSES.has(status)) meta.append(el('span', `status status-${status}`, status));
  li.append(meta);
  if (typeof data.excerpt === 'string' && data.excerpt) li.append(el('p', 'hit-excerpt', ...excerptNodes(data.excerpt)));
  // The first sub-result is often the page itself (no heading): list only sections.
  const subs = (data.sub_results ?? []).filter((s) => s.url !== data.url && typeof s.title === 'string').slice(0, 3);
  if (subs.length) li.append(el('ul', 'hit-subs', ...subs.map((s) => el('li', '', link(s.url, s.title), ' ', el('span', 'hit-excerpt', ...excerptNodes(String(s.excerpt ?? '')))))));
  return li;
}
