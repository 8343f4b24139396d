// One writer at a time per content folder: `kb run` (and `kb import`) hold
// `<content>/.cache/kb.lock` while they work. A second writer is refused with a message saying
// who holds the lock; a lock left by a process that died (SIGKILL, power loss: nothing can
// clean up after those) is taken over by the next writer.
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeNewFileDurably } from './durable.ts';

export interface LockInfo {
  pid: number;
  hostname: string;
  command: string;
  startedAt: string;
  /** Tells this holder's lock from a later one with a reused pid. */
  token?: string;
}

export const lockPath = (contentDir: string) => path.join(contentDir, '.cache', 'kb.lock');

/** Whether a process with this pid exists on this machine. EPERM: it exists, owned by another user. */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class LockedError extends Error {
  readonly holder?: LockInfo;
  constructor(message: string, holder?: LockInfo) {
    super(message);
    this.name = 'LockedError';
    this.holder = holder;
  }
}

/**
 * Takes the content folder's lock for `command` (e.g. `kb run`) and returns the function that
 * releases it. Throws a LockedError naming the holder when a live process holds it.
 */
export async function acquireContentLock(contentDir: string, command: string): Promise<() => Promise<void>> {
  const file = lockPath(contentDir);
  await mkdir(path.dirname(file), { recursive: true });
  const mine: LockInfo = { pid: process.pid, hostname: os.hostname(), command, startedAt: new Date().toISOString(), token: randomBytes(8).toString('hex') };
  const text = JSON.stringify(mine) + '\n';

  // Two attempts: the second only after a stale lock was moved out of the way.
  for (let attempt = 0; ; attempt++) {
    if (await createExclusive(file, text)) return () => release(file, mine.token!);
    const seen = await readLock(file);
    if (seen === 'missing') {
      // Released between our create and our read: just try again.
      if (attempt < 2) continue;
      throw new LockedError(`could not take the lock ${file}: it keeps changing; is another kb starting at the same moment? Try again.`);
    }
    if (seen.info && !isStale(seen.info)) throw new LockedError(lockedMessage(contentDir, file, seen.info), seen.info);
    if (attempt >= 2) throw new LockedError(`could not take over the stale lock ${file}; remove it and try again.`);
    await takeOver(file, seen.text);
  }
}

/**
 * The lock's content appears all at once: it is written to a temp file and hard-linked into
 * place (link fails if the name exists, like O_EXCL). So a reader never sees a lock half
 * written by a live process, and an empty or unparsable lock is damage, safe to take over.
 * Where hard links are unsupported, falls back to open(…, 'wx').
 */
async function createExclusive(file: string, text: string): Promise<boolean> {
  const temp = path.join(path.dirname(file), `.kb.lock.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeNewFileDurably(temp, text);
    try {
      await link(temp, file);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(code ?? '')) throw error;
    }
    try {
      const handle = await open(file, 'wx', 0o644);
      try {
        await handle.writeFile(text, 'utf8');
      } finally {
        await handle.close();
      }
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  } finally {
    await rm(temp, { force: true });
  }
}

async function readLock(file: string): Promise<'missing' | { text: string; info?: LockInfo }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockInfo>;
    if (typeof value?.pid === 'number' && typeof value.hostname === 'string') {
      return { text, info: { pid: value.pid, hostname: value.hostname, command: String(value.command ?? 'kb'), startedAt: String(value.startedAt ?? 'at an unknown time'), token: value.token } };
    }
  } catch {
    // not JSON: corrupt
  }
  return { text };
}

/**
 * A lock is stale when its process is gone. A lock from another machine (a shared folder) can't
 * be checked from here, so it counts as held. A pid reused by an unrelated process also counts
 * as held: the message then tells the user how to remove the lock by hand.
 */
function isStale(info: LockInfo): boolean {
  if (info.hostname !== os.hostname()) return false;
  if (info.pid === process.pid) return false; // this process already holds it (e.g. run inside import)
  return !pidAlive(info.pid);
}

function lockedMessage(contentDir: string, file: string, info: LockInfo): string {
  const where = info.hostname === os.hostname() ? `pid ${info.pid}` : `pid ${info.pid} on ${info.hostname}`;
  const dir = contentDir.endsWith('/') ? contentDir : `${contentDir}/`;
  return `${dir} is locked by ${info.command} (${where}, started ${info.startedAt}); wait for it to finish, or remove ${file} if that process is gone.`;
}

/**
 * Moves a stale lock out of the way. The race: two new runs both find the same stale lock; the
 * first removes it and takes a fresh lock; if the second then simply deleted `kb.lock`, it would
 * delete the first one's fresh lock and both would run. So instead of deleting, each renames
 * the lock to a private name (rename is atomic: exactly one of them gets any given file) and
 * checks that what it moved is the stale lock it judged. If it moved someone's fresh lock, it
 * links that back into place (link fails rather than replace a lock taken meanwhile) and tries
 * again from the start, where it will find the live holder and be refused.
 */
async function takeOver(file: string, staleText: string): Promise<void> {
  const aside = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else moved it: retry
    throw error;
  }
  try {
    const moved = await readFile(aside, 'utf8');
    if (moved !== staleText) {
      await link(aside, file).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
    }
  } finally {
    await rm(aside, { force: true });
  }
}

async function release(file: string, token: string): Promise<void> {
  const seen = await readLock(file);
  // Only ever remove our own lock: after a takeover by mistake (say the clock or pid check
  // misjudged us), the file may now be someone else's.
  if (seen === 'missing' || seen.info?.pid !== process.pid || seen.info.token !== token) return;
  await rm(file, { force: true });
}
