// Sharding for large query lists: `kb run --shard i/n` runs a stable 1/n of the queries, and
// `kb merge` brings the new files of every shard back into one content folder.
//
// A query's shard depends on its id alone (a hash, not its place in queries.yaml), so adding,
// removing or reordering queries never moves the others to another shard.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeNewFileDurably } from './durable.ts';
import { acquireContentLock } from './lock.ts';
import { readRunLogLines, runLogPath, appendRunLogLines } from './runlog.ts';
import { findSessionById, readSession, sessionFiles } from './store.ts';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export class ShardError extends Error {}

/** Matrices beyond this are a typo, not a plan (GitHub allows 256 jobs per matrix). */
export const MAX_SHARDS = 256;

/** `"2/5"` → `{ index: 2, count: 5 }`; anything else is a clear error. */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) throw new ShardError(`--shard "${text}" is not of the form i/n (e.g. --shard 2/4: the second of four shards)`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > MAX_SHARDS) throw new ShardError(`--shard ${text}: the number of shards must be between 1 and ${MAX_SHARDS}, got ${count}`);
  if (index < 1 || index > count) throw new ShardError(`--shard ${text}: the shard number must be between 1 and ${count} (shards count from 1), got ${index}`);
  return { index, count };
}

export const formatShard = (shard: Shard) => `${shard.index}/${shard.count}`;

/** Which shard (1…count) a query id belongs to. */
export function shardOf(id: string, count: number): number {
  const digest = createHash('sha256').update(id, 'utf8').digest();
  return (digest.readUInt32BE(0) % count) + 1;
}

/** Whether a query runs in this shard; every query runs when there is no shard. */
export function inShard(id: string, shard: Shard | undefined): boolean {
  return !shard || shardOf(id, shard.count) === shard.index;
}

export interface MergeResult {
  /** Session files added, relative to the content folder. */
  added: string[];
  /** Session files a shard had that the content folder already holds byte for byte. */
  unchanged: string[];
  /** runs.jsonl lines appended. */
  logLines: number;
}

export class MergeError extends Error {}

/**
 * Copies the new session files and run-log lines of each shard folder (shaped like a content
 * folder: `briefings/<slug>/<file>.mdx`, `runs.jsonl`) into `contentDir`.
 *
 * Nothing is ever overwritten: every file is checked first (a valid session; its name free, or
 * taken by the very same bytes; its session id not already stored under another name), and if
 * any check fails nothing at all is written. Files are then created exclusively. Log lines the
 * content folder already has are not added again, so merging the same shard twice is harmless.
 */
export async function mergeShards(contentDir: string, shardDirs: string[]): Promise<MergeResult> {
  const release = await acquireContentLock(contentDir, 'kb merge');
  try {
    return await mergeLocked(contentDir, shardDirs, release.verify);
  } finally {
    await release();
  }
}

async function mergeLocked(contentDir: string, shardDirs: string[], stillHeld: () => Promise<void>): Promise<MergeResult> {
  const problems: string[] = [];
  const toAdd = new Map<string, { text: string; from: string }>(); // relative path → bytes
  const unchanged = new Set<string>();
  const ids = new Map<string, string>(); // session id → relative path, across all shards

  for (const dir of shardDirs) {
    for (const file of await sessionFiles(dir)) {
      const relative = path.relative(dir, file);
      const text = await readFile(file, 'utf8');
      let session;
      try {
        session = await readSession(file);
      } catch (error) {
        problems.push(`${file}: not a valid session (${(error as Error).message.split('\n')[0]})`);
        continue;
      }
      const target = path.join(contentDir, relative);
      const existing = await readFile(target, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (existing !== undefined) {
        if (existing === text) unchanged.add(relative);
        else problems.push(`${file}: ${target} already exists with other content; a merge never overwrites a session`);
        continue;
      }
      const other = toAdd.get(relative);
      if (other) {
        if (other.text !== text) problems.push(`${file}: ${other.from} has another session under the same name ${relative}`);
        continue;
      }
      const stored = await findSessionById(contentDir, session.id);
      const seen = ids.get(session.id);
      if (stored || (seen && seen !== relative)) {
        problems.push(`${file}: session ${session.id} is already stored as ${stored?.path ?? seen}`);
        continue;
      }
      ids.set(session.id, relative);
      toAdd.set(relative, { text, from: file });
    }
  }

  // Run-log lines: each shard's log is the content folder's log at checkout plus its own run's
  // lines; only lines not yet in the content folder's log are added, in the shards' order.
  const have = new Set((await readRunLogLines(contentDir)).map((l) => l.text));
  const newLines: string[] = [];
  for (const dir of shardDirs) {
    for (const line of await readRunLogLines(dir)) {
      if (have.has(line.text)) continue;
      if (!line.valid) {
        if (!line.partial) problems.push(`${runLogPath(dir)}:${line.number}: not a valid run record`);
        continue; // a line cut short by a killed run is dropped, as kb itself skips it
      }
      have.add(line.text);
      newLines.push(line.text);
    }
  }

  if (problems.length) {
    throw new MergeError(`nothing was merged into ${contentDir}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  const added = [...toAdd.keys()].sort();
  await stillHeld(); // the lock is still ours before anything is written
  for (const relative of added) {
    const target = path.join(contentDir, relative);
    await mkdir(path.dirname(target), { recursive: true });
    await writeNewFileDurably(target, toAdd.get(relative)!.text);
  }
  await appendRunLogLines(contentDir, newLines);
  return { added, unchanged: [...unchanged].sort(), logLines: newLines.length };
}
