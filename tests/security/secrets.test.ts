// Secrets, end to end through the real CLI: a recognisable fake key per provider sits in the
// environment; hostile servers on 127.0.0.1 echo it back in every way they can — in 401, 403, 429
// and 500 error bodies, in a redirect's Location, and inside successful answers (search results,
// a model's plan and its analysis). After `kb run` (with --json and once with --verbose),
// `kb doctor` and `kb build`, the key must appear nowhere: not in stdout or stderr, not in any
// file under content/ (sessions, runs.jsonl, the response cache's names and contents), not in
// dist/. And each key must really have reached its server, so the test proves something.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson, startLoopback, type Loopback, type RecordedRequest } from '#tests/support/loopback.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KB = path.join(ROOT, 'bin', 'kb.ts');

const KEYS = {
  tavily: 'KBTEST-SECRET-tavily-7f3a9c1e5b',
  brave: 'KBTEST-SECRET-brave-2d8e4a6f0c',
  serper: 'KBTEST-SECRET-serper-9b1c3e5a7d',
  openai: 'KBTEST-SECRET-openai-4e6a8c0b2f',
  anthropic: 'KBTEST-SECRET-anthropic-1a3c5e7b9d',
} as const;
type Provider = keyof typeof KEYS;
const ALL_KEYS = Object.values(KEYS);

/** Where each provider carries its key, as the loopback server sees it. */
const KEY_HEADER: Record<Provider, (h: http.IncomingHttpHeaders) => string | undefined> = {
  tavily: (h) => h.authorization?.replace(/^Bearer /, ''),
  brave: (h) => h['x-subscription-token'] as string | undefined,
  serper: (h) => h['x-api-key'] as string | undefined,
  openai: (h) => h.authorization?.replace(/^Bearer /, ''),
  anthropic: (h) => h['x-api-key'] as string | undefined,
};

let cases = 0;
afterAll(() => console.log(`secrets: ${cases} leak checks (5 provider keys × every output, file and request path)`));

function kb(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KB, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every file under dir, names included (cache file names are request hashes: they must not hold a key either). */
async function everyFile(dir: string): Promise<{ name: string; bytes: Buffer }[]> {
  const names = (await readdir(dir, { recursive: true }).catch(() => [] as string[])) as string[];
  const files: { name: string; bytes: Buffer }[] = [];
  for (const name of names) {
    const bytes = await readFile(path.join(dir, name)).catch(() => undefined); // directories fail: fine
    if (bytes) files.push({ name, bytes });
  }
  return files;
}

function leaks(text: string | Buffer): string[] {
  const s = typeof text === 'string' ? text : text.toString('latin1');
  return ALL_KEYS.filter((k) => s.includes(k) || s.includes(Buffer.from(k).toString('base64')) || s.includes(encodeURIComponent(k)));
}

describe('API keys never leak (kb run, kb doctor, kb build through the real CLI)', () => {
  let content: string;
  let dist: string;
  const servers = {} as Record<Provider | 'searxng', Loopback>;
  const counters = new Map<string, number>();
  const outputs: { what: string; text: string }[] = [];
  let env: NodeJS.ProcessEnv;

  /** A hostile answer that echoes the key: error bodies of every kind, then a redirect, then successes. */
  function hostile(provider: Provider, res: http.ServerResponse, n: number, success: () => unknown): void {
    const key = KEYS[provider];
    switch (n) {
      case 0:
        return sendJson(res, 401, { error: { message: `Invalid API key ${key}`, detail: `key=${key}` }, detail: { error: `Unauthorized: ${key}` } });
      case 1:
        return sendJson(res, 403, { message: `Forbidden for key ${key}` });
      case 2:
        return sendJson(res, 429, { error: `rate limited: ${key}` }, { 'retry-after': '0', 'x-echo-key': key });
      case 3:
        res.writeHead(500, { 'content-type': 'text/plain' });
        return void res.end(`Internal error while handling Bearer ${key}\nstack: at handler (${key})`);
      case 4:
        res.writeHead(302, { location: `http://127.0.0.1:9/steal?key=${key}&again=${encodeURIComponent(key)}` });
        return void res.end(`Redirecting with ${key}`);
      default: {
        if (n % 2 === 0) return sendJson(res, 200, success());
        // Every other success hides the key behind a JSON escape (\u004B is "K"): the raw text no
        // longer contains it, the parsed answer does.
        const text = JSON.stringify(success()).split(key).join(`\\u004B${key.slice(1)}`);
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(text);
      }
    }
  }
  const next = (name: string) => {
    const n = counters.get(name) ?? 0;
    counters.set(name, n + 1);
    return n;
  };
  const echoedResults = (provider: Provider, query: string) =>
    [1, 2, 3].map((i) => ({
      title: `Result ${i} for ${query} (key ${KEYS[provider]})`,
      url: `https://news.example.com/${provider}/${i}?token=${KEYS[provider]}`,
      snippet: `Lithium output rose ${i * 10}% in 2025. Your key is ${KEYS[provider]}.`,
    }));

  /** The question the model request is about, from its prompt. */
  const isBad = (recorded: RecordedRequest) => recorded.body.includes('BADMODEL');
  const planOrAnalysis = (recorded: RecordedRequest, key: string) =>
    recorded.body.includes('research_plan')
      ? { queries: [`lithium exports ${key}`, 'lithium prices 2025'] }
      : { summary: `- Output rose [1]. Key: ${key}`, analysis: `## Findings\n\nOutput rose [1]. The key you sent was ${key}, see ${key}.` };

  beforeAll(async () => {
    content = await mkdtemp(path.join(os.tmpdir(), 'kb-secrets-'));
    dist = path.join(content, '..', `${path.basename(content)}-dist`);
    await cp(path.join(ROOT, 'content', 'corpus'), path.join(content, 'corpus'), { recursive: true });

    servers.tavily = await startLoopback((_req, res, r) => hostile('tavily', res, next('tavily'), () => ({ results: echoedResults('tavily', String((r.json as { query?: string })?.query)).map((x) => ({ title: x.title, url: x.url, content: x.snippet, score: 0.5 })) })));
    servers.brave = await startLoopback((_req, res, r) => hostile('brave', res, next('brave'), () => ({ type: 'search', web: { results: echoedResults('brave', r.url.searchParams.get('q') ?? '').map((x) => ({ title: x.title, url: x.url, description: x.snippet })) } })));
    servers.serper = await startLoopback((_req, res, r) => hostile('serper', res, next('serper'), () => ({ organic: echoedResults('serper', String((r.json as { q?: string })?.q)).map((x, i) => ({ title: x.title, link: x.url, snippet: x.snippet, position: i + 1 })) })));
    servers.searxng = await startLoopback((_req, res, r) =>
      sendJson(res, 200, { results: [1, 2, 3].map((i) => ({ title: `SearXNG ${i}: ${r.url.searchParams.get('q')}`, url: `https://example.org/${i}`, content: `Lithium output rose ${i}% in 2025.` })) }),
    );
    servers.openai = await startLoopback((_req, res, r) => {
      if (isBad(r)) return hostile('openai', res, next('openai-bad'), () => ({}));
      const content = JSON.stringify(planOrAnalysis(r, KEYS.openai));
      sendJson(res, 200, { id: `chatcmpl-${KEYS.openai}`, object: 'chat.completion', model: `m-${KEYS.openai}`, choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 5 } });
    });
    servers.anthropic = await startLoopback((_req, res, r) => {
      if (isBad(r)) return hostile('anthropic', res, next('anthropic-bad'), () => ({}));
      const name = (r.json as { tools?: { name: string }[] }).tools?.[0]?.name;
      sendJson(res, 200, {
        id: `msg_${KEYS.anthropic}`,
        type: 'message',
        role: 'assistant',
        model: `m-${KEYS.anthropic}`,
        content: [{ type: 'text', text: `Thinking about ${KEYS.anthropic}` }, { type: 'tool_use', id: 'toolu_1', name, input: planOrAnalysis(r, KEYS.anthropic) }],
        stop_reason: 'tool_use',
        usage: { input_tokens: 10, output_tokens: 5 },
      });
    });

    const Q = (id: string, question: string, extra: string) => `  - id: ${id}\n    question: ${JSON.stringify(question)}\n${extra}`;
    await writeFile(
      path.join(content, 'queries.yaml'),
      [
        'defaults:',
        '  schedule: 7d',
        '  steps: 5',
        // Loopback services with made-up result urls: nothing to open, one round.
        '  read: 0',
        '  depth: 1',
        'queries:',
        Q('via-tavily', 'How much lithium does Chile export?', '    search: tavily\n'),
        Q('via-brave', 'How much lithium does Australia mine?', '    search: brave\n'),
        Q('via-serper', 'Who refines most of the lithium?', '    search: serper\n'),
        Q('via-openai', 'What drives lithium prices?', '    search: searxng\n    llm: openai\n    model: gpt-test\n    steps: 2\n'),
        Q('via-openai-bad', 'BADMODEL one: lithium demand?', '    search: searxng\n    llm: openai\n    model: gpt-test\n    steps: 2\n'),
        Q('via-openai-bad-2', 'BADMODEL two: lithium supply?', '    search: searxng\n    llm: openai\n    model: gpt-test\n    steps: 2\n'),
        Q('via-anthropic', 'Where is lithium refined?', '    search: searxng\n    llm: anthropic\n    model: claude-test\n    steps: 2\n'),
        Q('via-anthropic-bad', 'BADMODEL three: lithium recycling?', '    search: searxng\n    llm: anthropic\n    model: claude-test\n    steps: 2\n'),
        Q('via-anthropic-bad-2', 'BADMODEL four: lithium batteries?', '    search: searxng\n    llm: anthropic\n    model: claude-test\n    steps: 2\n'),
      ].join('\n'),
    );

    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/_API_KEY$|_BASE_URL$|^KB_|^SEARXNG_URL$/.test(k)));
    env = {
      ...base,
      NO_COLOR: '1',
      TAVILY_API_KEY: KEYS.tavily,
      TAVILY_BASE_URL: servers.tavily.url,
      BRAVE_API_KEY: KEYS.brave,
      BRAVE_BASE_URL: servers.brave.url,
      SERPER_API_KEY: KEYS.serper,
      SERPER_BASE_URL: servers.serper.url,
      SEARXNG_URL: servers.searxng.url,
      OPENAI_API_KEY: KEYS.openai,
      OPENAI_BASE_URL: servers.openai.url,
      ANTHROPIC_API_KEY: KEYS.anthropic,
      ANTHROPIC_BASE_URL: servers.anthropic.url,
    };
  });

  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s?.close()));
    await rm(content, { recursive: true, force: true });
    await rm(dist, { recursive: true, force: true });
  });

  it('kb run --json: published and failed queries, every error echoing the key — none of it printed or stored', async () => {
    const result = await kb(['run', '--content', content, '--json'], env);
    outputs.push({ what: 'run --json stdout', text: result.stdout }, { what: 'run --json stderr', text: result.stderr });
    expect(result.code).toBe(1); // the BADMODEL queries fail
    const summary = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as { outcomes: { id: string; outcome: string; error?: string }[] };
    const outcome = Object.fromEntries(summary.outcomes.map((o) => [o.id, o.outcome]));
    expect(outcome).toMatchObject({ 'via-tavily': 'published', 'via-brave': 'published', 'via-serper': 'published', 'via-openai': 'published', 'via-anthropic': 'published' });
    expect(outcome).toMatchObject({ 'via-openai-bad': 'failed', 'via-openai-bad-2': 'failed', 'via-anthropic-bad': 'failed', 'via-anthropic-bad-2': 'failed' });
    // The errors are there, just without the key.
    const printed = result.stdout + result.stderr;
    expect(printed).toMatch(/the API key was refused/);
    expect(printed).toMatch(/\[redacted\]/);
    cases++;
    expect(leaks(printed)).toEqual([]);
  }, 120_000);

  it('kb run --verbose (full errors) prints no key either', async () => {
    for (const name of counters.keys()) counters.set(name, 0); // the same hostile sequence again
    const result = await kb(['run', '--content', content, '--force', '--no-cache', '--verbose'], env);
    outputs.push({ what: 'run --verbose stdout', text: result.stdout }, { what: 'run --verbose stderr', text: result.stderr });
    expect(result.code).toBe(1);
    cases++;
    expect(leaks(result.stdout + result.stderr)).toEqual([]);
  }, 120_000);

  it('each key really reached its own server, in its header only — never in a url or body', () => {
    for (const provider of Object.keys(KEYS) as Provider[]) {
      const requests = servers[provider].requests;
      expect(requests.length, provider).toBeGreaterThan(0);
      expect(requests.some((r) => KEY_HEADER[provider](r.headers) === KEYS[provider]), `${provider} key sent`).toBe(true);
      for (const r of requests) {
        cases++;
        expect(leaks(r.path + r.body), `${provider} ${r.method} ${r.path}`).toEqual([]);
      }
    }
    // No server ever saw another provider's key.
    for (const [name, server] of Object.entries(servers)) {
      for (const r of server.requests) {
        const others = ALL_KEYS.filter((k) => k !== KEYS[name as Provider]);
        cases++;
        expect(others.filter((k) => JSON.stringify(r.headers).includes(k)), name).toEqual([]);
      }
    }
  });

  it('kb doctor names the keys that are set, sends none and prints none', async () => {
    const before = Object.fromEntries(Object.entries(servers).map(([n, s]) => [n, s.requests.length]));
    const result = await kb(['doctor', '--content', content], env);
    outputs.push({ what: 'doctor stdout', text: result.stdout }, { what: 'doctor stderr', text: result.stderr });
    cases++;
    expect(leaks(result.stdout + result.stderr)).toEqual([]);
    expect(result.stdout + result.stderr).toMatch(/TAVILY_API_KEY|tavily/);
    for (const [name, server] of Object.entries(servers)) {
      for (const r of server.requests.slice(before[name])) {
        cases++;
        expect(leaks(JSON.stringify(r.headers) + r.path + r.body), `doctor → ${name}`).toEqual([]);
      }
    }
  }, 60_000);

  it('kb build: the site holds no key', async () => {
    const result = await kb(['build', '--content', content, '--out', dist], env);
    outputs.push({ what: 'build stdout', text: result.stdout }, { what: 'build stderr', text: result.stderr });
    expect(result.code, result.stderr).toBe(0);
    cases++;
    expect(leaks(result.stdout + result.stderr)).toEqual([]);
    const files = await everyFile(dist);
    expect(files.some((f) => f.name.endsWith('.html'))).toBe(true);
    for (const file of files) {
      cases++;
      expect(leaks(file.name), file.name).toEqual([]);
      expect(leaks(file.bytes), `dist/${file.name}`).toEqual([]);
    }
  }, 180_000);

  it('no file under content/ holds a key: sessions, runs.jsonl, the response cache (names and contents)', async () => {
    const files = await everyFile(content);
    const names = files.map((f) => f.name);
    expect(names.some((n) => n.startsWith('briefings') && n.endsWith('.mdx'))).toBe(true);
    expect(names).toContain('runs.jsonl');
    expect(names.some((n) => n.startsWith(path.join('.cache', 'http')))).toBe(true);
    for (const file of files) {
      cases++;
      expect(leaks(file.name), file.name).toEqual([]);
      expect(leaks(file.bytes), `content/${file.name}`).toEqual([]);
    }
    // The published sessions carry the hostile answers, redacted: the echo was stored, not the key.
    const sessions = files.filter((f) => f.name.endsWith('.mdx')).map((f) => f.bytes.toString('utf8')).join('\n');
    expect(sessions).toContain('[redacted]');
    const log = (await readFile(path.join(content, 'runs.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { outcome: string; error?: string });
    expect(log.some((e) => e.outcome === 'failed' && /refused|redirected|HTTP/.test(e.error ?? ''))).toBe(true);
  });

  it('every printed output was checked', () => {
    expect(outputs.length).toBeGreaterThanOrEqual(8);
    for (const o of outputs) expect(leaks(o.text), o.what).toEqual([]);
  });
});
