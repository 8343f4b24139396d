// Reading the briefings for the pages: ordering, grouping, and small text helpers.
//
// Sessions are not an Astro content collection: at ten thousand sessions, the collection's data
// store passes through the bundler as one giant module and every session becomes an MDX module
// to compile (see docs/performance.md). The pages read the catalog instead (src/kb/store/catalog.ts):
// the sessions `kb build` validated in this process, or read here when Astro runs on its own.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { siteContentDir } from '#kb/config/env.ts';
import { loadCatalog, readSession, takeHandOff, type SessionMeta } from '#kb/store/catalog.ts';
import type { Session, Step } from '#core/session.ts';
import { sessionHref, queryHref } from './url.ts';

export { countResults, teaser } from '#core/teaser.ts';

export interface Briefing {
  /** The file's path under `briefings/`, without `.mdx`. */
  id: string;
  /** Absolute path of the session file. */
  file: string;
  /** Hash of the file's bytes: a page built only from this session may be reused while it holds. */
  digest: string;
  /** What list pages show: every briefing keeps it. */
  meta: SessionMeta;
  /** The whole session, read when first asked for (see `readSession`): for a briefing's own pages. */
  readonly data: Session;
  /** Last segment of the id, `<YYYY-MM-DD>-<id8>`: the page's own URL segment. */
  name: string;
  url: string;
  time: number;
}

export interface QueryGroup {
  slug: string;
  query: string;
  url: string;
  /** Newest first. */
  briefings: Briefing[];
  tags: string[];
}

let cache: Promise<Briefing[]> | undefined;

/** All briefings, newest first. */
export function allBriefings(): Promise<Briefing[]> {
  // One read per build; `astro dev` reads afresh so new sessions show up without a restart.
  if (import.meta.env.DEV) return load();
  cache ??= load();
  return cache;
}

/** The content folder the site is built from (`kb build` sets KB_CONTENT_DIR). */
export const contentDir = () => siteContentDir();

async function load(): Promise<Briefing[]> {
  const dir = contentDir();
  const catalog = takeHandOff(dir) ?? (await loadCatalog(dir));
  if (catalog.problems.length) {
    throw new Error(`${catalog.invalidFiles.length} session file(s) are invalid:\n${catalog.problems.map((p) => `  ${p}`).join('\n')}\nFix or delete them; kb verify checks the whole content folder.`);
  }
  const root = path.join(dir, 'briefings');
  const seen = new Map<string, string>();
  const list = catalog.entries.map((entry): Briefing => {
    const { file, digest, meta } = entry;
    const id = path.relative(root, file).split(path.sep).join('/').replace(/\.mdx$/, '');
    const name = id.split('/').pop()!;
    const key = `${meta.querySlug}/${name}`;
    const other = seen.get(key);
    if (other) throw new Error(`Two briefings would publish at /q/${key}/: ${other}.mdx and ${id}.mdx`);
    seen.set(key, id);
    return {
      id,
      file,
      digest,
      meta,
      get data() {
        return readSession(catalog, entry);
      },
      name,
      url: sessionHref(meta.querySlug, name),
      time: Date.parse(meta.generatedAt),
    };
  });
  return list.sort((a, b) => b.time - a.time || b.name.localeCompare(a.name));
}

/** One key for a page built from these briefings: it changes when any of their files does. */
export function digestOf(briefings: readonly Briefing[]): string {
  const hash = createHash('sha1');
  for (const b of briefings) hash.update(b.digest);
  return `${briefings.length}:${hash.digest('hex')}`;
}

/** One group per question, the group with the newest briefing first. */
export async function queryGroups(): Promise<QueryGroup[]> {
  const groups = new Map<string, QueryGroup>();
  for (const b of await allBriefings()) {
    let g = groups.get(b.meta.querySlug);
    if (!g) {
      // The newest session's wording of the question names the group.
      g = { slug: b.meta.querySlug, query: b.meta.query, url: queryHref(b.meta.querySlug), briefings: [], tags: [] };
      groups.set(g.slug, g);
    }
    g.briefings.push(b);
    for (const t of b.meta.tags) if (!g.tags.includes(t)) g.tags.push(t);
  }
  return [...groups.values()];
}

/** `2026-01-27 05:52 UTC` */
export function formatUtc(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

/** `2026-01-27` (UTC) */
export function utcDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 10);
}

/** A valid machine-readable value for `<time datetime>`, or undefined. */
export function isoOrUndefined(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return undefined;
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : d.toISOString();
}

export function plural(n: number, one: string, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}


export const STATUS_LABEL: Record<Session['status'], string> = {
  complete: 'Complete',
  partial: 'Partial',
  failed: 'Failed',
};
