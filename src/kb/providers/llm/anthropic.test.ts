import { describe, expect, it } from 'vitest';
import { inSequence, sendJson, type Handler } from '#tests/support/loopback.ts';
import { providerFailure as failure, serverPerTest } from '#tests/support/model-servers.ts';
import { createAnthropicMessages } from './anthropic.ts';

const KEY = 'sk-ant-test-0123456789abcdef';
// A generous timeout for answers that come; the test of a server that never answers uses 200 ms.
const fast = { sleep: async () => {}, timeoutMs: 2000, retries: 1 };

const serve = serverPerTest();

function message(content: unknown[], extra: Record<string, unknown> = {}) {
  return {
    id: 'msg_01',
    type: 'message',
    role: 'assistant',
    model: 'claude-test-20260101',
    content,
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 120, output_tokens: 30 },
    ...extra,
  };
}

const apiError = (type: string, text: string) => ({ type: 'error', error: { type, message: text }, request_id: 'req_011' });

function provider(url: string, extra: { apiKey?: string; http?: object; baseUrl?: string } = {}) {
  return createAnthropicMessages({ baseUrl: extra.baseUrl ?? url, model: 'claude-test', apiKey: 'apiKey' in extra ? extra.apiKey : KEY, http: { ...fast, ...extra.http } });
}

const ask = { messages: [{ role: 'user' as const, content: 'Hello?' }] };
const schema = { type: 'object', properties: { summary: { type: 'string' }, analysis: { type: 'string' } }, required: ['summary', 'analysis'], additionalProperties: false };

describe('Anthropic Messages provider', () => {
  it('forces a tool for JSON, sends the system prompt at top level with x-api-key and anthropic-version, and returns the tool input as JSON text', async () => {
    const s = await serve((_req, res) =>
      sendJson(
        res,
        200,
        message([{ type: 'tool_use', id: 'toolu_01', name: 'research_briefing', input: { summary: '- A [1]', analysis: 'B [2]' } }], {
          stop_reason: 'tool_use',
          usage: { input_tokens: 100, output_tokens: 30, cache_creation_input_tokens: 15, cache_read_input_tokens: 5 },
        }),
      ),
    );
    const llm = provider(s.url);
    const result = await llm.complete({
      messages: [
        { role: 'system', content: 'You are an analyst.' },
        { role: 'system', content: 'Cite everything.' },
        { role: 'user', content: 'Analyse.' },
      ],
      json: { name: 'research_briefing', schema },
    });

    expect(llm.name).toBe('anthropic');
    expect(JSON.parse(result.text)).toEqual({ summary: '- A [1]', analysis: 'B [2]' });
    expect(result.usage).toEqual({ inputTokens: 120, outputTokens: 30 });
    expect(result.model).toBe('claude-test-20260101');
    const [req] = s.requests;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/messages');
    expect(req.headers['x-api-key']).toBe(KEY);
    expect(req.headers['anthropic-version']).toBe('2023-06-01');
    expect(req.headers.authorization).toBeUndefined();
    expect(req.json).toEqual({
      model: 'claude-test',
      max_tokens: 4096,
      system: 'You are an analyst.\n\nCite everything.',
      messages: [{ role: 'user', content: 'Analyse.' }],
      tools: [{ name: 'research_briefing', description: expect.any(String), input_schema: schema }],
      tool_choice: { type: 'tool', name: 'research_briefing' },
    });
  });

  it('returns the text blocks for a plain request and passes max_tokens and temperature through', async () => {
    const s = await serve((_req, res) => sendJson(res, 200, message([{ type: 'text', text: 'Hello ' }, { type: 'text', text: 'there.' }])));
    const result = await provider(`${s.url}/v1/`).complete({ ...ask, maxTokens: 50, temperature: 0 });
    expect(result).toEqual({ text: 'Hello there.', usage: { inputTokens: 120, outputTokens: 30 }, model: 'claude-test-20260101' });
    // A base URL given with /v1 is not doubled.
    expect(s.requests[0].path).toBe('/v1/messages');
    expect(s.requests[0].json).toEqual({ model: 'claude-test', max_tokens: 50, temperature: 0, messages: [{ role: 'user', content: 'Hello?' }] });
  });

  it('falls back to the text when a compatible server answers a JSON request without the tool call', async () => {
    const s = await serve((_req, res) => sendJson(res, 200, message([{ type: 'text', text: '{"summary": "s", "analysis": "a"}' }])));
    const result = await provider(s.url).complete({ ...ask, json: { name: 'research_briefing', schema } });
    expect(result.text).toBe('{"summary": "s", "analysis": "a"}');
  });

  it('refuses to start against api.anthropic.com without a key, naming ANTHROPIC_API_KEY', () => {
    expect(() => createAnthropicMessages({ model: 'claude-test' })).toThrow(/anthropic: no API key\. Set ANTHROPIC_API_KEY/);
    expect(() => createAnthropicMessages({ model: 'claude-test', apiKey: KEY })).not.toThrow();
  });

  it('says the key was refused on 401 and includes the API message but never the key it echoed', async () => {
    const s = await serve((_req, res) => sendJson(res, 401, apiError('authentication_error', `invalid x-api-key: ${KEY}`)));
    const error = await failure(provider(s.url).complete(ask));
    expect(error.message).toMatch(/anthropic: the API key was refused \(HTTP 401\)/);
    expect(error.message).toContain('invalid x-api-key');
    expect(error.message).not.toContain(KEY);
    expect(s.requests).toHaveLength(1);
  });

  it('includes the API’s message for a bad request', async () => {
    const s = await serve((_req, res) => sendJson(res, 400, apiError('invalid_request_error', 'max_tokens: 999999 > 64000, which is the maximum allowed')));
    const error = await failure(provider(s.url).complete(ask));
    expect(error.message).toMatch(/refused \(HTTP 400\): max_tokens: 999999 > 64000/);
    expect(error.status).toBe(400);
  });

  it('waits as long as Retry-After asks on 429 and then succeeds', async () => {
    const waits: number[] = [];
    const s = await serve(
      inSequence(
        (_req, res) => sendJson(res, 429, apiError('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'), { 'retry-after': '7' }),
        (_req, res) => sendJson(res, 200, message([{ type: 'text', text: 'Done.' }])),
      ),
    );
    const result = await provider(s.url, { http: { sleep: async (ms: number) => void waits.push(ms) } }).complete(ask);
    expect(result.text).toBe('Done.');
    expect(s.requests).toHaveLength(2);
    expect(waits).toEqual([7000]);
  });

  it('retries an overloaded or failing service and then reports it', async () => {
    const s = await serve(
      inSequence(
        (_req, res) => sendJson(res, 529, apiError('overloaded_error', 'Overloaded')),
        (_req, res) => sendJson(res, 500, apiError('api_error', 'Internal server error')),
      ),
    );
    const error = await failure(provider(s.url).complete(ask));
    expect(error.message).toMatch(/the service failed \(HTTP 500\): Internal server error/);
    expect(s.requests).toHaveLength(2);
  });

  it('gives up on a server that never answers, saying it timed out', async () => {
    const s = await serve(() => {});
    const error = await failure(provider(s.url, { http: { retries: 0, timeoutMs: 200 } }).complete(ask));
    expect(error.message).toMatch(/anthropic: no answer within 0\.2s/);
  });

  it('reports an answer that is not JSON', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('upstream connect error');
    });
    const error = await failure(provider(s.url, { http: { retries: 0 } }).complete(ask));
    expect(error.message).toMatch(/not JSON \(text\/plain/);
  });

  it('reports a connection that broke before the JSON was complete', async () => {
    const full = JSON.stringify(message([{ type: 'text', text: 'A long answer' }]));
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(full.length) });
      res.write(full.slice(0, 40));
      setImmediate(() => res.destroy());
    });
    const error = await failure(provider(s.url, { http: { retries: 0 } }).complete(ask));
    expect(error.message).toMatch(/connection broke mid-answer/);
  });

  it('names what is missing when content is absent or empty', async () => {
    const s = await serve(
      inSequence(
        (_req, res) => sendJson(res, 200, { ...message([]), content: undefined }),
        (_req, res) => sendJson(res, 200, message([])),
        (_req, res) => sendJson(res, 200, message([])),
      ),
    );
    const llm = provider(s.url);
    expect((await failure(llm.complete(ask))).message).toMatch(/no content \(`content` is missing\)/);
    expect((await failure(llm.complete(ask))).message).toMatch(/empty \(`content` has no text block\)/);
    expect((await failure(llm.complete({ ...ask, json: { name: 'research_briefing', schema } }))).message).toMatch(/no research_briefing tool call and no text/);
  });

  it('says the answer was cut off when stop_reason is max_tokens', async () => {
    const s = await serve((_req, res) =>
      sendJson(res, 200, message([{ type: 'tool_use', id: 'toolu_1', name: 'research_briefing', input: { summary: 'partial' } }], { stop_reason: 'max_tokens' })),
    );
    const error = await failure(provider(s.url).complete({ ...ask, json: { name: 'research_briefing', schema } }));
    expect(error.message).toMatch(/cut off at the token limit \(stop_reason: max_tokens\)/);
  });

  it('reports a refusal and an error object sent with status 200', async () => {
    const s = await serve(
      inSequence(
        (_req, res) => sendJson(res, 200, message([], { stop_reason: 'refusal' })),
        (_req, res) => sendJson(res, 200, apiError('overloaded_error', 'Overloaded')),
      ),
    );
    const llm = provider(s.url);
    expect((await failure(llm.complete(ask))).message).toMatch(/declined to answer \(stop_reason: refusal\)/);
    expect((await failure(llm.complete(ask))).message).toMatch(/error \(overloaded_error\): Overloaded/);
  });
});
