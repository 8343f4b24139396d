import { describe, expect, it } from 'vitest';
import { checkCitations, countCitable, numberResults, splitCitations } from './citations.ts';

const join = (parts: { text: string }[]) => parts.map((p) => p.text).join('');
const cited = (parts: ReturnType<typeof splitCitations>) => parts.flatMap((p) => ('n' in p ? [p.n] : []));

describe('citations', () => {
  it('numbers results from 1 across steps, in step order, skipping empty steps', () => {
    const r = (title: string) => ({ title, url: `https://example.org/${title}` });
    const numbered = numberResults([
      { id: 'step_0', results: [r('a'), r('b')] },
      { id: 'step_1', results: [] },
      { id: 'step_2', results: [r('c')] },
    ]);
    expect(numbered.map((x) => [x.n, x.stepIndex, x.result.title])).toEqual([
      [1, 0, 'a'],
      [2, 0, 'b'],
      [3, 2, 'c'],
    ]);
  });

  it('keeps references that resolve and removes and counts the ones that point at nothing', () => {
    const { text, resolved, removed } = checkCitations('Prices fell 20% [2]. Output rose [9]. Both [1, 7] and [0].', 3);
    expect(text).toBe('Prices fell 20% [2]. Output rose. Both [1] and.');
    expect(resolved).toBe(2);
    expect(removed).toBe(3);
  });

  it('treats ranges as one reference and leaves markdown links and footnote definitions alone', () => {
    const { text, resolved, removed } = checkCitations('See [1-3] and [2–9], [a link](https://x.org) and\n[4]: https://example.org', 3);
    expect(text).toBe('See [1-3] and, [a link](https://x.org) and\n[4]: https://example.org');
    expect([resolved, removed]).toEqual([1, 1]);
  });
});

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
