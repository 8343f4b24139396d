// The bundles' merge (./merge.ts), run on a worker thread: it is CPU work (decoding, merging and
// encoding every word: seconds at 1,000 briefings, tens of seconds at 10,000; the word directory
// has a thread of its own, ./directory-worker.ts) that would otherwise take turns with the pages.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { MergeError, mergeIndexes, type MergeResult } from './merge.ts';

interface Job {
  dirs: string[];
  out: string;
}
type Reply = { ok: MergeResult } | { error: string; merge: boolean };

/**
 * The worker's heap limit, MB. Without one V8 lets a busy heap grow lazily (the merge's RSS
 * reached 1 GB at 10,000 briefings where it needs about 300 MB), beside the pages' own heap
 * under the 3 GB budget. The merge holds one decoded chunk per bundle, hence the share per bundle.
 */
export const mergeHeapMb = (bundles: number) => 256 + 3 * bundles;

/** mergeIndexes, on a worker thread; its errors are rethrown here as they were thrown there. */
export function mergeOnWorker(dirs: readonly string[], out: string): Promise<MergeResult> {
  return new Promise((resolve, reject) => {
    const heap = mergeHeapMb(dirs.length);
    const worker = new Worker(new URL(import.meta.url), { workerData: { dirs: [...dirs], out } satisfies Job, resourceLimits: { maxOldGenerationSizeMb: heap } });
    let replied = false;
    worker.once('message', (reply: Reply) => {
      replied = true;
      if ('ok' in reply) resolve(reply.ok);
      else reject(reply.merge ? new MergeError(reply.error) : new Error(reply.error));
    });
    worker.once('error', (error: Error & { code?: string }) =>
      reject(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new Error(`the search index merge ran out of its ${heap} MB of memory merging ${dirs.length} bundles; report it with the build log`) : error),
    );
    worker.once('exit', (code) => {
      if (!replied) reject(new Error(`the search index merge stopped (exit code ${code}) before it finished; build again, and report it with the build log if it happens again`));
    });
  });
}

if (!isMainThread && parentPort && (workerData as Job | undefined)?.out) {
  const { dirs, out } = workerData as Job;
  mergeIndexes(dirs, out).then(
    (ok) => parentPort!.postMessage({ ok } satisfies Reply),
    (error: unknown) => parentPort!.postMessage({ error: (error as Error).message ?? String(error), merge: error instanceof MergeError } satisfies Reply),
  );
}
