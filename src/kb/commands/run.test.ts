import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDue, type RunnerEvent } from './run.ts';
import { readRunLog } from '#kb/store/runlog.ts';
import { listSessions } from '#kb/store/store.ts';
import { main } from '#kb/cli.ts';
import { rulePlanner } from '#kb/pipeline/planners/rule.ts';
import { extractiveAnalyst } from '#kb/pipeline/analysts/extractive/index.ts';
import { sendJson, startLoopback, type Loopback } from '#tests/support/loopback.ts';

const EXAMPLE = fileURLToPath(new URL('../../../content/', import.meta.url));
const fast = { sleep: async () => {}, timeoutMs: 2_000, retries: 1 };

async function sessionFiles(content: string): Promise<string[]> {
  const entries = await readdir(path.join(content, 'briefings'), { recursive: true }).catch(() => [] as string[]);
  return entries.filter((f) => f.endsWith('.mdx')).sort();
}

describe('kb run', () => {
  let content: string;
  beforeEach(async () => {
    content = await mkdtemp(path.join(os.tmpdir(), 'kb-run-'));
    await cp(path.join(EXAMPLE, 'corpus'), path.join(content, 'corpus'), { recursive: true });
  });
  afterEach(() => rm(content, { recursive: true, force: true }));

  const config = (queries: string, defaults = 'schedule: 7d\n  steps: 3') =>
    writeFile(path.join(content, 'queries.yaml'), `defaults:\n  ${defaults}\nqueries:\n${queries}`);
  const Q = (id: string, question: string, extra = '') => `  - id: ${id}\n    question: ${question}\n    tags: [test]\n${extra}`;

  it('runs every due query offline and publishes one session each, with its sub-queries recorded', async () => {
    await config(Q('rare-earths', 'What is the import dependency of the US on China for rare earths?') + Q('cobalt', 'How concentrated is cobalt supply in the Congo?'));
    const summary = await runDue({ contentDir: content, env: {} });
    expect(summary.outcomes.map((o) => [o.id, o.outcome])).toEqual([
      ['rare-earths', 'published'],
      ['cobalt', 'published'],
    ]);
    const sessions = await listSessions(content);
    expect(sessions).toHaveLength(2);
    for (const { session } of sessions) {
      // Three planned sub-queries in the first round, then follow-ups from what was read.
      expect(session.steps.filter((s) => s.round === 1)).toHaveLength(3);
      expect(session.steps.every((s) => s.query && s.query.length > 0 && s.reason && s.round)).toBe(true);
      expect(session.budget).toMatchObject({ maxPages: 15, rounds: expect.any(Number) });
      expect(session.budget!.pagesRead).toBeGreaterThan(0);
      expect(session.steps.flatMap((s) => s.results).length).toBeGreaterThan(3);
      expect(session.providers).toEqual({ search: 'corpus', llm: 'extractive', planner: 'rules' });
      expect(session.tags).toEqual(['test']);
      expect(session.metrics?.citations?.removed).toBe(0);
      // no url twice across the steps
      const urls = session.steps.flatMap((s) => s.results.map((r) => r.url)).filter(Boolean);
      expect(new Set(urls).size).toBe(urls.length);
    }
    const log = await readRunLog(content);
    expect(log.map((e) => [e.query, e.outcome])).toEqual(expect.arrayContaining([['rare-earths', 'published'], ['cobalt', 'published']]));
  });

  it('runs nothing that is not due, and a forced run adds new files without touching the old ones', async () => {
    await config(Q('rare-earths', 'What is the import dependency of the US on China for rare earths?'));
    let clock = new Date('2026-03-02T06:00:00Z');
    const now = () => clock;
    await runDue({ contentDir: content, env: {}, now });
    const first = await sessionFiles(content);
    const bytes = await readFile(path.join(content, 'briefings', first[0]), 'utf8');

    clock = new Date('2026-03-08T06:00:00Z'); // six days later: not due under 7d
    const again = await runDue({ contentDir: content, env: {}, now });
    expect(again.outcomes).toEqual([expect.objectContaining({ id: 'rare-earths', outcome: 'not-due', nextDue: '2026-03-09T06:00:00.000Z' })]);
    expect(await sessionFiles(content)).toEqual(first);

    const forced = await runDue({ contentDir: content, env: {}, now, force: true });
    expect(forced.outcomes[0].outcome).toBe('published');
    expect(await sessionFiles(content)).toHaveLength(2);
    expect(await readFile(path.join(content, 'briefings', first[0]), 'utf8')).toBe(bytes);

    clock = new Date('2026-03-09T06:00:00Z'); // a week after the first run, but the forced run on the 8th is the newest
    expect((await runDue({ contentDir: content, env: {}, now })).outcomes[0].outcome).toBe('not-due');
  });

  it('a dry run says what would run with which providers, calls nothing and writes nothing', async () => {
    await config(Q('a', 'Question A?') + Q('b', 'Question B?', '    search: tavily\n    read: 0\n'));
    const summary = await runDue({ contentDir: content, env: {}, dryRun: true });
    expect(summary.outcomes.map((o) => [o.id, o.outcome, o.providers])).toEqual([
      ['a', 'would-run', 'corpus + extractive'],
      ['b', 'would-run', 'tavily + extractive'],
    ]);
    expect(summary.networkCalls).toBe(0);
    expect(await sessionFiles(content)).toEqual([]);
    expect(await readRunLog(content)).toEqual([]);
    // The plan and the budget: the first round's sub-queries (the rule planner costs nothing), the rounds, the pages.
    expect(summary.outcomes[0]!.plan).toMatch(/^3 sub-queries: “question”, .*; then up to 1 more round of 2 follow-ups; reads 3 pages a step, at most 15$/);
    expect(summary.outcomes[1]!.plan).toMatch(/; reads snippets only$/);
    const out: string[] = [];
    await main(['run', '--dry-run', '--content', content], (l) => out.push(l), (l) => out.push(l));
    expect(out.join('\n')).toMatch(/^a: 3 sub-queries: “question”/m);
  });

  it('runs only the named query with --query, and refuses an unknown id naming the known ones', async () => {
    await config(Q('a', 'Question A about rare earths?') + Q('b', 'Question B about cobalt?'));
    const summary = await runDue({ contentDir: content, env: {}, only: ['b'] });
    expect(summary.outcomes.map((o) => o.id)).toEqual(['b']);
    // Named, it runs again at once although it is not due for a week.
    const again = await runDue({ contentDir: content, env: {}, only: ['b'] });
    expect(again.outcomes.map((o) => [o.id, o.outcome])).toEqual([['b', 'published']]);
    await expect(runDue({ contentDir: content, env: {}, only: ['zzz'] })).rejects.toThrow(/no query with id "zzz".*Known ids: a, b/);
  });

  it('a query whose provider keeps failing is logged as failed, the earlier briefing stays the latest, and the others still publish', async () => {
    await config(Q('rare-earths', 'What is the import dependency of the US on China for rare earths?') + Q('cobalt', 'How concentrated is cobalt supply in the Congo?'));
    let clock = new Date('2026-03-02T06:00:00Z');
    await runDue({ contentDir: content, env: {}, now: () => clock });
    const before = (await listSessions(content)).find((s) => s.session.querySlug === 'rare-earths')!;

    clock = new Date('2026-03-20T06:00:00Z');
    const failing = { name: 'flaky', search: async () => Promise.reject(new Error('flaky: the service failed (HTTP 500)')) };
    const events: RunnerEvent[] = [];
    const summary = await runDue({
      contentDir: content,
      env: {},
      now: () => clock,
      onEvent: (e) => events.push(e),
      stages: async (q) => ({
        planner: rulePlanner,
        analyst: extractiveAnalyst,
        search: q.id === 'rare-earths' ? failing : (await import('#kb/providers/search/corpus/index.ts').then((m) => m.createCorpusSearch({ contentDir: content }))),
        providers: { search: 'test', llm: 'extractive' },
      }),
    });
    expect(summary.outcomes.map((o) => [o.id, o.outcome])).toEqual([
      ['rare-earths', 'failed'],
      ['cobalt', 'published'],
    ]);
    expect(summary.outcomes[0].error).toContain('every search failed');
    const latest = (await listSessions(content)).find((s) => s.session.querySlug === 'rare-earths')!;
    expect(latest.path).toBe(before.path);
    const failure = (await readRunLog(content)).find((e) => e.outcome === 'failed')!;
    expect(failure).toMatchObject({ query: 'rare-earths', at: '2026-03-20T06:00:00.000Z' });
    expect(failure.error).toContain('HTTP 500');
    expect(events.some((e) => e.type === 'done' && e.outcome.outcome === 'failed')).toBe(true);
  });

  it('exits 1 when any query failed, and says so', async () => {
    await config(Q('a', 'Question A?', '    search: tavily\n    read: 0\n'));
    const out: string[] = [];
    const code = await main(['run', '--content', content], (l) => out.push(l), (l) => out.push(l));
    expect(code).toBe(1);
    expect(out.join('\n')).toContain('tavily: no API key. Set TAVILY_API_KEY');
  });

  describe('against a search API on loopback', () => {
    let api: Loopback;
    const KEY = 'tvly-SECRET-0123456789abcdef';
    beforeEach(async () => {
      api = await startLoopback((req, res, recorded) => {
        const query = (recorded.json as { query: string }).query;
        if (query.includes('fail')) return sendJson(res, 401, { detail: { error: `Unauthorized: invalid key ${KEY}` } });
        sendJson(res, 200, {
          results: [1, 2, 3].map((i) => ({ title: `${query} result ${i}`, url: `https://news.example.com/${encodeURIComponent(query)}/${i}`, content: `Supply rose ${i * 10}% in 2025 according to the survey of ${query}.`, score: 0.9 })),
        });
      });
    });
    afterEach(() => api.close());

    it('a rerun with the same inputs answers from the cache and makes no network call', async () => {
      await config(Q('a', 'How much lithium does Chile export?'), 'search: tavily\n  steps: 3\n  read: 0\n  depth: 1');
      const env = { TAVILY_API_KEY: KEY, TAVILY_BASE_URL: api.url };
      const first = await runDue({ contentDir: content, env, http: fast });
      expect(first.outcomes[0].outcome).toBe('published');
      expect(api.requests).toHaveLength(3);
      const second = await runDue({ contentDir: content, env, http: fast, force: true });
      expect(second.outcomes[0].outcome).toBe('published');
      expect(second.networkCalls).toBe(0);
      expect(api.requests).toHaveLength(3);
      const third = await runDue({ contentDir: content, env, http: fast, force: true, cache: false });
      expect(third.networkCalls).toBe(3);
    });

    it('never writes the API key to content, the cache, the run log, the output or error messages', async () => {
      await config(Q('ok', 'How much lithium does Chile export?') + Q('bad', 'fail fail fail', '    steps: 1\n'), 'search: tavily\n  steps: 2\n  read: 0\n  depth: 1');
      const env = { TAVILY_API_KEY: KEY, TAVILY_BASE_URL: api.url };
      const out: string[] = [];
      const code = await withEnv(env, () => main(['run', '--content', content, '--json'], (l) => out.push(l), (l) => out.push(l)));
      expect(code).toBe(1);
      const printed = out.join('\n');
      expect(printed).toContain('the API key was refused');
      expect(printed).toContain('"outcome": "published"');
      expect(api.requests.some((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
      // Every file the run left, the cache included.
      for (const file of await readdir(content, { recursive: true })) {
        const full = path.join(content, file);
        const text = await readFile(full, 'utf8').catch(() => '');
        expect(text.includes(KEY), full).toBe(false);
      }
      expect(printed.includes(KEY)).toBe(false);
      // And the site built from it.
      const dist = path.join(content, 'dist');
      expect(await main(['build', '--content', content, '--out', dist], () => {}, (l) => out.push(l))).toBe(0);
      for (const file of await readdir(dist, { recursive: true })) {
        const text = await readFile(path.join(dist, file)).catch(() => Buffer.alloc(0));
        expect(text.includes(KEY), file).toBe(false);
      }
    }, 60_000);
  });
});

async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
