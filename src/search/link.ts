// Search files are written once into `<content>/.cache/search/` and hard-linked from there into
// the site (and into the bundles' merge): the same bytes, no copy, when both are on one disk.
import { copyFile, link, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

/** Hard-links a file, else (another disk, a file system without links) copies it. */
export async function linkFile(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}

/** linkFile for a folder's files, those of its top level that `keep` names and all below them. */
export async function linkTree(from: string, to: string, keep: (name: string) => boolean): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const item of await readdir(from, { withFileTypes: true })) {
    if (!keep(item.name)) continue;
    if (item.isDirectory()) await linkTree(path.join(from, item.name), path.join(to, item.name), () => true);
    else await linkFile(path.join(from, item.name), path.join(to, item.name));
  }
}
