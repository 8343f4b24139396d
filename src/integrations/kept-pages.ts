// Keeps the last build's pages in the output folder for Astro's incremental build. Astro empties
// the folder before every build and then copies each unchanged page back from its cache: at
// 10,000 briefings that is 20,000 pages (1.5 GB) deleted and copied again to change a handful
// (docs/performance.md). Instead, Astro's emptying is off and this does it selectively: at the
// start it removes everything except the pages the last build of this knowledge base wrote,
// exactly as it left them (the same size and modification time, recorded in Astro's cache
// folder, one per knowledge base); Astro then keeps an unchanged page where it is, and renders
// the others over it. At the end the kept pages this build did not make (a deleted session's)
// are removed too, so the folder holds this build's output and nothing else, as before.
import type { AstroIntegration } from 'astro';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { writeAtomic } from '#kb/store/files.ts';

const RECORD = 'kb-kept-pages.json';
const TRASH = '.kb-trash-';

/** The pages a build left in the output folder: each file (relative, `/`-separated) with its size and modification time. */
interface Record {
  version: 1;
  outDir: string;
  files: { [file: string]: [size: number, mtimeMs: number] };
}

export default function keptPagesIntegration(): AstroIntegration {
  let outDir = '';
  let recordFile = '';
  let kept = new Set<string>();
  let clearing: Promise<void> = Promise.resolve();
  return {
    name: 'kb-kept-pages',
    hooks: {
      'astro:config:setup': ({ updateConfig }) => {
        updateConfig({ vite: { build: { emptyOutDir: false } } });
      },
      'astro:config:done': ({ config }) => {
        outDir = fileURLToPath(config.outDir);
        recordFile = path.join(fileURLToPath(config.cacheDir), RECORD);
      },
      'astro:build:start': async () => {
        kept = await keptPages(outDir, recordFile);
        await clearOutDir(outDir, kept);
        // What is not kept was only moved aside; it is deleted while the pages render.
        clearing = emptyTrash(outDir);
        clearing.catch(() => undefined); // awaited at the end
      },
      'astro:build:done': async ({ assets }) => {
        await clearing;
        const made = new Set<string>();
        for (const urls of assets.values()) for (const url of urls) made.add(path.relative(outDir, fileURLToPath(url)).split(path.sep).join('/'));
        const io = pLimit(64);
        await Promise.all([...kept].filter((file) => !made.has(file)).map((file) => io(() => removeFile(outDir, file))));
        await writeRecord(recordFile, outDir, made);
      },
    },
  };
}

/** The last build's pages that are still in `outDir` as it left them. */
export async function keptPages(outDir: string, recordFile: string): Promise<Set<string>> {
  const kept = new Set<string>();
  let record: Record;
  try {
    record = JSON.parse(await readFile(recordFile, 'utf8')) as Record;
  } catch {
    return kept; // no build yet, or an unreadable record: nothing is kept, as with Astro's own emptying
  }
  if (record?.version !== 1 || record.outDir !== outDir || typeof record.files !== 'object') return kept;
  const io = pLimit(64);
  await Promise.all(
    Object.entries(record.files).map(([file, [size, mtimeMs]]) =>
      io(async () => {
        const s = await stat(path.join(outDir, file)).catch(() => undefined);
        // Another knowledge base built into the same folder, or someone edited the file: not ours to keep.
        if (s?.isFile() && s.size === size && s.mtimeMs === mtimeMs) kept.add(file);
      }),
    ),
  );
  return kept;
}

/**
 * Moves everything in `outDir` but the kept pages (and `.git`, which Astro keeps too) into a
 * trash folder inside it, to be deleted by emptyTrash: renames are quick, so the build goes on.
 */
export async function clearOutDir(outDir: string, kept: ReadonlySet<string>): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const holders = new Set<string>();
  for (const file of kept) for (let dir = path.posix.dirname(file); dir !== '.'; dir = path.posix.dirname(dir)) holders.add(dir);
  const trash = path.join(outDir, `${TRASH}${randomBytes(4).toString('hex')}`);
  await mkdir(trash);
  let n = 0;
  const io = pLimit(64);
  const clear = async (dir: string): Promise<void> => {
    const entries = await readdir(path.join(outDir, dir), { withFileTypes: true });
    await Promise.all(
      entries.map((entry) => {
        const rel = dir ? `${dir}/${entry.name}` : entry.name;
        if (rel === '.git' || rel === path.basename(trash) || kept.has(rel)) return undefined;
        if (entry.isDirectory() && holders.has(rel)) return clear(rel);
        return io(() => rename(path.join(outDir, rel), path.join(trash, String(n++))));
      }),
    );
  };
  await clear('');
}

/** Deletes the trash folders in `outDir`: this build's, and any a killed build left. */
export async function emptyTrash(outDir: string): Promise<void> {
  const names = (await readdir(outDir).catch(() => [])).filter((name) => name.startsWith(TRASH));
  await Promise.all(names.map((name) => rm(path.join(outDir, name), { recursive: true, force: true })));
}

/** Removes a page that is no longer made, and the folders it leaves empty. */
async function removeFile(outDir: string, file: string) {
  await unlink(path.join(outDir, file)).catch(() => undefined);
  for (let dir = path.posix.dirname(file); dir !== '.'; dir = path.posix.dirname(dir)) {
    if (!(await rmdir(path.join(outDir, dir)).then(() => true, () => false))) break;
  }
}

async function writeRecord(recordFile: string, outDir: string, made: ReadonlySet<string>) {
  const record: Record = { version: 1, outDir, files: {} };
  const io = pLimit(64);
  await Promise.all(
    [...made].map((file) =>
      io(async () => {
        const s = await stat(path.join(outDir, file)).catch(() => undefined);
        if (s?.isFile()) record.files[file] = [s.size, s.mtimeMs];
      }),
    ),
  );
  await writeAtomic(recordFile, JSON.stringify(record));
}
