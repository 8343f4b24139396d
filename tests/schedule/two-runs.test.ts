// Two scheduled runs a week apart, offline, on a fake clock: the second run adds sessions only for
// the questions that came due, and every file the first left is kept byte for byte.
import { appendFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDue, type RunSummary } from '#kb/commands/run.ts';
import { readRunHistory } from '#kb/store/runlog.ts';
import { verifyContent } from '#kb/commands/verify.ts';
import { copyExampleContent } from '#tests/support/example.ts';


interface FileState { bytes: Buffer; size: number; mtimeMs: number; ino: number }

async function snapshot(dir: string): Promise<Map<string, FileState>> {
  const files = new Map<string, FileState>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, file);
    if (relative.startsWith('.cache')) continue; // the response cache is not history
    const s = await stat(file);
    files.set(relative, { bytes: await readFile(file), size: s.size, mtimeMs: s.mtimeMs, ino: s.ino });
  }
  return files;
}

const published = (s: RunSummary) => s.outcomes.filter((o) => o.outcome === 'published').map((o) => o.id).sort();

describe('two scheduled runs a week apart', () => {
  let content: string;
  beforeAll(async () => {
    content = await mkdtemp(path.join(os.tmpdir(), 'kb-schedule-'));
    // The example knowledge base (six questions on 7d and 14d schedules, earlier and imported
    // sessions, an old-format run log), plus a cron schedule and a monthly one.
    await copyExampleContent(content);
    await appendFile(
      path.join(content, 'queries.yaml'),
      [
        '  - id: lithium-prices-monday',
        '    question: What happened to lithium carbonate prices this week?',
        '    schedule: "0 6 * * 1"   # Mondays 06:00 UTC',
        '  - id: cobalt-monthly',
        '    question: Who refines the world’s cobalt?',
        '    schedule: 30d',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rm(content, { recursive: true, force: true }));

  // After the fortnightly questions' newest example sessions (2026-12-04) came due.
  const FIRST = new Date('2026-12-19T05:17:00Z'); // a Saturday, as the daily cron fires
  const SECOND = new Date('2026-12-26T05:17:00Z'); // the same cron a week later
  const WEEKLY = ['gallium-germanium-export-controls', 'graphite-anode-dependence', 'lithium-refining-outside-china', 'us-china-rare-earths'];
  const EVERY = [...WEEKLY, 'cobalt-monthly', 'drc-cobalt-concentration', 'indonesia-nickel', 'lithium-prices-monday'].sort();

  it('the first run publishes every question that is due, then the second only those that came due, keeping every earlier file', async () => {
    const before = await snapshot(content);
    const first = await runDue({ contentDir: content, env: {}, now: () => FIRST });
    expect(published(first)).toEqual(EVERY);

    const afterFirst = await snapshot(content);
    const second = await runDue({ contentDir: content, env: {}, now: () => SECOND });

    // Came due: the weekly questions (a week after the first run, to the minute) and the Monday cron.
    expect(published(second)).toEqual([...WEEKLY, 'lithium-prices-monday'].sort());
    expect(second.outcomes.filter((o) => o.outcome === 'not-due').map((o) => [o.id, o.nextDue])).toEqual([
      ['drc-cobalt-concentration', '2027-01-02T05:17:00.000Z'],
      ['indonesia-nickel', '2027-01-02T05:17:00.000Z'],
      ['cobalt-monthly', '2027-01-18T05:17:00.000Z'],
    ]);
    expect(second.outcomes.some((o) => o.outcome === 'failed')).toBe(false);

    const afterSecond = await snapshot(content);
    const added = [...afterSecond.keys()].filter((f) => !afterFirst.has(f)).sort();
    expect(added.map((f) => f.split(path.sep).slice(0, 2).join('/'))).toEqual([...WEEKLY, 'lithium-prices-monday'].sort().map((id) => `briefings/${id}`));
    for (const file of added) expect(path.basename(file)).toMatch(/^2026-12-26-[0-9a-f]{8}\.mdx$/);

    // Every file the first run left (and every file from before it) is untouched: same bytes,
    // same modification time, same inode (not rewritten, not replaced). The run log only grew.
    for (const [file, was] of afterFirst) {
      const now = afterSecond.get(file);
      expect(now, file).toBeDefined();
      if (file === 'runs.jsonl') {
        expect(now!.size).toBeGreaterThan(was.size);
        expect(now!.bytes.subarray(0, was.size).equals(was.bytes)).toBe(true);
        continue;
      }
      expect({ file, same: now!.bytes.equals(was.bytes), mtimeMs: now!.mtimeMs, ino: now!.ino }).toEqual({ file, same: true, mtimeMs: was.mtimeMs, ino: was.ino });
    }
    for (const [file, was] of before) {
      if (file === 'runs.jsonl') expect(afterSecond.get(file)!.bytes.subarray(0, was.size).equals(was.bytes)).toBe(true);
      else expect(afterSecond.get(file)!.bytes.equals(was.bytes), file).toBe(true);
    }

    // The log records each run as a whole, after the old-format lines, which still read. (The
    // copied log may already end with runs of its own: CI runs `npm run build` before the tests.)
    const { runs, entries } = await readRunHistory(content);
    expect(entries.filter((e) => e.run === '10981ab4-252d-4bd0-a698-272aa6da1046')).toHaveLength(6);
    const ours = runs.filter((r) => r.startedAt >= FIRST.toISOString());
    expect(ours.map((r) => [r.startedAt, r.outcome, r.published.length, r.failed.length, r.notDue])).toEqual([
      [FIRST.toISOString(), 'ok', 8, 0, 0],
      [SECOND.toISOString(), 'ok', 5, 0, 3],
    ]);
    expect((await verifyContent(content, {})).errors).toEqual([]);
  });

  it('a rerun the same morning (the workflow started again) finds nothing due and changes no file, the run log included', async () => {
    const before = await snapshot(content);
    const again = await runDue({ contentDir: content, env: {}, now: () => new Date(SECOND.getTime() + 3600_000) });
    expect(published(again)).toEqual([]);
    expect(again.outcomes.filter((o) => o.outcome === 'not-due')).toHaveLength(8);
    const after = await snapshot(content);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [file, was] of before) expect(after.get(file)!.bytes.equals(was.bytes), file).toBe(true);
  });
});
