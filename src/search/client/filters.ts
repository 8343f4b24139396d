// The filter menus and the chips of the filters in use. A menu's values are fetched the first
// time it opens (the Source menu's list alone is about 3,000 outlets at 10,000 briefings); ticking
// a value or removing a chip changes the state and starts a new search.
import type { SearchIndex } from './loader.ts';
import { FILTERS, type FilterName, type SearchState } from './state.ts';

/** At most this many values of a menu are listed; the Source menu narrows with its own box. */
const MENU_LIMIT = 100;

type Values = [string, number][];

export interface FilterOptions {
  form: HTMLFormElement;
  /** The list the chips go in. */
  active: HTMLUListElement;
  /** Focused after a chip is removed, as the chip itself is gone. */
  input: HTMLInputElement;
  state: SearchState;
  index: SearchIndex;
  search(): void;
}

/** Sets up the menus; the returned function draws the chips and the menus' counts for the state. */
export function setupFilters(options: FilterOptions): () => void {
  const { form, state, search } = options;
  const valuesOf = valueLists(options.index);
  const redraws: (() => void)[] = [];
  for (const menu of form.querySelectorAll<HTMLDetailsElement>('details[data-filter]')) {
    redraws.push(setupMenu(menu, state, valuesOf, search));
  }
  const menus = [...form.querySelectorAll<HTMLDetailsElement>('details[data-filter]')];
  closeMenusTogether(form, menus);
  return () => renderActive(options, menus, redraws);
}

function valueLists(index: SearchIndex): (name: FilterName) => Promise<Values> {
  let menuValues: Promise<Partial<Record<'query' | 'tag' | 'status' | 'year', Values>>> | undefined;
  let sourceValues: Promise<Values> | undefined;
  return async (name) => {
    if (name === 'source') return (sourceValues ??= index.json('sources.json'));
    return (await (menuValues ??= index.json('filters.json')))[name] ?? [];
  };
}

/** Wires one menu; returns the function that draws its values for the state. */
function setupMenu(menu: HTMLDetailsElement, state: SearchState, valuesOf: (name: FilterName) => Promise<Values>, search: () => void): () => void {
  const name = menu.dataset.filter as FilterName;
  const box = menu.querySelector<HTMLElement>('[data-values]')!;
  const find = menu.querySelector<HTMLInputElement>('[data-find]');
  let values: Values | undefined;
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
    search();
  });
  return draw;
}

/** A menu closes when another opens, on a click outside it, and on Escape. */
function closeMenusTogether(form: HTMLFormElement, menus: HTMLDetailsElement[]) {
  for (const menu of menus) menu.addEventListener('toggle', () => menu.open && menus.forEach((m) => m !== menu && (m.open = false)));
  document.addEventListener('click', (event) => menus.forEach((m) => m.open && !m.contains(event.target as Node) && (m.open = false)));
  form.addEventListener('keydown', (event) => {
    const menu = menus.find((m) => m.open && m.contains(event.target as Node));
    if (event.key === 'Escape' && menu) {
      menu.open = false;
      menu.querySelector('summary')!.focus();
    }
  });
}

function renderActive({ active, input, state, search }: FilterOptions, menus: HTMLDetailsElement[], redraws: (() => void)[]) {
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
        search();
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
