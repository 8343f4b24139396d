// The results list: a placeholder per result at once, its text (a Pagefind fragment of a few KB)
// fetched only when the placeholder comes near the viewport, as Pagefind's own UI does.
import type { PagefindSearchResult } from './pagefind-api.ts';
import { el, renderHit } from './render.ts';

export interface ResultList {
  /** Appends a result; `now` fetches its text without waiting for it to come near the viewport. */
  add(result: PagefindSearchResult, now: boolean): void;
  clear(): void;
}

export function resultList(list: HTMLOListElement): ResultList {
  const pending = new WeakMap<Element, PagefindSearchResult>();
  const near = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        load(entry.target as HTMLLIElement);
      }
    },
    { rootMargin: '200px' },
  );
  function load(li: HTMLLIElement) {
    near.unobserve(li);
    const result = pending.get(li);
    pending.delete(li);
    result?.data().then(
      (data) => li.replaceWith(renderHit(data)),
      () => li.replaceChildren(el('p', 'hit-excerpt', 'This result could not be loaded.')),
    );
  }
  return {
    add(result, now) {
      const li = el('li', 'hit hit-loading');
      li.setAttribute('aria-busy', 'true');
      li.append(el('span', 'visually-hidden', 'Loading result…'));
      pending.set(li, result);
      if (now) load(li);
      else near.observe(li);
      list.append(li);
    },
    clear() {
      for (const li of list.children) near.unobserve(li);
      list.replaceChildren();
    },
  };
}
