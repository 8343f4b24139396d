// One writer at a time per content folder: `kb run` (and `kb import`) hold
// `<content>/.cache/kb.lock` while they work. A second writer is refused with a message saying
// who holds the lock; a lock left by a process that died (SIGKILL, power loss: nothing can
// clean up after those) is taken over by the next writer.
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
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

/**
 * Releases the lock. `verify()` throws a LockedError unless the lock is still this holder's: a
 * check for a holder to make before it writes.
 */
export type HeldLock = (() => Promise<void>) & { verify(): Promise<void> };

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
 * releases it (and can verify it is still held). Throws a LockedError naming the holder when a
 * live process holds it.
 */
export async function acquireContentLock(contentDir: string, command: string): Promise<HeldLock> {
  const file = lockPath(contentDir);
  await mkdir(path.dirname(file), { recursive: true });
  const mine: LockInfo = { pid: process.pid, hostname: os.hostname(), command, startedAt: new Date().toISOString(), token: randomBytes(8).toString('hex') };
  const text = JSON.stringify(mine) + '\n';
  const held = Object.assign(() => release(file, mine.token!), { verify: () => verify(file, mine.token!) });

  // Two attempts: the second only after a stale lock was moved out of the way.
  for (let attempt = 0; ; attempt++) {
    // Created is not yet held: a takeover under way may put back, over ours, a live lock it had
    // moved aside (see takeOver). Then the lock is the other holder's, and we are refused below.
    if ((await createExclusive(file, text)) && (await holdsAfterTakeovers(file, mine.token!))) return held;
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
 * puts that back and tries again from the start, where it will find the live holder and be
 * refused. While it is aside there is no `kb.lock`, so a third process may create one: putting
 * back by rename replaces that newcomer's lock (a link would fail, and the first holder would
 * silently lose its lock while the newcomer also ran). The newcomer finds out because, after
 * creating, it waits for takeovers under way to finish before it checks the lock is its own.
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
    if (moved !== staleText) await rename(aside, file);
  } finally {
    await rm(aside, { force: true });
  }
}

/** Whether the lock is ours once no live process has a takeover's aside file (named by takeOver). */
async function holdsAfterTakeovers(file: string, token: string): Promise<boolean> {
  const underWay = async () => (await readdir(path.dirname(file))).some((name) => pidAlive(Number(/^kb\.lock\.(\d+)\.[0-9a-f]+\.stale$/.exec(name)?.[1])));
  // Bounded: a takeover takes milliseconds; a live pid on a leftover aside file is a reused one.
  for (let waited = 0; waited < 2000 && (await underWay()); waited += 20) await new Promise((r) => setTimeout(r, 20));
  const seen = await readLock(file);
  return seen !== 'missing' && seen.info?.token === token;
}

/** A takeover that misjudged a holder (or a lock removed by hand) can leave it running without the lock. */
async function verify(file: string, token: string): Promise<void> {
  const seen = await readLock(file);
  if (seen !== 'missing' && seen.info?.token === token) return;
  const now = seen === 'missing' ? 'it was removed' : seen.info ? `it is now held by ${seen.info.command} (pid ${seen.info.pid} on ${seen.info.hostname})` : 'it was replaced';
  throw new LockedError(`this process no longer holds the lock ${file}: ${now}. Stop, and run again.`, seen === 'missing' ? undefined : seen.info);
}

async function release(file: string, token: string): Promise<void> {
  const seen = await readLock(file);
  // Only ever remove our own lock: after a takeover by mistake (say the clock or pid check
  // misjudged us), the file may now be someone else's.
  if (seen === 'missing' || seen.info?.pid !== process.pid || seen.info.token !== token) return;
  await rm(file, { force: true });
}
