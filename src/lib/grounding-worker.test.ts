// The grounding check on its worker thread gives the pages exactly what they would work out
// themselves, and a worker that is gone or fails leaves them to do it.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groundSession } from '#core/grounding/index.ts';
import { loadCatalog, readSession, type Catalog, type CatalogEntry } from '#kb/store/catalog.ts';
import { renderProse } from './prose/render.ts';
import { groundingAhead, groundingOf, shareGroundingWorker, type GroundingWorker } from './grounding.ts';
import { startGroundingWorker } from './grounding-worker.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;
let catalog: Catalog;
let worker: GroundingWorker;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kb-grounding-worker-'));
  await cp(path.join(ROOT, 'content'), path.join(dir, 'content'), { recursive: true, filter: (src) => !src.includes(`${path.sep}.cache`) });
  catalog = await loadCatalog(path.join(dir, 'content'));
  worker = startGroundingWorker(catalog.contentDir);
});
afterAll(async () => {
  shareGroundingWorker(undefined);
  await worker.stop();
  await rm(dir, { recursive: true, force: true });
});

/** What a page has: the entry, and its session read the way the pages read it. */
const briefing = (entry: CatalogEntry) => ({ ...entry, data: readSession(catalog, entry) });
const request = (entry: CatalogEntry) => ({ file: entry.file, digest: entry.digest, sessionId: entry.meta.id });

describe('the grounding worker', () => {
  it('reports on every example briefing exactly what the check on the page would', async () => {
    expect(catalog.entries.length).toBeGreaterThan(10);
    for (const entry of catalog.entries) {
      expect(await worker.request(request(entry))).toEqual(groundSession(readSession(catalog, entry)));
    }
  });

  it('makes a page render the same prose as without it, from its own report', async () => {
    const [first, second, third] = catalog.entries.map(briefing);
    const alone = renderProse(first!.data, { citations: true, grounding: true });
    // The reports the worker sent, to tell them from ones the page works out itself.
    const sent = new Set<object>();
    const asked: string[] = [];
    shareGroundingWorker({ request: (e) => (asked.push(e.digest), worker.request(e).then((r) => (sent.add(r), r))), stop: async () => {} });
    await groundingAhead(first!, [second!, third!]);
    const report = groundingOf(first!.data);
    expect(sent.has(report)).toBe(true);
    expect(report).toEqual(groundSession(first!.data));
    const withWorker = renderProse(first!.data, { citations: true, grounding: true });
    expect(withWorker.html).toBe(alone.html);
    expect(withWorker.answer).toBe(alone.answer);
    expect(withWorker.grounding).toEqual(alone.grounding);
    // The next two were asked for while the first rendered: theirs are ready too.
    await groundingAhead(second!);
    expect(sent.has(groundingOf(second!.data))).toBe(true);
    // …each asked for once.
    expect(asked).toEqual([first!.digest, second!.digest, third!.digest]);
  });

  it('answers a session it cannot read with an error that names the file, and goes on working', async () => {
    const entry = catalog.entries[0]!;
    const missing = { ...request(entry), file: path.join(dir, 'gone.mdx'), digest: '0'.repeat(40), sessionId: 'gone' };
    await expect(worker.request(missing)).rejects.toThrow(/gone\.mdx/);
    expect(await worker.request(request(entry))).toEqual(groundSession(readSession(catalog, entry)));
  });

  it('leaves the page to run the check itself when the worker fails or is stopped', async () => {
    const failing: GroundingWorker = { request: () => Promise.reject(new Error('worker down')), stop: async () => {} };
    shareGroundingWorker(failing);
    const b = briefing(catalog.entries.at(-1)!);
    await expect(groundingAhead(b)).resolves.toBeUndefined();
    const report = groundingOf(b.data);
    expect(report).toEqual(groundSession(b.data));

    const stopped = startGroundingWorker(catalog.contentDir);
    await stopped.stop();
    await expect(stopped.request(request(catalog.entries[0]!))).rejects.toThrow(/stopped/);
  });
});
