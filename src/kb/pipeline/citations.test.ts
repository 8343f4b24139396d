import { describe, expect, it } from 'vitest';
import { checkCitations, numberResults } from './citations.ts';

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
