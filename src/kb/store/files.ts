// File moves and writes that readers and other disks can rely on.
import { randomBytes } from 'node:crypto';
import type { PathLike } from 'node:fs';
import { cp, mkdir, rename as renameOnOneDisk, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Readers never see half a file: write beside it, then rename into place. The pid in the
 * temporary name lets `sweepTempFiles` (./store.ts) remove it if the process dies before the
 * rename. `mtimeMs` sets the file's modification time before it appears.
 */
export async function writeAtomic(target: string, data: string | Uint8Array, { mtimeMs }: { mtimeMs?: number } = {}): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data);
    if (mtimeMs !== undefined) await utimes(temp, mtimeMs / 1000, mtimeMs / 1000);
    await renameOnOneDisk(temp, target);
  } finally {
    await rm(temp, { force: true });
  }
}

type Path = string | URL;
type Rename = (from: PathLike, to: PathLike) => Promise<void>;

/**
 * Renames `from` to `to`, or, where they are on different file systems (a mounted volume, a
 * tmpfs), which rename cannot cross (EXDEV), copies it there and deletes it, as mv does.
 */
export async function move(from: Path, to: Path, rename: Rename = renameOnOneDisk): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await cp(from, to, { recursive: true, force: true });
    await rm(from, { recursive: true, force: true });
  }
}
