import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Session } from '#core/session.ts';
import { extractFigures, figureChanges, normaliseUrl, plainBlocks, sourceChanges, summaryPair } from './diff.ts';

const example = (name: string): Session => {
  const j = JSON.parse(readFileSync(new URL(`../../content/examples/${name}.json`, import.meta.url), 'utf8'));
  return { querySlug: 'q', tags: [], status: 'complete', ...j } as Session;
};
const session = (summary: string, analysis = '', results: { title: string; url?: string }[] = []): Session => ({
  id: 'x', query: 'q', querySlug: 'q', generatedAt: '2026-01-01T00:00:00Z', summary, analysis, tags: [], status: 'complete',
  steps: [{ id: 'step_0', results }],
});

describe('extractFigures', () => {
  const one = (text: string) => extractFigures(text).map((f) => [f.value, f.unit]);
  it('reads percentages written as %, percent and per cent', () => {
    expect(one('up 61% and 5 percent and 7.5 per cent')).toEqual([[61, '%'], [5, '%'], [7.5, '%']]);
  });
  it('applies currency and scale words: $1.6 billion, $1.6bn, €185, 2 million EUR', () => {
    expect(one('costs $1.6 billion, or $1.6bn; €185 here; 2 million EUR there')).toEqual([[1.6e9, 'USD'], [1.6e9, 'USD'], [185, 'EUR'], [2e6, 'EUR']]);
  });
  it('keeps per-unit prices distinct from plain amounts', () => {
    expect(one('around €185 per kWh and £62/kW/year')).toEqual([[185, 'EUR/kWh'], [62, 'GBP/kW/year']]);
  });
  it('reads energy, power and mass units with thousands separators', () => {
    expect(one('16.4 GWh, 3.4 GW and 8,500 tonnes')).toEqual([[16.4, 'GWh'], [3.4, 'GW'], [8500, 't']]);
  });
  it('ignores years, citation markers, list numbers and heading numbers', () => {
    expect(extractFigures('## 3 Findings\n\n1. In 2025 the market grew [1][2].\n2. See 2030 [3].')).toEqual([]);
  });
  it('gives the exact text and the words before the figure as context', () => {
    const [f] = extractFigures('The most complete count puts **2025 installations** at 16.4 GWh [1].');
    expect(f).toMatchObject({ text: '16.4 GWh', value: 16.4, unit: 'GWh', context: 'most complete count puts 2025 installations' });
  });
  it('reads no figure in a link address, even one with parentheses', () => {
    expect(one('[Grid storage](https://example.org/wiki/Storage_(energy)/5GW) rose to 3.4 GW.')).toEqual([[3.4, 'GW']]);
  });
  it('reads figures written with entities or inside underscore emphasis', () => {
    expect(one('Prices fell to &euro;185 and installations reached _16.4 GWh_.')).toEqual([[185, 'EUR'], [16.4, 'GWh']]);
  });
});

describe('figureChanges', () => {
  it('finds the grid-battery revision of 2025 installations from 16.4 to 17.1 GWh', () => {
    const { changed } = figureChanges(example('grid-batteries-2026-09'), example('grid-batteries-2026-10'));
    expect(changed).toContainEqual(expect.objectContaining({ from: 16.4, to: 17.1, unit: 'GWh' }));
  });
  it('reports no false change for the grid-battery pair (every change is a real revision)', () => {
    const { changed } = figureChanges(example('grid-batteries-2026-09'), example('grid-batteries-2026-10'));
    const real = new Set(['GWh 16.4 17.1', 'EUR/kWh 185 165', '% 61 68', '% 66 72', 'GWh 120 135', 'GW 200 250', 'GWh 31 45', 'GWh 3.1 3.4', 'GWh 95 105', 'GWh 160 175']);
    for (const c of changed) expect(real).toContain(`${c.unit} ${c.from} ${c.to}`);
  });
  it('finds a changed percentage and a changed price in the same wording', () => {
    const { changed } = figureChanges(session('Battery installations rose 61% in 2025. Turnkey system prices fell to €185 per kWh.'), session('Battery installations rose 68% in 2025. Turnkey system prices fell to €165 per kWh.'));
    expect(changed.map((c) => [c.from, c.to, c.unit])).toEqual([[61, 68, '%'], [185, 165, 'EUR/kWh']]);
  });
  it('treats $1.6bn and $1.6 billion as the same figure', () => {
    const r = figureChanges(session('Annual grid investment reached $1.6bn last year.'), session('Annual grid investment reached $1.6 billion last year.'));
    expect(r).toEqual({ changed: [], appeared: [], disappeared: [] });
  });
  it('lists figures that appear and disappear without calling them changes', () => {
    const r = figureChanges(session('Spain installed 1.1 GWh of batteries.'), session('Poland won contracts for 2.5 GW of batteries.'));
    expect(r.changed).toEqual([]);
    expect(r.appeared.map((f) => f.text)).toEqual(['2.5 GW']);
    expect(r.disappeared.map((f) => f.text)).toEqual(['1.1 GWh']);
  });
  it('does not match figures of different units or unrelated contexts', () => {
    const r = figureChanges(session('Germany installed 3.1 GWh of batteries.'), session('Italy awarded 10 GWh in an auction. Germany installed 3 GW of batteries.'));
    expect(r.changed).toEqual([]);
  });
});

describe('sourceChanges', () => {
  it('matches urls by host without www, case, trailing slash and fragment', () => {
    expect(normaliseUrl('https://WWW.Example.com/a/b/#top')).toBe(normaliseUrl('http://example.com/a/b'));
  });
  it('lists added and dropped sources and counts the kept ones, url-less results by title', () => {
    const older = session('', '', [{ title: 'Kept', url: 'https://www.a.com/x/' }, { title: 'Gone', url: 'https://b.com/y' }, { title: 'No url' }]);
    const newer = session('', '', [{ title: 'Kept again', url: 'https://a.com/x#s' }, { title: 'New', url: 'javascript:alert(1)' }, { title: 'no URL ' }]);
    const r = sourceChanges(older, newer);
    expect(r.kept).toBe(2);
    expect(r.added).toEqual([{ title: 'New', url: 'javascript:alert(1)' }]);
    expect(r.dropped).toEqual([{ title: 'Gone', url: 'https://b.com/y', domain: 'b.com' }]);
  });
});

describe('summaryPair', () => {
  it('returns both summaries as markdown text, empty when missing, and plain blocks drop markup but keep list numbers', () => {
    const s = summaryPair(session('**Old** <b>x</b>'), { ...session(''), summary: undefined });
    expect(s).toEqual({ older: '**Old** <b>x</b>', newer: '' });
    expect(plainBlocks('1. **A** [1]\n2. B\n\nC')).toEqual(['1. A [1]', '2. B', 'C']);
  });
  it('reads plain blocks as the page shows them: links, emphasis, entities, literal asterisks, footnotes and tables', () => {
    const md = 'Costs [fell](https://example.org/a_(b)) _sharply_ ~~slowly~~, 2*3 &amp; [R\\*D][r].[^1]\n\n[r]: https://example.org/rd\n\n3. Third\n4. Fourth\n\n| Country | GWh |\n|---|---|\n| Spain | 1.1 |\n\n[^1]: Source note.';
    expect(plainBlocks(md)).toEqual(['Costs fell sharply slowly, 2*3 & R*D.', '3. Third', '4. Fourth', 'Country | GWh', 'Spain | 1.1', '[1] Source note.']);
  });
});
