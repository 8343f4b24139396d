import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stripReasoning } from './answer.ts';
import { adapt, createModeStore, messagesFor, modeKey, modesFile, startSettings, type RequestSettings } from './structured.ts';

const schemaMode: RequestSettings = { mode: 'json_schema', tokens: 'max_tokens', temperature: true };
const sentAll = { json: true, maxTokens: true, temperature: true };

describe('adapting a request to what the server refused', () => {
  it('steps down the response format on refusals that name it, whatever the vendor’s words', () => {
    const refusals = [
      'This response_format type is unavailable now', // DeepSeek
      'Failed to deserialize the JSON body into the target type: response_format: response_format.type `json_schema` is unavailable now at line 1 column 12440', // DeepSeek, older (422)
      "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", // OpenAI o1-preview
      'Either "json_schema" or "grammar" can be specified, but not both', // llama.cpp
      'Unknown field `response_format`', // a strict server
    ];
    for (const message of refusals) {
      expect(adapt({ status: 400, message }, schemaMode, sentAll)?.settings.mode, message).toBe('json_object');
    }
    expect(adapt({ status: 422, message: refusals[1]! }, schemaMode, sentAll)?.settings.mode).toBe('json_object');
    // LM Studio refuses json_object: plain text is next.
    expect(adapt({ status: 400, message: "'response_format.type' must be 'json_schema' or 'text'" }, { ...schemaMode, mode: 'json_object' }, sentAll)?.settings.mode).toBe('text');
  });

  it('renames or drops the parameter the server names, before touching the format', () => {
    const maxTokens = adapt({ status: 400, message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead." }, schemaMode, sentAll);
    expect(maxTokens).toEqual({ settings: { ...schemaMode, tokens: 'max_completion_tokens' }, change: 'max_tokens renamed max_completion_tokens' });
    const temperature = adapt({ status: 400, message: "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported." }, schemaMode, sentAll);
    expect(temperature?.settings).toEqual({ ...schemaMode, temperature: false });
    // Azure's older API versions do not know max_completion_tokens.
    const older = adapt({ status: 400, message: 'Unrecognized request argument supplied: max_completion_tokens' }, { ...schemaMode, tokens: 'max_completion_tokens' }, sentAll);
    expect(older?.settings.tokens).toBe('max_tokens');
    // Both names refused: the limit goes.
    expect(adapt({ status: 400, message: 'Extra inputs are not permitted: max_tokens' }, schemaMode, sentAll, ['max_completion_tokens'])?.settings.tokens).toBe('none');
  });

  it('leaves alone what changing the request cannot fix', () => {
    expect(adapt({ status: 401, message: 'response_format not supported' }, schemaMode, sentAll)).toBeUndefined();
    expect(adapt({ status: 500, message: 'This response_format type is unavailable now' }, schemaMode, sentAll)).toBeUndefined();
    expect(adapt({ status: 400, message: 'the request was refused (HTTP 400)' }, schemaMode, sentAll)).toBeUndefined();
    expect(adapt({ status: 400, message: "This model's maximum context length is 8192 tokens" }, schemaMode, sentAll)).toBeUndefined();
    expect(adapt({ status: 400, message: 'max_tokens is too large: 9000. This model supports at most 4096 completion tokens' }, schemaMode, sentAll)).toBeUndefined();
    // Plain text is the last step; a parameter that was not sent is not the problem.
    expect(adapt({ status: 400, message: 'response_format unavailable' }, { ...schemaMode, mode: 'text' }, sentAll)).toBeUndefined();
    expect(adapt({ status: 400, message: "Unsupported value: 'temperature'" }, schemaMode, { ...sentAll, temperature: false, json: false })).toBeUndefined();
  });

  it('puts the schema and the word JSON into the prompt when the server does not enforce it', () => {
    const schema = { type: 'object' };
    const messages = [
      { role: 'system' as const, content: 'You plan.' },
      { role: 'user' as const, content: 'Plan it.' },
    ];
    expect(messagesFor('json_schema', messages, { schema })).toBe(messages);
    const withSchema = messagesFor('json_object', messages, { schema });
    expect(withSchema[0]!.content).toMatch(/^You plan\.\n\nAnswer with JSON only: .*\n\{"type":"object"\}$/);
    expect(withSchema[1]).toEqual(messages[1]);
    expect(messagesFor('text', [messages[1]!], { schema })[0]!.role).toBe('system');
  });
});

describe('the memory of what worked', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-modes-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps one entry per server and model in <content>/.cache/llm-modes.json, written atomically and merged with other writers', async () => {
    const file = modesFile(dir);
    expect(file).toBe(path.join(dir, '.cache', 'llm-modes.json'));
    const store = createModeStore(file);
    await store.set(modeKey('https://api.deepseek.com/v1', 'deepseek-chat'), { mode: 'json_object' });
    // Another process wrote an entry meanwhile: the next write keeps it.
    const other = createModeStore(file);
    await other.set(modeKey('http://localhost:1234/v1', 'qwen'), { mode: 'json_schema', tokens: 'max_tokens' });
    await store.set(modeKey('https://api.openai.com/v1', 'o4-mini'), { mode: 'json_schema', tokens: 'max_completion_tokens', temperature: false });

    const saved = JSON.parse(await readFile(file, 'utf8'));
    expect(saved).toEqual({
      'https://api.deepseek.com/v1 deepseek-chat': { mode: 'json_object' },
      'http://localhost:1234/v1 qwen': { mode: 'json_schema', tokens: 'max_tokens' },
      'https://api.openai.com/v1 o4-mini': { mode: 'json_schema', tokens: 'max_completion_tokens', temperature: false },
    });
    expect((await readdir(path.dirname(file))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(await createModeStore(file).get('https://api.deepseek.com/v1 deepseek-chat')).toEqual({ mode: 'json_object' });
  });

  it('ignores a corrupt file and entries it cannot use, and starts from the defaults', async () => {
    const file = modesFile(dir);
    await createModeStore(file).set('a m', { mode: 'text' });
    await writeFile(file, '{"a m": {"mode": "te');
    expect(await createModeStore(file).get('a m')).toBeUndefined();
    await writeFile(file, JSON.stringify({ 'a m': { mode: 'yaml', tokens: 7, temperature: 'no' }, 'b m': 'x', 'c m': { mode: 'json_object' } }));
    const store = createModeStore(file);
    expect(await store.get('a m')).toEqual({});
    expect(await store.get('b m')).toBeUndefined();
    expect(startSettings(await store.get('a m'), { tokens: 'max_tokens' })).toEqual({ mode: 'json_schema', tokens: 'max_tokens', temperature: true });
    expect(startSettings(await store.get('c m'), { tokens: 'max_tokens' }).mode).toBe('json_object');
  });

  it('never keys an entry by a secret in the URL', () => {
    expect(modeKey('https://user:pa55word@llm.example.com/v1/?api-version=2024-10-21&key=SECRET', 'm')).toBe('https://llm.example.com/v1 m');
  });
});

describe('reasoning is not the answer', () => {
  it('drops think blocks, an unclosed one at the start, and everything before an orphan closing tag', () => {
    expect(stripReasoning('<think>maybe {"queries": ["decoy"]}</think>\n{"queries": ["real"]}')).toBe('\n{"queries": ["real"]}');
    expect(stripReasoning('<thinking>a</thinking>b<think>c</think>d')).toBe('bd');
    expect(stripReasoning('  <think>{"queries": ["decoy"]} and then I ran out of tok')).toBe('');
    expect(stripReasoning('the template opened it {"queries": ["decoy"]}</think>{"queries": ["real"]}')).toBe('{"queries": ["real"]}');
    expect(stripReasoning('{"summary": "no reasoning here"}')).toBe('{"summary": "no reasoning here"}');
  });
});
