import { htmlToHast } from 'satteri';
import { describe, expect, it } from 'vitest';
import type { KeyFigure } from '#core/session.ts';
import { figureTrends, isSitePath, trendSvg, type TrendBriefing } from './figures.ts';

interface HNode {
  type: string;
  tagName?: string;
  properties?: Record<string, unknown>;
  children?: HNode[];
  value?: string;
}
function* elements(node: HNode): Generator<HNode> {
  if (node.type === 'element') yield node;
  for (const child of node.children ?? []) yield* elements(child);
}
const textOf = (node: HNode): string => (node.type === 'text' ? (node.value ?? '') : (node.children ?? []).map(textOf).join(''));
/** The SVG as a browser's HTML parser reads it in a page. */
const parse = (svg: string) => [...elements(htmlToHast(`<!doctype html><html><body>${svg}</body></html>`) as HNode)].filter((e) => !['html', 'head', 'body'].includes(e.tagName!));

const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n, 6)).toISOString();
const briefing = (n: number, figures?: KeyFigure[], url = `/q/gallium/2026-${n}/`): TrendBriefing => ({ meta: { id: `s${n}`, generatedAt: day(n * 7), ...(figures ? { figures } : {}) }, url });
const share = (value: number, label = 'Share of EU gallium imports from China', more: Partial<KeyFigure> = {}): KeyFigure => ({ label, value, unit: '%', ...more });

describe('figureTrends: the figures chart of a question page', () => {
  it('charts each series with two values or more, and lists every value with its briefing, date and value as written', () => {
    const trends = figureTrends([
      briefing(3, [share(80, undefined, { asOf: '2025' })]),
      briefing(2, [share(74, undefined, { text: 'about 74%' }), { label: 'Refineries operating in the EU', value: 0, unit: '' }]),
      briefing(1, [share(71)]),
    ]);
    expect(trends.charts).toHaveLength(1);
    const [chart] = trends.charts;
    expect(chart!.points.map((p) => [p.value, p.shown, p.asOf, p.date, p.url])).toEqual([
      [71, '71%', undefined, '2026-01-08', '/q/gallium/2026-1/'],
      [74, 'about 74%', undefined, '2026-01-15', '/q/gallium/2026-2/'],
      [80, '80%', '2025', '2026-01-22', '/q/gallium/2026-3/'],
    ]);
    expect(trends.others.map((t) => [t.label, t.points.length])).toEqual([['Refineries operating in the EU', 1]]);
    expect(trends.notCharted).toBe(0);
  });

  it('charts at most maxCharts series, the longest first, and counts the ones left for the table', () => {
    const labels = ['Gallium price', 'Germanium output', 'Recycling rate of scrap', 'Stockpile size in tonnes', 'Import licences granted', 'Smelters in Europe', 'Refined output of Kazakhstan', 'Alumina plants'];
    const briefings = [1, 2, 3].map((n) => briefing(n, labels.slice(0, n === 3 ? 8 : 7).map((label, i) => ({ label, value: n * 10 + i, unit: 'u' }))));
    const trends = figureTrends(briefings, { maxCharts: 3 });
    expect(trends.charts.map((t) => t.label)).toEqual(labels.slice(0, 3));
    expect(trends.notCharted).toBe(4);
    expect(trends.others.map((t) => [t.label, t.points.length])).toEqual([...labels.slice(3, 7).map((l) => [l, 3]), ['Alumina plants', 1]]);
  });

  it('no figures, or one briefing, charts nothing', () => {
    expect(figureTrends([briefing(1), briefing(2, [])])).toEqual({ charts: [], others: [], notCharted: 0 });
    const single = figureTrends([briefing(1, [share(71)])]);
    expect(single.charts).toEqual([]);
    expect(single.others).toHaveLength(1);
  });

  it('charts no series whose values all come from one briefing (several periods would stand on one date)', () => {
    const trends = figureTrends([briefing(1, [share(71, undefined, { asOf: '2023' }), share(74, undefined, { asOf: '2024' })]), briefing(2, [])]);
    expect(trends.charts).toEqual([]);
    expect(trends.others.map((t) => t.points.map((p) => p.value))).toEqual([[71, 74]]);
  });

  it('labels the time axis with dates, not timestamps', () => {
    const [chart] = figureTrends([briefing(1, [share(71)]), briefing(2, [share(74)])]).charts;
    const ticks = parse(chart!.svg).filter((e) => e.tagName === 'text').map(textOf).filter((t) => /^\d{4}-/.test(t));
    expect(ticks.length).toBeGreaterThan(0);
    for (const t of ticks) expect(t).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('links only to site-relative briefing URLs', () => {
    for (const good of ['/q/x/2026-01-01-abcd1234/', '/kb/q/x%C3%A9/2026/']) expect(isSitePath(good), good).toBe(true);
    for (const bad of ['//evil.example/', 'javascript:alert(1)', 'https://example.org/', '/q/"onmouseover=x/', '/q/<b>/', '/q/a b/', 'q/x/']) expect(isSitePath(bad), bad).toBe(false);
    const trends = figureTrends([briefing(1, [share(71)], 'javascript:alert(1)'), briefing(2, [share(74)], '//evil.example/')]);
    expect(trends.charts[0]!.points.map((p) => p.url)).toEqual([undefined, undefined]);
    const els = parse(trends.charts[0]!.svg);
    expect(els.filter((e) => e.tagName === 'a')).toEqual([]);
    expect(els.filter((e) => e.tagName === 'circle')).toHaveLength(2);
  });
});

describe('trendSvg: one series drawn by Observable Plot at build time', () => {
  const trend = figureTrends([briefing(1, [share(71, undefined, { asOf: '2023' })]), briefing(2, [share(74)]), briefing(3, [share(80)])]).charts[0]!;

  it('is a group named by its title, one point per value, each a link to its briefing kept out of the tab order', () => {
    const els = parse(trend.svg);
    const svg = els[els.findIndex((e) => e.tagName === 'svg')]!;
    expect(svg.properties?.role).toBe('group');
    // Only the points are for assistive technology: axes, grid and line are hidden, and Plot's labels of its groups gone.
    const groups = els.filter((e) => e.tagName === 'g');
    expect(groups.filter((g) => g.properties?.ariaHidden !== 'true').map((g) => g.properties?.className)).toEqual([['kb-fig-dot']]);
    expect(groups.filter((g) => g.properties?.ariaLabel !== undefined)).toEqual([]);
    const title = els.find((e) => e.tagName === 'title')!;
    expect(textOf(title)).toBe('Share of EU gallium imports from China (%): 3 values from 2026-01-08 to 2026-01-22, by the date of each briefing. The table lists them.');
    const links = els.filter((e) => e.tagName === 'a');
    expect(links.map((a) => a.properties?.href)).toEqual(['/q/gallium/2026-1/', '/q/gallium/2026-2/', '/q/gallium/2026-3/']);
    expect(links.map((a) => a.properties?.tabIndex)).toEqual([-1, -1, -1]);
    expect(links.map((a) => textOf(a))).toEqual(['71% (as of 2023), in the briefing of 2026-01-08', '74%, in the briefing of 2026-01-15', '80%, in the briefing of 2026-01-22']);
    expect(els.filter((e) => e.tagName === 'circle')).toHaveLength(3);
    // No script and no style sheet of Plot's own: the site's CSS colours it.
    expect(els.filter((e) => e.tagName === 'script' || e.tagName === 'style')).toEqual([]);
  });

  it('is the same for the same figures', () => {
    expect(trendSvg(trend)).toBe(trend.svg);
  });

  it('shows hostile labels, units and values as text: nothing of them becomes markup or an attribute', () => {
    const hostile = '</title></svg><script>alert(1)</script><img src=x onerror=alert(1)> "><a href=javascript:alert(1)>x</a> &amp; gallium share';
    const unit = '<b onmouseover=alert(1)>%</b>';
    const trends = figureTrends([
      briefing(1, [{ label: hostile, value: 1, unit, text: '<svg onload=alert(x)>' }]),
      briefing(2, [{ label: hostile, value: 2, unit, asOf: '"><script>x</script>' }]),
    ]);
    const els = parse(trends.charts[0]!.svg);
    expect(els.map((e) => e.tagName).filter((t) => !['svg', 'title', 'g', 'line', 'path', 'text', 'tspan', 'a', 'circle'].includes(t!))).toEqual([]);
    expect(els.filter((e) => e.tagName === 'svg')).toHaveLength(1);
    for (const el of els) {
      for (const [name, value] of Object.entries(el.properties ?? {})) {
        expect(name, `${el.tagName} ${name}`).not.toMatch(/^on/i);
        expect(String(value)).not.toMatch(/alert|script|javascript/i);
      }
    }
    const titles = els.filter((e) => e.tagName === 'title').map(textOf);
    expect(titles[0]).toBe(`${hostile} (${unit}): 2 values from 2026-01-08 to 2026-01-15, by the date of each briefing. The table lists them.`);
    expect(titles.slice(1)).toEqual(['<svg onload=alert(x)> (1 <b onmouseover=alert(1)>%</b>), in the briefing of 2026-01-08', `2 ${unit} (as of "><script>x</script>), in the briefing of 2026-01-15`]);
    expect(els.filter((e) => e.tagName === 'text').map(textOf)).toContain(`↑ ${unit}`);
  });

  it('stays small: about one point per value, coordinates to two decimals', () => {
    const many = Array.from({ length: 400 }, (_, n) => briefing(n, [share(50 + (n % 37) / 3)]));
    const chart = figureTrends(many).charts[0]!;
    const els = parse(chart.svg);
    expect(els.filter((e) => e.tagName === 'circle')).toHaveLength(400);
    for (const el of els) for (const name of ['cx', 'cy', 'd', 'transform']) expect(String(el.properties?.[name] ?? '')).not.toMatch(/\d\.\d{3}/);
    // A link, its title and a circle, and a step of the line: under 200 bytes a point.
    console.log(`figures chart: ${chart.svg.length} bytes for 400 points`);
    expect(chart.svg.length / 400).toBeLessThan(200);
  });
});
