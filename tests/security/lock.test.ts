// One `kb run` at a time per content folder: a second is refused with a clear message; a lock
// left by a dead process, or a damaged lock file, is taken over.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { acquireContentLock, LockedError, lockPath } from '#kb/store/lock.ts';
import { sendJson, startLoopback } from '#tests/support/loopback.ts';

// Test seam for the race below: each hook runs in place of the real call, which it gets as `real`.
type Hook = (from: string, to: string, real: () => Promise<void>) => Promise<void>;
const fsHooks = vi.hoisted(() => ({}) as { rename?: Hook; link?: Hook });
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const hooked = (name: 'rename' | 'link') => (from: string, to: string) =>
    fsHooks[name] ? fsHooks[name](String(from), String(to), () => real[name](from, to)) : real[name](from, to);
  return { ...real, rename: hooked('rename'), link: hooked('link') };
});
afterEach(() => {
  delete fsHooks.rename;
  delete fsHooks.link;
});

const ROOT = path.resolve(import.meta.dirname, '../..');
const KB = path.join(ROOT, 'bin/kb.ts');
const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempContent(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kb-lock-'));
  temps.push(dir);
  await writeFile(path.join(dir, 'queries.yaml'), 'defaults:\n  search: tavily\n  llm: extractive\n  steps: 2\n  read: 0\nqueries:\n  - id: slow\n    question: How slow is a slow search provider?\n');
  return dir;
}

function runKb(args: string[], env: Record<string, string>): { done: Promise<{ code: number | null; stderr: string; ms: number }> } {
  const started = performance.now();
  const child = spawn(process.execPath, [KB, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, KB_SEARCH_PROVIDER: '', KB_LLM_PROVIDER: '', ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return {
    done: new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr, ms: performance.now() - started }));
    }),
  };
}

async function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '']);
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid!));
  });
}

describe('the content lock', () => {
  it('refuses a second kb run while one is running, and lets a third run after it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstSearch!: () => void;
    const searching = new Promise<void>((resolve) => (firstSearch = resolve));
    const server = await startLoopback(async (_req, res, recorded) => {
      firstSearch();
      await gate; // the first run's searches wait here until the second run has been refused
      sendJson(res, 200, { results: [{ title: `About ${JSON.stringify(recorded.json)}`, url: 'https://example.org/a', content: 'Slow providers are slow.' }] });
    });
    try {
      const content = await tempContent();
      const env = { TAVILY_BASE_URL: server.url, TAVILY_API_KEY: 'test-key' };
      const args = ['run', '--content', content, '--no-cache'];
      const first = runKb(args, env);
      await searching; // the first run holds the lock and is mid-run
      const second = await runKb(args, env).done;
      expect(second.code).not.toBe(0);
      expect(second.stderr).toMatch(/is locked by kb run \(pid \d+, started \d{4}-\d\d-\d\dT[^)]*\); wait for it to finish, or remove .*kb\.lock if that process is gone\./);
      expect(second.stderr).toContain(lockPath(content));
      release();
      expect((await first.done).code).toBe(0);
      await expect(stat(lockPath(content))).rejects.toThrow(/ENOENT/); // released
      const third = await runKb([...args, '--force'], env).done;
      expect(third.stderr).toBe('');
      expect(third.code).toBe(0);
    } finally {
      release();
      await server.close();
    }
  }, 60_000);

  it('takes over a stale lock whose process is dead', async () => {
    const content = await tempContent();
    await mkdir(path.dirname(lockPath(content)), { recursive: true });
    const pid = await deadPid();
    await writeFile(lockPath(content), JSON.stringify({ pid, hostname: os.hostname(), command: 'kb run', startedAt: '2026-01-01T00:00:00.000Z' }));
    const unlock = await acquireContentLock(content, 'kb run');
    expect(JSON.parse(await readFile(lockPath(content), 'utf8'))).toMatchObject({ pid: process.pid, command: 'kb run' });
    await unlock();
    await expect(stat(lockPath(content))).rejects.toThrow(/ENOENT/);
  });

  it('takes over a corrupt or empty lock file', async () => {
    for (const junk of ['{"pid": 12', '', 'not json at all', '[]']) {
      const content = await tempContent();
      await mkdir(path.dirname(lockPath(content)), { recursive: true });
      await writeFile(lockPath(content), junk);
      const unlock = await acquireContentLock(content, 'kb import');
      expect(JSON.parse(await readFile(lockPath(content), 'utf8'))).toMatchObject({ pid: process.pid, command: 'kb import' });
      await unlock();
    }
  });

  it('refuses while a live process holds it, and release leaves someone else’s lock alone', async () => {
    const content = await tempContent();
    const unlock = await acquireContentLock(content, 'kb run');
    const holder = await readFile(lockPath(content), 'utf8');
    // Another live process (our parent) holding the lock: refused, with the holder named.
    await writeFile(lockPath(content), JSON.stringify({ ...JSON.parse(holder), pid: process.ppid, token: 'other' }));
    await expect(acquireContentLock(content, 'kb import')).rejects.toThrow(`is locked by kb run (pid ${process.ppid}`);
    await unlock(); // not ours any more: kept
    expect(JSON.parse(await readFile(lockPath(content), 'utf8')).pid).toBe(process.ppid);
  });

  it('keeps one holder when a takeover moves a fresh lock aside and a newcomer creates one in the gap', async () => {
    // A and B both judge the same dead lock stale; A takes it over first, so B's rename moves A's
    // fresh lock aside, leaving no kb.lock until B puts it back; C starts in that gap and creates
    // its own. Putting A's lock back then fails or replaces C's: one of them must find out, or
    // both run. A, whose lock came first, keeps it; C is refused.
    const content = await tempContent();
    const file = lockPath(content);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify({ pid: await deadPid(), hostname: os.hostname(), command: 'kb run', startedAt: '2026-01-01T00:00:00.000Z' }));
    const step = () => Promise.withResolvers<void>();
    const [aTookOver, bMovedAside, cCreated] = [step(), step(), step()];
    let bSeen = false;
    fsHooks.rename = async (_from, to, real) => {
      if (bSeen || !to.endsWith('.stale')) return real();
      bSeen = true; // the first taker to rename is B: it has judged the dead lock stale
      await aTookOver.promise;
      await real();
      bMovedAside.resolve();
      await cCreated.promise;
    };
    const takers = [acquireContentLock(content, 'kb run'), acquireContentLock(content, 'kb run')];
    takers.forEach((t) => t.catch(() => {}));
    const a = await Promise.race(takers);
    const aLock = await readFile(file, 'utf8');
    aTookOver.resolve();
    await bMovedAside.promise;
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
    fsHooks.link = async (_from, to, real) => {
      await real();
      if (to === file) cCreated.resolve();
    };
    const c = acquireContentLock(content, 'kb import');
    c.catch(() => {});

    const outcomes = await Promise.allSettled(takers);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(LockedError);
    await expect(c).rejects.toThrow(/is locked by kb run/);
    expect(await readFile(file, 'utf8')).toBe(aLock); // A, the first taker, still holds it
    await a.verify();
    await a();
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  });

  it('lets a holder verify that the lock is still its own before it writes', async () => {
    const content = await tempContent();
    const lock = await acquireContentLock(content, 'kb run');
    await lock.verify();
    await writeFile(lockPath(content), JSON.stringify({ pid: process.ppid, hostname: os.hostname(), command: 'kb import', startedAt: '2026-01-01T00:00:00.000Z', token: 'other' }));
    const error = await lock.verify().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockedError);
    expect((error as LockedError).message).toContain(`no longer holds the lock ${lockPath(content)}: it is now held by kb import (pid ${process.ppid}`);
    expect((error as LockedError).holder?.token).toBe('other');
    await rm(lockPath(content));
    await expect(lock.verify()).rejects.toThrow(/: it was removed\./);
  });

  it('lets only one of many simultaneous takeovers of a stale lock win', async () => {
    const content = await tempContent();
    await mkdir(path.dirname(lockPath(content)), { recursive: true });
    const pid = await deadPid();
    await writeFile(lockPath(content), JSON.stringify({ pid, hostname: os.hostname(), command: 'kb run', startedAt: '2026-01-01T00:00:00.000Z' }));
    // Children, not this process: a lock held by our own pid counts as ours.
    const script = `import('${path.join(ROOT, 'src/kb/store/lock.ts')}').then(async (m) => { try { await m.acquireContentLock(${JSON.stringify(content)}, 'kb run'); console.log('won'); await new Promise((r) => setTimeout(r, 1500)); } catch (e) { console.log('refused'); } })`;
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (c) => (out += c));
        child.on('error', reject);
        child.on('close', () => resolve(out.trim()));
      })),
    );
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'refused')).toHaveLength(3);
  }, 30_000);
});
