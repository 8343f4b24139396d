// The session writer on its own thread. Serialising a session to MDX and checking that every
// reader gets it back (src/kb/store/mdx.ts) costs ~15 ms of CPU per session; on the runner's thread
// that time delays the next search request of every query in flight, which is what kept
// `kb run` above 1.15× its ideal wall time (see docs/performance.md). The worker does exactly
// what `writeSession` does; only the thread differs.
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { writeSession, type WriteResult } from './store.ts';
import type { Session } from '#core/session.ts';

interface Job {
  id: number;
  contentDir: string;
  session: Session;
}
type Reply = { id: number; result: WriteResult } | { id: number; error: string };

export interface SessionWriter {
  write(contentDir: string, session: Session): Promise<WriteResult>;
  close(): Promise<void>;
}

/** Writes sessions on one worker thread. */
export function startSessionWriter(): SessionWriter {
  const worker = new Worker(new URL(import.meta.url));
  const pending = new Map<number, { resolve: (r: WriteResult) => void; reject: (e: Error) => void }>();
  let next = 0;
  let failure: Error | undefined;
  const failAll = (error: Error) => {
    failure ??= error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on('message', (reply: Reply) => {
    const p = pending.get(reply.id);
    pending.delete(reply.id);
    if ('error' in reply) p?.reject(new Error(reply.error));
    else p?.resolve(reply.result);
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`the session writer thread stopped (exit code ${code})`)));
  return {
    write(contentDir, session) {
      if (failure) return Promise.reject(failure);
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, contentDir, session } satisfies Job);
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  // Jobs overlap (their fsyncs wait in parallel); `writeSession` is safe against concurrent
  // writers of one file name, as it is across processes.
  port.on('message', async (job: Job) => {
    try {
      port.postMessage({ id: job.id, result: await writeSession(job.contentDir, job.session) } satisfies Reply);
    } catch (error) {
      port.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) } satisfies Reply);
    }
  });
}
