import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '#kb/cli.ts';
import { loadConfig } from '#kb/config/queries.ts';
import { runDue } from '#kb/commands/run.ts';
import { readRunHistory } from './runlog.ts';
import { inShard, MAX_SHARDS, mergeShards, parseShard, shardOf } from './shards.ts';
import { listSessions } from './store.ts';
import { verifyContent } from '#kb/commands/verify.ts';
import { copyExampleContent } from '#tests/support/example.ts';


describe('--shard i/n', () => {
  it('reads i/n and refuses anything else with a message naming the problem', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    expect(() => parseShard('2')).toThrow('--shard "2" is not of the form i/n (e.g. --shard 2/4: the second of four shards)');
    expect(() => parseShard('a/b')).toThrow(/not of the form i\/n/);
    expect(() => parseShard('-1/3')).toThrow(/not of the form i\/n/);
    expect(() => parseShard('0/3')).toThrow('--shard 0/3: the shard number must be between 1 and 3 (shards count from 1), got 0');
    expect(() => parseShard('4/3')).toThrow('--shard 4/3: the shard number must be between 1 and 3 (shards count from 1), got 4');
    expect(() => parseShard('1/0')).toThrow(`--shard 1/0: the number of shards must be between 1 and ${MAX_SHARDS}, got 0`);
    expect(() => parseShard('1/1000')).toThrow(/between 1 and 256, got 1000/);
  });

  it('puts every query in exactly one shard, by its id alone: adding queries moves none of the others', () => {
    const ids = Array.from({ length: 3000 }, (_, i) => `question-${i}`);
    for (const n of [1, 2, 3, 7]) {
      const before = new Map(ids.map((id) => [id, shardOf(id, n)]));
      for (const id of ids) {
        const shards = Array.from({ length: n }, (_, i) => i + 1).filter((i) => inShard(id, { index: i, count: n }));
        expect(shards).toEqual([before.get(id)]);
      }
      // More questions in the list (and in another order) change nothing for the first ones.
      const more = [...ids.map((id) => `new-${id}`), ...ids].reverse();
      for (const id of more.filter((id) => before.has(id))) expect(shardOf(id, n)).toBe(before.get(id));
      // And the shares are even enough: each within a fifth of a fair share.
      const sizes = Array.from({ length: n }, (_, i) => ids.filter((id) => before.get(id) === i + 1).length);
      for (const size of sizes) expect(Math.abs(size - ids.length / n)).toBeLessThan(ids.length / n / 5);
    }
    expect(inShard('anything', undefined)).toBe(true);
  });

  it('kb run --shard refuses a bad value before doing any work', async () => {
    const errors: string[] = [];
    const code = await main(['run', '--shard', '3/2', '--content', '/nonexistent-kb-folder'], () => {}, (l) => errors.push(l));
    expect(code).toBe(1);
    expect(errors).toEqual(['kb: --shard 3/2: the shard number must be between 1 and 2 (shards count from 1), got 3']);
  });
});

/** Every file under a folder (relative path → bytes, size, mtime, inode). */
async function snapshot(dir: string) {
  const files = new Map<string, { bytes: Buffer; mtimeMs: number; ino: number }>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (path.relative(dir, file).startsWith('.cache')) continue;
    const s = await stat(file);
    files.set(path.relative(dir, file), { bytes: await readFile(file), mtimeMs: s.mtimeMs, ino: s.ino });
  }
  return files;
}

describe('a sharded run merged back', () => {
  let dir: string;
  let base: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-shard-'));
    base = path.join(dir, 'content');
    // The example knowledge base as a checkout has it: queries, corpus, earlier sessions, run log.
    await copyExampleContent(base);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  // Two weeks after the newest example sessions (2026-12-04): every query is due.
  const now = () => new Date('2026-12-19T05:17:00Z');
  const SHARDS = 3;

  /** What a shard job uploads: the files its run added (as `git ls-files --others` lists them) and the log. */
  async function stageNewFiles(shardContent: string, before: Map<string, unknown>, out: string) {
    for (const [file] of await snapshot(shardContent)) {
      if (before.has(file) && file !== 'runs.jsonl') continue;
      if (!file.startsWith('briefings') && file !== 'runs.jsonl') continue;
      await mkdir(path.dirname(path.join(out, file)), { recursive: true });
      await cp(path.join(shardContent, file), path.join(out, file));
    }
  }

  it('publishes the same queries as one unsharded run, in one folder, with no file overwritten and every earlier file unchanged', async () => {
    const earlier = await snapshot(base);
    const config = (await loadConfig(base))!;

    // The reference: the same run, unsharded.
    const whole = path.join(dir, 'whole');
    await cp(base, whole, { recursive: true });
    const unsharded = await runDue({ contentDir: whole, env: {}, now });
    const expected = unsharded.outcomes.filter((o) => o.outcome === 'published').map((o) => o.id).sort();
    expect(expected).toEqual(config.queries.map((q) => q.id).sort());

    // Each shard runs in its own checkout and uploads only what it added.
    const staged: string[] = [];
    const perShard: string[][] = [];
    for (let i = 1; i <= SHARDS; i++) {
      const checkout = path.join(dir, `shard-${i}`);
      await cp(base, checkout, { recursive: true });
      const summary = await runDue({ contentDir: checkout, env: {}, now, shard: { index: i, count: SHARDS } });
      expect(summary.outcomes.every((o) => o.outcome === 'published')).toBe(true);
      perShard.push(summary.outcomes.map((o) => o.id));
      const out = path.join(dir, 'artifacts', `shard-${i}`);
      await stageNewFiles(checkout, earlier, out);
      staged.push(out);
    }
    // The shards split the queries: none twice, none left out.
    expect(perShard.flat().sort()).toEqual(expected);

    // The merge job: the base checkout takes every shard's new files.
    const result = await mergeShards(base, staged);
    expect(result.unchanged).toEqual([]);
    const after = await snapshot(base);
    const added = [...after.keys()].filter((f) => !earlier.has(f)).sort();
    expect(result.added).toEqual(added);
    // No name collided: one new file per query, each one byte for byte what its shard wrote.
    expect(added).toHaveLength(expected.length);
    for (const [i, out] of staged.entries()) {
      for (const [file, { bytes }] of await snapshot(out)) {
        if (file === 'runs.jsonl') continue;
        expect(after.get(file)?.bytes.equals(bytes), `${file} from shard ${i + 1}`).toBe(true);
      }
    }
    const published = (await listSessions(base)).filter((s) => !earlier.has(path.relative(base, s.path))).map((s) => s.session.querySlug).sort();
    expect(published).toEqual(expected);

    // Every earlier file is unchanged, byte for byte and inode for inode; the log only grew.
    for (const [file, was] of earlier) {
      const now = after.get(file)!;
      if (file === 'runs.jsonl') {
        expect(now.bytes.subarray(0, was.bytes.length).equals(was.bytes)).toBe(true);
        continue;
      }
      expect({ file, same: now.bytes.equals(was.bytes), mtimeMs: now.mtimeMs, ino: now.ino }).toEqual({ file, same: true, mtimeMs: was.mtimeMs, ino: was.ino });
    }
    // The merged log holds the run line of each shard that ran something (a shard with nothing
    // due writes none) and each query's line, once.
    const { runs, entries } = await readRunHistory(base);
    const ranShards = perShard.flatMap((ids, i) => (ids.length ? [`${i + 1}/${SHARDS}`] : []));
    expect(ranShards.length).toBeGreaterThan(1);
    expect(runs.filter((r) => r.startedAt === now().toISOString()).map((r) => r.shard).sort()).toEqual(ranShards);
    expect(entries.filter((e) => e.at === now().toISOString()).map((e) => e.query).sort()).toEqual(expected);
    expect((await verifyContent(base, {})).errors).toEqual([]);

    // Merging again (a rerun of the merge job) adds nothing and changes nothing.
    const again = await mergeShards(base, staged);
    expect(again).toEqual({ added: [], unchanged: added, logLines: 0 });
    expect([...(await snapshot(base)).keys()].sort()).toEqual([...after.keys()].sort());
  });

  it('refuses a merge that would overwrite a session, and then writes nothing at all', async () => {
    const a = path.join(dir, 'a');
    await cp(base, a, { recursive: true });
    await runDue({ contentDir: a, env: {}, now, only: ['indonesia-nickel', 'drc-cobalt-concentration'] });
    const before = await snapshot(base);
    const log = await readFile(path.join(base, 'runs.jsonl'));
    const files = [...(await snapshot(a)).keys()].filter((f) => !before.has(f));
    expect(files).toHaveLength(2);
    // Someone else's file already has one of those names, with other bytes.
    const taken = path.join(base, files[0]!);
    await mkdir(path.dirname(taken), { recursive: true });
    await writeFile(taken, 'not the same session\n');
    const errors: string[] = [];
    const code = await main(['merge', '--content', base, a], () => {}, (l) => errors.push(l));
    expect(code).toBe(1);
    expect(errors.join('\n')).toContain(`${taken} already exists with other content; a merge never overwrites a session`);
    expect(await readFile(taken, 'utf8')).toBe('not the same session\n');
    await expect(stat(path.join(base, files[1]!))).rejects.toThrow(/ENOENT/);
    expect((await readFile(path.join(base, 'runs.jsonl'))).equals(log)).toBe(true);
  });

  it('kb merge names a missing shard folder, and a shard file that is not a session', async () => {
    const errors: string[] = [];
    const err = (l: string) => errors.push(l);
    expect(await main(['merge', '--content', base, path.join(dir, 'nope')], () => {}, err)).toBe(1);
    expect(errors.pop()).toBe(`kb: kb merge: the shard folder ${path.join(dir, 'nope')} does not exist`);
    expect(await main(['merge', '--content', base], () => {}, err)).toBe(1);
    expect(errors.pop()).toMatch(/^kb: kb merge needs at least one shard folder/);

    const bad = path.join(dir, 'bad');
    await mkdir(path.join(bad, 'briefings', 'x'), { recursive: true });
    await writeFile(path.join(bad, 'briefings', 'x', '2026-12-14-deadbeef.mdx'), '---\nid: 1\n---\n');
    expect(await main(['merge', '--content', base, bad], () => {}, err)).toBe(1);
    expect(errors.pop()).toMatch(new RegExp(`^kb: nothing was merged into .*\\n  ${path.join(bad, 'briefings', 'x', '2026-12-14-deadbeef.mdx').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a valid session`));
  });

  it('kb merge prints what it added', async () => {
    const a = path.join(dir, 'a');
    await cp(base, a, { recursive: true });
    await runDue({ contentDir: a, env: {}, now, only: ['indonesia-nickel'] });
    const out: string[] = [];
    expect(await main(['merge', '--content', base, a], (l) => out.push(l))).toBe(0);
    expect(out[0]).toMatch(/^added .*briefings\/indonesia-nickel\/2026-12-19-[0-9a-f]{8}\.mdx$/);
    // The shard here is a whole checkout, so every earlier session is "already present".
    expect(out[1]).toMatch(/^merged 1 shard: 1 new session, \d+ already present, 2 run-log lines$/);
  });
});
