import { describe, expect, it } from 'vitest';
import { inSequence, sendJson, type Handler } from '#tests/support/loopback.ts';
import { providerFailure as failure, serverPerTest } from '#tests/support/model-servers.ts';
import { createOpenAiChat } from './openai.ts';

const KEY = 'sk-test-abcdef1234567890';
// A generous timeout for answers that come; the test of a server that never answers uses 200 ms.
const fast = { sleep: async () => {}, timeoutMs: 2000, retries: 1 };

const serve = serverPerTest();

function completion(content: string | null, extra: Record<string, unknown> = {}) {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'llama3.1:8b-instruct-q4',
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', ...extra }],
    usage: { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 },
  };
}

function provider(url: string, extra: { apiKey?: string; http?: object } = {}) {
  return createOpenAiChat({ baseUrl: `${url}/v1`, model: 'llama3.1', apiKey: 'apiKey' in extra ? extra.apiKey : KEY, http: { ...fast, ...extra.http } });
}

const ask = { messages: [{ role: 'user' as const, content: 'Hello?' }] };

describe('OpenAI-compatible chat provider', () => {
  it('posts a chat completion with bearer auth and a strict json_schema response format, and reads text, usage and model', async () => {
    const s = await serve((_req, res) => sendJson(res, 200, completion('{"queries":["a"]}')));
    const llm = provider(s.url);
    const schema = { type: 'object', properties: { queries: { type: 'array', items: { type: 'string' } } }, required: ['queries'], additionalProperties: false };
    const result = await llm.complete({
      messages: [
        { role: 'system', content: 'You plan.' },
        { role: 'user', content: 'Plan it.' },
      ],
      json: { name: 'research_plan', schema },
      maxTokens: 300,
      temperature: 0.1,
    });

    expect(result).toEqual({ text: '{"queries":["a"]}', usage: { inputTokens: 42, outputTokens: 7 }, model: 'llama3.1:8b-instruct-q4' });
    expect(llm.name).toBe('openai');
    const [req] = s.requests;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.headers['content-type']).toContain('application/json');
    expect(req.json).toEqual({
      model: 'llama3.1',
      messages: [
        { role: 'system', content: 'You plan.' },
        { role: 'user', content: 'Plan it.' },
      ],
      stream: false,
      max_tokens: 300,
      temperature: 0.1,
      response_format: { type: 'json_schema', json_schema: { name: 'research_plan', schema, strict: true } },
    });
  });

  it('sends no response_format, token limit or temperature unless asked, and a trailing slash in the base URL does no harm', async () => {
    const s = await serve((_req, res) => sendJson(res, 200, completion('Hi.')));
    const llm = createOpenAiChat({ baseUrl: `${s.url}/v1/`, model: 'm', apiKey: KEY, http: fast });
    await llm.complete(ask);
    expect(s.requests[0].path).toBe('/v1/chat/completions');
    expect(s.requests[0].json).toEqual({ model: 'm', messages: [{ role: 'user', content: 'Hello?' }], stream: false });
  });

  it('needs no key for a local server and then sends no authorization header', async () => {
    const s = await serve((_req, res) => sendJson(res, 200, completion('Hi.')));
    const result = await provider(s.url, { apiKey: undefined }).complete(ask);
    expect(result.text).toBe('Hi.');
    expect(s.requests[0].headers.authorization).toBeUndefined();
  });

  it('refuses to start against api.openai.com without a key, naming OPENAI_API_KEY', () => {
    expect(() => createOpenAiChat({ model: 'gpt-4o-mini' })).toThrow(/openai: no API key\. Set OPENAI_API_KEY/);
    expect(() => createOpenAiChat({ model: 'gpt-4o-mini', baseUrl: 'https://api.openai.com/v1' })).toThrow(/OPENAI_API_KEY/);
    expect(() => createOpenAiChat({ model: 'gpt-4o-mini', apiKey: KEY })).not.toThrow();
  });

  it('says the key was refused on 401 without ever repeating the key the server echoed back', async () => {
    const s = await serve((_req, res) =>
      sendJson(res, 401, { error: { message: `Incorrect API key provided: ${KEY}. You can find your API key at the dashboard.`, type: 'invalid_request_error', code: 'invalid_api_key' } }),
    );
    const error = await failure(provider(s.url).complete(ask));
    expect(error.message).toMatch(/API key was refused \(HTTP 401\)/);
    expect(error.message).toContain('Incorrect API key provided');
    expect(error.message).not.toContain(KEY);
    expect(error.status).toBe(401);
    expect(s.requests).toHaveLength(1); // a refused key is not retried
  });

  it('waits as long as Retry-After asks on 429 and then succeeds', async () => {
    const waits: number[] = [];
    const s = await serve(
      inSequence(
        (_req, res) => sendJson(res, 429, { error: { message: 'Rate limit reached', type: 'requests' } }, { 'retry-after': '3' }),
        (_req, res) => sendJson(res, 200, completion('After the wait.')),
      ),
    );
    const result = await provider(s.url, { http: { sleep: async (ms: number) => void waits.push(ms) } }).complete(ask);
    expect(result.text).toBe('After the wait.');
    expect(s.requests).toHaveLength(2);
    expect(waits).toEqual([3000]);
  });

  it('reports a server failure after retrying it', async () => {
    const s = await serve((_req, res) => sendJson(res, 500, { error: { message: 'The server had an error while processing your request.' } }));
    const error = await failure(provider(s.url).complete(ask));
    expect(error.message).toMatch(/openai: the service failed \(HTTP 500\): The server had an error/);
    expect(s.requests).toHaveLength(2);
  });

  it('gives up on a server that never answers, saying it timed out', async () => {
    const s = await serve(() => {});
    const error = await failure(provider(s.url, { http: { retries: 0, timeoutMs: 200 } }).complete(ask));
    expect(error.message).toMatch(/no answer within 0\.2s/);
  });

  it('reports an answer that is not JSON', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>Bad gateway</html>');
    });
    const error = await failure(provider(s.url, { http: { retries: 0 } }).complete(ask));
    expect(error.message).toMatch(/not JSON \(text\/html/);
  });

  it('reports JSON that was cut off mid-body', async () => {
    const full = JSON.stringify(completion('Complete answer'));
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(full.slice(0, 60));
    });
    const error = await failure(provider(s.url, { http: { retries: 0 } }).complete(ask));
    expect(error.message).toMatch(/not JSON/);
  });

  it('names what is missing when the answer has no choices, no message or no content', async () => {
    const answers = [
      { ...completion('x'), choices: [] },
      { id: 'x', model: 'm' },
      { ...completion('x'), choices: [{ index: 0, finish_reason: 'stop' }] },
      completion(''),
      completion(null),
    ];
    const s = await serve(inSequence(...answers.map((a): Handler => (_req, res) => sendJson(res, 200, a))));
    const llm = provider(s.url);
    expect((await failure(llm.complete(ask))).message).toMatch(/no choices \(`choices` is an empty list\)/);
    expect((await failure(llm.complete(ask))).message).toMatch(/no choices \(`choices` is missing\)/);
    expect((await failure(llm.complete(ask))).message).toMatch(/`choices\[0\]\.message` is missing/);
    expect((await failure(llm.complete(ask))).message).toMatch(/empty \(`choices\[0\]\.message\.content` has no text\)/);
    expect((await failure(llm.complete(ask))).message).toMatch(/empty/);
  });

  it('passes on an error a server sent inside a 200 answer', async () => {
    const s = await serve((_req, res) => sendJson(res, 200, { error: { message: 'model "llama9" not found, try pulling it first' } }));
    const error = await failure(provider(s.url).complete(ask));
    expect(error.message).toContain('model "llama9" not found');
  });

  it('says the answer was cut off when finish_reason is length', async () => {
    const s = await serve((_req, res) => sendJson(res, 200, completion('{"queries": ["a", "b', { finish_reason: 'length' })));
    const error = await failure(provider(s.url).complete(ask));
    expect(error.message).toMatch(/cut off at the token limit \(finish_reason: length\)/);
  });

  it('reports a refusal with the model’s reason', async () => {
    const s = await serve((_req, res) =>
      sendJson(res, 200, {
        ...completion(null),
        choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: "I can't help with that." }, finish_reason: 'stop' }],
      }),
    );
    const error = await failure(provider(s.url).complete(ask));
    expect(error.message).toMatch(/refused to answer: I can't help with that\./);
  });

  it('joins text parts when a server sends content as a list, and keeps the requested model when none is reported', async () => {
    const s = await serve((_req, res) =>
      sendJson(res, 200, { choices: [{ index: 0, message: { role: 'assistant', content: [{ type: 'text', text: 'Part one, ' }, { type: 'text', text: 'part two.' }] }, finish_reason: 'stop' }] }),
    );
    const result = await provider(s.url).complete(ask);
    expect(result).toEqual({ text: 'Part one, part two.', usage: undefined, model: 'llama3.1' });
  });

  it('suggests checking the server is running when nothing listens at the base URL', async () => {
    const s = await serve(() => {});
    const url = s.url;
    await s.close();
    const error = await failure(provider(url, { http: { retries: 0 } }).complete(ask));
    expect(error.message).toMatch(/cannot reach .* is the OpenAI-compatible server running/);
  });
});
