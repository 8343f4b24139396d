// Moving files and folders where the destination may be on another file system (a mounted
// volume, a tmpfs): rename cannot cross file systems (EXDEV), so there the move copies and
// deletes, as mv does.
import { cp, rename as renameOnOneDisk, rm } from 'node:fs/promises';
import type { PathLike } from 'node:fs';

type Path = string | URL;
type Rename = (from: PathLike, to: PathLike) => Promise<void>;

/** Renames `from` to `to`, or copies it there and deletes it when they are on different disks. */
export async function move(from: Path, to: Path, rename: Rename = renameOnOneDisk): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await cp(from, to, { recursive: true, force: true });
    await rm(from, { recursive: true, force: true });
  }
}
