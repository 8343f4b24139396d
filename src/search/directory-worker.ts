// The word directory (./directory.ts), worked out on a thread of its own from the merged index's
// chunks as the merge encodes them (their CBOR handed over, not read back from the files): the
// merge (./merge-worker.ts) and the directory's scores then run side by side, on two cores,
// instead of one after the other within each word (at 10,000 briefings the directory was a
// quarter of the merge's 40 s, which an incremental build waits for).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { directoryWriter } from './directory.ts';
import type { DirectoryIndex } from './layout.ts';
import { decodeCbor } from './cbor.ts';
import type { Word } from './merge.ts';

interface Setup {
  pages: [string, number, ...unknown[]][];
  metaFields: string[];
  out: string;
}
type Message = { chunk: number; body: Uint8Array } | { end: number };
type Reply = { ok: DirectoryIndex } | { error: string };

export interface DirectoryJob {
  /** Chunk `n` of the merged index, its CBOR (in any order; read in order). Handed over: `body` is unusable after. */
  chunk(n: number, body: Uint8Array): void;
  /** All `count` chunks are written: the directory's index once it is written too. */
  finish(count: number): Promise<DirectoryIndex>;
  /** Stops the thread (the merge failed). */
  cancel(): void;
}

export function directoryOnWorker(pages: Setup['pages'], metaFields: string[], out: string): DirectoryJob {
  const worker = new Worker(new URL(import.meta.url), { workerData: { pages, metaFields, out } satisfies Setup, resourceLimits: { maxOldGenerationSizeMb: 256 } });
  let replied = false;
  const done = new Promise<DirectoryIndex>((resolve, reject) => {
    worker.once('message', (reply: Reply) => {
      replied = true;
      if ('ok' in reply) resolve(reply.ok);
      else reject(new Error(`the search index's word directory could not be written: ${reply.error}`));
    });
    worker.once('error', (error: Error) => reject(new Error(`the search index's word directory could not be written: ${error.message}`)));
    worker.once('exit', (code) => {
      if (!replied) reject(new Error(`the search index's word directory stopped (exit code ${code}) before it finished; build again, and report it with the build log if it happens again`));
    });
  });
  done.catch(() => undefined); // awaited by finish(); a failure must not be unhandled before then
  return {
    chunk: (n, body) => worker.postMessage({ chunk: n, body } satisfies Message, [body.buffer as ArrayBuffer]),
    finish: (count) => {
      worker.postMessage({ end: count } satisfies Message);
      return done.finally(() => void worker.terminate());
    },
    cancel: () => void worker.terminate(),
  };
}

if (!isMainThread && parentPort && (workerData as Setup | undefined)?.metaFields) {
  const { pages, metaFields, out } = workerData as Setup;
  const writer = directoryWriter(pages, metaFields, out);
  const bodies = new Map<number, Uint8Array>();
  let next = 0;
  let end: number | undefined;
  let busy = false;
  const fail = (error: unknown) => parentPort!.postMessage({ error: (error as Error).message ?? String(error) } satisfies Reply);
  const run = async () => {
    if (busy) return;
    busy = true;
    try {
      while (bodies.has(next)) {
        const body = bodies.get(next)!;
        bodies.delete(next);
        for (const [word, postings, variants] of (decodeCbor(body) as [Word[]])[0]) {
          const full = writer.add(word, postings, variants.length, next);
          if (full) await full;
        }
        next++;
      }
      if (end !== undefined && next === end) parentPort!.postMessage({ ok: await writer.finish() } satisfies Reply);
    } catch (error) {
      fail(error);
    } finally {
      busy = false;
    }
    if (bodies.has(next)) void run();
  };
  parentPort.on('message', (message: Message) => {
    if ('end' in message) end = message.end;
    else bodies.set(message.chunk, message.body);
    void run();
  });
}
