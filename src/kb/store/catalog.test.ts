import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CACHE_VERSION, handOff, loadCatalog, readSession, takeHandOff } from './catalog.ts';
import type { Session } from '#core/session.ts';
import { writeSession } from './store.ts';

const session = (n: number, over: Partial<Session> = {}): Session => ({
  id: `6f1c2a7e-0000-4000-8000-${String(n).padStart(12, '0')}`,
  query: 'What is the import dependency of the US on China for rare earths?',
  querySlug: 'us-china-rare-earths',
  generatedAt: `2026-01-${String(n).padStart(2, '0')}T05:52:47Z`,
  summary: `Summary ${n} [1].`,
  analysis: '## Findings\n\nImports fell [1].',
  tags: ['rare earths'],
  steps: [{ id: 'step_0', results: [{ title: 'USGS', url: 'https://usgs.example.gov/ree' }] }],
  status: 'complete',
  ...over,
});

let content: string;
beforeEach(async () => {
  content = await mkdtemp(path.join(os.tmpdir(), 'kb-catalog-'));
});
afterEach(async () => {
  handOff(undefined);
  await rm(content, { recursive: true, force: true });
});

describe('the catalog of sessions the site is built from', () => {
  it('reads every valid session once, then only new files: the rest come back from the cache by content hash', async () => {
    for (const n of [1, 2, 3]) await writeSession(content, session(n));
    const first = await loadCatalog(content);
    expect(first.problems).toEqual([]);
    expect(first.parsed).toBe(3);
    expect(first.entries.map((e) => readSession(first, e).summary).sort()).toEqual(['Summary 1 [1].', 'Summary 2 [1].', 'Summary 3 [1].']);
    expect(first.entries.map((e) => e.meta.teaser).sort()).toEqual(['Summary 1.', 'Summary 2.', 'Summary 3.']);

    await writeSession(content, session(4));
    const second = await loadCatalog(content);
    expect(second.parsed).toBe(1);
    expect(second.entries).toHaveLength(4);
    // What came from the cache is exactly what parsing gives.
    const fresh = await loadCatalog(content, { cache: false });
    expect(second.entries).toEqual(fresh.entries);
    expect(second.entries.map((e) => readSession(second, e))).toEqual(fresh.entries.map((e) => readSession(fresh, e)));
  });

  it('parses a file again when its bytes change, and ignores a cache it cannot read', async () => {
    const { path: file } = await writeSession(content, session(1));
    await loadCatalog(content);
    await writeFile(file, (await readFile(file, 'utf8')).replace('Summary 1 [1].', 'Summary one [1].'));
    const edited = await loadCatalog(content);
    expect(edited.parsed).toBe(1);
    expect(readSession(edited, edited.entries[0]!).summary).toBe('Summary one [1].');

    const cacheDir = path.join(content, '.cache', 'site');
    await mkdir(cacheDir, { recursive: true });
    await writeFile(path.join(cacheDir, `index-v${CACHE_VERSION}.bin`), 'not a cache');
    const afterCorruption = await loadCatalog(content);
    expect(afterCorruption.parsed).toBe(1);
    expect(afterCorruption.problems).toEqual([]);
  });

  it('keeps only a summary of each session and reads a whole one from its cache file, or from the session file when that is gone', async () => {
    const { path: file } = await writeSession(content, session(1));
    const catalog = await loadCatalog(content);
    const [entry] = catalog.entries;
    expect(Object.keys(entry!)).toEqual(['file', 'digest', 'meta']);
    expect(entry!.meta).toMatchObject({ querySlug: 'us-china-rare-earths', counts: { steps: 1, results: 1 } });
    expect(readSession(catalog, entry!).steps[0]!.results[0]!.url).toBe('https://usgs.example.gov/ree');

    // A second catalog in a fresh process would not have it in memory: clear the cache on disk.
    await rm(path.join(content, '.cache', 'site', `sessions-v${CACHE_VERSION}`), { recursive: true });
    const again = await loadCatalog(content);
    expect(again.parsed).toBe(0);
    expect(readSession(again, { ...again.entries[0]!, digest: again.entries[0]!.digest }).summary).toBe('Summary 1 [1].');

    // A file edited after the catalog was read is not silently shown with its old digest.
    const stale = { ...entry!, digest: '0'.repeat(40) };
    await writeFile(file, (await readFile(file, 'utf8')).replace('Summary 1', 'Summary one'));
    expect(() => readSession(catalog, stale)).toThrow(/changed while the site was being built\. Run kb build again/);
  });

  it('announces a briefing by its answer where it has one, else by its summary', async () => {
    await writeSession(content, session(1, { answer: { text: 'Net import reliance was about 80% in 2024 [1].', figures: [] } }));
    await writeSession(content, session(2));
    const metas = (await loadCatalog(content)).entries.map((e) => e.meta.teaser).sort();
    expect(metas).toEqual(['Net import reliance was about 80% in 2024.', 'Summary 2.']);
  });

  it('forgets the cached sessions of files that are gone, and the caches of older versions', async () => {
    const site = path.join(content, '.cache', 'site');
    await mkdir(site, { recursive: true });
    await writeFile(path.join(site, 'sessions-v1.bin'), 'the whole catalog, as version 1 kept it');
    const { path: one } = await writeSession(content, session(1));
    await writeSession(content, session(2));
    await loadCatalog(content);
    const cached = async () => (await readdir(path.join(content, '.cache', 'site', `sessions-v${CACHE_VERSION}`), { recursive: true })).filter((f) => f.endsWith('.bin'));
    expect(await cached()).toHaveLength(2);
    expect((await readdir(site)).sort()).toEqual([`index-v${CACHE_VERSION}.bin`, `sessions-v${CACHE_VERSION}`]);
    await rm(one);
    await writeSession(content, session(3));
    await loadCatalog(content);
    expect(await cached()).toHaveLength(2);
  });

  it('reports every invalid file and every duplicate id, each with its file and line, and keeps the valid ones', async () => {
    const { path: good } = await writeSession(content, session(1));
    const dir = path.dirname(good);
    await writeFile(path.join(dir, '2026-01-09-broken.mdx'), '---\nid: x\nquery: [unclosed\n---\n');
    await writeFile(path.join(dir, '2026-01-10-nofields.mdx'), '---\nid: only-an-id\n---\n');
    await writeFile(path.join(dir, '2026-01-11-copy.mdx'), await readFile(good, 'utf8'));
    const catalog = await loadCatalog(content);
    expect(catalog.entries.map((e) => e.file)).toEqual([good]);
    expect(catalog.invalidFiles.map((f) => path.basename(f)).sort()).toEqual(['2026-01-09-broken.mdx', '2026-01-10-nofields.mdx', '2026-01-11-copy.mdx']);
    expect(catalog.problems.join('\n')).toMatch(/2026-01-09-broken\.mdx:\d+: invalid YAML/);
    expect(catalog.problems.join('\n')).toMatch(/2026-01-10-nofields\.mdx:\d+: query: /);
    expect(catalog.problems.join('\n')).toMatch(/2026-01-11-copy\.mdx:2: id: session id 6f1c2a7e-0000-4000-8000-000000000001 is also in /);
    // A bad file is never cached as good.
    const again = await loadCatalog(content);
    expect(again.invalidFiles).toHaveLength(3);
  });

  it('hands the catalog to the site in this process only for the same content folder', async () => {
    await writeSession(content, session(1));
    const catalog = await loadCatalog(content);
    handOff(catalog);
    expect(takeHandOff(content)).toBe(catalog);
    expect(takeHandOff(path.join(content, 'other'))).toBeUndefined();
    handOff(undefined);
    expect(takeHandOff(content)).toBeUndefined();
  });
});
