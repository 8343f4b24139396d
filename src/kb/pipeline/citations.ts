// Citations are `[n]` in the prose: n counts the session's results from 1, across all steps in
// step order. The site links them to the source list; here they are numbered and checked.
import type { Step } from '../session.ts';
import type { NumberedResult } from './types.ts';

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
