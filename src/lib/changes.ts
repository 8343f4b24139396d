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
export const changesHref = (b: Briefing) => `${sessionHref(b.meta.querySlug, b.name)}changes/`;

const computed = new WeakMap<Briefing[], Comparison[]>();

/**
 * Briefings newest first → one comparison per briefing that has an earlier one. Computed once per
 * list: the question page and every comparison page of one build ask for the same lists.
 */
export function comparisons(briefings: Briefing[]): Comparison[] {
  let out = computed.get(briefings);
  if (!out) computed.set(briefings, (out = compareAll(briefings)));
  return out;
}

function compareAll(briefings: Briefing[]): Comparison[] {
  const out: Comparison[] = [];
  for (let i = 0; i + 1 < briefings.length; i++) out.push(compare(briefings[i]!, briefings[i + 1]!));
  return out;
}

// The differences are worked out when a page first reads them, not when the routes are listed:
// an incremental build lists every comparison page but renders only the new ones.
function compare(newer: Briefing, older: Briefing): Comparison {
  let sources: SourceChanges | undefined;
  let figures: FigureChanges | undefined;
  return {
    newer,
    older,
    url: changesHref(newer),
    get sources() {
      return (sources ??= sourceChanges(older.data, newer.data));
    },
    get figures() {
      return (figures ??= figureChanges(older.data, newer.data));
    },
  };
}
