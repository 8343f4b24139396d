import { describe, expect, it } from 'vitest';
import type { KeyFigure } from '#core/session.ts';
import { buildSeries, type SeriesSession } from './series.ts';

const session = (id: string, day: string, figures?: KeyFigure[]): SeriesSession => ({ id, generatedAt: `2026-${day}T06:00:00Z`, ...(figures ? { figures } : {}) });
const share = (value: number, label = 'Share of EU gallium imports from China', more: Partial<KeyFigure> = {}): KeyFigure => ({ label, value, unit: '%', ...more });
const values = (s: { points: Array<{ value: number }> }) => s.points.map((p) => p.value);

describe('buildSeries: a question’s key figures across its sessions', () => {
  it('a figure given by every session is one series with every session’s value, oldest first', () => {
    const series = buildSeries([
      session('c', '03-01', [share(80)]),
      session('a', '01-01', [share(71)]),
      session('b', '02-01', [share(74)]),
    ]);
    expect(series).toHaveLength(1);
    expect(series[0]!.label).toBe('Share of EU gallium imports from China');
    expect(series[0]!.unit).toBe('%');
    expect(values(series[0]!)).toEqual([71, 74, 80]);
    expect(series[0]!.points.map((p) => [p.session, p.generatedAt])).toEqual([
      ['a', '2026-01-01T06:00:00Z'],
      ['b', '2026-02-01T06:00:00Z'],
      ['c', '2026-03-01T06:00:00Z'],
    ]);
  });

  it('a reworded label joins its series, and the series is named by its latest wording', () => {
    const series = buildSeries([
      session('a', '01-01', [share(71)]),
      session('b', '02-01', [share(74, "China's share of the EU's gallium imports")]),
      session('c', '03-01', [share(80, 'Share of EU gallium imports coming from China')]),
    ]);
    expect(series).toHaveLength(1);
    expect(values(series[0]!)).toEqual([71, 74, 80]);
    expect(series[0]!.label).toBe('Share of EU gallium imports coming from China');
    expect(series[0]!.points.map((p) => p.label)).toEqual(['Share of EU gallium imports from China', "China's share of the EU's gallium imports", 'Share of EU gallium imports coming from China']);
  });

  it('the same label in another unit is another series; `percent` and `%` are one unit', () => {
    const series = buildSeries([
      session('a', '01-01', [share(71), { label: 'EU gallium imports from China', value: 32, unit: 't' }]),
      session('b', '02-01', [share(74, undefined, { unit: 'percent' }), { label: 'EU gallium imports from China', value: 30, unit: 'tonnes' }]),
    ]);
    expect(series.map((s) => [s.unit, values(s)])).toEqual([
      ['percent', [71, 74]],
      ['tonnes', [32, 30]],
    ]);
  });

  it('a figure about something else starts its own series', () => {
    const series = buildSeries([
      session('a', '01-01', [share(71)]),
      session('b', '02-01', [share(74), share(12, 'Recycled share of gallium supply')]),
    ]);
    expect(series.map((s) => [s.label, values(s)])).toEqual([
      ['Share of EU gallium imports from China', [71, 74]],
      ['Recycled share of gallium supply', [12]],
    ]);
  });

  it('periods are points of one series: a year in the label or `asOf` does not split it, and each point keeps its period', () => {
    const series = buildSeries([
      session('a', '01-01', [share(71, 'Share of EU gallium imports from China in 2023')]),
      session('b', '02-01', [share(74, 'Share of EU gallium imports from China in 2024')]),
      session('c', '03-01', [share(78, undefined, { asOf: 'Q1 2025', text: 'about 78%', cite: 2 })]),
    ]);
    expect(series).toHaveLength(1);
    expect(values(series[0]!)).toEqual([71, 74, 78]);
    expect(series[0]!.points[2]).toEqual({ session: 'c', generatedAt: '2026-03-01T06:00:00Z', label: 'Share of EU gallium imports from China', value: 78, unit: '%', text: 'about 78%', asOf: 'Q1 2025', cite: 2 });
  });

  it('one session may give two periods of a series, but not the same period twice', () => {
    const series = buildSeries([
      session('a', '01-01', [share(71, undefined, { asOf: '2023' }), share(74, undefined, { asOf: '2024' })]),
      session('b', '02-01', [share(75, undefined, { asOf: '2024' }), share(75, undefined, { asOf: '2024' })]),
    ]);
    expect(series.map(values)).toEqual([[71, 74, 75], [75]]);
    expect(series[0]!.points.map((p) => p.asOf)).toEqual(['2023', '2024', '2024']);
  });

  it('two figures one answer labels differently are two measures, however many terms they share', () => {
    // The example's rare-earths answer: "share of US imports … (China supplied)" and "US net import
    // reliance …" share six of eleven terms, enough to match by label alone.
    const china = 'Share of US imports of rare-earth compounds and metals (China supplied)';
    const reliance = 'US net import reliance for rare-earth compounds and metals';
    const series = buildSeries([
      session('a', '01-01', [share(70, china, { asOf: '2020–2023' }), share(80, reliance, { asOf: '2024' }), share(95, reliance)]),
      session('b', '02-01', [share(82, reliance, { asOf: '2025' })]),
    ]);
    expect(series.map((s) => [s.label, values(s)])).toEqual([
      [reliance, [80, 95, 82]],
      [china, [70]],
    ]);
  });

  it('sessions without figures are skipped, and no figures at all is no series', () => {
    expect(buildSeries([])).toEqual([]);
    expect(buildSeries([session('a', '01-01'), session('b', '02-01', [])])).toEqual([]);
    const series = buildSeries([session('a', '01-01', [share(71)]), session('b', '02-01'), session('c', '03-01', [share(80)])]);
    expect(series.map((s) => s.points.map((p) => p.session))).toEqual([['a', 'c']]);
  });

  it('the longest series come first, then in the order they began; the input order does not matter', () => {
    const sessions = [
      session('a', '01-01', [{ label: 'Gallium price', value: 300, unit: 'USD/kg' }, share(71)]),
      session('b', '02-01', [share(74), { label: 'Germanium price', value: 1500, unit: 'USD/kg' }]),
      session('c', '03-01', [{ label: 'Gallium price', value: 320, unit: 'USD/kg' }, share(80)]),
    ];
    const series = buildSeries(sessions);
    expect(series.map((s) => s.label)).toEqual(['Share of EU gallium imports from China', 'Gallium price', 'Germanium price']);
    expect(buildSeries([...sessions].reverse())).toEqual(series);
  });

  it('hostile labels are kept as the text they are, and match by their words like any other', () => {
    const hostile = '<script>alert(1)</script> Share of EU gallium imports "><img src=x onerror=alert(1)>';
    const series = buildSeries([session('a', '01-01', [share(71, hostile)]), session('b', '02-01', [share(74, `${hostile} from China`)]), session('c', '03-01', [share(1, '(.*)+$ [[')])]);
    expect(series.map((s) => [s.label, values(s)])).toEqual([
      [`${hostile} from China`, [71, 74]],
      ['(.*)+$ [[', [1]],
    ]);
  });
});
