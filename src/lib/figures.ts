// "Figures over time" on a question's page: each key figure the question's briefings gave, as a
// series across its sessions (src/core/ledger/series.ts), drawn at build time as an SVG chart by
// Observable Plot, with the same values in a table beside it.
//
// The chart needs no JavaScript: Plot renders into a linkedom document here, in the build, and
// the page carries only the serialised SVG (Plot never reaches the browser). Labels and values are
// model and search output: they reach the SVG only as DOM text (a `<title>`, escaped on
// serialisation) and never as an attribute; the only link targets are the site's own briefing
// URLs, checked here. The page reads the catalog's summaries (`meta.figures`), never whole sessions.
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { buildSeries, type SeriesPoint } from '#core/ledger/series.ts';
import type { SessionMeta } from '#kb/store/catalog.ts';
import { sourceId } from './citations.ts';
import { figureValue } from './passages.ts';

/** Series charted at most, the longest first; the rest are listed in a table. */
export const MAX_CHARTS = 6;

/** What the chart needs of a briefing: the catalog's summary and the page's URL. */
export interface TrendBriefing {
  meta: Pick<SessionMeta, 'id' | 'generatedAt' | 'figures'> & { counts?: Pick<SessionMeta['counts'], 'results'> };
  url: string;
}

export interface TrendPoint extends SeriesPoint {
  /** The briefing's page, when it is a site-relative URL (it always is; anything else is not linked). */
  url?: string;
  /** The source card the figure cites on its briefing page, when the briefing has that result. */
  sourceUrl?: string;
  /** The session's date, `YYYY-MM-DD` (UTC). */
  date: string;
  /** The value as the source wrote it, else the number with its unit. */
  shown: string;
}

export interface Trend {
  /** For element ids: `fig-1`, `fig-2`, … in the order shown. */
  id: string;
  label: string;
  unit: string;
  /** Oldest first. */
  points: TrendPoint[];
  /** Whether the points carry more than one label (a reworded figure): the table then shows each. */
  reworded: boolean;
}

export interface ChartedTrend extends Trend {
  /** The chart, as Plot serialised it: an `<svg role="group">` named by its `<title>`. */
  svg: string;
}

export interface FigureTrends {
  /** Series with two values or more, the longest first, at most MAX_CHARTS. */
  charts: ChartedTrend[];
  /** The rest: series with one value, and those past MAX_CHARTS. */
  others: Trend[];
  /** How many series of two values or more are not charted (they are among `others`). */
  notCharted: number;
}

/** A site-relative path (the base included), not protocol-relative, with nothing that needs escaping. */
const SITE_PATH = /^\/(?!\/)[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/;
export const isSitePath = (url: string) => SITE_PATH.test(url) && !/[\\<>"`\s]/.test(url);

const utcDay = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso.slice(0, 10) : d.toISOString().slice(0, 10);
};

/** The figures of a question's briefings as series, the longest charted. */
export function figureTrends(briefings: readonly TrendBriefing[], { maxCharts = MAX_CHARTS } = {}): FigureTrends {
  const byId = new Map(briefings.map((b) => [b.meta.id, b]));
  const all = buildSeries(briefings.map((b) => b.meta)).map((s, i): Trend => {
    const points = s.points.map((p): TrendPoint => {
      const b = byId.get(p.session);
      const url = b && isSitePath(b.url) ? b.url : undefined;
      const cited = url && p.cite !== undefined && p.cite <= (b?.meta.counts?.results ?? 0);
      return { ...p, ...(url ? { url } : {}), ...(cited ? { sourceUrl: `${url}#${sourceId(p.cite!)}` } : {}), date: utcDay(p.generatedAt), shown: figureValue(p) };
    });
    return { id: `fig-${i + 1}`, label: s.label, unit: s.unit, points, reworded: new Set(points.map((p) => p.label)).size > 1 };
  });
  // A line needs two briefings: values one briefing gave for several periods would stand on one date.
  const chartable = all.filter((t) => new Set(t.points.map((p) => p.session)).size >= 2);
  const charted = chartable.slice(0, maxCharts);
  const chartedSet = new Set<Trend>(charted);
  return {
    charts: charted.map((t) => ({ ...t, svg: trendSvg(t) })),
    others: all.filter((t) => !chartedSet.has(t)),
    notCharted: chartable.length - charted.length,
  };
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });

/** What a point says on hover: its value, period, the briefing's date, and its label if reworded. */
export function pointTitle(trend: Pick<Trend, 'label' | 'reworded'>, p: TrendPoint): string {
  const said = `${p.shown}${p.asOf?.trim() ? ` (as of ${p.asOf.trim()})` : ''}`;
  return `${trend.reworded && p.label !== trend.label ? `${p.label}: ` : ''}${said}, in the briefing of ${p.date}`;
}

/** One series as an SVG chart: a line through its values by the session's date, each point a link to its briefing. */
export function trendSvg(trend: Trend): string {
  const { document } = parseHTML('<!doctype html><html><head></head><body></body></html>');
  const data = trend.points.map((p) => ({ x: new Date(p.generatedAt), y: p.value, href: p.url ?? null, title: pointTitle(trend, p) }));
  const unit = trend.unit.trim();
  const svg = Plot.plot({
    document,
    className: 'kb-fig-plot',
    width: 720,
    height: 280,
    marginLeft: 56,
    marginRight: 24,
    x: { type: 'utc', label: null, ticks: 6, tickFormat: (d: Date) => d.toISOString().slice(0, 10) },
    y: { label: unit || null, grid: true, nice: true, tickFormat: (v: number) => compact.format(v) },
    marks: [
      Plot.lineY(data, { x: 'x', y: 'y', className: 'kb-fig-line', strokeWidth: 2 }),
      Plot.dot(data, { x: 'x', y: 'y', r: 4.5, className: 'kb-fig-dot', fill: 'currentColor', href: 'href', title: 'title' }),
    ],
  }) as unknown as Element;

  // Plot's own style sheet is replaced by src/styles/figures.css (the site's colours, light and dark).
  for (const style of svg.querySelectorAll('style')) style.remove();
  // A group named by its title, holding the points' links, each named by its own title: not
  // role="img", whose children are presentational (links in it are nested interactive controls,
  // which axe reports as serious). The axes, grid and line are hidden from assistive technology;
  // the table beside the chart is the full accessible form. The links are kept out of the tab
  // order: hundreds of points would be hundreds of stops, each a copy of a link in the table.
  svg.setAttribute('role', 'group');
  for (const g of svg.querySelectorAll('g')) {
    g.removeAttribute('aria-label');
    if (g.getAttribute('class') !== 'kb-fig-dot') g.setAttribute('aria-hidden', 'true');
  }
  const title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
  const span = trend.points.length ? ` from ${trend.points[0]!.date} to ${trend.points[trend.points.length - 1]!.date}` : '';
  title.textContent = `${trend.label}${unit ? ` (${unit})` : ''}: ${trend.points.length} values${span}, by the date of each briefing. The table lists them.`;
  svg.insertBefore(title, svg.firstChild);
  const allowed = new Set(trend.points.flatMap((p) => (p.url ? [p.url] : [])));
  for (const a of svg.querySelectorAll('a')) {
    const target = a.getAttribute('href') ?? a.getAttributeNS('http://www.w3.org/1999/xlink', 'href');
    if (!target || !allowed.has(target)) throw new Error(`figures chart: a link to ${JSON.stringify(target)} is not one of its briefings`);
    a.setAttribute('tabindex', '-1');
  }
  // Coordinates to two decimals: a chart of hundreds of points stays small.
  for (const el of svg.querySelectorAll('*')) {
    for (const name of ['cx', 'cy', 'x', 'y', 'x1', 'x2', 'y1', 'y2', 'd', 'transform']) {
      const v = el.getAttribute(name);
      if (v && /\d\.\d{3}/.test(v)) el.setAttribute(name, v.replace(/\d+\.\d{3,}/g, (n) => String(Math.round(Number(n) * 100) / 100)));
    }
  }
  return svg.outerHTML;
}
