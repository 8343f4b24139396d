// Plain-text digests of a session for list pages: no Astro, no I/O, so the catalog can keep them
// for every session without holding the session itself.
import type { Step } from './session.ts';
import { withoutCitations } from './citations.ts';
import { textBlocks } from './markdown-text.ts';

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

// Parsing stops about here (at a line end), so a 1 MB field costs no more than a long summary. The
// bound does not depend on `max` below 1,024, so every teaser is cut from the same text.
const PARSED = 16_384;

/**
 * Markdown → a short plain-text teaser for list pages: the text of its paragraphs (list items and
 * quotes included), without headings, code, tables and footnotes. Shown as escaped text.
 */
export function teaser(markdown: string | undefined, max = 260): string {
  if (!markdown) return '';
  const bound = Math.max(PARSED, max * 16);
  const end = markdown.length > bound ? markdown.lastIndexOf('\n', bound) : -1;
  const blocks = textBlocks(end > 0 ? markdown.slice(0, end) : markdown.slice(0, bound));
  // "[3]" links to a source card on the briefing page; a teaser has no cards.
  const text = blocks.filter((b) => b.type === 'paragraph').map((b) => withoutCitations(b.text)).join(' ');
  return shorten(text, max);
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

