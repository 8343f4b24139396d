// The search index built on its own thread is the index built in place, and its log and its
// errors arrive as they were written.
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '#kb/store/catalog.ts';
import { buildSearchBundles } from './index-build.ts';
import { buildSearchOnWorker } from './index-worker.ts';
import { MERGED_KEY } from './layout.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Small bundles, so the example briefings make several and their merge.
const LAYOUT = { limit: 4, oneIndexMax: 0 };
let dir: string;

/** A copy of the example content (each build keeps its own search cache in it). */
async function content(name: string): Promise<string> {
  const target = path.join(dir, name);
  await cp(path.join(ROOT, 'content'), target, { recursive: true, filter: (src) => !src.includes(`${path.sep}.cache`) });
  return target;
}

/** Every file under `root` with its bytes, by relative path. */
async function tree(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const name of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (name.isFile()) out.set(path.relative(root, path.join(name.parentPath, name.name)), await readFile(path.join(name.parentPath, name.name)));
  }
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kb-index-worker-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the search index on its own thread', () => {
  it('writes byte for byte the index built in place, and sends its log lines back', async () => {
    const here = path.join(dir, 'here');
    const there = path.join(dir, 'there');
    const inPlace = await buildSearchBundles(await loadCatalog(await content('a')), here, { info: () => undefined, warn: () => undefined }, LAYOUT);
    const lines: string[] = [];
    const onWorker = await buildSearchOnWorker(await loadCatalog(await content('b')), there, { info: (l) => lines.push(l), warn: (l) => lines.push(`warn: ${l}`) }, LAYOUT);
    expect(onWorker).toEqual(inPlace);
    expect(inPlace.indexed.length).toBeGreaterThan(2);
    expect(inPlace.merged).toBe('merged');
    const [a, b] = [await tree(path.join(here, 'pagefind')), await tree(path.join(there, 'pagefind'))];
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [file, bytes] of a) expect(b.get(file)?.equals(bytes), file).toBe(true);

    // No briefings: the warning is written on the thread and arrives here.
    const empty = path.join(dir, 'empty');
    await cp(path.join(ROOT, 'content', 'queries.yaml'), path.join(empty, 'queries.yaml'));
    await buildSearchOnWorker(await loadCatalog(empty), path.join(dir, 'empty-site'), { info: (l) => lines.push(l), warn: (l) => lines.push(`warn: ${l}`) }, LAYOUT);
    expect(lines).toContain('warn: indexed 0 pages: there are no briefings yet; search will find nothing');
  });

  it('fails with the index build’s own message', async () => {
    const folder = await content('c');
    const catalog = await loadCatalog(folder);
    await buildSearchOnWorker(catalog, path.join(dir, 'c-site'), { info: () => undefined, warn: () => undefined }, LAYOUT);
    // A cached bundle whose page count is wrong: the index build refuses it, and says what to do.
    const cache = path.join(folder, '.cache', 'search');
    const key = (await readdir(cache)).find((k) => k !== MERGED_KEY)!;
    const [hash] = await readdir(path.join(cache, key));
    const entryFile = path.join(cache, key, hash!, 'pagefind-entry.json');
    const entry = JSON.parse(await readFile(entryFile, 'utf8'));
    entry.languages.en.page_count += 1;
    await writeFile(entryFile, JSON.stringify(entry));
    await expect(buildSearchOnWorker(catalog, path.join(dir, 'c-site-2'), { info: () => undefined, warn: () => undefined }, LAYOUT)).rejects.toThrow(
      `the search bundle ${key} holds ${entry.languages.en.page_count} pages`,
    );
  });

  it('reads the session files themselves when no sessions were cached on disk', async () => {
    const catalog = await loadCatalog(await content('d'), { cache: false });
    expect(catalog.held?.size).toBe(catalog.entries.length);
    const site = path.join(dir, 'd-site');
    const result = await buildSearchOnWorker(catalog, site, { info: () => undefined, warn: () => undefined }, LAYOUT);
    expect(result.pages).toBe(catalog.entries.length);
    const manifest = JSON.parse(await readFile(path.join(site, 'pagefind', 'bundles.json'), 'utf8')) as { total: number };
    expect(manifest.total).toBe(catalog.entries.length);
  });
});
