// The grounding check (src/core/grounding/) on a worker thread, a few briefings ahead of the page
// being rendered. The check is the largest share of a briefing page's CPU (about 8 ms of 20 at
// 1,000 briefings) and Astro renders the pages on one thread; this moves it to the other core.
// `kb build`'s integration (src/integrations/grounding.ts) starts it and hands it to the pages
// through `shareGroundingWorker` (./grounding.ts), which ask it for reports in render order.
// Without it (a bare `astro build`, `astro dev`, a worker that failed) the pages run the check
// themselves, with the same result.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { groundSession, type GroundingReport } from '#core/grounding/index.ts';
import { loadSession, type Catalog, type CatalogEntry } from '#kb/store/catalog.ts';
import type { GroundingWorker, GroundingRequest } from './grounding.ts';

interface Job {
  contentDir: string;
}
type Ask = { id: number } & GroundingRequest;
type Reply = { id: number; report: GroundingReport } | { id: number; error: string };

/**
 * Its heap, MB: one session and its report at a time. The young generation is limited too: by
 * default each thread's is sized for the machine, and 1,000 reports then took a 175 MB heap
 * where 68 MB does (13.0 s instead of 11.2 s for all of them, on a thread that is mostly idle).
 */
const HEAP = { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 16 };

/** Starts the worker for the sessions under `contentDir` (read back as the pages read them). */
export function startGroundingWorker(contentDir: string): GroundingWorker {
  const worker = new Worker(new URL(import.meta.url), { workerData: { contentDir } satisfies Job, resourceLimits: HEAP });
  const waiting = new Map<number, { resolve: (r: GroundingReport) => void; reject: (e: Error) => void }>();
  let next = 0;
  let failed: Error | undefined;
  const fail = (error: Error) => {
    failed ??= error;
    for (const w of waiting.values()) w.reject(failed);
    waiting.clear();
    worker.unref();
  };
  worker.on('message', (reply: Reply) => {
    const w = waiting.get(reply.id);
    if (!w) return;
    waiting.delete(reply.id);
    if (!waiting.size) worker.unref();
    if ('report' in reply) w.resolve(reply.report);
    else w.reject(new Error(reply.error));
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the grounding worker stopped (exit code ${code})`)));
  // The build's end terminates it; a build that fails before then must still exit, so it holds
  // the process only while a page waits for it. (After the listeners: adding a 'message'
  // listener refs the worker again.)
  worker.unref();
  return {
    request(entry) {
      if (failed) return Promise.reject(failed);
      const id = next++;
      return new Promise<GroundingReport>((resolve, reject) => {
        if (!waiting.size) worker.ref();
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, ...entry } satisfies Ask);
      });
    },
    async stop() {
      fail(new Error('the grounding worker was stopped'));
      await worker.terminate();
    },
  };
}

if (!isMainThread && parentPort && (workerData as Job | undefined)?.contentDir) {
  const { contentDir } = workerData as Job;
  // loadSession needs only the folder: it reads the session from the cache written when the
  // catalog validated it, or parses its file again.
  const catalog: Catalog = { contentDir, entries: [], problems: [], invalidFiles: [], parsed: 0 };
  parentPort.on('message', ({ id, file, digest, sessionId }: Ask) => {
    let reply: Reply;
    try {
      const entry = { file, digest, meta: { id: sessionId } } as CatalogEntry;
      reply = { id, report: groundSession(loadSession(catalog, entry)) };
    } catch (error) {
      reply = { id, error: (error as Error).message ?? String(error) };
    }
    parentPort!.postMessage(reply);
  });
}
