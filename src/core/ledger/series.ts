// A standing question's key figures across all its sessions, as series: what the question page
// charts ("Figures over time").
//
// Figures are one series by the ledger's rule (ledger.ts): the same unit and labels whose stemmed
// content terms (years left out) have a Jaccard similarity of at least LABEL_MATCH. Sessions are
// taken oldest first; each figure joins the series whose latest label is most like its own (the
// series started first on a tie), else starts a series. A label reworded a little from one session
// to the next stays in its series, and a series follows its label as it drifts. A series takes one
// point per session and period: a second figure of the same session and period is another series.
// And a series takes one label per session: two figures one answer labels differently ("share of
// imports from China", "net import reliance") are two measures, however many terms they share.
// The result depends only on the sessions, not on the order they are given in.
import type { KeyFigure } from '#core/session.ts';
import { figureKey, LABEL_MATCH, seriesSimilarity, type FigureKey } from './ledger.ts';

/** What the series need of a session: the catalog's summary has it. */
export interface SeriesSession {
  id: string;
  generatedAt: string;
  figures?: KeyFigure[];
}

export interface SeriesPoint {
  /** The session that gave the figure, and when it ran (the x axis: when the briefing saw it). */
  session: string;
  generatedAt: string;
  /** The figure as that session gave it. */
  label: string;
  value: number;
  unit: string;
  text?: string;
  asOf?: string;
  cite?: number;
}

export interface FigureSeries {
  /** The latest point's label and unit. */
  label: string;
  unit: string;
  /** Oldest first; figures of one session in the order the answer gave them. */
  points: SeriesPoint[];
}

interface Building {
  order: number;
  latest: FigureKey;
  points: SeriesPoint[];
  /** `session id + period` of the points taken: one point per session and period. */
  taken: Set<string>;
  /** The label each session gave this series: one label per session. */
  labels: Map<string, string>;
}

const sameLabel = (label: string) => label.trim().toLowerCase().replace(/\s+/g, ' ');

const time = (iso: string) => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
};

/** Every key figure of the sessions, as series: the longest first, then in the order they began. */
export function buildSeries(sessions: readonly SeriesSession[]): FigureSeries[] {
  const ordered = [...sessions].sort((a, b) => time(a.generatedAt) - time(b.generatedAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const series: Building[] = [];
  for (const session of ordered) {
    for (const figure of session.figures ?? []) {
      if (!Number.isFinite(figure.value)) continue;
      const key = figureKey(figure);
      const slot = `${session.id}\u0000${key.period ?? ''}`;
      let best: Building | undefined;
      let bestScore = 0;
      for (const s of series) {
        if (s.taken.has(slot)) continue;
        const given = s.labels.get(session.id);
        if (given !== undefined && given !== sameLabel(figure.label)) continue;
        const score = seriesSimilarity(s.latest, key);
        // Strictly better only: on a tie the series that began first keeps the figure.
        if (score >= LABEL_MATCH && (!best || score > bestScore)) {
          best = s;
          bestScore = score;
        }
      }
      const point: SeriesPoint = {
        session: session.id,
        generatedAt: session.generatedAt,
        label: figure.label,
        value: figure.value,
        unit: figure.unit,
        ...(figure.text !== undefined ? { text: figure.text } : {}),
        ...(figure.asOf !== undefined ? { asOf: figure.asOf } : {}),
        ...(figure.cite !== undefined ? { cite: figure.cite } : {}),
      };
      if (!best) series.push((best = { order: series.length, latest: key, points: [], taken: new Set(), labels: new Map() }));
      best.latest = key;
      best.points.push(point);
      best.taken.add(slot);
      best.labels.set(session.id, sameLabel(figure.label));
    }
  }
  return series
    .sort((a, b) => b.points.length - a.points.length || a.order - b.order)
    .map((s) => {
      const last = s.points[s.points.length - 1]!;
      return { label: last.label, unit: last.unit, points: s.points };
    });
}
