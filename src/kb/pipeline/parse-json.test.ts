import { describe, expect, it } from 'vitest';
import type { Completion, CompletionRequest, LlmProvider } from '#kb/providers/types.ts';
import { ProviderError } from '#kb/providers/types.ts';
import { EmptyAnswerError } from '#kb/providers/llm/answer.ts';
import { completeJson, JsonAnswerError, readModelJson, UnusableAnswerError } from './parse-json.ts';

const anyObject = (value: unknown) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('expected an object');
  return value as Record<string, unknown>;
};

describe('reading JSON from a model answer', () => {
  it('reads clean JSON as it is', () => {
    expect(readModelJson('{"a": 1}', anyObject)).toEqual({ a: 1 });
  });

  it('finds JSON in a code fence, in prose, and after <think> reasoning', () => {
    expect(readModelJson('Here you go:\n```json\n{"a": 1}\n```\nAnything else?', anyObject)).toEqual({ a: 1 });
    expect(readModelJson('Sure! The plan is {"a": {"b": "c}"}} — hope it helps.', anyObject)).toEqual({ a: { b: 'c}' } });
    expect(readModelJson('<think>The user wants {"x": 0}? No.</think>\n{"a": 2}', anyObject)).toEqual({ a: 2 });
  });

  it('prefers the exact JSON object over a repair that would swallow the prose after it', () => {
    expect(readModelJson('{"queries": ["a", "b"]}\nHope it helps!', (v) => v)).toEqual({ queries: ['a', 'b'] });
  });

  it('reports the problem with the real object rather than with a stray bracket', () => {
    const needsB = (v: unknown) => {
      const o = anyObject(v);
      if (!('b' in o)) throw new Error('the object has no "b"');
      return o;
    };
    expect(() => readModelJson('See [3]: {"a": 1}', needsB)).toThrow('the object has no "b"');
  });

  it('skips bracketed text before the JSON that the caller does not accept', () => {
    expect(readModelJson('As noted in [3], the answer is: {"summary": "s [1]"}', anyObject)).toEqual({ summary: 's [1]' });
  });

  it('repairs trailing commas, single quotes, comments and JSON cut off at the end', () => {
    expect(readModelJson("{'a': ['x', 'y',],}", anyObject)).toEqual({ a: ['x', 'y'] });
    expect(readModelJson('{"a": 1, // one\n "b": 2}', anyObject)).toEqual({ a: 1, b: 2 });
    expect(readModelJson('{"a": ["x", "y', anyObject)).toEqual({ a: ['x', 'y'] });
  });

  it('unwraps JSON that was encoded twice', () => {
    expect(readModelJson(JSON.stringify(JSON.stringify({ a: 1 })), anyObject)).toEqual({ a: 1 });
  });

  it('says what was wrong when nothing usable is found', () => {
    expect(() => readModelJson('I cannot do that.', anyObject)).toThrow(JsonAnswerError);
    expect(() => readModelJson('[1, 2]', anyObject)).toThrow('expected an object');
  });
});

function scripted(texts: string[]): LlmProvider & { requests: CompletionRequest[] } {
  const requests: CompletionRequest[] = [];
  return {
    name: 'fake',
    model: 'fake-1',
    requests,
    async complete(request): Promise<Completion> {
      requests.push(request);
      const text = texts[Math.min(requests.length - 1, texts.length - 1)];
      return { text, usage: { inputTokens: 10, outputTokens: 2 }, model: 'fake-1' };
    },
  };
}

describe('asking for JSON with one retry', () => {
  const request = { messages: [{ role: 'user' as const, content: 'Give JSON' }] };

  it('asks again quoting the problem, and sums usage over both attempts', async () => {
    const llm = scripted(['no idea', '{"ok": true}']);
    const result = await completeJson(llm, request, anyObject, { task: 'test', shape: '{"ok": true}' });
    expect(result).toEqual({ value: { ok: true }, usage: { inputTokens: 20, outputTokens: 4 }, model: 'fake-1', attempts: 2 });
    const follow = llm.requests[1].messages;
    expect(follow.slice(0, 2)).toEqual([request.messages[0], { role: 'assistant', content: 'no idea' }]);
    expect(follow[2].role).toBe('user');
    expect(follow[2].content).toMatch(/could not be used: no JSON found in the answer.*\{"ok": true\}/s);
  });

  it('fails with a ProviderError naming the task after two unusable answers', async () => {
    const llm = scripted(['nope', 'still nope']);
    const error = await completeJson(llm, request, anyObject, { task: 'planner', shape: '{}' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(/^fake: planner: the model's answer could not be read as the expected JSON after 2 attempts .*"still nope"/);
    expect(llm.requests).toHaveLength(2);
    expect((error as UnusableAnswerError).usage).toEqual({ inputTokens: 20, outputTokens: 4 });
  });

  it('asks again after an empty answer, without echoing it, counting what it cost', async () => {
    const requests: CompletionRequest[] = [];
    const llm: LlmProvider = {
      name: 'fake',
      model: 'm',
      async complete(r) {
        requests.push(r);
        if (requests.length === 1) throw new EmptyAnswerError('fake', 'the answer is empty: the model produced only reasoning', { inputTokens: 10, outputTokens: 50 });
        return { text: '{"ok": true}', usage: { inputTokens: 12, outputTokens: 3 }, model: 'm' };
      },
    };
    const result = await completeJson(llm, request, anyObject, { task: 't', shape: '{"ok": true}' });
    expect(result).toMatchObject({ value: { ok: true }, attempts: 2, usage: { inputTokens: 22, outputTokens: 53 } });
    expect(requests[1]!.messages.map((m) => m.role)).toEqual(['user', 'user']);
    expect(requests[1]!.messages[1]!.content).toMatch(/^Your answer could not be used: the answer was empty\./);
  });

  it('says what to do when both answers are unusable', async () => {
    const error = await completeJson(scripted(['[1]', '[2]']), request, anyObject, { task: 'analyst', shape: '{}' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/\(expected an object\); the last answer began: "\[2\]"\. Try a larger or instruction-tuned model, or a server that enforces json_schema$/);
  });

  it('does not retry a provider failure', async () => {
    let calls = 0;
    const llm: LlmProvider = {
      name: 'fake',
      model: 'm',
      async complete() {
        calls++;
        throw new ProviderError('fake', 'the API key was refused (HTTP 401)');
      },
    };
    await expect(completeJson(llm, request, anyObject, { task: 't', shape: '{}' })).rejects.toThrow(/refused/);
    expect(calls).toBe(1);
  });
});
