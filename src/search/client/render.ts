// Turns a result's Pagefind fragment into elements. Every string from the index is untrusted: it
// reaches the page only as text nodes (and <mark> elements made here), and only http(s) or
// same-site links become hrefs.
import type { PagefindSearchFragment, PagefindSubResult } from './pagefind-api.ts';

const STATUSES = new Set(['complete', 'partial', 'failed']);

export function renderHit(data: PagefindSearchFragment): HTMLLIElement {
  const li = el('li', 'hit');
  const title = typeof data.meta?.title === 'string' && data.meta.title.trim() ? data.meta.title : 'Untitled briefing';
  li.append(el('p', 'hit-title', link(data.url, title)));
  const meta = el('p', 'hit-meta');
  if (typeof data.meta?.date === 'string') meta.append(el('span', '', data.meta.date));
  const status = data.meta?.status;
  if (typeof status === 'string' && STATUSES.has(status)) meta.append(el('span', `status status-${status}`, status));
  li.append(meta);
  if (typeof data.excerpt === 'string' && data.excerpt) li.append(el('p', 'hit-excerpt', ...excerptNodes(data.excerpt)));
  const subs = sectionsToShow(data);
  if (subs.length) li.append(el('ul', 'hit-subs', ...subs.map((s) => el('li', '', link(s.url, s.title), ' ', el('span', 'hit-excerpt', ...excerptNodes(String(s.excerpt ?? '')))))));
  return li;
}

/** Sections shown under a result. */
export const SECTIONS_SHOWN = 3;

/**
 * The sections of a result to list: the best matches first (a briefing has dozens of sections,
 * and Pagefind lists them in page order, so a passage that holds the word would fall out of view
 * behind weak matches higher up), ties in page order. The first sub-result is often the page
 * itself (no heading): only sections are listed.
 */
export function sectionsToShow(data: Pick<PagefindSearchFragment, 'url' | 'sub_results'>, n = SECTIONS_SHOWN): PagefindSubResult[] {
  const strength = (s: PagefindSubResult) => Math.max(0, ...(Array.isArray(s.weighted_locations) ? s.weighted_locations : []).map((l) => (Number.isFinite(l?.balanced_score) ? l.balanced_score! : 0)));
  const sections = (Array.isArray(data.sub_results) ? data.sub_results : []).filter((s) => s && s.url !== data.url && typeof s.title === 'string');
  return sections
    .map((s, i) => ({ s, i, score: strength(s) }))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, n)
    .map((x) => x.s);
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children);
  return node;
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

function link(url: unknown, text: string): HTMLElement {
  const href = safeHref(url);
  if (!href) return el('span', '', text);
  const a = el('a', '', text);
  a.href = href;
  return a;
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
