import { describe, expect, it } from 'vitest';
import { citeId, countCitable, readCitationMap, sourceId, splitCitations } from './citations.ts';

const join = (parts: { text: string }[]) => parts.map((p) => p.text).join('');
const cited = (parts: ReturnType<typeof splitCitations>) => parts.flatMap((p) => ('n' in p ? [p.n] : []));

describe('splitCitations', () => {
  it('finds [n] with 1 ≤ n ≤ count, and keeps the text exactly', () => {
    const text = 'A [1], B [2, 5], C [3-4], D [3–4][2] and E [9].';
    const parts = splitCitations(text, 5);
    expect(join(parts)).toBe(text);
    expect(cited(parts)).toEqual([1, 2, 5, 3, 4, 3, 4, 2]);
  });

  it('never makes a citation of a number that points at nothing', () => {
    expect(cited(splitCitations('[0] [6] [99999999999999999999] [2, 7]', 5))).toEqual([2]);
    expect(cited(splitCitations('[1]', 0))).toEqual([]);
    expect(splitCitations('no [citations] here [a1]', 3)).toEqual([{ text: 'no [citations] here [a1]' }]);
  });

  it('leaves link and definition shapes alone', () => {
    expect(cited(splitCitations('[1](x) and [2]: y and [3]', 5))).toEqual([3]);
  });

  it('returns nothing for empty text', () => {
    expect(splitCitations('', 3)).toEqual([]);
  });
});

describe('countCitable', () => {
  it('counts every result of every step, partial ones too', () => {
    expect(countCitable([{ results: [{}, {}] }, { results: [] }, { results: [{ partial: true }] }])).toBe(3);
  });
  it('is 0 for anything that is not steps', () => {
    expect(countCitable(undefined)).toBe(0);
    expect(countCitable('x')).toBe(0);
    expect(countCitable([null, { results: 'x' }])).toBe(0);
  });
});

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
