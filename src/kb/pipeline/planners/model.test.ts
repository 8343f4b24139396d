import { afterEach, describe, expect, it } from 'vitest';
import { inSequence, sendJson, startLoopback, type Handler, type Loopback } from '#tests/support/loopback.ts';
import { createOpenAiChat } from '#kb/providers/llm/openai.ts';
import { ProviderError } from '#kb/providers/types.ts';
import { createModelPlanner, fitToCount } from './model.ts';

const QUESTION = 'What is the import dependency of the US on China for rare earths?';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A local OpenAI-compatible server whose model answers with these texts, one per request. */
async function modelAnswering(...texts: string[]) {
  const answer =
    (text: string): Handler =>
    (_req, res) =>
      sendJson(res, 200, {
        model: 'qwen2.5:3b',
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 100, completion_tokens: 20 },
      });
  server = await startLoopback(inSequence(...texts.map(answer)));
  const llm = createOpenAiChat({ baseUrl: `${server.url}/v1`, model: 'qwen2.5:3b', http: { sleep: async () => {}, timeoutMs: 2000 } });
  return { planner: createModelPlanner(llm), requests: server.requests };
}

describe('model planner', () => {
  it('asks for exactly N sub-queries with a json_schema and a research-planner system prompt', async () => {
    const { planner, requests } = await modelAnswering('{"queries": ["US rare earth imports from China share", "rare earth processing capacity China", "US rare earth mining Mountain Pass"]}');
    const plan = await planner.plan(QUESTION, 3);

    expect(planner.name).toBe('model:openai');
    expect(plan.queries).toEqual(['US rare earth imports from China share', 'rare earth processing capacity China', 'US rare earth mining Mountain Pass']);
    expect(plan.usage).toEqual({ inputTokens: 100, outputTokens: 20 });
    expect(requests).toHaveLength(1);
    const body = requests[0].json as { messages: { role: string; content: string }[]; response_format: { type: string; json_schema: { name: string; strict: boolean } } };
    expect(body.response_format.type).toBe('json_schema');
    expect(body.response_format.json_schema).toMatchObject({ name: 'research_plan', strict: true });
    expect(body.messages[0].role).toBe('system');
    expect(body.messages[0].content).toMatch(/research planner/);
    expect(body.messages[0].content).toMatch(/at most 12 words/);
    expect(body.messages[0].content).toMatch(/No numbering/);
    expect(body.messages[1].content).toContain(QUESTION);
    expect(body.messages[1].content).toContain('exactly 3 sub-queries');
  });

  it('reads JSON inside a code fence', async () => {
    const { planner } = await modelAnswering('```json\n{"queries": ["a b", "c d"]}\n```');
    expect((await planner.plan(QUESTION, 2)).queries).toEqual(['a b', 'c d']);
  });

  it('reads JSON wrapped in prose', async () => {
    const { planner } = await modelAnswering('Sure! Here are the sub-queries you asked for:\n{"queries": ["a b", "c d"]}\nLet me know if you need more.');
    expect((await planner.plan(QUESTION, 2)).queries).toEqual(['a b', 'c d']);
  });

  it('repairs trailing commas and single quotes', async () => {
    const { planner } = await modelAnswering("{'queries': ['a b', 'c d',],}");
    expect((await planner.plan(QUESTION, 2)).queries).toEqual(['a b', 'c d']);
  });

  it('accepts a bare array, a sub_queries key, numbering and objects with a query field', async () => {
    const { planner } = await modelAnswering('["1. a b", "2) c d"]', '{"sub_queries": [{"query": "e f"}, "- g h"]}');
    expect((await planner.plan(QUESTION, 2)).queries).toEqual(['a b', 'c d']);
    expect((await planner.plan(QUESTION, 2)).queries).toEqual(['e f', 'g h']);
  });

  it('cuts extra sub-queries, drops duplicates and pads a short list from the question', async () => {
    const { planner } = await modelAnswering('{"queries": ["a", "b", "c", "d"]}', '{"queries": ["a", "A", " a "]}');
    expect((await planner.plan(QUESTION, 2)).queries).toEqual(['a', 'b']);
    const padded = (await planner.plan(QUESTION, 3)).queries;
    expect(padded).toHaveLength(3);
    expect(padded[0]).toBe('a');
    expect(padded[1]).toBe(QUESTION);
    expect(new Set(padded).size).toBe(3);
  });

  it('asks once more after total garbage, quoting the problem, and sums usage over both requests', async () => {
    const { planner, requests } = await modelAnswering('I am sorry, I do not understand the task.', '{"queries": ["a b", "c d"]}');
    const plan = await planner.plan(QUESTION, 2);
    expect(plan.queries).toEqual(['a b', 'c d']);
    expect(requests).toHaveLength(2);
    expect(plan.usage).toEqual({ inputTokens: 200, outputTokens: 40 });
    const retry = (requests[1].json as { messages: { role: string; content: string }[] }).messages;
    expect(retry.at(-2)).toEqual({ role: 'assistant', content: 'I am sorry, I do not understand the task.' });
    expect(retry.at(-1)?.content).toMatch(/could not be used: .*"queries"/);
  });

  it('fails with a clear ProviderError after garbage twice', async () => {
    const { planner, requests } = await modelAnswering('Banana.', 'Still banana.');
    const error = await planner.plan(QUESTION, 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/^openai: planner: the model's answer could not be read as the expected JSON after 2 attempts/);
    expect(requests).toHaveLength(2);
  });
});

describe('fitting sub-queries to the step count', () => {
  it('always returns exactly n distinct queries, the model’s own first', () => {
    expect(fitToCount([], 4, 'Q?')).toHaveLength(4);
    expect(new Set(fitToCount([], 8, 'Q?')).size).toBe(8);
    expect(fitToCount(['x'], 1, 'Q?')).toEqual(['x']);
  });
});
