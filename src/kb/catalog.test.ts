import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handOff, loadCatalog, takeHandOff } from './catalog.ts';
import type { Session } from './session.ts';
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
    expect(first.entries.map((e) => e.session.summary).sort()).toEqual(['Summary 1 [1].', 'Summary 2 [1].', 'Summary 3 [1].']);

    await writeSession(content, session(4));
    const second = await loadCatalog(content);
    expect(second.parsed).toBe(1);
    expect(second.entries).toHaveLength(4);
    // What came from the cache is exactly what parsing gives.
    const fresh = await loadCatalog(content, { cache: false });
    expect(second.entries).toEqual(fresh.entries);
  });

  it('parses a file again when its bytes change, and ignores a cache it cannot read', async () => {
    const { path: file } = await writeSession(content, session(1));
    await loadCatalog(content);
    await writeFile(file, (await readFile(file, 'utf8')).replace('Summary 1 [1].', 'Summary one [1].'));
    const edited = await loadCatalog(content);
    expect(edited.parsed).toBe(1);
    expect(edited.entries[0]!.session.summary).toBe('Summary one [1].');

    const cacheDir = path.join(content, '.cache', 'site');
    await mkdir(cacheDir, { recursive: true });
    await writeFile(path.join(cacheDir, 'sessions-v1.bin'), 'not a cache');
    const afterCorruption = await loadCatalog(content);
    expect(afterCorruption.parsed).toBe(1);
    expect(afterCorruption.problems).toEqual([]);
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
