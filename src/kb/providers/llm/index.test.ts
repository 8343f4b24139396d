import { afterEach, describe, expect, it } from 'vitest';
import { sendJson, startLoopback, type Loopback } from '#tests/support/loopback.ts';
import { createLlmProvider } from './index.ts';

const fast = { sleep: async () => {}, timeoutMs: 2000, retries: 0 };

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ask = { messages: [{ role: 'user' as const, content: 'Hi' }] };

describe('createLlmProvider', () => {
  it('builds the OpenAI-compatible provider from OPENAI_BASE_URL, OPENAI_API_KEY and KB_LLM_MODEL', async () => {
    server = await startLoopback((_req, res) => sendJson(res, 200, { model: 'llama3.1', choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }] }));
    const llm = createLlmProvider('openai', { OPENAI_BASE_URL: `${server.url}/v1`, OPENAI_API_KEY: 'local-key-123', KB_LLM_MODEL: 'llama3.1' }, { http: fast });
    expect([llm.name, llm.model]).toEqual(['openai', 'llama3.1']);
    await llm.complete(ask);
    expect(server.requests[0].path).toBe('/v1/chat/completions');
    expect(server.requests[0].headers.authorization).toBe('Bearer local-key-123');
    expect((server.requests[0].json as { model: string }).model).toBe('llama3.1');
  });

  it('prefers the model from config over KB_LLM_MODEL', () => {
    const llm = createLlmProvider('openai', { OPENAI_BASE_URL: 'http://localhost:11434/v1', KB_LLM_MODEL: 'from-env' }, { model: 'from-config' });
    expect(llm.model).toBe('from-config');
  });

  it('builds the Anthropic provider from ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY', async () => {
    server = await startLoopback((_req, res) =>
      sendJson(res, 200, { type: 'message', model: 'claude-x', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: 1 } }),
    );
    const llm = createLlmProvider('anthropic', { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'ant-key-123', KB_LLM_MODEL: 'claude-x' }, { http: fast });
    expect(llm.name).toBe('anthropic');
    await llm.complete(ask);
    expect(server.requests[0].path).toBe('/v1/messages');
    expect(server.requests[0].headers['x-api-key']).toBe('ant-key-123');
  });

  it('asks for a model by naming KB_LLM_MODEL and the model: config key when none is set', () => {
    expect(() => createLlmProvider('openai', { OPENAI_BASE_URL: 'http://localhost:11434/v1' })).toThrow(/no model chosen\. Set KB_LLM_MODEL, or `model:` in content\/queries\.yaml/);
    expect(() => createLlmProvider('anthropic', { ANTHROPIC_API_KEY: 'k', KB_LLM_MODEL: '  ' })).toThrow(/KB_LLM_MODEL/);
  });

  it('uses the default OpenAI endpoint when no base URL is set, which needs a key', () => {
    expect(() => createLlmProvider('openai', { KB_LLM_MODEL: 'gpt-4o-mini' })).toThrow(/OPENAI_API_KEY/);
    expect(() => createLlmProvider('openai', { KB_LLM_MODEL: 'gpt-4o-mini', OPENAI_API_KEY: '' })).toThrow(/OPENAI_API_KEY/);
    expect(() => createLlmProvider('anthropic', { KB_LLM_MODEL: 'claude-x' })).toThrow(/ANTHROPIC_API_KEY/);
  });

  it('rejects an unknown provider name with the valid choices', () => {
    expect(() => createLlmProvider('gemini' as 'openai', { KB_LLM_MODEL: 'x' })).toThrow(/unknown model provider "gemini": use one of openai, anthropic/);
  });
});
