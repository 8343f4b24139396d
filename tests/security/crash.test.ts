// Crash safety: `kb run` and `kb import`, killed with SIGKILL at seeded-random moments, leave no
// partial or corrupt file in content/, and the next run (or import) completes the work without
// rewriting anything that was already written.
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '#kb/cli.ts';
import { listSessions, readSession, sweepTempFiles } from '#kb/store/store.ts';
import { appendRunLog, readRunLog, runLogPath } from '#kb/store/runlog.ts';
import { lockPath } from '#kb/store/lock.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const KB = path.join(ROOT, 'bin/kb.ts');
const KILL_POINTS = 25;
const IMPORTS = [
  'tests/fixtures/json/session.json',
  'tests/fixtures/json/sessions.json',
  ...['grid-batteries-2026-09', 'grid-batteries-2026-10', 'lithium-supply-2026-11', 'semiconductor-export-controls-2026-10'].map((name) => `content/examples/${name}.json`),
].map((file) => path.join(ROOT, file));

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kb-crash-'));
  temps.push(dir);
  return dir;
}

/** A fresh knowledge base: the project's queries (and corpus, for runs), no briefings. */
async function freshContent(withCorpus: boolean): Promise<string> {
  const dir = await tempDir();
  await cp(path.join(ROOT, 'content/queries.yaml'), path.join(dir, 'queries.yaml'));
  if (withCorpus) await cp(path.join(ROOT, 'content/corpus'), path.join(dir, 'corpus'), { recursive: true });
  return dir;
}

/** mulberry32: a small seeded PRNG, so the kill points are the same on every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** When to kill: `ms` after spawn, or `extraMs` after the child printed its `line`-th line. */
type KillPoint = { ms: number } | { line: number; extraMs: number };

/** Runs the real CLI in a child process; kills it with SIGKILL at `kill` if given. */
function runKb(args: string[], kill?: KillPoint): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; lines: number; stderr: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, [KB, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KB_SEARCH_PROVIDER: '', KB_LLM_PROVIDER: '' } });
  let stderr = '';
  let lines = 0;
  let timer: NodeJS.Timeout | undefined;
  const killNow = () => child.kill('SIGKILL');
  if (kill && 'ms' in kill) timer = setTimeout(killNow, kill.ms);
  child.stdout.on('data', (chunk: Buffer) => {
    const before = lines;
    lines += chunk.toString().split('\n').length - 1;
    if (kill && 'line' in kill && before < kill.line && lines >= kill.line) {
      if (kill.extraMs === 0) killNow();
      else timer = setTimeout(killNow, kill.extraMs);
    }
  });
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ms: performance.now() - started, lines, stderr });
    });
  });
}

/** Runs `work` over `items`, `width` at a time (two cores: two kill points at once). */
async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

interface Snapshot {
  size: number;
  mtimeMs: number;
  ino: number;
  text: string;
}

/** What a killed run left: every file must be whole; returns the session files as they are. */
async function checkNoDamage(content: string): Promise<Map<string, Snapshot>> {
  const files = await walk(content);
  const snapshot = new Map<string, Snapshot>();
  for (const file of files.filter((f) => f.endsWith('.mdx'))) {
    const text = await readFile(file, 'utf8');
    // A file that does not parse is a half-written session; readSession names it.
    if (!path.basename(file).startsWith('.')) await readSession(file);
    const s = await stat(file);
    snapshot.set(file, { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, text });
  }
  await listSessions(content); // the whole store reads
  const log = await readRunLog(content); // the log reads
  for (const entry of log) {
    // The session is written before its log line, so a logged session exists.
    if (entry.outcome === 'published') await stat(path.join(content, entry.session!));
  }
  return snapshot;
}

/** After the completing run: nothing left half-done, nothing rewritten. */
async function checkCompleted(content: string, before: Map<string, Snapshot>) {
  const leftovers = (await walk(content)).filter((f) => /\.(tmp|stale)$/.test(f) || f === lockPath(content));
  expect(leftovers).toEqual([]);
  for (const [file, was] of before) {
    const s = await stat(file);
    expect({ file, size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, text: await readFile(file, 'utf8') }).toEqual({ file, ...was });
  }
  await readRunLog(content);
}

async function complete(args: string[]): Promise<{ code: number; errors: string[] }> {
  const errors: string[] = [];
  const code = await main(args, () => {}, (line) => errors.push(line));
  return { code, errors };
}

const configuredIds = async () => [...(await readFile(path.join(ROOT, 'content/queries.yaml'), 'utf8')).matchAll(/^\s+- id: (\S+)/gm)].map((m) => m[1]).sort();

async function importedIds(): Promise<string[]> {
  const ids: string[] = [];
  for (const file of IMPORTS) {
    const data = JSON.parse(await readFile(file, 'utf8'));
    for (const session of Array.isArray(data) ? data : [data]) ids.push(session.id);
  }
  return ids.sort();
}

/**
 * Kill points. A third are times spread over the whole measured uninterrupted run, start-up
 * included; the rest are anchored on the child's progress output (a random line of the
 * uninterrupted run's output, then 0–4 ms more), so they land in the stretch where files are
 * written however loaded the machine is: start-up is most of a run this small, and a kill
 * there proves little. Seeded: the same points on every run of the test.
 */
function killPoints(seed: number, totalMs: number, lines: number): KillPoint[] {
  const random = prng(seed);
  return Array.from({ length: KILL_POINTS }, (_, i): KillPoint =>
    i % 3 === 0 ? { ms: Math.round(random() * totalMs * 1.05) } : { line: 1 + Math.floor(random() * lines), extraMs: Math.floor(random() * 5) },
  );
}

const describePoint = (p: KillPoint) => ('ms' in p ? `${p.ms} ms after start` : `${p.extraMs} ms after output line ${p.line}`);

describe('SIGKILL at random points', () => {
  it(`kb run killed at ${KILL_POINTS} points leaves no partial file, and the next run completes the work`, async () => {
    const ids = await configuredIds();
    // An uninterrupted run first, to know how long one takes.
    const measured = await freshContent(true);
    const { ms: total, code, lines } = await runKb(['run', '--content', measured]);
    expect(code).toBe(0);
    const points = killPoints(20260127, total, lines);

    let killedMidWrite = 0;
    await pool(points, 2, async (point) => {
      const content = await freshContent(true);
      const killed = await runKb(['run', '--content', content], point);
      const before = await checkNoDamage(content);
      if (killed.signal === 'SIGKILL' && before.size > 0 && before.size < ids.length) killedMidWrite++;
      const done = await complete(['run', '--content', content]);
      expect(done.errors, `killed ${describePoint(point)}`).toEqual([]);
      expect(done.code).toBe(0);
      const sessions = await listSessions(content);
      expect([...new Set(sessions.map((s) => s.session.querySlug))].sort()).toEqual(ids);
      await checkCompleted(content, before);
    });
    console.log(`kb run: ${points.length} kill points tested (uninterrupted run ${Math.round(total)} ms, ${killedMidWrite} killed with some but not all sessions written)`);
  }, 180_000);

  it(`kb import killed at ${KILL_POINTS} points leaves no partial file, and importing again completes the work`, async () => {
    const ids = await importedIds();
    const args = (content: string) => ['import', '--content', content, ...IMPORTS];
    const measured = await freshContent(false);
    const { ms: total, code, lines } = await runKb(args(measured));
    expect(code).toBe(0);
    const points = killPoints(4242, total, lines);

    let killedMidWrite = 0;
    await pool(points, 2, async (point) => {
      const content = await freshContent(false);
      const killed = await runKb(args(content), point);
      const before = await checkNoDamage(content);
      if (killed.signal === 'SIGKILL' && before.size > 0 && before.size < ids.length) killedMidWrite++;
      const done = await complete(args(content));
      expect(done.errors, `killed ${describePoint(point)}`).toEqual([]);
      expect(done.code).toBe(0);
      expect((await listSessions(content)).map((s) => s.session.id).sort()).toEqual(ids);
      // The importing again took over the dead import's lock and cleared its temp files.
      await checkCompleted(content, before);
    });
    console.log(`kb import: ${points.length} kill points tested (uninterrupted import ${Math.round(total)} ms, ${killedMidWrite} killed with some but not all sessions written)`);
  }, 180_000);
});

describe('leftovers', () => {
  it('sweepTempFiles removes a dead writer’s temp files and keeps a live one’s', async () => {
    const content = await tempDir();
    const dead = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', '']);
      child.on('error', reject);
      child.on('exit', () => resolve(child.pid!));
    });
    const dir = path.join(content, 'briefings', 'q');
    const cache = path.join(content, '.cache', 'http', 'ab');
    await mkdir(dir, { recursive: true });
    await mkdir(cache, { recursive: true });
    const deadSession = path.join(dir, `.2026-01-01-abcdef12.mdx.${dead}.0a1b2c3d4e5f.tmp`);
    const liveSession = path.join(dir, `.2026-01-01-abcdef34.mdx.${process.pid}.0a1b2c3d4e5f.tmp`);
    const deadCache = path.join(cache, `abcd.json.${dead}.0a1b2c3d.tmp`);
    const deadLockAside = path.join(content, '.cache', `kb.lock.${dead}.0a1b2c3d4e5f.stale`);
    const session = path.join(dir, '2026-01-01-abcdef12.mdx');
    const userFile = path.join(content, 'notes.1234.ab.tmp'); // not in a folder kb writes to
    for (const file of [deadSession, liveSession, deadCache, deadLockAside, session, userFile]) await writeFile(file, 'x');
    expect(await sweepTempFiles(content)).toEqual([deadLockAside, deadCache, deadSession].sort());
    const left = (await walk(content)).sort();
    expect(left).toEqual([liveSession, session, userFile].sort());
  });

  it('a runs.jsonl line cut short by a crash is skipped, and the next entry starts on its own line', async () => {
    const content = await tempDir();
    const entry = { run: 'r1', at: '2026-01-01T00:00:00Z', query: 'q', outcome: 'published' as const, session: 'briefings/q/a.mdx', durationMs: 5 };
    await appendRunLog(content, entry);
    const whole = await readFile(runLogPath(content), 'utf8');
    await writeFile(runLogPath(content), whole + whole.slice(0, 30)); // killed mid-append
    expect(await readRunLog(content)).toEqual([entry]);
    await appendRunLog(content, { ...entry, run: 'r2' });
    expect((await readRunLog(content)).map((e) => e.run)).toEqual(['r1', 'r2']);
    const lines = (await readFile(runLogPath(content), 'utf8')).split('\n');
    expect(lines).toHaveLength(4); // whole, partial, whole, ''
    expect(lines[1]).toBe(whole.slice(0, 30));
  });
});
