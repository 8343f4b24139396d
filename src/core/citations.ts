// Citations are `[n]` in the prose: n counts the session's results from 1, across all steps in
// step order. The one definition of what a citation looks like: the pipeline numbers and checks
// them here, and the site splits rendered text with the same pattern (src/lib/prose/citations.ts).
import type { Result, Step } from './session.ts';

export interface NumberedResult {
  /** The citation number: results counted from 1 across all steps, in step order. */
  n: number;
  stepIndex: number;
  result: Result;
}

export function numberResults(steps: Step[]): NumberedResult[] {
  const numbered: NumberedResult[] = [];
  steps.forEach((step, stepIndex) => {
    for (const result of step.results) numbered.push({ n: numbered.length + 1, stepIndex, result });
  });
  return numbered;
}

// `[3]`, `[3, 5]`, `[3][5]`, `[3-5]`/`[3–5]` — but not markdown links `[3](…)` or `[3]: …`.
const CITATION = /\[(\d+(?:\s*(?:,|-|–)\s*\d+)*)\](?![(:])/g;

/**
 * Removes references that point at no result (a model may invent them), so no citation is ever
 * a dead link. Returns the cleaned text and how many references resolved and were removed.
 */
export function checkCitations(text: string, resultCount: number): { text: string; resolved: number; removed: number } {
  let resolved = 0;
  let removed = 0;
  const cleaned = text.replace(CITATION, (_match, inner: string) => {
    const kept: string[] = [];
    for (const part of inner.split(',')) {
      const range = part.split(/[-–]/).map((s) => Number(s.trim()));
      const [from, to = from] = range;
      const ok = Number.isSafeInteger(from) && Number.isSafeInteger(to) && from >= 1 && to <= resultCount && from <= to;
      if (ok) {
        resolved++;
        kept.push(part.trim());
      } else removed++;
    }
    return kept.length ? `[${kept.join(', ')}]` : '';
  });
  // Removing a citation can leave a space before punctuation: "figure [9]." → "figure ."
  return { text: cleaned.replace(/[ \t]+([.,;:!?])/g, '$1'), resolved, removed };
}

const CITATION_AND_SPACE = new RegExp(`\\s*${CITATION.source}`, 'g');

/**
 * `text` without its citation markers and the space before each: plain text shown away from the
 * source cards they point at (teasers in lists, feeds, page descriptions). A bracketed number of
 * four digits or more ("[2025]") is a year, not a citation, and stays.
 */
export function withoutCitations(text: string): string {
  return text.replace(CITATION_AND_SPACE, (marker, inner: string) => (/\d{4}/.test(inner) ? marker : ''));
}

/** A piece of a text node: plain text, or one citation number that points at a result. */
export type CitationPart = { text: string } | { text: string; n: number };

/**
 * Splits `text` into plain parts and citation numbers. Only a number n with 1 ≤ n ≤ resultCount
 * becomes a citation part; everything else (brackets, separators, numbers that point at nothing)
 * stays plain text, so joining every part's `text` gives `text` back exactly.
 */
export function splitCitations(text: string, resultCount: number): CitationPart[] {
  const parts: CitationPart[] = [];
  let plain = '';
  let last = 0;
  for (const match of text.matchAll(CITATION)) {
    const start = match.index;
    plain += text.slice(last, start);
    last = start + match[0].length;
    // Inside the brackets: numbers and separators, walked in order.
    for (const piece of match[0].matchAll(/\d+|[^\d]+/g)) {
      const value = piece[0];
      const n = /^\d+$/.test(value) ? Number(value) : NaN;
      if (Number.isSafeInteger(n) && n >= 1 && n <= resultCount) {
        if (plain) parts.push({ text: plain });
        plain = '';
        parts.push({ text: value, n });
      } else plain += value;
    }
  }
  plain += text.slice(last);
  if (plain) parts.push({ text: plain });
  return parts;
}

/** How many results a session's steps hold (what `[n]` may point at); 0 for anything else. */
export function countCitable(steps: unknown): number {
  if (!Array.isArray(steps)) return 0;
  let count = 0;
  for (const step of steps) {
    const results = (step as { results?: unknown } | null)?.results;
    if (Array.isArray(results)) count += results.length;
  }
  return count;
}
