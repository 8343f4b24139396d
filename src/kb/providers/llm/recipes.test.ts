// The recipes of docs/providers.md ("Models"), each run against a loopback server that behaves as
// that service documents (tests/support/model-servers.ts): the environment the recipe sets, the
// provider the registry makes from it, and a planner-shaped request through `completeJson`, the
// one path the planner and analyst use.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { completeJson } from '#kb/pipeline/parse-json.ts';
import { createLlmProvider } from '#kb/providers/registry.ts';
import type { CompletionRequest, LlmProvider } from '#kb/providers/types.ts';
import { sendJson, type Loopback } from '#tests/support/loopback.ts';
import { chatCompletion, modelServer, providerFailure as failure, serverPerTest, VENDORS, type ChatRequest, type ModelAnswer } from '#tests/support/model-servers.ts';
import { createOpenAiChat } from './openai.ts';
import { createModeStore, modesFile } from './structured.ts';

const KEY = 'KBTEST-recipe-key-5c1d9e7a3b';
const fast = { sleep: async () => {}, timeoutMs: 2000, retries: 1 };
const PLAN = '{"queries": ["lithium price 2025", "lithium supply chain"]}';
const SCHEMA = { type: 'object', properties: { queries: { type: 'array', items: { type: 'string' } } }, required: ['queries'], additionalProperties: false };
const request: CompletionRequest = {
  messages: [
    { role: 'system', content: 'You plan research.' },
    { role: 'user', content: 'Research question: what drives lithium prices?' },
  ],
  json: { name: 'research_plan', schema: SCHEMA },
};
const readQueries = (value: unknown): string[] => {
  const queries = (value as { queries?: unknown } | null)?.queries;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Array.isArray(queries) || !queries.every((q) => typeof q === 'string')) {
    throw new Error('expected an object {"queries": ["…"]}');
  }
  return queries;
};
const plan = (llm: LlmProvider, extra: Partial<CompletionRequest> = {}) => completeJson(llm, { ...request, ...extra }, readQueries, { task: 'planner', shape: '{"queries": ["…"]}' });

const serve = serverPerTest();
const answering =
  (...answers: ModelAnswer[]) =>
  () => {
    let n = 0;
    return () => answers[Math.min(n++, answers.length - 1)]!;
  };
/** The provider the registry makes for `llm` from exactly the recipe's environment. */
const fromRecipe = (llm: 'openai' | 'anthropic', env: Record<string, string>, model: string) => createLlmProvider(llm, env, { model, http: fast });
const bodies = (s: Loopback) => s.requests.map((r) => r.json as ChatRequest);

describe('recipes: each documented service, as it behaves', () => {
  it('OpenAI: Bearer key, strict json_schema enforced', async () => {
    const s = await serve(modelServer({ ...VENDORS.openai(KEY), answer: answering({ content: PLAN })() }));
    const result = await plan(fromRecipe('openai', { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${s.url}/v1` }, 'gpt-4o-mini'));
    expect(result.value).toEqual(['lithium price 2025', 'lithium supply chain']);
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]!.path).toBe('/v1/chat/completions');
    expect(s.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(bodies(s)[0]!.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'research_plan', schema: SCHEMA, strict: true } });
  });

  it('OpenAI reasoning models (o-series): max_tokens renamed and temperature dropped from the 400s, then remembered', async () => {
    const s = await serve(modelServer({ ...VENDORS.oSeries(KEY), answer: answering({ content: PLAN })() }));
    const llm = fromRecipe('openai', { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${s.url}/v1` }, 'o4-mini');
    const first = await plan(llm, { maxTokens: 500, temperature: 0.2 });
    expect(first.value).toHaveLength(2);
    const sent = bodies(s);
    expect(sent.map((b) => [b.max_tokens, b.max_completion_tokens, b.temperature])).toEqual([
      [500, undefined, 0.2],
      [undefined, 500, 0.2],
      [undefined, 500, undefined],
    ]);
    // The next request starts with what worked.
    await plan(llm, { maxTokens: 500, temperature: 0.2 });
    expect(s.requests).toHaveLength(4);
    expect(bodies(s)[3]).toMatchObject({ max_completion_tokens: 500, response_format: { type: 'json_schema' } });
    expect(bodies(s)[3]!.temperature).toBeUndefined();
  });

  it('Azure OpenAI: the deployment URL with its api-version, the key in api-key and never as Bearer', async () => {
    const s = await serve(modelServer({ ...VENDORS.azure(KEY), answer: answering({ content: PLAN })() }));
    const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${s.url}/openai/deployments/gpt-4o-mini?api-version=2024-10-21` };
    const result = await plan(fromRecipe('openai', env, 'gpt-4o-mini'));
    expect(result.value).toHaveLength(2);
    const [req] = s.requests;
    expect(req!.path).toBe('/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21');
    expect(req!.headers['api-key']).toBe(KEY);
    expect(req!.headers.authorization).toBeUndefined();

    const refused = await failure(plan(fromRecipe('openai', { ...env, OPENAI_API_KEY: 'KBTEST-wrong-azure-key' }, 'gpt-4o-mini')));
    expect(refused.status).toBe(401);
    expect(refused.message).toMatch(/API key was refused \(HTTP 401\).*Access denied due to invalid subscription key/);
    // On Azure's own hosts the api-key header is chosen by the host, and a key is required.
    expect(() => createOpenAiChat({ baseUrl: 'https://res.openai.azure.com/openai/deployments/d?api-version=2024-10-21', model: 'd' })).toThrow(/Azure OpenAI resource's key/);
  });

  it('Anthropic: x-api-key and anthropic-version, the forced tool’s input is the answer, thinking never is', async () => {
    const s = await serve((req, res, r) => {
      if (req.headers['x-api-key'] !== KEY) return sendJson(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
      const tool = (r.json as { tools: { name: string }[] }).tools[0]!.name;
      sendJson(res, 200, {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [
          { type: 'thinking', thinking: 'Perhaps {"queries": ["decoy"]}', signature: 'sig' },
          { type: 'tool_use', id: 'toolu_1', name: tool, input: JSON.parse(PLAN) },
        ],
        stop_reason: 'tool_use',
        usage: { input_tokens: 30, output_tokens: 12 },
      });
    });
    const result = await plan(fromRecipe('anthropic', { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: s.url }, 'claude-sonnet-4-5'));
    expect(result.value).toEqual(['lithium price 2025', 'lithium supply chain']);
    expect(s.requests[0]!.path).toBe('/v1/messages');
    expect(s.requests[0]!.headers['anthropic-version']).toBe('2023-06-01');
    expect((s.requests[0]!.json as { tool_choice: unknown }).tool_choice).toEqual({ type: 'tool', name: 'research_plan' });
  });

  it('Ollama: no key, json_schema enforced', async () => {
    const s = await serve(modelServer({ ...VENDORS.ollama(), answer: answering({ content: PLAN })() }));
    const result = await plan(fromRecipe('openai', { OPENAI_BASE_URL: `${s.url}/v1` }, 'llama3.1'));
    expect(result.attempts).toBe(1);
    expect(s.requests[0]!.headers.authorization).toBeUndefined();
    expect(bodies(s)[0]!.response_format?.type).toBe('json_schema');
  });

  it('an older Ollama or llama.cpp that ignores response_format: prose-wrapped JSON is read, prose alone is asked again', async () => {
    const s = await serve(
      modelServer({
        ...VENDORS.ollama(),
        answer: answering(
          { content: `Sure! Here is the plan you asked for:\n\`\`\`json\n${PLAN}\n\`\`\`\nLet me know if you need more.` },
          { content: 'I would search for lithium prices and the supply chain.' },
          { content: `${PLAN}` },
        )(),
      }),
    );
    const llm = fromRecipe('openai', { OPENAI_BASE_URL: `${s.url}/v1` }, 'llama3');
    expect((await plan(llm)).attempts).toBe(1);
    const second = await plan(llm);
    expect(second.attempts).toBe(2);
    expect(second.usage).toEqual({ inputTokens: 40, outputTokens: 20 });
    const retry = bodies(s)[2]!.messages!;
    expect(retry.at(-2)).toEqual({ role: 'assistant', content: 'I would search for lithium prices and the supply chain.' });
    expect(retry.at(-1)!.content).toMatch(/could not be used: no JSON found in the answer/);
  });

  it('llama.cpp llama-server: any model name, Bearer only when started with --api-key, its error shape', async () => {
    const s = await serve(modelServer({ ...VENDORS.llamacpp(KEY), answer: answering({ content: PLAN })() }));
    expect((await plan(fromRecipe('openai', { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${s.url}/v1` }, 'local'))).value).toHaveLength(2);
    const refused = await failure(plan(fromRecipe('openai', { OPENAI_BASE_URL: `${s.url}/v1` }, 'local')));
    expect(refused.message).toMatch(/API key was refused \(HTTP 401\).*: Incorrect API key provided/);
  });

  it('vLLM with a reasoning parser: reasoning_content and a decoy JSON in <think> are never the answer', async () => {
    const s = await serve(
      modelServer({
        ...VENDORS.vllm(KEY),
        answer: answering({
          reasoning_content: 'The user wants {"queries": ["SECRET-decoy-1"]}, or maybe not.',
          content: '<think>Draft: {"queries": ["SECRET-decoy-2"]}</think>\n' + PLAN,
        })(),
      }),
    );
    const result = await plan(fromRecipe('openai', { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${s.url}/v1` }, 'Qwen/Qwen3-8B'));
    expect(result.value).toEqual(['lithium price 2025', 'lithium supply chain']);
  });

  it('LM Studio: json_schema accepted (json_object is what it refuses), reasoning field ignored', async () => {
    const s = await serve(modelServer({ ...VENDORS.lmstudio(), answer: answering({ reasoning: 'SECRET thoughts {"queries": ["x"]}', content: PLAN })() }));
    const result = await plan(fromRecipe('openai', { OPENAI_BASE_URL: `${s.url}/v1` }, 'qwen2.5-7b-instruct'));
    expect(result.value).toHaveLength(2);
    expect(s.requests).toHaveLength(1);
  });

  it('DeepSeek: json_schema refused with a 400, json_object with the schema and the word JSON in the prompt, remembered in the content folder', async () => {
    const content = await mkdtemp(path.join(os.tmpdir(), 'kb-recipe-'));
    try {
      const s = await serve(modelServer({ ...VENDORS.deepseek(KEY), answer: answering({ content: PLAN })() }));
      const options = { apiKey: KEY, baseUrl: `${s.url}/v1`, model: 'deepseek-chat', http: fast };
      const llm = createOpenAiChat({ ...options, modes: createModeStore(modesFile(content)) });
      expect((await plan(llm)).value).toHaveLength(2);
      const [refused, accepted] = bodies(s);
      expect(refused!.response_format?.type).toBe('json_schema');
      expect(accepted!.response_format).toEqual({ type: 'json_object' });
      expect(accepted!.messages![0]!.content).toContain(`JSON Schema:\n${JSON.stringify(SCHEMA)}`);
      expect(JSON.parse(await readFile(modesFile(content), 'utf8'))).toEqual({ [`${s.url}/v1 deepseek-chat`]: { mode: 'json_object' } });

      // The next run (a new provider, a new store on the same file) starts at json_object.
      await plan(createOpenAiChat({ ...options, modes: createModeStore(modesFile(content)) }));
      expect(bodies(s).map((b) => b.response_format?.type)).toEqual(['json_schema', 'json_object', 'json_object']);
      // A corrupt file costs one negotiation, nothing more.
      await writeFile(modesFile(content), 'not json');
      await plan(createOpenAiChat({ ...options, modes: createModeStore(modesFile(content)) }));
      expect(bodies(s).map((b) => b.response_format?.type).slice(3)).toEqual(['json_schema', 'json_object']);
    } finally {
      await rm(content, { recursive: true, force: true });
    }
  });

  it('DeepSeek: a JSON-mode answer blanked to spaces is asked again', async () => {
    const s = await serve(modelServer({ ...VENDORS.deepseek(KEY), answer: answering({ content: '   \n ' }, { content: PLAN })() }));
    const result = await plan(fromRecipe('openai', { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: s.url }, 'deepseek-chat'));
    expect(result.attempts).toBe(2);
    expect(result.usage).toEqual({ inputTokens: 40, outputTokens: 20 });
    expect(bodies(s).at(-1)!.messages!.at(-1)!.content).toMatch(/could not be used: the answer was empty/);
  });

  it('OpenRouter: Bearer key under /api/v1; an error inside a 200 answer is reported, not read as the answer', async () => {
    const s = await serve(
      modelServer({
        ...VENDORS.openrouter(KEY),
        answer: answering({ content: PLAN }, { content: '', finish_reason: 'error' })(),
      }),
    );
    const llm = fromRecipe('openai', { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${s.url}/api/v1` }, 'meta-llama/llama-3.3-70b-instruct');
    expect((await plan(llm)).value).toHaveLength(2);
    expect(s.requests[0]!.path).toBe('/api/v1/chat/completions');
    expect((await failure(plan(llm))).message).toMatch(/reported an error while the model answered \(finish_reason: error\)/);
  });

  it('Gemini’s OpenAI-compatible endpoint: the base with its trailing slash, the key as Bearer, a bad key is a 400 that is not retried', async () => {
    const s = await serve(modelServer({ ...VENDORS.gemini(KEY), answer: answering({ content: PLAN })() }));
    const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${s.url}/v1beta/openai/` };
    expect((await plan(fromRecipe('openai', env, 'gemini-2.5-flash'))).value).toHaveLength(2);
    expect(s.requests[0]!.path).toBe('/v1beta/openai/chat/completions');
    expect(s.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    const refused = await failure(plan(fromRecipe('openai', { ...env, OPENAI_API_KEY: 'KBTEST-wrong-gemini-key' }, 'gemini-2.5-flash')));
    expect(refused.status).toBe(400);
    // Gemini wraps its error in a list: its own words still reach the message.
    expect(refused.message).toContain('API key not valid');
    expect(refused.message).not.toContain('KBTEST-wrong-gemini-key');
    expect(s.requests).toHaveLength(2);
  });
});

describe('bad answers end in a parsed value or a clear failure', () => {
  const local = (s: Loopback) => fromRecipe('openai', { OPENAI_BASE_URL: `${s.url}/v1` }, 'small-model');
  const twice = (...answers: ModelAnswer[]) => modelServer({ ...VENDORS.ollama(), answer: answering(...answers)() });

  it('half a JSON object is repaired', async () => {
    const s = await serve(twice({ content: '{"queries": ["lithium price 2025", "lithium supp' }));
    expect((await plan(local(s))).value).toEqual(['lithium price 2025', 'lithium supp']);
  });

  it('a list where the object belongs, then the object, after the problem was quoted', async () => {
    const s = await serve(twice({ content: '["lithium price 2025"]' }, { content: PLAN }));
    const result = await plan(local(s));
    expect(result.attempts).toBe(2);
    expect(bodies(s)[1]!.messages!.at(-1)!.content).toMatch(/expected an object \{"queries"/);
  });

  it('prose twice: an UnusableAnswerError that says what to do, and whose message holds no reasoning', async () => {
    const s = await serve(twice({ content: '<think>SECRET-THOUGHT {"queries": ["decoy"]}</think>I am not sure what you mean.', reasoning_content: 'SECRET-FIELD' }));
    const error = await failure(plan(local(s)));
    expect(error.name).toBe('UnusableAnswerError');
    expect(error.message).toMatch(/planner: the model's answer could not be read as the expected JSON after 2 attempts .*"I am not sure what you mean\."\. Try a larger or instruction-tuned model/);
    expect(error.message).not.toMatch(/SECRET|decoy/);
    expect(JSON.stringify(bodies(s)[1]!.messages)).not.toMatch(/SECRET|decoy/);
  });

  it('an empty answer twice, or only reasoning, fails clearly without quoting the reasoning', async () => {
    const s = await serve(twice({ content: '', reasoning_content: 'SECRET-FIELD {"queries": ["decoy"]}' }));
    const error = await failure(plan(local(s)));
    expect(error.message).toMatch(/after 2 attempts \(the answer was empty\)/);
    expect(error.message).not.toMatch(/SECRET|decoy/);
    expect((await failure(local(s).complete(request))).message).toMatch(/produced only reasoning/);
  });

  it('an answer cut off while thinking (an unclosed <think>) is empty, not its decoy JSON', async () => {
    const s = await serve(twice({ content: '<think>So the answer is {"queries": ["SECRET-decoy"]} unless', finish_reason: 'stop' }, { content: PLAN }));
    const result = await plan(local(s));
    expect(result).toMatchObject({ value: ['lithium price 2025', 'lithium supply chain'], attempts: 2 });
    expect(JSON.stringify(bodies(s)[1]!.messages)).not.toContain('SECRET');
  });

  it('an error body inside a 200 is a ProviderError naming the server’s message', async () => {
    const s = await serve((_req, res) => sendJson(res, 200, { error: { message: 'model "small-model" not found, try pulling it first' } }));
    const error = await failure(plan(local(s)));
    expect(error.message).toMatch(/inside an HTTP 200\): model "small-model" not found, try pulling it first — check the model name/);
    expect(s.requests).toHaveLength(1);
  });

  it('a server that refuses every response format gives the last refusal, saying what was tried', async () => {
    const s = await serve(
      modelServer({
        ...VENDORS.ollama(),
        refusesFormat: { json_schema: 'response_format is not supported', json_object: 'response_format is not supported' },
        refusesParam: { messages: 'Unsupported value: messages are not supported' },
        answer: () => ({ content: PLAN }),
      }),
    );
    const error = await failure(plan(local(s)));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/after adapting the request: response_format json_schema refused, trying json_object; response_format json_object refused, trying plain text\)/);
    expect(s.requests).toHaveLength(3);
  });

  it('the chat-completion helper answers like the vendors do', () => {
    expect(chatCompletion({ content: 'x', reasoning: 'r' }, 'm').choices[0]!.message).toEqual({ role: 'assistant', content: 'x', reasoning: 'r' });
  });
});
