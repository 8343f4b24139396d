import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Query } from '#kb/config/queries.ts';
import { runDue } from '#kb/commands/run.ts';
import { lastSuccesses } from '#kb/commands/run.ts';
import type { RunLogEntry, RunRecord } from '#kb/store/runlog.ts';
import { channelName, describeAlerts, describeOutcome, formatCost, formatDuration, formatMonth, loadStatus, monthViews, runViews, shapeStatus } from './status.ts';
import { copyExampleContent } from '#tests/support/example.ts';


const query = (id: string, schedule = '7d'): Query => ({ id, question: `Question ${id}?`, tags: [], schedule, steps: 3, maxResults: 5, search: 'corpus', llm: 'extractive', read: 0, depth: 1, breadth: 1, budget: { maxPages: 0 } });
const entry = (run: string, q: string, at: string, extra: Partial<RunLogEntry> = {}): RunLogEntry => ({ run, at, query: q, outcome: 'published', session: `briefings/${q}/x.mdx`, durationMs: 100, ...extra });
const record = (run: string, startedAt: string, extra: Partial<RunRecord> = {}): RunRecord => ({
  kind: 'run',
  run,
  startedAt,
  finishedAt: new Date(Date.parse(startedAt) + 90_000).toISOString(),
  outcome: 'ok',
  durationMs: 90_000,
  published: ['a'],
  failed: [],
  notDue: 1,
  ...extra,
});

describe('the status page data', () => {
  it('with no run log and no questions, has no last run, no failures and nothing due', () => {
    expect(shapeStatus({ runs: [], entries: [], queries: undefined, lastSuccess: new Map(), now: new Date() })).toEqual({ lastRun: undefined, recentRuns: [], months: [], failures: [], alertFailures: [], due: [] });
  });

  it('takes the newest run as the last one, with what ran, what failed and what waited', () => {
    const runs = [record('r1', '2026-03-02T05:17:00Z'), record('r2', '2026-03-09T05:17:00Z', { outcome: 'failed', published: ['a'], failed: ['b'], notDue: 2, inputTokens: 1200, outputTokens: 300, costUsd: 0.0042 })];
    const status = shapeStatus({ runs, entries: [], queries: [query('a'), query('b')], lastSuccess: new Map(), now: new Date('2026-03-10T00:00:00Z') });
    expect(status.lastRun).toMatchObject({ run: 'r2', outcome: 'failed', published: ['a'], failed: ['b'], notDue: 2, durationMs: 90_000, inputTokens: 1200, costUsd: 0.0042 });
    expect(status.recentRuns.map((r) => r.run)).toEqual(['r2', 'r1']);
    expect(describeOutcome(status.lastRun!)).toBe('Failed: 1 of 2 queries');
    expect(describeOutcome(status.recentRuns[1]!)).toBe('Succeeded: 1 query published');
    expect(describeOutcome({ ...status.lastRun!, outcome: 'idle', published: [], failed: [] })).toBe('Nothing was due');
  });

  it('shows the shards of one CI run as one run: summed, as long as the slowest shard', () => {
    const ci = 'https://github.com/acme/kb/actions/runs/42';
    const runs = [
      record('s1', '2026-03-09T05:17:00Z', { shard: '1/2', ci, published: ['a'], durationMs: 60_000, results: 10, costUsd: 0.5 }),
      record('s2', '2026-03-09T05:17:03Z', { shard: '2/2', ci, outcome: 'failed', published: [], failed: ['b'], durationMs: 80_000, results: 0, costUsd: 0.25 }),
      record('other', '2026-03-02T05:17:00Z'),
    ];
    const [last, other, ...rest] = runViews(runs, []);
    expect(rest).toEqual([]);
    expect(other!.run).toBe('other');
    expect(last).toMatchObject({ shards: 2, outcome: 'failed', published: ['a'], failed: ['b'], durationMs: 80_000, results: 10, costUsd: 0.75, notDue: 2, ci, startedAt: '2026-03-09T05:17:00Z' });
  });

  it('counts each run’s alerts and lists the ones that failed, newest first: which question, which channel, why', () => {
    const ci = 'https://github.com/acme/kb/actions/runs/43';
    const runs = [
      record('r1', '2026-03-02T05:17:00Z', { notifications: [{ query: 'a', channel: 'webhook', outcome: 'failed', error: 'webhook at hooks.example.com: answered HTTP 500' }] }),
      record('s1', '2026-03-09T05:17:00Z', { shard: '1/2', ci, notifications: [{ query: 'a', channel: 'webhook', outcome: 'sent' }, { query: 'a', channel: 'github', outcome: 'failed', error: 'GitHub at api.github.com (acme/kb): opening the issue for a: GITHUB_TOKEN was refused (HTTP 401)' }] }),
      record('s2', '2026-03-09T05:17:02Z', { shard: '2/2', ci, published: ['b'], notifications: [{ query: 'b', channel: 'email', outcome: 'sent' }] }),
      record('quiet', '2026-03-16T05:17:00Z'),
    ];
    const status = shapeStatus({ runs, entries: [], queries: [query('a'), query('b')], lastSuccess: new Map(), now: new Date('2026-03-17T00:00:00Z') });
    expect(status.recentRuns.map((r) => [r.run, r.alerts])).toEqual([
      ['quiet', undefined],
      ['s1', { sent: 2, failed: 1 }],
      ['r1', { sent: 0, failed: 1 }],
    ]);
    expect(status.recentRuns.map(describeAlerts)).toEqual([undefined, '2 sent, 1 failed', '0 sent, 1 failed']);
    expect(describeAlerts({ alerts: { sent: 3, failed: 0 } })).toBe('3 sent');
    expect(status.alertFailures).toEqual([
      { at: '2026-03-09T05:18:30.000Z', query: 'a', question: 'Question a?', channel: 'github', error: 'GitHub at api.github.com (acme/kb): opening the issue for a: GITHUB_TOKEN was refused (HTTP 401)' },
      { at: '2026-03-02T05:18:30.000Z', query: 'a', question: 'Question a?', channel: 'webhook', error: 'webhook at hooks.example.com: answered HTTP 500' },
    ]);
    expect(['webhook', 'email', 'github', 'pager'].map(channelName)).toEqual(['webhook', 'e-mail', 'GitHub issue', 'pager']);
  });

  it('pieces a run together from its query lines when the log predates run lines (the old runs.jsonl format)', () => {
    const entries = [entry('old', 'a', '2026-03-02T05:17:01Z'), entry('old', 'b', '2026-03-02T05:17:00Z', { outcome: 'failed', session: undefined, error: 'HTTP 500', inputTokens: 10, outputTokens: 2 })];
    const [view] = runViews([], entries);
    expect(view).toEqual({ run: 'old', startedAt: '2026-03-02T05:17:00Z', finishedAt: '2026-03-02T05:17:01Z', outcome: 'failed', published: ['a'], failed: ['b'], inputTokens: 10, outputTokens: 2, costUsd: undefined });
    // A run that has its own line is not counted twice.
    expect(runViews([record('old', '2026-03-02T05:17:00Z')], entries)).toHaveLength(1);
  });

  it('lists failures newest first with their reasons as given, and marks a question whose last attempt failed', () => {
    const entries = [
      entry('r1', 'a', '2026-03-02T05:17:00Z', { outcome: 'failed', session: undefined, error: '<script>alert(1)</script> HTTP 500' }),
      entry('r2', 'a', '2026-03-09T05:17:00Z'),
      entry('r3', 'b', '2026-03-16T05:17:00Z', { outcome: 'failed', session: undefined, error: '  ' }),
    ];
    const lastSuccess = new Map([['a', new Date('2026-03-09T05:17:00Z')], ['b', new Date('2026-03-01T05:17:00Z')]]);
    const status = shapeStatus({ runs: [], entries, queries: [query('a'), query('b')], lastSuccess, now: new Date('2026-03-16T06:00:00Z') });
    expect(status.failures).toEqual([
      { at: '2026-03-16T05:17:00Z', query: 'b', question: 'Question b?', error: 'no reason was recorded' },
      { at: '2026-03-02T05:17:00Z', query: 'a', question: 'Question a?', error: '<script>alert(1)</script> HTTP 500' },
    ]);
    // a failed on the 2nd but succeeded on the 9th: that failure is history, not a current problem.
    expect(status.due.find((d) => d.id === 'a')!.lastFailure).toBeUndefined();
    expect(status.due.find((d) => d.id === 'b')!.lastFailure).toBe('2026-03-16T05:17:00Z');
  });

  it('gives each question its next due time from its schedule and last session; due ones first, then soonest', () => {
    const queries = [query('weekly'), query('never-run'), query('fortnightly', '14d'), query('monday', '0 6 * * 1')];
    const lastSuccess = new Map([
      ['weekly', new Date('2026-03-02T05:17:00Z')],
      ['fortnightly', new Date('2026-03-09T05:17:00Z')],
      ['monday', new Date('2026-03-09T06:00:00Z')], // a Monday
    ]);
    const status = shapeStatus({ runs: [], entries: [], queries, lastSuccess, now: new Date('2026-03-10T00:00:00Z') });
    expect(status.due.map((d) => [d.id, d.dueNow, d.nextDue])).toEqual([
      ['weekly', true, '2026-03-09T05:17:00.000Z'],
      ['never-run', true, undefined],
      ['monday', false, '2026-03-16T06:00:00.000Z'],
      ['fortnightly', false, '2026-03-23T05:17:00.000Z'],
    ]);
  });

  it('gives each run its cost, and each month its runs, tokens and cost: this month first, then earlier months that had runs', () => {
    const runs = [
      record('nov-1', '2026-11-02T05:17:00Z', { inputTokens: 1000, outputTokens: 200, costUsd: 0.0042 }),
      record('nov-2', '2026-11-30T23:59:00Z', { inputTokens: 500, outputTokens: 100, costUsd: 0.0021 }),
      // A model with no price: its tokens count, its cost cannot.
      record('nov-3', '2026-11-15T05:17:00Z', { inputTokens: 800, outputTokens: 90 }),
      record('sep', '2026-09-09T05:17:00Z'),
    ];
    // The old log format: a run pieced together from its query lines, with their costs.
    const entries = [entry('oct', 'a', '2026-10-05T05:17:00Z', { inputTokens: 10, outputTokens: 2, costUsd: 0.1 }), entry('oct', 'b', '2026-10-05T05:17:01Z', { inputTokens: 20, outputTokens: 4, costUsd: 0.2 })];
    const status = shapeStatus({ runs, entries, queries: [], lastSuccess: new Map(), now: new Date('2026-12-04T08:00:00Z'), limits: { runs: 2 } });
    expect(status.recentRuns.map((r) => [r.run, formatCost(r.costUsd) ?? '—'])).toEqual([['nov-2', '$0.0021'], ['nov-3', '—']]);
    // Every run counts towards its month, not only the recent ones listed.
    expect(status.months).toEqual([
      { month: '2026-12', runs: 0, inputTokens: undefined, outputTokens: undefined, costUsd: undefined, unpriced: 0 },
      { month: '2026-11', runs: 3, inputTokens: 2300, outputTokens: 390, costUsd: 0.0063, unpriced: 1 },
      { month: '2026-10', runs: 1, inputTokens: 30, outputTokens: 6, costUsd: 0.3, unpriced: 0 },
      { month: '2026-09', runs: 1, inputTokens: undefined, outputTokens: undefined, costUsd: undefined, unpriced: 0 },
    ]);
    expect(formatMonth('2026-11')).toBe('November 2026');
    expect(monthViews(status.recentRuns, new Date('2026-11-20T00:00:00Z'), 1)).toEqual([{ month: '2026-11', runs: 2, inputTokens: 1300, outputTokens: 190, costUsd: 0.0021, unpriced: 1 }]);
  });

  it('formats durations and costs for people', () => {
    expect([formatDuration(undefined), formatDuration(420), formatDuration(1400), formatDuration(185_000), formatDuration(3_720_000)]).toEqual([undefined, '420 ms', '1.4 s', '3 min 05 s', '1 h 02 min']);
    expect([formatCost(undefined), formatCost(0), formatCost(0.00421), formatCost(0.5), formatCost(1.5)]).toEqual([undefined, '$0', '$0.0042', '$0.5000', '$1.50']);
  });
});

describe('loadStatus on a content folder', () => {
  let content: string;
  beforeEach(async () => {
    content = await mkdtemp(path.join(os.tmpdir(), 'kb-status-'));
  });
  afterEach(() => rm(content, { recursive: true, force: true }));

  it('reads well with no run log and no queries.yaml at all', async () => {
    expect(await loadStatus(content, new Map(), new Date(), {})).toEqual({ lastRun: undefined, recentRuns: [], months: [], failures: [], alertFailures: [], due: [] });
  });

  it("reads the repository's own run log (written before run lines existed) next to new runs' lines", async () => {
    await copyExampleContent(content);
    const before = await loadStatus(content, await lastSuccesses(content), new Date('2026-11-28T00:00:00Z'), {});
    expect(before.lastRun).toMatchObject({ outcome: 'ok', published: expect.arrayContaining(['us-china-rare-earths', 'indonesia-nickel']) });
    expect(before.lastRun!.published).toHaveLength(6);
    expect(before.due.every((d) => !d.dueNow)).toBe(true);

    const now = new Date('2026-12-12T05:17:00Z'); // a week after the newest example run (2026-12-04): the weekly ones are due, the fortnightly ones not
    await runDue({ contentDir: content, env: {}, now: () => now });
    const after = await loadStatus(content, await lastSuccesses(content), now, {});
    expect(after.lastRun).toMatchObject({ outcome: 'ok', notDue: 2, published: ['us-china-rare-earths', 'gallium-germanium-export-controls', 'lithium-refining-outside-china', 'graphite-anode-dependence'] });
    expect(after.recentRuns).toHaveLength(3); // the old-format run, the example's forced run of 2026-12-04, this one
    expect(after.due.map((d) => d.id).slice(0, 2).sort()).toEqual(['drc-cobalt-concentration', 'indonesia-nickel']);
  });

  it('reports a broken queries.yaml instead of failing the build', async () => {
    await writeFile(path.join(content, 'queries.yaml'), 'queries:\n  - id: Bad Id\n    question: x\n');
    const status = await loadStatus(content, new Map(), new Date(), {});
    expect(status.due).toEqual([]);
    expect(status.configProblem).toMatch(/queries\.yaml:2:\d+: queries\[0\]\.id/);
  });
});
