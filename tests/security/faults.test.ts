// Provider faults, end to end through `kb run` (runDue) against real HTTP servers on 127.0.0.1:
// slow drips, connections reset mid-body, HTML error pages with 200 OK, gzip bombs, oversized
// bodies, invalid UTF-8, models that answer without JSON or cite results that do not exist, rate
// limits, and searches that fail for some steps only. Each case must end in a clear outcome —
// retried, recorded as failed (with a reason in runs.jsonl), or trimmed — and within a bound:
// the elapsed-time assertions are hang guards, not performance tests.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDue, type RunSummary } from '#kb/commands/run.ts';
import { readRunLog } from '#kb/store/runlog.ts';
import { listSessions } from '#kb/store/store.ts';
import type { Session } from '#core/session.ts';
import { sendJson, startLoopback, type Handler, type Loopback, type RecordedRequest } from '#tests/support/loopback.ts';

/** Generous: every case finishes in well under a second or two; a hang would take forever. */
const BOUND_MS = 10_000;
const TIMEOUT_MS = 600;
const RETRIES = 1;

let cases = 0;
afterAll(() => console.log(`faults: ${cases} provider-fault cases ran end to end through kb run`));

describe('provider faults through kb run', () => {
  let content: string;
  const servers: Loopback[] = [];
  const delays: number[] = [];
  beforeEach(async () => {
    content = await mkdtemp(path.join(os.tmpdir(), 'kb-faults-'));
    delays.length = 0;
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await rm(content, { recursive: true, force: true });
  });

  const serve = async (handler: Handler) => {
    const server = await startLoopback(handler);
    servers.push(server);
    return server;
  };

  async function run(yaml: string, env: Record<string, string>, http: Record<string, unknown> = {}): Promise<{ summary: RunSummary; elapsed: number }> {
    await writeFile(path.join(content, 'queries.yaml'), yaml);
    const started = performance.now();
    const summary = await runDue({
      contentDir: content,
      env,
      cache: false,
      http: {
        timeoutMs: TIMEOUT_MS,
        retries: RETRIES,
        sleep: async (ms) => {
          delays.push(ms);
        },
        ...http,
      },
    });
    const elapsed = performance.now() - started;
    cases++;
    expect(elapsed, 'the run finished in bounded time').toBeLessThan(BOUND_MS);
    return { summary, elapsed };
  }

  const searchYaml = (steps = 2, extra = '') => `defaults:\n  schedule: 7d\n  search: tavily\n  steps: ${steps}\n  read: 0\n  depth: 1\n${extra}queries:\n  - id: lithium\n    question: How much lithium does Chile export?\n`;
  const tavilyEnv = (server: Loopback) => ({ TAVILY_API_KEY: 'tvly-test-key', TAVILY_BASE_URL: server.url });

  const results = (query: string, n = 3) => ({
    results: Array.from({ length: n }, (_, i) => ({
      title: `${query} result ${i + 1}`,
      url: `https://news.example.com/${encodeURIComponent(query)}/${i + 1}`,
      content: `Chile exported ${(i + 1) * 10}% more lithium in 2025, says ${query}.`,
      score: 0.9,
    })),
  });
  const okSearch: Handler = (_req, res, recorded) => sendJson(res, 200, results((recorded.json as { query: string }).query));

  async function failedEntry() {
    const log = await readRunLog(content);
    expect(log).toHaveLength(1);
    expect(log[0].outcome).toBe('failed');
    return log[0];
  }
  async function onlySession(): Promise<Session> {
    const sessions = await listSessions(content);
    expect(sessions).toHaveLength(1);
    return sessions[0].session;
  }

  describe('search API faults', () => {
    it('slow drip: one byte every 300 ms forever → per-attempt timeout → retried → failed, in bounded time', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"results": [');
        const drip = setInterval(() => res.write(' '), 300);
        res.on('close', () => clearInterval(drip));
      });
      const { summary } = await run(searchYaml(2), tavilyEnv(server));
      expect(summary.outcomes[0]).toMatchObject({ id: 'lithium', outcome: 'failed' });
      expect(summary.outcomes[0].error).toMatch(/every search failed.*did not finish within 0\.6s/);
      expect(server.requests).toHaveLength(2 * (RETRIES + 1)); // every step retried
      expect((await failedEntry()).error).toMatch(/did not finish within/);
      expect(await listSessions(content)).toEqual([]);
    });

    it('a server that never answers at all times out the same way', async () => {
      const server = await serve(() => {}); // never answers
      const { summary } = await run(searchYaml(1), tavilyEnv(server));
      expect(summary.outcomes[0].outcome).toBe('failed');
      expect(summary.outcomes[0].error).toMatch(/no answer within 0\.6s/);
      expect(server.requests).toHaveLength(RETRIES + 1);
    });

    it('connection reset mid-body → retried → failed with "connection broke"', async () => {
      const server = await serve((_req, res) => {
        const body = JSON.stringify(results('x'));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.write(body.slice(0, body.length / 2));
        setTimeout(() => res.socket?.destroy(), 20);
      });
      const { summary } = await run(searchYaml(2), tavilyEnv(server));
      expect(summary.outcomes[0].outcome).toBe('failed');
      expect(summary.outcomes[0].error).toMatch(/connection broke mid-answer/);
      expect(server.requests).toHaveLength(2 * (RETRIES + 1));
      expect((await failedEntry()).error).toMatch(/connection broke/);
    });

    it('a reset on the first attempt only is retried and the query publishes', async () => {
      let n = 0;
      const server = await serve((req, res, recorded) => {
        if (n++ === 0) {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': 5000 });
          res.write('{"results": [{"title": "cut');
          setTimeout(() => res.socket?.destroy(), 20);
          return;
        }
        okSearch(req, res, recorded);
      });
      const { summary } = await run(searchYaml(1), tavilyEnv(server));
      expect(summary.outcomes[0].outcome).toBe('published');
      expect(server.requests).toHaveLength(2);
      expect((await onlySession()).status).toBe('complete');
    });

    it('200 OK with a text/html error page → retried → failed, naming the content type', async () => {
      const server = await serve((_req, res) => {
        const page = '<!doctype html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>';
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page);
      });
      const { summary } = await run(searchYaml(2), tavilyEnv(server));
      expect(summary.outcomes[0].outcome).toBe('failed');
      expect(summary.outcomes[0].error).toMatch(/not JSON \(text\/html/);
      expect(server.requests).toHaveLength(2 * (RETRIES + 1));
      expect((await failedEntry()).error).toMatch(/text\/html/);
    });

    it('gzip bomb (64 KB that inflates to 64 MB) → refused at the 5 MB cap, not retried, failed', async () => {
      const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 });
      expect(bomb.length).toBeLessThan(1024 * 1024);
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': bomb.length });
        res.end(bomb);
      });
      const { summary } = await run(searchYaml(2), tavilyEnv(server));
      expect(summary.outcomes[0].outcome).toBe('failed');
      expect(summary.outcomes[0].error).toMatch(/answer too large \(over 5242880 bytes\)/);
      expect(server.requests).toHaveLength(2); // too large is not a fault of the moment: no retry
    });

    it('oversized plain body, streamed without a length → cut off at the cap, failed', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }); // chunked: the size is only known by reading
        res.write('{"results": [], "padding": "');
        const chunk = 'x'.repeat(256 * 1024);
        let sent = 0;
        const pump = () => {
          while (sent < 24 && res.write(chunk)) sent++;
          if (sent < 24 && !res.destroyed) res.once('drain', () => (sent++, pump()));
          else if (sent >= 24) res.end('"}');
        };
        pump();
      });
      const { summary } = await run(searchYaml(1), tavilyEnv(server));
      expect(summary.outcomes[0].outcome).toBe('failed');
      expect(summary.outcomes[0].error).toMatch(/answer too large/);
      expect(server.requests).toHaveLength(1);
    });

    it('oversized plain body with a declared content-length → refused before reading, failed', async () => {
      const server = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 6 * 1024 * 1024 });
        res.write('{"results": ['); // the rest never comes: the client must not wait for it
      });
      const { summary } = await run(searchYaml(1), tavilyEnv(server));
      expect(summary.outcomes[0].outcome).toBe('failed');
      expect(summary.outcomes[0].error).toMatch(/answer too large \(6291456 bytes, limit 5242880\)/);
    });

    it('invalid UTF-8 inside a JSON string is decoded as U+FFFD: published, not crashed', async () => {
      const server = await serve((_req, res, recorded) => {
        const q = (recorded.json as { query: string }).query;
        const body = Buffer.concat([
          Buffer.from(`{"results": [{"title": "Lithium `),
          Buffer.from([0xff, 0xfe, 0xc3]), // not UTF-8 at all, then a truncated sequence
          Buffer.from(` report", "url": "https://example.org/${encodeURIComponent(q)}", "content": "Output rose `),
          Buffer.from([0xe2, 0x82]), // a cut-off euro sign
          Buffer.from(` in 2025."}]}`),
        ]);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        res.end(body);
      });
      const { summary } = await run(searchYaml(1), tavilyEnv(server));
      expect(summary.outcomes[0].outcome).toBe('published');
      const session = await onlySession();
      const [result] = session.steps[0].results;
      expect(result.title).toContain('\uFFFD');
      expect(result.title).toMatch(/^Lithium .* report$/);
      expect(result.snippet).toContain('\uFFFD');
    });

    it('429 with Retry-After, then success → waits as asked, published', async () => {
      let n = 0;
      const server = await serve((req, res, recorded) => {
        if (n++ === 0) return sendJson(res, 429, { detail: { error: 'Too many requests' } }, { 'retry-after': '2' });
        okSearch(req, res, recorded);
      });
      const { summary } = await run(searchYaml(1), tavilyEnv(server));
      expect(summary.outcomes[0].outcome).toBe('published');
      expect(server.requests).toHaveLength(2);
      expect(delays).toHaveLength(1);
      expect(delays[0]).toBeGreaterThanOrEqual(2000); // Retry-After honoured (the sleep is a test seam)
    });

    it('search fails for some steps only → published, partial, with the error on those steps', async () => {
      let failing: string | undefined;
      const server = await serve((req, res, recorded) => {
        const q = (recorded.json as { query: string }).query;
        failing ??= q; // the first sub-query asked always fails
        if (q === failing) return sendJson(res, 500, { detail: { error: 'upstream index unavailable' } });
        okSearch(req, res, recorded);
      });
      const { summary } = await run(searchYaml(3), tavilyEnv(server));
      expect(summary.outcomes[0].outcome).toBe('published');
      const session = await onlySession();
      expect(session.status).toBe('partial');
      const errored = session.steps.filter((s) => s.error);
      expect(errored).toHaveLength(1);
      expect(errored[0].query).toBe(failing);
      expect(errored[0].error).toMatch(/HTTP 500.*upstream index unavailable/);
      expect(session.steps.filter((s) => !s.error).every((s) => s.results.length > 0)).toBe(true);
      const log = await readRunLog(content);
      expect(log.map((e) => e.outcome)).toEqual(['published']);
    });
  });

  describe('model faults (OpenAI-compatible Chat Completions and Anthropic Messages)', () => {
    const llmYaml = (llm: 'openai' | 'anthropic') => searchYaml(1, `  llm: ${llm}\n  model: test-model\n`);
    /** Which structured answer a Chat Completions request asks for. */
    const schemaName = (recorded: RecordedRequest) => (recorded.json as { response_format?: { json_schema?: { name?: string } } }).response_format?.json_schema?.name;
    const chat = (res: http.ServerResponse, content: string, usage = { prompt_tokens: 100, completion_tokens: 20 }) =>
      sendJson(res, 200, { id: 'chatcmpl-1', object: 'chat.completion', model: 'test-model', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage });
    const plan = JSON.stringify({ queries: ['chile lithium exports 2025'] });

    it('a model that answers prose with no JSON, twice → failed with a clear reason, tokens recorded', async () => {
      const search = await serve(okSearch);
      const model = await serve((_req, res, recorded) => {
        if (schemaName(recorded) === 'research_plan') return chat(res, plan);
        chat(res, 'Sure! Chile is a big exporter of lithium. I hope this helps.');
      });
      const { summary } = await run(llmYaml('openai'), { ...tavilyEnv(search), OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: model.url });
      expect(summary.outcomes[0].outcome).toBe('failed');
      expect(summary.outcomes[0].error).toMatch(/analyst: the model's answer could not be read as the expected JSON after 2 attempts/);
      expect(model.requests).toHaveLength(3); // plan, answer, one corrective retry
      const entry = await failedEntry();
      expect(entry.error).toMatch(/after 2 attempts/);
      expect(entry).toMatchObject({ inputTokens: 300, outputTokens: 60 }); // planner + both unusable answers
      expect(await listSessions(content)).toEqual([]);
    });

    it('a model that cites [99] and [2] with 3 results → published, [99] removed and counted, [2] kept', async () => {
      const search = await serve(okSearch);
      const model = await serve((_req, res, recorded) => {
        if (schemaName(recorded) === 'research_plan') return chat(res, plan);
        chat(res, JSON.stringify({ summary: '- Exports grew [2].\n- A figure from nowhere [99].', analysis: '## Findings\n\nExports grew by 20% [2]. Prices doubled [99]. Both [2, 99].' }));
      });
      const { summary } = await run(llmYaml('openai'), { ...tavilyEnv(search), OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: model.url });
      expect(summary.outcomes[0].outcome).toBe('published');
      const session = await onlySession();
      expect(session.steps.flatMap((s) => s.results)).toHaveLength(3);
      const text = `${session.summary}\n${session.analysis}`;
      expect(text).not.toContain('99');
      expect(text).toContain('[2]');
      expect(session.metrics?.citations?.removed).toBeGreaterThanOrEqual(3);
      expect(session.metrics?.citations?.resolved).toBeGreaterThanOrEqual(3);
      expect(session.metrics).toMatchObject({ inputTokens: 200, outputTokens: 40 });
    });

    it('a model server that drips its answer is timed out and retried, then the query fails in bounded time', async () => {
      const search = await serve(okSearch);
      const model = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const drip = setInterval(() => res.write(' '), 300);
        res.on('close', () => clearInterval(drip));
      });
      const { summary } = await run(llmYaml('openai'), { ...tavilyEnv(search), OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: model.url });
      expect(summary.outcomes[0].outcome).toBe('failed');
      expect(summary.outcomes[0].error).toMatch(/openai: the answer did not finish within 0\.6s/);
      expect(model.requests).toHaveLength(RETRIES + 1);
    });

    it('Anthropic: 529 overloaded then a tool-call answer with an invented citation → retried, published, trimmed', async () => {
      const search = await serve(okSearch);
      let overloaded = false;
      const model = await serve((_req, res, recorded) => {
        if (!overloaded) {
          overloaded = true;
          return sendJson(res, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
        }
        const tools = (recorded.json as { tools?: { name: string }[] }).tools ?? [];
        const name = tools[0]?.name;
        const input = name === 'research_plan' ? { queries: ['chile lithium exports 2025'] } : { summary: '- Exports grew [1].', analysis: 'Exports grew [1][7].' };
        sendJson(res, 200, {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: 'test-model',
          content: [{ type: 'tool_use', id: 'toolu_1', name, input }],
          stop_reason: 'tool_use',
          usage: { input_tokens: 50, output_tokens: 10 },
        });
      });
      const { summary } = await run(llmYaml('anthropic'), { ...tavilyEnv(search), ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: model.url });
      expect(summary.outcomes[0].outcome).toBe('published');
      expect(model.requests).toHaveLength(3); // 529, plan, analysis
      const session = await onlySession();
      expect(session.analysis).toContain('[1]');
      expect(session.analysis).not.toContain('[7]');
      expect(session.metrics?.citations?.removed).toBeGreaterThanOrEqual(1);
    });
  });
});
