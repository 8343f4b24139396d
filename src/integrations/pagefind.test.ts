// The search index is built beside Astro's pages (astro:build:start → astro:build:done): a
// failure there still fails `kb build`, with the index's own message, and leaves nothing behind.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KB = path.join(ROOT, 'bin/kb.ts');
let dir: string;
let content: string;
const kb = (...args: string[]) =>
  promisify(execFile)(process.execPath, [KB, ...args], { cwd: ROOT }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kb-index-beside-'));
  content = path.join(dir, 'content');
  await cp(path.join(ROOT, 'content'), content, { recursive: true, filter: (src) => !src.includes(`${path.sep}.cache`) });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the search index built beside the pages', () => {
  it('is in the site when the build ends, and a failure of it fails the build with its message, leaving no staging folder', async () => {
    const dist = path.join(dir, 'dist');
    const first = await kb('build', '--content', content, '--out', dist);
    expect(first.code).toBe(0);
    const entry = JSON.parse(await readFile(path.join(dist, 'pagefind', 'pagefind-entry.json'), 'utf8'));
    const briefings = entry.languages.en.page_count as number;
    expect(briefings).toBeGreaterThan(3);

    // A cached index whose page count is wrong: the index build refuses it.
    const cache = path.join(content, '.cache', 'search', 'all');
    const [hash] = await readdir(cache);
    const cached = path.join(cache, hash!, 'pagefind-entry.json');
    const bad = JSON.parse(await readFile(cached, 'utf8'));
    bad.languages.en.page_count = 2;
    await writeFile(cached, JSON.stringify(bad));
    const second = await kb('build', '--content', content, '--out', dist);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`the search bundle all holds 2 pages for ${briefings} briefings. Delete ${cache} and build again`);
    expect((await readdir(path.join(content, '.cache'))).filter((n) => n.startsWith('search-staging'))).toEqual([]);

    // As the message says: delete it and build again.
    await rm(cache, { recursive: true, force: true });
    expect((await kb('build', '--content', content, '--out', dist)).code).toBe(0);
    expect(JSON.parse(await readFile(path.join(dist, 'pagefind', 'pagefind-entry.json'), 'utf8')).languages.en.page_count).toBe(briefings);
  }, 120_000);
});
