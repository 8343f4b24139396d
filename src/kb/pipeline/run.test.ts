import { describe, expect, it } from 'vitest';
import { dropDuplicateUrls } from './run.ts';

describe('duplicate results across steps', () => {
  const r = (url: string) => ({ title: url, url });

  it('keeps the first occurrence of a url, ignoring www., a trailing slash and the fragment', () => {
    const { steps, duplicatesRemoved } = dropDuplicateUrls([
      { id: 'step_0', results: [r('https://www.a.org/x/'), r('https://b.org/y')] },
      { id: 'step_1', results: [r('https://a.org/x#part'), r('https://c.org/z')] },
    ]);
    expect(steps.map((s) => s.results.map((x) => x.url))).toEqual([['https://www.a.org/x/', 'https://b.org/y'], ['https://c.org/z']]);
    expect(duplicatesRemoved).toBe(1);
    expect(steps[1].note).toBe('1 result already found by an earlier step was left out here.');
    expect(steps[0].note).toBeUndefined();
  });

  it('treats url-less results with the same words as the same result, and different passages as different', () => {
    const note = (snippet: string) => ({ title: 'Desk note', source: 'corpus/note.txt', snippet });
    const { steps } = dropDuplicateUrls([
      { id: 'step_0', results: [note('First passage.')] },
      { id: 'step_1', results: [note('First passage.'), note('Second passage.')] },
    ]);
    expect(steps[1].results).toEqual([note('Second passage.')]);
  });

  it('says in words when a step is empty only because every result repeated an earlier step', () => {
    const { steps } = dropDuplicateUrls([
      { id: 'step_0', results: [r('https://a.org/1'), r('https://a.org/2')] },
      { id: 'step_1', results: [r('https://a.org/2'), r('https://a.org/1')] },
    ]);
    expect(steps[1].results).toEqual([]);
    expect(steps[1].note).toBe('All 2 results of this step had already been found by an earlier step, so none are repeated here.');
  });
});
