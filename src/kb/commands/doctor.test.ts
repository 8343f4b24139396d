import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { doctor } from './doctor.ts';
import { sendJson, startLoopback, type Loopback } from '#tests/support/loopback.ts';
import { modelServer, VENDORS } from '#tests/support/model-servers.ts';
import { createModeStore, modesFile } from '#kb/providers/llm/structured.ts';

const KEY = 'sk-doctor-SECRET-987654321';

describe('kb doctor', () => {
  let content: string;
  let api: Loopback;
  beforeEach(async () => {
    content = await mkdtemp(path.join(os.tmpdir(), 'kb-doctor-'));
    api = await startLoopback((_req, res) => sendJson(res, 404, { error: 'not here' }));
  });
  afterEach(async () => {
    await api.close();
    await rm(content, { recursive: true, force: true });
  });

  const config = (text: string) => writeFile(path.join(content, 'queries.yaml'), text);

  it('checks the offline providers and says a key that is set but unused switches nothing on', async () => {
    await mkdir(path.join(content, 'corpus'));
    await writeFile(path.join(content, 'corpus', 'a.md'), '# A\n\ntext');
    await config('queries:\n  - id: a\n    question: A?\n');
    const checks = await doctor(content, { OPENAI_API_KEY: KEY });
    expect(checks.every((c) => c.ok)).toBe(true);
    expect(checks.map((c) => c.what)).toEqual(['content folder', 'queries.yaml', 'search: corpus', 'analyst: extractive', 'openai']);
    expect(checks.find((c) => c.what === 'search: corpus')!.detail).toMatch(/^1 documents/);
    expect(checks.find((c) => c.what === 'openai')!.detail).toContain('no query uses openai');
    expect(JSON.stringify(checks)).not.toContain(KEY);
  });

  it('checks the key and the endpoint of each provider in use, without sending or printing the key', async () => {
    await config('defaults:\n  search: tavily\n  llm: openai\n  model: m\nqueries:\n  - id: a\n    question: A?\n');
    const gone = await startLoopback(() => {});
    await gone.close(); // a port nothing listens on any more
    const checks = await doctor(content, { TAVILY_API_KEY: KEY, TAVILY_BASE_URL: api.url, OPENAI_BASE_URL: `${gone.url}/v1` }, 2_000);
    const by = Object.fromEntries(checks.map((c) => [c.what, c]));
    expect(by['tavily key']).toMatchObject({ ok: true, detail: 'TAVILY_API_KEY is set' });
    expect(by['tavily endpoint']).toMatchObject({ ok: true, detail: `${api.url} answers (HTTP 404)` });
    // A local OpenAI-compatible server needs no key; this one is not listening.
    expect(by['openai key']).toMatchObject({ ok: true, detail: 'not needed for this server' });
    expect(by['openai endpoint'].ok).toBe(false);
    expect(by['openai endpoint'].detail).toBe(`${gone.url} does not answer (ECONNREFUSED)`);
    expect(api.requests.every((r) => !JSON.stringify(r.headers).includes(KEY))).toBe(true);
    expect(JSON.stringify(checks)).not.toContain(KEY);
  });

  it('fails on a missing key, a bad config and a missing config, saying which', async () => {
    await config('defaults:\n  search: brave\nqueries:\n  - id: a\n    question: A?\n');
    expect((await doctor(content, { BRAVE_BASE_URL: api.url })).find((c) => c.what === 'brave key')).toEqual({ ok: false, what: 'brave key', detail: 'BRAVE_API_KEY is not set' });
    await config('queries: nope\n');
    expect((await doctor(content, {})).at(-1)).toMatchObject({ ok: false, what: 'queries.yaml' });
    await rm(path.join(content, 'queries.yaml'));
    expect((await doctor(content, {})).at(-1)!.detail).toContain('queries.yaml does not exist');
  });

  describe('structured output of an OpenAI-compatible server', () => {
    let model: Loopback | undefined;
    afterEach(async () => {
      await model?.close();
      model = undefined;
    });
    const openaiConfig = () => config('defaults:\n  llm: openai\n  model: m\nqueries:\n  - id: a\n    question: A?\n  - id: b\n    question: B?\n    model: other\n');
    const probe = <C extends { what: string }>(checks: C[]) => checks.filter((c) => c.what.startsWith('openai structured output'));

    it('asks a keyless server once per model which mode it takes, and remembers it for kb run', async () => {
      // DeepSeek's refusal of json_schema, on a server that takes no key.
      model = await startLoopback(modelServer({ ...VENDORS.deepseek('unused'), auth: undefined, answer: () => ({ content: '{"ok": true}' }) }));
      await openaiConfig();
      const checks = await doctor(content, { OPENAI_BASE_URL: `${model.url}/v1` }, 2_000, 2_000);
      expect(probe(checks)).toEqual([
        { ok: true, what: 'openai structured output (m)', detail: 'json_object (json_schema refused; the schema goes in the prompt)' },
        { ok: true, what: 'openai structured output (other)', detail: 'json_object (json_schema refused; the schema goes in the prompt)' },
      ]);
      const posts = model.requests.filter((r) => r.method === 'POST');
      expect(posts).toHaveLength(4); // per model: json_schema refused, json_object taken
      expect(posts.every((r) => r.headers.authorization === undefined)).toBe(true);
      expect(JSON.parse(await readFile(modesFile(content), 'utf8'))).toMatchObject({ [`${model.url}/v1 m`]: { mode: 'json_object' } });
    });

    it('says when a server takes json_schema but ignores it, and when the probe fails', async () => {
      model = await startLoopback(modelServer({ ...VENDORS.ollama(), answer: () => ({ content: 'Sure! {"ok": true}' }) }));
      await config('defaults:\n  llm: openai\n  model: llama3\nqueries:\n  - id: a\n    question: A?\n');
      const [ignored] = probe(await doctor(content, { OPENAI_BASE_URL: `${model.url}/v1` }, 2_000, 2_000));
      expect(ignored!.detail).toMatch(/^json_schema \(the server takes the schema\); the answer was not the JSON asked for, so the server may ignore response_format/);
      await model.close();
      model = await startLoopback((req, res) => (req.method === 'POST' ? sendJson(res, 404, { error: { message: 'model "llama3" not found, try pulling it first' } }) : sendJson(res, 200, {})));
      const [failed] = probe(await doctor(content, { OPENAI_BASE_URL: `${model.url}/v1` }, 2_000, 2_000));
      expect(failed).toMatchObject({ ok: false, detail: expect.stringMatching(/probe request failed: .*model "llama3" not found.*ollama pull/) });
    });

    it('sends no key: with one set it reports what kb run remembered, and prints no key', async () => {
      model = await startLoopback((_req, res) => sendJson(res, 404, {}));
      await openaiConfig();
      await createModeStore(modesFile(content)).set(`${model.url}/v1 m`, { mode: 'text' });
      const checks = await doctor(content, { OPENAI_BASE_URL: `${model.url}/v1`, OPENAI_API_KEY: KEY }, 2_000, 2_000);
      expect(probe(checks).map((c) => c.detail)).toEqual([
        'plain text (response_format refused; the schema goes in the prompt, and the answer is repaired and checked), as kb run last found (doctor sends no key, so it does not ask)',
        'not asked (doctor sends no key); kb run tries json_schema, then json_object, then plain text, and remembers what worked',
      ]);
      expect(model.requests.every((r) => r.method === 'GET' && !JSON.stringify(r.headers).includes(KEY))).toBe(true);
      expect(JSON.stringify(checks)).not.toContain(KEY);
    });
  });
});
