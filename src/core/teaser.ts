// Plain-text digests of a session for list pages: no Astro, no I/O, so the catalog can keep them
// for every session without holding the session itself.
import type { Step } from './session.ts';

export function countResults(steps: Step[]) {
  let results = 0;
  let empty = 0;
  let cut = 0;
  let failed = 0;
  for (const s of steps) {
    results += s.results.length;
    if (s.error) failed++;
    else if (s.results.length === 0) empty++;
    if (s.truncated) cut++;
  }
  return { steps: steps.length, results, empty, cut, failed };
}

/**
 * Markdown → a short plain-text teaser for list pages. Not a renderer: it drops headings, code,
 * and markup characters, and the result is shown as escaped text.
 */
export function teaser(markdown: string | undefined, max = 260): string {
  if (!markdown) return '';
  const lines: string[] = [];
  let fence = false;
  for (const raw of markdown.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(raw)) {
      fence = !fence;
      continue;
    }
    if (fence || /^\s*#{1,6}\s/.test(raw) || /^\s*([-*_]\s*){3,}$/.test(raw) || /^\s*\|/.test(raw)) continue;
    const line = raw
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/^\s*(?:[-*+]|\d+[.)])\s+/, '')
      .replace(/^\s*>\s?/, '')
      .replace(/\*\*|__|\*|`/g, '')
      .replace(/\\([\\`*_{}[\]()#+\-.!$&<>])/g, '$1')
      .trim();
    if (line) lines.push(line);
    if (lines.join(' ').length > max) break;
  }
  return shorten(lines.join(' '), max);
}

/**
 * Plain text cut to `max` characters at a word, with "…". A teaser shortened again gives the
 * teaser of the shorter length, so list pages can cut the catalog's teaser instead of reading
 * the session.
 */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max - 40))}…`;
}

