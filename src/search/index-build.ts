// Writes dist/pagefind/ for a catalog: up to ONE_INDEX_MAX briefings as one Pagefind index in
// Pagefind's standard place (./layout.ts), else the briefings split into date bundles
// (./bundles.ts), each its own Pagefind index, built one at a time because Pagefind's memory is
// bounded by the largest bundle, and then merged (./merge.ts) into one index in Pagefind's
// standard place for Pagefind's API, UIs and mergeIndex. A bundle whose briefings did not change
// is copied from `<content>/.cache/search/` instead of indexed again (a new session normally
// changes only the newest bundle). Each briefing is indexed from its session (./document.ts), not
// by reading the built page back.
//
// Layout of dist/pagefind/, in both cases Pagefind's own: pagefind.js, pagefind-entry.json, its
// .pf_meta, index/, filter/, fragment/, its UIs and worker; and ours: bundles.json (the manifest,
// newest bundle first: BundleManifest), filters.json and sources.json (the filter menus' values,
// fetched when a menu opens). With date bundles, also:
//   <key>/                          one bundle: pagefind-entry.json, its .pf_meta, index/,
//                                   filter/, fragment/ (sharing ../pagefind.js and ../wasm.en.pagefind),
//                                   which the search page reads; invisible to Pagefind's API
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { loadSession, type Catalog } from '#kb/store/catalog.ts';
import { searchFacets } from '#core/facets.ts';
import { SEARCH_DOCUMENT_VERSION, searchDocument } from './document.ts';
import { BUNDLE_LIMIT, MERGE_VERSION, addFacets, bundleHash, byCount, emptyFacets, oneIndex, partitionBundles, type BundleManifest, type FacetCounts } from './bundles.ts';
import { DIRECTORY_DIR, MERGED_KEY, ONE_INDEX_KEY, ONE_INDEX_MAX, type DirectoryIndex } from './layout.ts';
import { SCRIPTS, indexDocuments, pagefindPackageVersion } from './pagefind-cli.ts';
import { mergeOnWorker } from './merge-worker.ts';
import { linkFile, linkTree } from './link.ts';

export interface SearchBuildLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface SearchBuildResult {
  /** Keys of the bundles indexed this time, and of those copied from the cache. */
  indexed: string[];
  reused: string[];
  pages: number;
  /** With date bundles: whether their merge into the standard index was made this time or taken from the cache. */
  merged?: 'merged' | 'cached';
}

export interface SearchLayoutOptions {
  /** Briefings per date bundle at most (tests make it small). */
  limit?: number;
  /** Up to this many briefings, one index (KB_SEARCH_ONE_INDEX_MAX). */
  oneIndexMax?: number;
}

/** Writes dist/pagefind/ for the catalog's briefings. */
export async function buildSearchBundles(catalog: Catalog, site: string, log: SearchBuildLog, { limit = BUNDLE_LIMIT, oneIndexMax = ONE_INDEX_MAX }: SearchLayoutOptions = {}): Promise<SearchBuildResult> {
  const out = path.join(site, 'pagefind');
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const bundles = catalog.entries.length <= oneIndexMax ? oneIndex(catalog.entries) : partitionBundles(catalog.entries, limit);
  const cacheRoot = path.join(catalog.contentDir, '.cache', 'search');
  const pagefindVersion = await pagefindPackageVersion();
  const manifest: BundleManifest = { version: 1, total: 0, bundles: [] };
  const facets = emptyFacets();
  const result: SearchBuildResult = { indexed: [], reused: [], pages: 0 };
  if (bundles.length === 0) log.warn('indexed 0 pages: there are no briefings yet; search will find nothing');

  // One bundle at a time: Pagefind's memory is that of the largest bundle.
  for (const bundle of bundles) {
    const hash = bundleHash(bundle.key, bundle.items.map((e) => e.digest), SEARCH_DOCUMENT_VERSION, pagefindVersion);
    const keyCache = path.join(cacheRoot, bundle.key);
    const cached = path.join(keyCache, hash);
    const standard = bundle.key === ONE_INDEX_KEY;
    if (await exists(path.join(cached, 'facets.json'))) {
      result.reused.push(bundle.key);
    } else {
      await indexBundle(catalog, bundle.items, cached, standard);
      result.indexed.push(bundle.key);
    }
    // Older versions of this bundle will not be used again.
    for (const name of await readdir(keyCache)) if (name !== hash) await rm(path.join(keyCache, name), { recursive: true, force: true });

    const entry = JSON.parse(await readFile(path.join(cached, 'pagefind-entry.json'), 'utf8')) as { languages: Record<string, { page_count: number }> };
    const pages = Object.values(entry.languages).reduce((n, l) => n + l.page_count, 0);
    if (pages !== bundle.items.length) {
      throw new Error(`the search bundle ${bundle.key} holds ${pages} pages for ${bundle.items.length} briefings. Delete ${keyCache} and build again; if it happens again, report it with the build log.`);
    }
    if (standard) {
      await linkTree(cached, out, (name) => name !== 'facets.json');
    } else {
      await linkTree(cached, path.join(out, bundle.key), (name) => !SCRIPTS.test(name) && name !== 'facets.json');
      // Same Pagefind version, same files: take Pagefind's scripts from the newest bundle.
      if (manifest.bundles.length === 0) for (const name of await readdir(cached)) if (SCRIPTS.test(name)) await linkFile(path.join(cached, name), path.join(out, name));
    }
    addFacets(facets, JSON.parse(await readFile(path.join(cached, 'facets.json'), 'utf8')) as FacetCounts);
    manifest.bundles.push({ key: bundle.key, first: bundle.first, last: bundle.last, count: pages, path: standard ? 'pagefind/' : `pagefind/${bundle.key}/`, hash });
    manifest.total += pages;
  }
  if (bundles.length && bundles[0]!.key !== ONE_INDEX_KEY) {
    const merge = await mergeBundles(manifest, cacheRoot, out);
    result.merged = merge.made;
    manifest.merged = { path: 'pagefind/', hash: merge.hash, directory: merge.directory.firsts };
  }
  // Keys that no longer exist (a year split into months, deleted sessions).
  const keys = new Set([...bundles.map((b) => b.key), MERGED_KEY]);
  for (const name of await readdir(cacheRoot).catch(() => [])) if (!keys.has(name)) await rm(path.join(cacheRoot, name), { recursive: true, force: true });

  if (manifest.total !== catalog.entries.length) {
    throw new Error(`the search bundles hold ${manifest.total} pages for ${catalog.entries.length} briefings. Delete ${cacheRoot} and build again.`);
  }
  await writeFile(path.join(out, 'bundles.json'), JSON.stringify(manifest));
  await writeFile(path.join(out, 'filters.json'), JSON.stringify({ query: byCount(facets.query), tag: byCount(facets.tag), status: byCount(facets.status), year: Object.entries(facets.year).sort((a, b) => (a[0] < b[0] ? 1 : -1)) }));
  // About 3,000 outlets at 10,000 briefings: a file of its own, fetched only for the Source menu.
  await writeFile(path.join(out, 'sources.json'), JSON.stringify(byCount(facets.source)));
  result.pages = manifest.total;
  return result;
}

/**
 * Merges the bundles into one index at dist/pagefind/ (./merge.ts), or takes the merge of the same
 * bundles from the cache. The merge reads every bundle, so it is redone whenever one changes.
 */
async function mergeBundles(manifest: BundleManifest, cacheRoot: string, out: string): Promise<{ made: 'merged' | 'cached'; hash: string; directory: DirectoryIndex }> {
  const hash = createHash('sha1').update(JSON.stringify([MERGE_VERSION, manifest.bundles.map((b) => b.hash)])).digest('hex').slice(0, 20);
  const cached = path.join(cacheRoot, MERGED_KEY, hash);
  let made: 'merged' | 'cached' = 'cached';
  if (!(await exists(path.join(cached, 'pagefind-entry.json')))) {
    await rm(path.join(cacheRoot, MERGED_KEY), { recursive: true, force: true });
    const staging = `${cached}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      // Oldest first: the bundles partition the dates, so their pages in this order are in date order.
      await mergeOnWorker(manifest.bundles.map((b) => path.join(cacheRoot, b.key, b.hash)).reverse(), staging);
      await rename(staging, cached);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    made = 'merged';
  }
  await linkTree(cached, out, () => true);
  const directory = JSON.parse(await readFile(path.join(cached, DIRECTORY_DIR, 'index.json'), 'utf8')) as DirectoryIndex;
  return { made, hash, directory };
}

/** Indexes one bundle into `target` (atomically: a half-written bundle is never taken as cached); `standard`: the one index, with all of Pagefind's files. */
async function indexBundle(catalog: Catalog, entries: Catalog['entries'], target: string, standard: boolean): Promise<void> {
  const docs = await mkdtemp(path.join(os.tmpdir(), 'kb-search-'));
  const staging = `${target}.tmp-${randomBytes(4).toString('hex')}`;
  const facets = emptyFacets();
  try {
    const io = pLimit(32);
    await Promise.all(
      entries.map((entry) =>
        io(async () => {
          // Read here, one bundle at a time, so the documents of other bundles are never in memory.
          const session = loadSession(catalog, entry);
          const count = (name: keyof FacetCounts, value: string) => void (facets[name][value] = (facets[name][value] ?? 0) + 1);
          count('query', session.query);
          count('status', session.status);
          const { year, sources } = searchFacets(session);
          if (year) count('year', year);
          for (const tag of new Set(session.tags)) count('tag', tag);
          for (const source of sources) count('source', source);
          // The path gives the URL Pagefind records: /q/<slug>/<name>/, as on the site.
          const folder = path.join(docs, 'q', session.querySlug, path.basename(entry.file, '.mdx'));
          await mkdir(folder, { recursive: true });
          await writeFile(path.join(folder, 'index.html'), searchDocument(session));
        }),
      ),
    );
    await mkdir(path.dirname(target), { recursive: true });
    await indexDocuments(docs, staging, entries.length, { standard });
    await writeFile(path.join(staging, 'facets.json'), JSON.stringify(facets));
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
  } finally {
    await rm(docs, { recursive: true, force: true });
    await rm(staging, { recursive: true, force: true });
  }
}

const exists = (file: string) => stat(file).then(() => true, () => false);
