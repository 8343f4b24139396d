import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDue } from '#kb/commands/run.ts';
import { appendRunRecord, readRunHistory, readRunLog, readRunLogLines, runRecordOf, type RunRecord } from './runlog.ts';
import { verifyContent } from '#kb/commands/verify.ts';
import { copyExampleContent } from '#tests/support/example.ts';

const EXAMPLE = fileURLToPath(new URL('../../../content/', import.meta.url));

const summary = (outcomes: Parameters<typeof runRecordOf>[0]['outcomes']) => ({ run: 'r', startedAt: '2026-12-14T05:17:00.000Z', finishedAt: '2026-12-14T05:19:30.500Z', outcomes });

describe('the run log', () => {
  let content: string;
  beforeEach(async () => {
    content = await mkdtemp(path.join(os.tmpdir(), 'kb-runlog-'));
  });
  afterEach(() => rm(content, { recursive: true, force: true }));

  it("still reads the repository's own runs.jsonl, whose first lines were written before run lines existed", async () => {
    await copyExampleContent(content, (relative) => relative !== 'runs.jsonl');
    const { entries, runs } = await readRunHistory(content);
    const lines = (await readFile(path.join(content, 'runs.jsonl'), 'utf8')).trim().split('\n');
    expect(entries.length + runs.length).toBe(lines.length);
    expect([...entries, ...runs].map((e) => JSON.stringify(e)).sort()).toEqual([...lines].sort());
    // The old-format run: its query lines and no run line.
    const old = entries.filter((e) => e.run === '10981ab4-252d-4bd0-a698-272aa6da1046');
    expect(old).toHaveLength(6);
    expect(runs.some((r) => r.run === old[0]!.run)).toBe(false);
    expect((await readRunLogLines(content)).every((l) => l.valid)).toBe(true);
  });

  it("records a run as a whole: outcome, what was published, failed and not due, its duration, tokens and cost", () => {
    const record = runRecordOf(
      summary([
        { id: 'a', outcome: 'published', results: 12, inputTokens: 1000, outputTokens: 200, costUsd: 0.1 },
        { id: 'b', outcome: 'failed', inputTokens: 50, outputTokens: 0 },
        { id: 'c', outcome: 'published', results: 3, inputTokens: 10, outputTokens: 5, costUsd: 0.2 },
        { id: 'd', outcome: 'not-due' },
      ]),
      { shard: '2/3', forced: true },
    );
    expect(record).toEqual({
      kind: 'run', run: 'r', startedAt: '2026-12-14T05:17:00.000Z', finishedAt: '2026-12-14T05:19:30.500Z', outcome: 'failed', durationMs: 150_500,
      published: ['a', 'c'], failed: ['b'], notDue: 1, results: 15, inputTokens: 1060, outputTokens: 205, costUsd: 0.3, shard: '2/3', forced: true,
    });
    expect(runRecordOf(summary([{ id: 'a', outcome: 'published' }])).outcome).toBe('ok');
    const idle = runRecordOf(summary([{ id: 'a', outcome: 'not-due' }]));
    expect(idle).toMatchObject({ outcome: 'idle', published: [], failed: [], notDue: 1 });
    // Nothing measured is left out, not written as zero.
    expect('inputTokens' in idle && idle.inputTokens !== undefined).toBe(false);
  });

  it('links the run to its GitHub Actions page when it ran there, and ignores anything malformed', () => {
    const env = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/briefings', GITHUB_RUN_ID: '123456' };
    expect(runRecordOf(summary([]), { env }).ci).toBe('https://github.com/acme/briefings/actions/runs/123456');
    expect(runRecordOf(summary([]), { env: { ...env, GITHUB_SERVER_URL: 'javascript:alert(1)//' } }).ci).toBeUndefined();
    expect(runRecordOf(summary([]), { env: { ...env, GITHUB_REPOSITORY: 'acme/../../x"y' } }).ci).toBeUndefined();
    expect(runRecordOf(summary([]), { env: { ...env, GITHUB_RUN_ID: '12; rm' } }).ci).toBeUndefined();
    expect(runRecordOf(summary([]), { env: {} }).ci).toBeUndefined();
  });

  it('refuses to write a run line that is not a run record', async () => {
    const good = runRecordOf(summary([]));
    await expect(appendRunRecord(content, { ...good, shard: 'two of three' })).rejects.toThrow(/shard/);
    await expect(appendRunRecord(content, { ...good, ci: 'http://insecure.example/run' } as RunRecord)).rejects.toThrow(/ci/);
    expect(await readRunLogLines(content)).toEqual([]);
  });

  it('kb run appends its run line after its query lines; the query lines read as before; a dry run writes none', async () => {
    await cp(path.join(EXAMPLE, 'corpus'), path.join(content, 'corpus'), { recursive: true });
    await writeFile(path.join(content, 'queries.yaml'), 'defaults:\n  steps: 2\nqueries:\n  - id: rare-earths\n    question: What is the import dependency of the US on China for rare earths?\n  - id: later\n    question: How concentrated is cobalt supply?\n    schedule: 2w\n');
    const now = () => new Date('2026-12-14T05:17:00Z');
    await runDue({ contentDir: content, env: {}, now, dryRun: true });
    expect(await readRunLogLines(content)).toEqual([]);
    await runDue({ contentDir: content, env: {}, now, only: ['rare-earths'] });
    await runDue({ contentDir: content, env: {}, now });
    const lines = (await readFile(path.join(content, 'runs.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { kind?: string; query?: string; outcome: string });
    expect(lines.map((l) => l.kind ?? l.query)).toEqual(['rare-earths', 'run', 'later', 'run']);
    expect(lines.map((l) => l.outcome)).toEqual(['published', 'ok', 'published', 'ok']);
    expect((await readRunLog(content)).map((e) => e.query)).toEqual(['rare-earths', 'later']);
    const { runs } = await readRunHistory(content);
    expect(runs.map((r) => [r.published, r.notDue])).toEqual([[['rare-earths'], 0], [['later'], 1]]);
    expect((await verifyContent(content, {})).problems).toEqual([]);
  });

  it('kb verify checks run lines too, naming the line and the field', async () => {
    await copyExampleContent(content, (relative) => relative !== 'runs.jsonl');
    const log = path.join(content, 'runs.jsonl');
    const n = (await readFile(log, 'utf8')).trim().split('\n').length;
    await appendRunRecord(content, runRecordOf(summary([{ id: 'a', outcome: 'published' }])));
    await appendFile(log, JSON.stringify({ kind: 'run', run: 'x', startedAt: '2026-12-14T05:17:00Z', finishedAt: '2026-12-14T05:18:00Z', outcome: 'exploded', durationMs: 1, published: [], failed: [], notDue: 0 }) + '\n');
    const { errors } = await verifyContent(content, {});
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^${log.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${n + 2}: not a valid run record: outcome: `));
    expect(errors[0]).toContain('exploded');
  });
});
