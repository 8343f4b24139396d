import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { doctor } from './doctor.ts';
import { sendJson, startLoopback, type Loopback } from '#tests/support/loopback.ts';

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
});
