// Pairs each briefing of a question with the one before it, for the query page and the diff pages.
import type { Briefing } from './sessions.ts';
import { sessionHref } from './url.ts';
import { figureChanges, sourceChanges, type FigureChanges, type SourceChanges } from './diff.ts';

export interface Comparison {
  newer: Briefing;
  older: Briefing;
  sources: SourceChanges;
  figures: FigureChanges;
  url: string;
}

/** `/q/<slug>/<name>/changes/` under the site's base. */
export const changesHref = (b: Briefing) => `${sessionHref(b.data.querySlug, b.name)}changes/`;

/** Briefings newest first → one comparison per briefing that has an earlier one. */
export function comparisons(briefings: Briefing[]): Comparison[] {
  const out: Comparison[] = [];
  for (let i = 0; i + 1 < briefings.length; i++) {
    const newer = briefings[i];
    const older = briefings[i + 1];
    out.push({ newer, older, sources: sourceChanges(older.data, newer.data), figures: figureChanges(older.data, newer.data), url: changesHref(newer) });
  }
  return out;
}
