// The knowledge base on disk: one session, one file, `<content>/briefings/<slug>/<date>-<id8>.mdx`,
// written atomically and never rewritten.
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { writeNewFileDurably } from './durable.ts';
import { pidAlive } from './lock.ts';
import { mdxToSession, sessionToMdx, storedSession } from './mdx.ts';
import type { Session } from '#core/session.ts';

export interface StoredSession {
  path: string;
  session: Session;
}

export interface WriteResult {
  path: string;
  /** `unchanged`: the store already holds this exact session (nothing was written). */
  status: 'written' | 'unchanged';
}

/** `<YYYY-MM-DD>-<first 8 of id, lowercased>.mdx`; the date is generatedAt's UTC date. */
export function sessionFileName(session: Pick<Session, 'id' | 'generatedAt'>): string {
  return fileNameCandidates(session)[0]!;
}

/** Where a session is written when its file name is free: `<contentDir>/briefings/<slug>/<file>`. */
export function sessionPath(contentDir: string, session: Pick<Session, 'id' | 'generatedAt' | 'querySlug'>): string {
  return path.join(briefingsDir(contentDir), session.querySlug, sessionFileName(session));
}

function briefingsDir(contentDir: string): string {
  return path.join(contentDir, 'briefings');
}

function utcDate(generatedAt: string): string {
  const time = new Date(generatedAt);
  if (Number.isNaN(time.getTime())) throw new Error(`generatedAt: not a date-time: ${JSON.stringify(generatedAt)}`);
  return time.toISOString().slice(0, 10);
}

/**
 * File names to try, in order: the 8-character id prefix, then longer prefixes, the whole id,
 * and finally numbered names (ids that differ only in letter case share every prefix).
 */
function fileNameCandidates(session: Pick<Session, 'id' | 'generatedAt'>): string[] {
  const date = utcDate(session.generatedAt);
  const id = session.id.toLowerCase();
  const names: string[] = [];
  for (let length = 8; length < id.length; length += 4) names.push(`${date}-${id.slice(0, length)}.mdx`);
  names.push(`${date}-${id}.mdx`);
  for (let n = 2; n <= 100; n++) names.push(`${date}-${id}-${n}.mdx`);
  return [...new Set(names)];
}

/** Reads and validates one session file; errors name the file. */
export async function readSession(file: string): Promise<Session> {
  return mdxToSession(await readFile(file, 'utf8'), file);
}

/** Every session file under `<contentDir>/briefings` (not temp files or dotfiles). */
export async function sessionFiles(contentDir: string): Promise<string[]> {
  const root = briefingsDir(contentDir);
  let entries;
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.mdx') && !entry.name.startsWith('.'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !path.relative(root, file).split(path.sep).some((part) => part.startsWith('.')))
    .sort();
}

/**
 * All sessions, newest first (by generatedAt as an instant; ties by path). A file that is not
 * a valid session, or two files holding the same session id, is an error naming the files.
 */
export async function listSessions(contentDir: string): Promise<StoredSession[]> {
  const files = await sessionFiles(contentDir);
  const sessions = await Promise.all(files.map(async (file) => ({ path: file, session: await readSession(file) })));
  const byId = new Map<string, string>();
  for (const { path: file, session } of sessions) {
    const other = byId.get(session.id);
    if (other) throw new Error(`session id ${session.id} is in two files: ${other} and ${file}`);
    byId.set(session.id, file);
  }
  return sessions.sort((a, b) => Date.parse(b.session.generatedAt) - Date.parse(a.session.generatedAt) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The stored session with this id, if any. */
export async function findSessionById(contentDir: string, id: string): Promise<StoredSession | undefined> {
  // Every file name carries the first 8 characters of its id (see sessionFileName), so only
  // those files need reading: a write stays cheap in a store of tens of thousands.
  const tag = `-${id.slice(0, 8).toLowerCase()}`;
  const candidates = (await sessionFiles(contentDir)).filter((file) => path.basename(file).includes(tag));
  for (const file of candidates) {
    const text = await readFile(file, 'utf8');
    // A file that does not mention the id cannot hold it (ids are plain letters, digits, - and _).
    if (!text.includes(id)) continue;
    const session = mdxToSession(text, file);
    if (session.id === id) return { path: file, session };
  }
  return undefined;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function fsyncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms cannot open or fsync a directory; the rename is still atomic there.
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EACCES', 'ENOTSUP'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * Moves the temp file to `target` unless `target` exists, atomically: a hard link fails if the
 * name is taken (so an existing file is never replaced, even by a concurrent writer). Where hard
 * links are not supported, falls back to check-then-rename. Returns false if `target` exists.
 */
async function publish(temp: string, target: string): Promise<boolean> {
  try {
    await link(temp, target);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'].includes(code ?? '')) throw error;
  }
  if (await exists(target)) return false;
  await rename(temp, target);
  return true;
}

/**
 * Writes a session as a new file. The same session already stored (anywhere in the store) is
 * `unchanged`; a different session with the same id is an error naming both files. A file name
 * taken by another session gets a longer id prefix. Files are never rewritten: the content goes
 * to a temp file in the same folder, is fsynced, then linked into place, and the folder fsynced.
 */
export async function writeSession(contentDir: string, session: Session): Promise<WriteResult> {
  const text = sessionToMdx(session);
  const firstPath = sessionPath(contentDir, session);
  // What any reader will get back from the file: the session in its stored form.
  const stored = storedSession(session);

  const sameIdElsewhere = async (found: StoredSession | undefined): Promise<WriteResult | undefined> => {
    if (!found) return undefined;
    // Provenance says where a copy came from, not what the session is: the same session
    // imported again from a renamed or re-exported file is still the same session.
    const { provenance: _a, ...was } = found.session;
    const { provenance: _b, ...now } = stored;
    if (isDeepStrictEqual(was, now)) return { path: found.path, status: 'unchanged' };
    throw new Error(
      `session id ${stored.id} is already stored in ${found.path} with different content, so it was not written as ${firstPath}. Sessions are never rewritten: give the new session its own id, or delete the old file if it is wrong.`,
    );
  };

  const already = await sameIdElsewhere(await findSessionById(contentDir, stored.id));
  if (already) return already;

  const dir = path.dirname(firstPath);
  await mkdir(dir, { recursive: true });
  const candidates = fileNameCandidates(stored);
  const temp = path.join(dir, `.${candidates[0]}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeNewFileDurably(temp, text);
    for (const name of candidates) {
      const target = path.join(dir, name);
      if (await publish(temp, target)) {
        await fsyncDirectory(dir);
        return { path: target, status: 'written' };
      }
      // The name is taken. By this very session (a concurrent writer, or an identical file)?
      const there = await readSession(target);
      if (there.id === stored.id) return (await sameIdElsewhere({ path: target, session: there }))!;
    }
    throw new Error(`no free file name for session ${stored.id} in ${dir}`);
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * A writer's leftovers after a crash: `.<name>.<pid>.<rand>.tmp` (sessions, the lock) and
 * `<name>.<pid>.<rand>.tmp` (the response cache), plus `kb.lock.<pid>.<rand>.stale` (a lock
 * takeover). Every temp name carries its writer's pid, so a file whose writer is dead is
 * garbage: nothing will ever link or rename it into place.
 */
const TEMP_NAME = /\.(\d+)\.[0-9a-f]+\.(?:tmp|stale)$/;

/**
 * Removes the temp files of dead writers under `<contentDir>/briefings` and `<contentDir>/.cache`
 * (the folders kb writes into; queries.yaml, the corpus and the rest are the user's own).
 * Call it while holding the content lock. A live writer's files are kept (this process's too).
 * Returns the files removed.
 */
export async function sweepTempFiles(contentDir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const root of [briefingsDir(contentDir), path.join(contentDir, '.cache')]) {
    let entries;
    try {
      entries = await readdir(root, { recursive: true, withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const match = TEMP_NAME.exec(entry.name);
      if (!match || pidAlive(Number(match[1]))) continue;
      const file = path.join(entry.parentPath, entry.name);
      await rm(file, { force: true });
      removed.push(file);
    }
  }
  return removed.sort();
}
