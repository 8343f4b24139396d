// Pairs each briefing of a question with the one before it, for the query page and the diff pages.
import { LRUCache } from 'lru-cache';
import type { Briefing } from './sessions.ts';
import { sessionHref } from './url.ts';
import { figureChanges, sourceChanges, type FigureChange, type FigureChanges, type SourceChanges } from './diff.ts';

export interface Comparison {
  newer: Briefing;
  older: Briefing;
  sources: SourceChanges;
  figures: FigureChanges;
  url: string;
  /** What the question page shows: a few numbers and the first changed figures. */
  readonly summary: ComparisonSummary;
}

export interface ComparisonSummary {
  added: number;
  dropped: number;
  changed: number;
  firstChanged: FigureChange[];
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
// an incremental build lists every comparison page but renders only the new ones. They are kept
// for the latest pairs only (the comparison page and its neighbours), and a small summary of each
// for the question page, rendered later: kept whole, 50,000 comparisons filled the heap.
const differences = new LRUCache<string, { sources: SourceChanges; figures: FigureChanges }>({ max: 64 });
const summaries = new Map<string, ComparisonSummary>();

function compare(newer: Briefing, older: Briefing): Comparison {
  const key = `${newer.digest}|${older.digest}`;
  const diff = () => {
    let d = differences.get(key);
    if (!d) {
      const sources = sourceChanges(older.data, newer.data);
      const figures = figureChanges(older.data, newer.data);
      differences.set(key, (d = { sources, figures }));
      summaries.set(key, { added: sources.added.length, dropped: sources.dropped.length, changed: figures.changed.length, firstChanged: figures.changed.slice(0, 3) });
    }
    return d;
  };
  return {
    newer,
    older,
    url: changesHref(newer),
    get sources() {
      return diff().sources;
    },
    get figures() {
      return diff().figures;
    },
    get summary() {
      if (!summaries.has(key)) diff();
      return summaries.get(key)!;
    },
  };
}
