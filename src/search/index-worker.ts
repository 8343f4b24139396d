// The search index (./index-build.ts) built on a worker thread. Astro renders the pages on the
// main thread; the index's own work (writing each briefing's search document, waiting on the
// Pagefind runs, the merge's threads) no longer takes turns with them on that thread's event
// loop and heap. At 1,000 briefings a cold build went from 50–56 s to 44.5 s (docs/performance.md).
// The thread reads each session once (`loadSession`): from the cache of whole sessions
// the catalog wrote, or, without one (`loadCatalog(…, { cache: false })`), from its file.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Catalog } from '#kb/store/catalog.ts';
import { buildSearchBundles, type SearchBuildLog, type SearchBuildResult, type SearchLayoutOptions } from './index-build.ts';

interface Job {
  searchIndex: { contentDir: string; entries: Catalog['entries']; site: string; options: SearchLayoutOptions };
}
type Message = { log: 'info' | 'warn'; text: string } | { ok: SearchBuildResult } | { error: string };

/**
 * The thread's heap limit, MB: the catalog's summaries (a few KB each) and one bundle's sessions
 * being written at a time. Without one V8 lets a busy heap grow lazily, beside the pages' own.
 */
export const indexHeapMb = (briefings: number) => 256 + Math.ceil(briefings / 250);

export function buildSearchOnWorker(catalog: Catalog, site: string, log: SearchBuildLog, options: SearchLayoutOptions = {}): Promise<SearchBuildResult> {
  return new Promise((resolve, reject) => {
    const heap = indexHeapMb(catalog.entries.length);
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { searchIndex: { contentDir: catalog.contentDir, entries: catalog.entries, site, options } } satisfies Job,
      resourceLimits: { maxOldGenerationSizeMb: heap },
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
  const catalog: Catalog = { contentDir, entries, problems: [], invalidFiles: [], parsed: 0 };
  buildSearchBundles(catalog, site, { info: (text) => post({ log: 'info', text }), warn: (text) => post({ log: 'warn', text }) }, options).then(
    (ok) => post({ ok }),
    (error: unknown) => post({ error: (error as Error).message ?? String(error) }),
  );
}
