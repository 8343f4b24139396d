import { describe, expect, it } from 'vitest';
import { dropDuplicateUrls, RunFailure, runQuery } from './run.ts';
import type { Query } from '#kb/config/queries.ts';

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

describe('a run that fails', () => {
  const query: Query = { id: 'q', question: 'Q?', tags: [], schedule: '7d', steps: 2, maxResults: 3, search: 'corpus', llm: 'openai', model: 'm', read: 0, depth: 1, breadth: 1, budget: { maxPages: 0 } };

  it('carries the tokens the model used before the failure, so the run log can count them', async () => {
    const stages = {
      planner: { name: 'model:test', plan: async () => ({ queries: ['a', 'b'], usage: { inputTokens: 100, outputTokens: 20 } }) },
      search: { name: 'test', search: async () => [{ title: 't', url: 'https://example.org/t', snippet: 's' }] },
      analyst: {
        name: 'model:test',
        analyse: async () => Promise.reject(Object.assign(new Error('model answered no JSON twice'), { usage: { inputTokens: 900, outputTokens: 300 } })),
      },
      providers: { search: 'test', llm: 'openai', model: 'm' },
    };
    const failure = await runQuery(query, stages).catch((e) => e);
    expect(failure).toBeInstanceOf(RunFailure);
    expect(failure.message).toBe('model answered no JSON twice');
    expect(failure.usage).toEqual({ inputTokens: 1000, outputTokens: 320 });
  });
});
