// One `kb run` at a time per content folder: a second is refused with a clear message; a lock
// left by a dead process, or a damaged lock file, is taken over.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireContentLock, lockPath } from '#kb/store/lock.ts';
import { sendJson, startLoopback } from '#tests/support/loopback.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const KB = path.join(ROOT, 'bin/kb.ts');
const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempContent(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kb-lock-'));
  temps.push(dir);
  await writeFile(path.join(dir, 'queries.yaml'), 'defaults:\n  search: tavily\n  llm: extractive\n  steps: 2\nqueries:\n  - id: slow\n    question: How slow is a slow search provider?\n');
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
