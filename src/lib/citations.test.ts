import { describe, expect, it } from 'vitest';
import { citeId, readCitationMap, sourceId } from './citations.ts';

describe('readCitationMap', () => {
  it('keeps well-formed places only', () => {
    const map = readCitationMap({ 1: [{ id: citeId(1, 1), part: 'summary' }, { id: '"><script>', part: 'x' }], x: [], 2: 'no', 3: [{ id: citeId(3, 1), part: 'other' }] });
    expect([...map.entries()]).toEqual([
      [1, [{ id: 'kb-cite-1-1', part: 'summary' }]],
      [3, [{ id: 'kb-cite-3-1', part: undefined }]],
    ]);
    expect(readCitationMap(null).size).toBe(0);
  });
  it('names ids the same way on both sides', () => {
    expect(sourceId(4)).toBe('kb-source-4');
    expect(citeId(4, 2)).toBe('kb-cite-4-2');
  });
});
