// Turns a result's Pagefind fragment into elements. Every string from the index is untrusted: it
// reaches the page only as text nodes (and <mark> elements made here), and only http(s) or
// same-site links become hrefs.
import type { PagefindSearchFragment } from './pagefind-api.ts';

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
  // The first sub-result is often the page itself (no heading): list only sections.
  const subs = (data.sub_results ?? []).filter((s) => s.url !== data.url && typeof s.title === 'string').slice(0, 3);
  if (subs.length) li.append(el('ul', 'hit-subs', ...subs.map((s) => el('li', '', link(s.url, s.title), ' ', el('span', 'hit-excerpt', ...excerptNodes(String(s.excerpt ?? '')))))));
  return li;
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
