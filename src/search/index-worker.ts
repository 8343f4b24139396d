// The search index (./index-build.ts) built on a worker thread. Astro renders the pages on the
// main thread; the index's own work (writing each briefing's search document, waiting on the
// Pagefind runs, the merge's threads) no longer takes turns with them on that thread's event
// loop and heap. At 1,000 briefings a cold build went from 50–56 s to 44.5 s (docs/performance.md).
// The thread reads each session once (`loadSession`): from the cache of whole sessions
// the catalog wrote, or, without one (`loadCatalog(…, { cache: false })`), from its file.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Catalog, CatalogEntry } from '#kb/store/catalog.ts';
import { buildSearchBundles, type SearchBuildLog, type SearchBuildResult, type SearchLayoutOptions } from './index-build.ts';

/**
 * What the index needs of each entry: the file, its digest, and the session's id and date (the
 * date bundles). Not the whole summary: at 10,000 briefings the catalog's summaries are some
 * 150 MB of heap, which a copy on this thread would add to the build's peak.
 */
type IndexEntry = Pick<CatalogEntry, 'file' | 'digest'> & { meta: Pick<CatalogEntry['meta'], 'id' | 'generatedAt'> };

interface Job {
  searchIndex: { contentDir: string; entries: IndexEntry[]; site: string; options: SearchLayoutOptions };
}
type Message = { log: 'info' | 'warn'; text: string } | { ok: SearchBuildResult } | { error: string };

/**
 * The thread's heap limit, MB: each briefing's file, digest, id and date, and one bundle's
 * sessions being written at a time. Without one V8 lets a busy heap grow lazily, beside the pages' own.
 */
export const indexHeapMb = (briefings: number) => 128 + Math.ceil(briefings / 250);

export function buildSearchOnWorker(catalog: Catalog, site: string, log: SearchBuildLog, options: SearchLayoutOptions = {}): Promise<SearchBuildResult> {
  return new Promise((resolve, reject) => {
    const heap = indexHeapMb(catalog.entries.length);
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { searchIndex: { contentDir: catalog.contentDir, entries: catalog.entries.map(({ file, digest, meta: { id, generatedAt } }) => ({ file, digest, meta: { id, generatedAt } })), site, options } } satisfies Job,
      // The young generation too: by default each thread's is sized for the machine (tens of MB).
      resourceLimits: { maxOldGenerationSizeMb: heap, maxYoungGenerationSizeMb: 16 },
    });
    let done = false;
    worker.on('message', (message: Message) => {
      if ('log' in message) return log[message.log](message.text);
      done = true;
      if ('ok' in message) resolve(message.ok);
      else reject(new Error(message.error));
    });
    worker.once('error', (error: Error & { code?: string }) =>
      reject(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new Error(`the search index's thread ran out of its ${heap} MB of memory indexing ${catalog.entries.length} briefings; report it with the build log`) : error),
    );
    worker.once('exit', (code) => {
      if (!done) reject(new Error(`the search index's thread stopped (exit code ${code}) before it finished; build again, and report it with the build log if it happens again`));
    });
  });
}

if (!isMainThread && parentPort && (workerData as Job | undefined)?.searchIndex) {
  const { contentDir, entries, site, options } = (workerData as Job).searchIndex;
  const post = (message: Message) => parentPort!.postMessage(message);
  // Only the fields above are read by the index build (bundles.ts: id and date; index-build.ts: file and digest).
  const catalog: Catalog = { contentDir, entries: entries as CatalogEntry[], problems: [], invalidFiles: [], parsed: 0 };
  buildSearchBundles(catalog, site, { info: (text) => post({ log: 'info', text }), warn: (text) => post({ log: 'warn', text }) }, options).then(
    (ok) => post({ ok }),
    (error: unknown) => post({ error: (error as Error).message ?? String(error) }),
  );
}
