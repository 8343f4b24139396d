import { describe, expect, it } from 'vitest';
import { sessionMeta } from '#kb/store/catalog.ts';
import type { Session } from '#core/session.ts';
import { comparisons } from './changes.ts';
import type { Briefing } from './sessions.ts';

const session = (n: number, text: string, urls: string[]): Session => ({
  id: `6f1c2a7e-0000-4000-8000-${String(n).padStart(12, '0')}`,
  query: 'How much battery storage was installed?',
  querySlug: 'batteries',
  generatedAt: `2026-0${n}-01T05:00:00Z`,
  summary: text,
  analysis: '',
  tags: [],
  steps: [{ id: 'step_0', results: urls.map((url) => ({ title: url, url })) }],
  status: 'complete',
});

/** A briefing that counts how often its whole session is read. */
function briefing(n: number, text: string, urls: string[], reads: Map<number, number>): Briefing {
  const data = session(n, text, urls);
  return {
    id: `batteries/2026-0${n}-01-${n}`,
    file: `/content/briefings/batteries/2026-0${n}-01-${n}.mdx`,
    digest: `digest-${n}-${text.length}`,
    meta: sessionMeta(data),
    name: `2026-0${n}-01-${n}`,
    url: `/q/batteries/2026-0${n}-01-${n}/`,
    time: Date.parse(data.generatedAt),
    get data() {
      reads.set(n, (reads.get(n) ?? 0) + 1);
      return data;
    },
  };
}

describe('comparisons between the briefings of a question', () => {
  it('pairs each briefing with the one before it and reads no session until a page asks', () => {
    const reads = new Map<number, number>();
    const list = [briefing(3, 'Installations reached 17.1 GWh in 2025.', ['https://a.example/x', 'https://c.example/z'], reads), briefing(2, 'Installations reached 16.4 GWh in 2025.', ['https://a.example/x', 'https://b.example/y'], reads), briefing(1, 'Installations reached 16.4 GWh in 2025.', ['https://a.example/x'], reads)];
    const pairs = comparisons(list);
    expect(pairs.map((c) => [c.newer.name, c.older.name])).toEqual([
      ['2026-03-01-3', '2026-02-01-2'],
      ['2026-02-01-2', '2026-01-01-1'],
    ]);
    expect(pairs.map((c) => c.url)).toEqual(['/q/batteries/2026-03-01-3/changes/', '/q/batteries/2026-02-01-2/changes/']);
    expect(reads.size).toBe(0);
    expect(comparisons(list)).toBe(pairs);
  });

  it('keeps a summary for the question page: counts and the first changed figures, worked out once', () => {
    const reads = new Map<number, number>();
    const list = [briefing(5, 'Installations reached 17.1 GWh in 2025.', ['https://a.example/x', 'https://c.example/z'], reads), briefing(4, 'Installations reached 16.4 GWh in 2025.', ['https://a.example/x', 'https://b.example/y'], reads)];
    const [cmp] = comparisons(list);
    // The comparison page reads the details first…
    expect(cmp!.sources.added.map((s) => s.url)).toEqual(['https://c.example/z']);
    expect(cmp!.figures.changed).toEqual([expect.objectContaining({ from: 16.4, to: 17.1, unit: 'GWh' })]);
    const read = new Map(reads);
    // …and the question page, later, takes the summary without reading either session again.
    expect(cmp!.summary).toEqual({ added: 1, dropped: 1, changed: 1, firstChanged: [expect.objectContaining({ fromText: '16.4 GWh', toText: '17.1 GWh' })] });
    expect(reads).toEqual(read);
  });
});
