// The search bundles as `kb build` writes them: the real catalog, the real Pagefind CLI.
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '#kb/store/catalog.ts';
import type { Session } from '#core/session.ts';
import { writeSession } from '#kb/store/store.ts';
import type { BundleManifest } from '#search/bundles.ts';
import { buildSearchBundles } from './index-build.ts';

const session = (n: number, generatedAt: string, over: Partial<Session> = {}): Session => ({
  id: `5ea2c4b0-0000-4000-8000-${String(n).padStart(12, '0')}`,
  query: n % 2 ? 'Is lithium supply on track?' : 'Where is cobalt refined?',
  querySlug: n % 2 ? 'lithium-supply' : 'cobalt-refining',
  generatedAt,
  summary: `Supply summary number ${n} [1].`,
  analysis: '## Findings\n\nSupply grew [1].',
  tags: n % 2 ? ['lithium'] : ['cobalt'],
  steps: [{ id: 'step_0', results: [{ title: `Report ${n}`, url: `https://outlet${n % 3}.example.org/r/${n}` }] }],
  status: 'complete',
  ...over,
});

let content: string;
let site: string;
const log = { info: () => undefined, warn: () => undefined };
beforeEach(async () => {
  content = await mkdtemp(path.join(os.tmpdir(), 'kb-bundles-'));
  site = await mkdtemp(path.join(os.tmpdir(), 'kb-bundles-dist-'));
});
afterEach(async () => {
  await rm(content, { recursive: true, force: true });
  await rm(site, { recursive: true, force: true });
});

const build = async (limit = 3, oneIndexMax = 0) => buildSearchBundles(await loadCatalog(content), site, log, { limit, oneIndexMax });
const manifest = async () => JSON.parse(await readFile(path.join(site, 'pagefind', 'bundles.json'), 'utf8')) as BundleManifest;
const cacheDirs = async (key: string) => readdir(path.join(content, '.cache', 'search', key));

describe('the search bundles of a build', () => {
  it('writes one index per bundle, a manifest newest first, the shared Pagefind files and the filter lists', async () => {
    // 2024: 2 briefings, one bundle; 2025: 4 (> limit 3), one bundle per month.
    const dates = ['2024-03-01T10:00:00Z', '2024-09-01T10:00:00Z', '2025-01-05T10:00:00Z', '2025-01-25T10:00:00Z', '2025-02-01T10:00:00Z', '2025-02-10T10:00:00Z', '2025-03-01T10:00:00Z'];
    // The fifth briefing was cut off: the status filter counts it apart.
    for (const [i, d] of dates.entries()) await writeSession(content, session(i + 1, d, i === 4 ? { status: 'partial' } : {}));
    const result = await build();
    expect(result).toEqual({ indexed: ['2025-03', '2025-02', '2025-01', '2024'], reused: [], pages: 7, merged: 'merged' });
    const m = await manifest();
    expect(m.total).toBe(7);
    expect(m.bundles.map(({ key, first, last, count, path: p }) => ({ key, first, last, count, path: p }))).toEqual([
      { key: '2025-03', first: '2025-03-01', last: '2025-03-01', count: 1, path: 'pagefind/2025-03/' },
      { key: '2025-02', first: '2025-02-01', last: '2025-02-10', count: 2, path: 'pagefind/2025-02/' },
      { key: '2025-01', first: '2025-01-05', last: '2025-01-25', count: 2, path: 'pagefind/2025-01/' },
      { key: '2024', first: '2024-03-01', last: '2024-09-01', count: 2, path: 'pagefind/2024/' },
    ]);
    const out = path.join(site, 'pagefind');
    const top = await readdir(out);
    expect(top.filter((f) => /^\d{4}/.test(f)).sort()).toEqual(['2024', '2025-01', '2025-02', '2025-03']);
    // The bundles merged into one index in Pagefind's own place, with Pagefind's API, UIs and worker
    // (merge.test.ts checks the merge against Pagefind's own index of the same pages).
    expect(top).toEqual(expect.arrayContaining(['pagefind.js', 'wasm.en.pagefind', 'pagefind-entry.json', 'pagefind-worker.js', 'pagefind-ui.js', 'pagefind-ui.css', 'index', 'filter', 'fragment', 'bundles.json', 'filters.json', 'sources.json']));
    expect(JSON.parse(await readFile(path.join(out, 'pagefind-entry.json'), 'utf8')).languages.en).toMatchObject({ page_count: 7, wasm: 'en' });
    const bundle = await readdir(path.join(out, '2024'));
    expect(bundle).toEqual(expect.arrayContaining(['pagefind-entry.json', 'index', 'fragment', 'filter']));
    // No per-bundle copy of the WebAssembly (the entry points at the shared one) or of Pagefind's scripts.
    expect(bundle.filter((f) => /wasm|-ui|highlight|worker|^pagefind\.js$/.test(f))).toEqual([]);
    const entry = JSON.parse(await readFile(path.join(out, '2024', 'pagefind-entry.json'), 'utf8'));
    expect(new URL(`/pagefind/2024/wasm.${entry.languages.en.wasm}.pagefind`, 'https://x.org').pathname).toBe('/pagefind/wasm.en.pagefind');
    expect(entry.languages.en.page_count).toBe(2);
    expect(JSON.parse(await readFile(path.join(out, 'filters.json'), 'utf8'))).toEqual({
      query: [['Is lithium supply on track?', 4], ['Where is cobalt refined?', 3]],
      tag: [['lithium', 4], ['cobalt', 3]],
      status: [['complete', 6], ['partial', 1]],
      year: [['2025', 5], ['2024', 2]],
    });
    expect(JSON.parse(await readFile(path.join(out, 'sources.json'), 'utf8'))).toEqual([['outlet1.example.org', 3], ['outlet0.example.org', 2], ['outlet2.example.org', 2]]);
  }, 60_000);

  it('writes a knowledge base small enough as one index in Pagefind\'s own layout, with all of Pagefind\'s files', async () => {
    const dates = ['2024-03-01T10:00:00Z', '2025-01-05T10:00:00Z', '2026-02-01T10:00:00Z'];
    for (const [i, d] of dates.entries()) await writeSession(content, session(i + 1, d));
    expect(await build(3, 3)).toEqual({ indexed: ['all'], reused: [], pages: 3 });
    const out = path.join(site, 'pagefind');
    const files = await readdir(out);
    // Pagefind's standard entry, its UIs and worker (what /pagefind/pagefind.js clients load), no date bundles.
    expect(files).toEqual(expect.arrayContaining(['pagefind.js', 'pagefind-entry.json', 'pagefind-worker.js', 'pagefind-ui.js', 'pagefind-ui.css', 'index', 'filter', 'fragment', 'bundles.json', 'filters.json', 'sources.json']));
    expect(files.filter((f) => /^\d{4}/.test(f))).toEqual([]);
    const entry = JSON.parse(await readFile(path.join(out, 'pagefind-entry.json'), 'utf8'));
    expect(entry.languages.en).toMatchObject({ page_count: 3, wasm: 'en' });
    expect(files).toContain(`wasm.${entry.languages.en.wasm}.pagefind`);
    expect((await manifest()).bundles).toEqual([{ key: 'all', first: '2024-03-01', last: '2026-02-01', count: 3, path: 'pagefind/', hash: expect.any(String) }]);
    expect(JSON.parse(await readFile(path.join(out, 'filters.json'), 'utf8')).year).toEqual([['2026', 1], ['2025', 1], ['2024', 1]]);
    // Unchanged, it comes from the cache; one more briefing than the limit splits it into date bundles.
    expect((await build(3, 3)).reused).toEqual(['all']);
    await writeSession(content, session(4, '2026-03-01T10:00:00Z'));
    expect((await build(3, 3)).indexed).toEqual(['2026', '2025', '2024']);
    expect(await readdir(path.join(content, '.cache', 'search'))).toEqual(expect.not.arrayContaining(['all']));
    expect((await readdir(path.join(content, '.cache', 'search'))).sort()).toEqual(['2024', '2025', '2026', '_merged']);
    expect(JSON.parse(await readFile(path.join(out, 'pagefind-entry.json'), 'utf8')).languages.en.page_count).toBe(4);
  }, 60_000);

  it('reuses unchanged bundles from the cache and indexes again only the bundle a new session changes', async () => {
    for (const [i, d] of ['2024-03-01T10:00:00Z', '2025-01-05T10:00:00Z', '2026-01-05T10:00:00Z'].entries()) await writeSession(content, session(i + 1, d));
    expect((await build()).indexed).toEqual(['2026', '2025', '2024']);
    const old2024 = await cacheDirs('2024');
    const old2026 = await cacheDirs('2026');
    const inode = async (key: string) => (await stat(path.join(site, 'pagefind', key, 'pagefind-entry.json'))).ino;
    const cachedEntry = async (key: string) => (await stat(path.join(content, '.cache', 'search', key, (await cacheDirs(key))[0]!, 'pagefind-entry.json'))).ino;
    expect(await inode('2024')).toBe(await cachedEntry('2024')); // hard-linked, not copied

    await writeSession(content, session(4, '2026-02-05T10:00:00Z'));
    expect(await build()).toEqual({ indexed: ['2026'], reused: ['2025', '2024'], pages: 4, merged: 'merged' });
    expect(await cacheDirs('2024')).toEqual(old2024);
    // The stale version of the changed bundle is gone; one version per key is kept.
    expect(await cacheDirs('2026')).toHaveLength(1);
    expect(await cacheDirs('2026')).not.toEqual(old2026);
    expect((await manifest()).bundles.map((b) => [b.key, b.count])).toEqual([['2026', 2], ['2025', 1], ['2024', 1]]);

    // Nothing changed: nothing is indexed or merged.
    expect(await build()).toEqual({ indexed: [], reused: ['2026', '2025', '2024'], pages: 4, merged: 'cached' });
    expect((await readdir(path.join(content, '.cache', 'search', '_merged')))).toHaveLength(1);
  }, 60_000);

  it('drops the cache of keys that no longer exist, as when a growing year splits into months', async () => {
    for (const [i, d] of ['2025-01-05T10:00:00Z', '2025-02-05T10:00:00Z'].entries()) await writeSession(content, session(i + 1, d));
    await build(3);
    expect((await readdir(path.join(content, '.cache', 'search'))).sort()).toEqual(['2025', '_merged']);
    await build(1);
    expect((await readdir(path.join(content, '.cache', 'search'))).sort()).toEqual(['2025-01', '2025-02', '_merged']);
  }, 60_000);

  it('refuses a cached bundle whose page count is not its number of briefings, saying what to delete', async () => {
    await writeSession(content, session(1, '2025-01-05T10:00:00Z'));
    await build();
    const dir = path.join(content, '.cache', 'search', '2025', (await cacheDirs('2025'))[0]!);
    const file = path.join(dir, 'pagefind-entry.json');
    const entry = JSON.parse(await readFile(file, 'utf8'));
    entry.languages.en.page_count = 5;
    await writeFile(file, JSON.stringify(entry));
    await expect(build()).rejects.toThrow(/the search bundle 2025 holds 5 pages for 1 briefings\. Delete .*search\/2025 and build again/);
  }, 60_000);

  it('writes an empty manifest when there are no briefings', async () => {
    expect(await build()).toEqual({ indexed: [], reused: [], pages: 0 });
    expect(await manifest()).toEqual({ version: 1, total: 0, bundles: [] });
  });
});
