import { describe, expect, it } from 'vitest';
import { bundleHash, partitionBundles } from './bundles.ts';

const item = (id: string, generatedAt: string) => ({ meta: { id, generatedAt } });
const keys = (items: ReturnType<typeof item>[], limit: number) => partitionBundles(items, limit).map((b) => [b.key, b.items.map((i) => i.meta.id)]);

describe('partitioning briefings into search bundles', () => {
  it('gives one bundle per year, newest first, each oldest first inside', () => {
    const items = [item('c', '2026-03-01T00:00:00Z'), item('a', '2024-06-01T00:00:00Z'), item('b', '2026-01-01T00:00:00Z')];
    expect(keys(items, 10)).toEqual([['2026', ['b', 'c']], ['2024', ['a']]]);
    expect(partitionBundles(items, 10)[0]).toMatchObject({ first: '2026-01-01', last: '2026-03-01' });
  });

  it('splits a year holding more than the limit into months, and leaves the other years whole', () => {
    const items = [item('a', '2025-01-05T00:00:00Z'), item('b', '2025-01-20T00:00:00Z'), item('c', '2025-02-01T00:00:00Z'), item('d', '2024-05-01T00:00:00Z'), item('e', '2024-07-01T00:00:00Z')];
    expect(keys(items, 2)).toEqual([['2025-02', ['c']], ['2025-01', ['a', 'b']], ['2024', ['d', 'e']]]);
  });

  it('splits a month holding more than the limit into weeks of the month, days 29–31 in the fifth', () => {
    const at = (day: number) => `2025-03-${String(day).padStart(2, '0')}T12:00:00Z`;
    const items = [1, 7, 8, 14, 15, 22, 28, 29, 31].map((d) => item(`d${String(d).padStart(2, '0')}`, at(d)));
    expect(keys([...items, item('apr', '2025-04-02T00:00:00Z')], 3)).toEqual([
      ['2025-04', ['apr']],
      ['2025-03-w5', ['d29', 'd31']],
      ['2025-03-w4', ['d22', 'd28']],
      ['2025-03-w3', ['d15']],
      ['2025-03-w2', ['d08', 'd14']],
      ['2025-03-w1', ['d01', 'd07']],
    ]);
  });

  it('puts briefings in bundles by their UTC date, whatever the offset they were written with', () => {
    // 2025-12-31T23:30:00-02:00 is 2026-01-01T01:30Z; 2026-01-01T00:30:00+02:00 is 2025-12-31T22:30Z.
    const items = [item('late', '2025-12-31T23:30:00-02:00'), item('early', '2026-01-01T00:30:00+02:00')];
    expect(keys(items, 10)).toEqual([['2026', ['late']], ['2025', ['early']]]);
    // Split down to weeks, the same holds.
    expect(keys([...items, item('x', '2025-12-31T23:59:59Z')], 1)).toEqual([['2026', ['late']], ['2025-12-w5', ['early', 'x']]]);
  });

  it('keeps the same keys and order whatever order the briefings come in', () => {
    const items = Array.from({ length: 32 }, (_, i) => item(`s${String(i).padStart(2, '0')}`, new Date(Date.UTC(2024, 0, 1) + i * 25 * 86_400_000).toISOString()));
    const shuffled = [...items].reverse();
    expect(partitionBundles(shuffled, 8)).toEqual(partitionBundles(items, 8));
    const bundleKeys = partitionBundles(items, 8).map((b) => b.key);
    expect(bundleKeys).toEqual([...new Set(bundleKeys)].sort().reverse());
    expect(bundleKeys).toContain('2026'); // two briefings: a whole year
    expect(bundleKeys.filter((k) => k.startsWith('2024-')).length).toBeGreaterThan(1); // 15: months
  });

  it('changes a bundle hash with its sessions, the document version and the Pagefind version, and only then', () => {
    const h = bundleHash('2026', ['a', 'b'], '1.1', '1.6.0');
    expect(bundleHash('2026', ['a', 'b'], '1.1', '1.6.0')).toBe(h);
    for (const other of [bundleHash('2026', ['a', 'c'], '1.1', '1.6.0'), bundleHash('2026', ['b', 'a'], '1.1', '1.6.0'), bundleHash('2026', ['a', 'b'], '1.2', '1.6.0'), bundleHash('2026', ['a', 'b'], '1.1', '1.6.1'), bundleHash('2025', ['a', 'b'], '1.1', '1.6.0')]) {
      expect(other).not.toBe(h);
    }
  });
});
