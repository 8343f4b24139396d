import { describe, expect, it } from 'vitest';
import { dropDuplicateUrls, RunFailure, runQuery } from './run.ts';
import { parseConfig, type Query } from '#kb/config/queries.ts';
import { Session } from '#core/session.ts';
import type { Stages } from './run.ts';

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

describe('what a run spent', () => {
  const query: Query = { id: 'q', question: 'How much cobalt comes from the DRC?', tags: [], schedule: '7d', steps: 1, maxResults: 2, search: 'corpus', llm: 'openai', model: 'gpt-4o-mini', verify: true, read: 0, depth: 2, breadth: 1, budget: { maxPages: 0 } };
  const evidence = { contextTokens: 128_000, given: { results: 2, passages: 0 }, omitted: { results: 0, passages: 0 } };
  const stages = (model = 'gpt-4o-mini'): Stages => ({
    planner: {
      name: 'model:test',
      plan: async () => ({ queries: ['cobalt DRC share'], usage: { inputTokens: 100, outputTokens: 20 } }),
      followUp: async () => ({ queries: [{ query: 'cobalt DRC 2024 output', reason: 'a figure the question wants' }], usage: { inputTokens: 50, outputTokens: 10 } }),
    },
    search: { name: 'test', search: async (q: string) => [{ title: q, url: `https://example.org/${encodeURIComponent(q)}`, snippet: 'The DRC mined about 70% of the world’s cobalt.' }] },
    analyst: {
      name: 'model:test',
      // "40% next year" is in no result: the grounding check flags it, so the verify pass runs.
      analyse: async () => ({ summary: '- The DRC mined about 70% of cobalt [1].', analysis: 'Output will rise 40% next year [1].', usage: { inputTokens: 900, outputTokens: 300 }, evidence }),
      revise: async () => ({ summary: '- The DRC mined about 70% of cobalt [1].', analysis: 'The DRC mined about 70% of cobalt [1].', changes: [], usage: { inputTokens: 400, outputTokens: 80 } }),
    } as Stages['analyst'],
    providers: { search: 'test', llm: 'openai', model },
  });

  it('records the tokens of each stage (plan, follow-ups, analyse, verify), and they add up to the totals', async () => {
    const session = await runQuery(query, stages());
    const m = session.metrics!;
    expect(m.stages).toEqual({ plan: { inputTokens: 100, outputTokens: 20 }, followUps: { inputTokens: 50, outputTokens: 10 }, analyse: { inputTokens: 900, outputTokens: 300 }, verify: { inputTokens: 400, outputTokens: 80 } });
    const parts = Object.values(m.stages!);
    expect(parts.reduce((n, s) => n + s.inputTokens, 0)).toBe(m.inputTokens);
    expect(parts.reduce((n, s) => n + s.outputTokens, 0)).toBe(m.outputTokens);
    expect(m).toMatchObject({ inputTokens: 1450, outputTokens: 410, evidence });
    expect(Session.safeParse(session).success).toBe(true);
  });

  it('costs a run at the built-in price of its model (or of the model a dated snapshot is), or at the price queries.yaml sets', async () => {
    const builtIn = parseConfig('queries:\n  - id: q\n    question: Q?\n', 'queries.yaml').prices;
    const configured = parseConfig('defaults:\n  prices:\n    gpt-4o-mini: { input: 1, output: 2 }\nqueries:\n  - id: q\n    question: Q?\n', 'queries.yaml').prices;
    // 1,450 tokens in and 410 out: gpt-4o-mini lists at $0.15 and $0.60 per million.
    expect((await runQuery(query, stages(), { prices: builtIn })).metrics!.costUsd).toBe(0.000464);
    expect((await runQuery(query, stages('gpt-4o-mini-2024-07-18'), { prices: builtIn })).metrics!.costUsd).toBe(0.000464);
    expect((await runQuery(query, stages(), { prices: configured })).metrics!.costUsd).toBe(0.00227);
    // A model with no price records no cost rather than a guess.
    expect((await runQuery(query, stages('llama3.1'), { prices: builtIn })).metrics!.costUsd).toBeUndefined();
  });
});
