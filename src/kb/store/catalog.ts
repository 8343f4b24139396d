// Every session in the content folder, read and validated once per build, for the site.
//
// `kb build` calls `loadCatalog` before Astro starts: every invalid file is reported at once and
// nothing is built. The site then takes the same catalog from this process (`handOff` /
// `takeHandOff`) instead of parsing tens of thousands of files a second time.
//
// The catalog holds only a small summary of each session (`SessionMeta`, about 1 KB): the list
// pages, feeds and the search partition need nothing more, and holding every whole session took
// 1.3 GB per 10,000 and stalled the build at 50,000 (docs/performance.md). A page that shows a
// whole session reads it with `readSession`, from a per-session cache file written when the
// session was validated. Under `<content>/.cache/site/` the summaries and sessions are kept by
// the SHA-1 of each file's bytes, so a build after one new session parses one file.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';
import { countResults, teaser } from '#core/teaser.ts';
import type { KeyFigure, Session } from '#core/session.ts';
import type { Ledger, LedgerFigure } from '#core/ledger/index.ts';
import { writeAtomic } from './files.ts';
import { sessionFiles } from './store.ts';
import { checkSessionFile } from '#kb/commands/verify.ts';

/** What list pages, feeds and the search partition show of a session: kept for every session. */
export interface SessionMeta extends Pick<Session, 'id' | 'query' | 'querySlug' | 'generatedAt' | 'status' | 'tags' | 'providers'> {
  counts: ReturnType<typeof countResults>;
  /** Plain-text teasers of the summary (else the analysis): 260 and 400 characters. */
  teaser: string;
  longTeaser: string;
  /** The answer's key figures: the question page charts them across sessions. */
  figures?: KeyFigure[];
  /** What changed since the previous session, without the claims and the unchanged figures: the digest page and its feeds. */
  changes?: SessionChanges;
}

export type SessionChanges = Omit<Ledger, 'claims' | 'figures' | 'threshold'> & { figures: LedgerFigure[] };

function changesOf(ledger: Ledger): SessionChanges {
  const { claims: _claims, threshold: _threshold, figures, ...rest } = ledger;
  return { ...rest, figures: figures.filter((f) => f.status !== 'unchanged') };
}

export interface CatalogEntry {
  /** Absolute path of the session file. */
  file: string;
  /** SHA-1 of the file's bytes: what a page built from it depends on. */
  digest: string;
  meta: SessionMeta;
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
  /** Whole sessions by digest, when there is no cache on disk to read them back from. */
  held?: Map<string, Session>;
}

/** Bump when the cached form changes (schema, reader, meta), so old caches are ignored. */
export const CACHE_VERSION = 6; // 3: teasers read through the markdown tree; 4: the answer leads the teaser; 5: figures and changes; 6: teasers without citation markers
const cacheDir = (contentDir: string) => path.join(contentDir, '.cache', 'site');
const indexFile = (contentDir: string) => path.join(cacheDir(contentDir), `index-v${CACHE_VERSION}.bin`);
const sessionsDir = (contentDir: string) => path.join(cacheDir(contentDir), `sessions-v${CACHE_VERSION}`);
const sessionCacheFile = (contentDir: string, digest: string) => path.join(sessionsDir(contentDir), digest.slice(0, 2), `${digest}.bin`);

export function sessionMeta(session: Session): SessionMeta {
  const { id, query, querySlug, generatedAt, status, tags, providers } = session;
  return {
    id,
    query,
    querySlug,
    generatedAt,
    status,
    tags,
    ...(providers ? { providers } : {}),
    counts: countResults(session.steps),
    // A briefing that opens with its answer is announced by it: lists, feeds and meta descriptions.
    teaser: teaser(session.answer?.text) || teaser(session.summary) || teaser(session.analysis),
    longTeaser: teaser(session.answer?.text, 400) || teaser(session.summary, 400) || teaser(session.analysis, 400),
    ...(session.answer?.figures.length ? { figures: session.answer.figures } : {}),
    ...(session.ledger ? { changes: changesOf(session.ledger) } : {}),
  };
}

export async function loadCatalog(contentDir: string, { cache = true }: { cache?: boolean } = {}): Promise<Catalog> {
  const dir = path.resolve(contentDir);
  const files = await sessionFiles(dir);
  const cached = cache ? await readIndex(dir) : new Map<string, SessionMeta>();
  const held = cache ? undefined : new Map<string, Session>();
  const io = pLimit(64);
  const problems: string[] = [];
  const invalid = new Set<string>();
  let parsed = 0;
  const read = await Promise.all(
    files.map((file) =>
      io(async (): Promise<CatalogEntry | { file: string; problems: string[] }> => {
        const bytes = await readFile(file);
        const digest = createHash('sha1').update(bytes).digest('hex');
        const meta = cached.get(digest);
        if (meta) return { file, digest, meta };
        parsed++;
        const checked = checkSessionFile(bytes.toString('utf8'), file);
        if (!checked.session) return { file, problems: checked.problems };
        if (held) held.set(digest, checked.session);
        else await writeAtomic(sessionCacheFile(dir, digest), serialize(checked.session));
        return { file, digest, meta: sessionMeta(checked.session) };
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
    const other = byId.get(entry.meta.id);
    if (other) {
      invalid.add(entry.file);
      problems.push(`${entry.file}:${await idLine(entry.file)}: id: session id ${entry.meta.id} is also in ${other}; one session, one file. Delete the copy that is wrong.`);
      continue;
    }
    byId.set(entry.meta.id, entry.file);
    entries.push(entry);
  }
  const current = new Set(entries.map((e) => e.digest));
  if (cache && (parsed > 0 || [...cached.keys()].some((d) => !current.has(d)))) {
    await writeAtomic(indexFile(dir), serialize(new Map(entries.map((e) => [e.digest, e.meta]))));
    await forgetOthers(dir, current);
  }
  return { contentDir: dir, entries, problems, invalidFiles: [...invalid], parsed, ...(held ? { held } : {}) };
}

// The sessions pages read lately, per catalog. Pages are rendered question by question, so a
// briefing, its neighbours and its comparison are read within a few pages of each other.
const recent = new WeakMap<Catalog, LRUCache<string, Session>>();

/**
 * The whole session of an entry: from memory, else from the cache file written when it was
 * validated, else parsed again from its file (a cache cleared during the build).
 */
export function readSession(catalog: Catalog, entry: CatalogEntry): Session {
  let lru = recent.get(catalog);
  if (!lru) recent.set(catalog, (lru = new LRUCache({ max: 128 })));
  let session = lru.get(entry.digest);
  if (!session) lru.set(entry.digest, (session = loadSession(catalog, entry)));
  return session;
}

/**
 * The whole session of an entry, read again, not kept: for the build's worker threads, which
 * read each session once (keeping the latest 128 as the pages do would cost each thread about
 * as much memory as the pages' own).
 */
export function loadSession(catalog: Catalog, entry: CatalogEntry): Session {
  let session = catalog.held?.get(entry.digest);
  if (session) return session;
  try {
    const value = deserialize(readFileSync(sessionCacheFile(catalog.contentDir, entry.digest))) as Session;
    if (value?.id === entry.meta.id) session = value;
  } catch {
    // not cached (or unreadable): parse the file below
  }
  if (!session) {
    const bytes = readFileSync(entry.file);
    if (createHash('sha1').update(bytes).digest('hex') !== entry.digest) {
      throw new Error(`${entry.file} changed while the site was being built. Run kb build again.`);
    }
    const checked = checkSessionFile(bytes.toString('utf8'), entry.file);
    if (!checked.session) throw new Error(checked.problems.join('\n'));
    session = checked.session;
  }
  return session;
}

/**
 * Removes the cached sessions of files that are gone or changed, and the caches of older versions
 * (a whole copy of every session), so the cache does not grow forever.
 */
async function forgetOthers(contentDir: string, keep: Set<string>): Promise<void> {
  const current = new Set([path.basename(indexFile(contentDir)), path.basename(sessionsDir(contentDir))]);
  const old = (await readdir(cacheDir(contentDir)).catch(() => [] as string[])).filter((f) => /^(sessions|index)-v\d+(\.bin)?$/.test(f) && !current.has(f));
  await Promise.all(old.map((f) => rm(path.join(cacheDir(contentDir), f), { recursive: true, force: true })));
  const root = sessionsDir(contentDir);
  const files = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  const stale = files.filter((f) => f.endsWith('.bin') && !keep.has(path.basename(f, '.bin')));
  await Promise.all(stale.map((f) => rm(path.join(root, f), { force: true })));
}

/** The line of the `id:` field (only needed for the rare duplicate, so read again then). */
async function idLine(file: string): Promise<number> {
  const text = await readFile(file, 'utf8');
  const at = text.search(/^id:/m);
  return at < 0 ? 1 : text.slice(0, at).split('\n').length;
}

async function readIndex(contentDir: string): Promise<Map<string, SessionMeta>> {
  try {
    const value = deserialize(await readFile(indexFile(contentDir))) as unknown;
    return value instanceof Map ? (value as Map<string, SessionMeta>) : new Map();
  } catch {
    return new Map(); // none yet, or unreadable: parse the files
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
