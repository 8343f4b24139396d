// Every session in the content folder, read and validated once per build, for the site.
//
// `kb build` calls `loadCatalog` before Astro starts: every invalid file is reported at once and
// nothing is built. The site then takes the same sessions from this process (`handOff` /
// `takeHandOff`) instead of parsing tens of thousands of files a second time. A cache under
// `<content>/.cache/site/` keeps each valid session by the hash of its file's bytes, so a build
// after one new session parses one file; the rest are read back from the cache.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import pLimit from 'p-limit';
import type { Session } from './session.ts';
import { sessionFiles } from './store.ts';
import { checkSessionFile } from './verify.ts';

export interface CatalogEntry {
  /** Absolute path of the session file. */
  file: string;
  /** SHA-1 of the file's bytes: what a page built from it depends on. */
  digest: string;
  session: Session;
}

export interface Catalog {
  contentDir: string;
  /** Valid sessions, in file order. */
  entries: CatalogEntry[];
  /** One line per problem, each naming its file and line: the build refuses to go on. */
  problems: string[];
  invalidFiles: string[];
  /** Files parsed this time (the rest came from the cache). */
  parsed: number;
}

/** Bump when the cached form changes (schema, reader), so old caches are ignored. */
const CACHE_VERSION = 1;
const cacheFile = (contentDir: string) => path.join(contentDir, '.cache', 'site', `sessions-v${CACHE_VERSION}.bin`);

export async function loadCatalog(contentDir: string, { cache = true }: { cache?: boolean } = {}): Promise<Catalog> {
  const dir = path.resolve(contentDir);
  const files = await sessionFiles(dir);
  const cached = cache ? await readCache(dir) : new Map<string, Session>();
  const io = pLimit(64);
  const problems: string[] = [];
  const invalid = new Set<string>();
  let parsed = 0;
  const read = await Promise.all(
    files.map((file) =>
      io(async (): Promise<CatalogEntry | { file: string; problems: string[] }> => {
        const bytes = await readFile(file);
        const digest = createHash('sha1').update(bytes).digest('hex');
        let session = cached.get(digest);
        if (!session) {
          parsed++;
          const checked = checkSessionFile(bytes.toString('utf8'), file);
          if (!checked.session) return { file, problems: checked.problems };
          session = checked.session;
        }
        return { file, digest, session };
      }),
    ),
  );
  const entries: CatalogEntry[] = [];
  const byId = new Map<string, string>();
  // In file order, whatever order the reads finished in.
  for (const entry of read) {
    if ('problems' in entry) {
      problems.push(...entry.problems);
      invalid.add(entry.file);
      continue;
    }
    const other = byId.get(entry.session.id);
    if (other) {
      invalid.add(entry.file);
      problems.push(`${entry.file}:${await idLine(entry.file)}: id: session id ${entry.session.id} is also in ${other}; one session, one file. Delete the copy that is wrong.`);
      continue;
    }
    byId.set(entry.session.id, entry.file);
    entries.push(entry);
  }
  if (cache && parsed > 0) await writeCache(dir, entries);
  return { contentDir: dir, entries, problems, invalidFiles: [...invalid], parsed };
}

/** The line of the `id:` field (only needed for the rare duplicate, so read again then). */
async function idLine(file: string): Promise<number> {
  const text = await readFile(file, 'utf8');
  const at = text.search(/^id:/m);
  return at < 0 ? 1 : text.slice(0, at).split('\n').length;
}

async function readCache(contentDir: string): Promise<Map<string, Session>> {
  try {
    const value = deserialize(await readFile(cacheFile(contentDir))) as unknown;
    return value instanceof Map ? (value as Map<string, Session>) : new Map();
  } catch {
    return new Map(); // none yet, or unreadable: parse the files
  }
}

async function writeCache(contentDir: string, entries: CatalogEntry[]): Promise<void> {
  const target = cacheFile(contentDir);
  await mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, serialize(new Map(entries.map((e) => [e.digest, e.session]))));
    await rename(temp, target);
  } finally {
    await rm(temp, { force: true });
  }
}

// The hand-off from `kb build` to the site, within one process. Astro bundles the site's
// modules separately from the CLI's, so module state is not shared; a well-known global is.
const HANDOFF = Symbol.for('briefing-kb.catalog');

export function handOff(catalog: Catalog | undefined): void {
  (globalThis as Record<symbol, unknown>)[HANDOFF] = catalog;
}

/** The catalog `kb build` loaded for this content folder, if any. */
export function takeHandOff(contentDir: string): Catalog | undefined {
  const catalog = (globalThis as Record<symbol, unknown>)[HANDOFF] as Catalog | undefined;
  return catalog?.contentDir === path.resolve(contentDir) ? catalog : undefined;
}
