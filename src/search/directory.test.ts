// The word directory checked against Pagefind itself: the example knowledge base's briefings,
// indexed as `kb build` indexes them (date bundles, their merge and the directory), and every word
// they contain searched twice — by Pagefind's own pagefind.js and WebAssembly, run here in Node
// on the same files, and through the directory as the search page looks it up. Where the
// directory answers, it must answer as Pagefind does: the same count, pages, order, scores,
// excerpts and sections.
import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { stem } from 'porter2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, readSession } from '#kb/store/catalog.ts';
import { createIndex, close } from 'pagefind';
import type { BundleManifest } from './bundles.ts';
import { directoryLookup, directoryWord, excerpt, excerptStart, weightedLocations } from './client/directory.ts';
import { buildSearchBundles } from './index-build.ts';
import { DIRECTORY_DIR, byteOrder, directoryShard, type DirectoryEntry, type DirectoryIndex } from './layout.ts';
import { readPagefindFile } from './merge.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface PagefindResult {
  id: string;
  score: number;
  data(): Promise<{ url: string; excerpt: string; sub_results: { title: string; url: string; excerpt: string }[] }>;
}
interface PagefindJs {
  search(term: string): Promise<{ results: PagefindResult[] }>;
  options(o: object): Promise<void>;
}

let content: string;
let site: string;
let words: string[];
let pagefind: PagefindJs;
let lookup: ReturnType<typeof directoryLookup>;
let firsts: string[];
const realFetch = globalThis.fetch;

beforeAll(async () => {
  content = await mkdtemp(path.join(os.tmpdir(), 'kb-directory-'));
  site = await mkdtemp(path.join(os.tmpdir(), 'kb-directory-dist-'));
  await cp(path.join(ROOT, 'content', 'briefings'), path.join(content, 'briefings'), { recursive: true });
  const catalog = await loadCatalog(content);
  // Bundles of at most 4 briefings and no one index: the layout of a large knowledge base.
  await buildSearchBundles(catalog, site, { info: () => undefined, warn: () => undefined }, { limit: 4, oneIndexMax: 0 });
  const text = catalog.entries.map((e) => JSON.stringify(readSession(catalog, e))).join(' ');
  words = [...new Set(text.toLowerCase().match(/[a-z][a-z0-9]+/g))];
  // pagefind.js fetches its files from where it was loaded: file: URLs here.
  globalThis.fetch = (async (url: string | URL, init?: RequestInit) => {
    const u = String(url);
    if (!u.startsWith('file:')) return realFetch(url, init);
    try {
      return new Response(await readFile(fileURLToPath(u.split('?')[0]!)));
    } catch {
      return new Response('', { status: 404 });
    }
  }) as typeof fetch;
  const out = path.join(site, 'pagefind');
  pagefind = (await import(pathToFileURL(path.join(out, 'pagefind.js')).href)) as PagefindJs;
  const manifest = JSON.parse(await readFile(path.join(out, 'bundles.json'), 'utf8')) as BundleManifest;
  const shard = async (n: number) => JSON.parse(await readFile(path.join(out, DIRECTORY_DIR, `${n}.json`), 'utf8')) as Record<string, DirectoryEntry>;
  lookup = directoryLookup(shard, manifest.merged!.directory!, pathToFileURL(out).href + '/', '/');
  firsts = manifest.merged!.directory!;
}, 180_000);

afterAll(async () => {
  globalThis.fetch = realFetch;
  await rm(content, { recursive: true, force: true });
  await rm(site, { recursive: true, force: true });
});

describe('the word directory', () => {
  it('answers a one-word search as Pagefind does: the same count, pages, order and scores', async () => {
    let answered = 0;
    let pages = 0;
    const near = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));
    for (const word of words) {
      const [ours, theirs] = [await lookup(word), await pagefind.search(word)];
      if (!ours) continue;
      answered++;
      expect(ours.count, word).toBe(theirs.results.length);
      const score = new Map(theirs.results.map((t) => [t.id, t.score]));
      ours.results.forEach((r, i) => {
        pages++;
        // Pagefind's scores, to float precision (its Rust rounds logarithms as 32-bit floats), and
        // its order, up to pages of equal score, which its unstable sort may put either way.
        expect(near(r.score, score.get(r.id) ?? NaN), `${word}: ${r.id} scores ${r.score}, at Pagefind ${score.get(r.id)}`).toBe(true);
        expect(near(r.score, theirs.results[i]!.score), `${word} #${i}`).toBe(true);
      });
    }
    console.log(`the directory answered ${answered} of ${words.length} words, the rest left to Pagefind; ${pages} pages compared`);
    // Most words; the rest share positions with longer words (compounds) or fall across chunks.
    expect(answered).toBeGreaterThan(words.length * 0.75);
  }, 300_000);

  it('gives each result the excerpt and sections Pagefind gives it', async () => {
    await pagefind.options({ excerptLength: 30, baseUrl: '/' });
    let compared = 0;
    const differ: string[] = [];
    // Every 15th word the directory answers with three pages or more.
    let n = 0;
    for (const word of words) {
      const ours = await lookup(word);
      if (!ours || ours.results.length < 3 || n++ % 15) continue;
      const theirs = await pagefind.search(word);
      for (const r of ours.results.slice(0, 3)) {
        const [a, b] = await Promise.all([r.data(), theirs.results.find((t) => t.id === r.id)!.data()]);
        expect(a.url, word).toBe(b.url);
        const sections = (d: typeof b) => d.sub_results.map((s) => [s.title, s.url, s.excerpt]);
        if (a.excerpt !== b.excerpt || JSON.stringify(sections(a as typeof b)) !== JSON.stringify(sections(b))) differ.push(`${word} ${r.id}`);
        compared++;
      }
    }
    console.log(`excerpts and sections of ${compared} results compared, ${differ.length} differ${differ.length ? `: ${differ.join(', ')}` : ''}`);
    expect(compared).toBeGreaterThan(60);
    expect(differ).toEqual([]);
  }, 120_000);

  it('does not answer what it cannot answer exactly: several words, quotes, accents, a word found nowhere', async () => {
    expect(directoryWord('rare earths')).toBeUndefined();
    expect(directoryWord('"lithium"')).toBeUndefined();
    expect(directoryWord('Zürich')).toBeUndefined();
    expect(directoryWord('U.S.')).toBe('us');
    expect(directoryWord('Rare-earth')).toBe('rareearth');
    expect(await lookup('xylophonist')).toBeUndefined();
    expect(await lookup('constructor')).toBeUndefined(); // not a key of every object
  });

  it('lists a word in the shard the search page looks in, in order, for every word it lists', async () => {
    const out = path.join(site, 'pagefind', DIRECTORY_DIR);
    const index = JSON.parse(await readFile(path.join(out, 'index.json'), 'utf8')) as DirectoryIndex;
    expect(index.firsts).toEqual(firsts);
    expect(firsts.length).toBeGreaterThan(1);
    const entry = JSON.parse(await readFile(path.join(site, 'pagefind', 'pagefind-entry.json'), 'utf8'));
    const meta = await readPagefindFile<[string, [string, number][]]>(path.join(site, 'pagefind', `pagefind.${entry.languages.en.hash}.pf_meta`));
    const pages = new Set(meta[1].map(([name]) => name));
    let listed = 0;
    for (const [n, first] of firsts.entries()) {
      if (n) expect(byteOrder(firsts[n - 1]!, first)).toBeLessThan(0);
      const shard = JSON.parse(await readFile(path.join(out, `${n}.json`), 'utf8')) as Record<string, DirectoryEntry>;
      expect(Object.hasOwn(shard, first)).toBe(true);
      for (const [key, [count, words, hits]] of Object.entries(shard)) {
        expect(directoryShard(key, firsts), key).toBe(n);
        expect(words[0]).toBe(key);
        expect(words.slice(1).every((w) => w.startsWith(key))).toBe(true);
        expect(hits.length).toBeLessThanOrEqual(count);
        for (const hit of hits) expect(pages.has(hit[0]), `${key}: ${hit[0]}`).toBe(true);
        listed++;
      }
    }
    expect(listed).toBe(index.words);
    expect(directoryShard('', firsts)).toBe(firsts[0] === '' ? 0 : -1);
  });
});

describe('the excerpt of a directory result', () => {
  it('centres on the densest run of matches and marks them, within its section', () => {
    const raw = Array.from({ length: 100 }, (_, i) => `w${i}`).join(' ');
    const located = weightedLocations([[-25, 50, 1, 1]], [1]);
    expect(located.map((l) => l.location)).toEqual([50, 51, 52]);
    const start = excerptStart(located, 10);
    expect(start).toBeGreaterThan(40);
    expect(start).toBeLessThanOrEqual(50);
    const text = excerpt(raw, start, 10, [50, 51, 52]);
    expect(text.split(' ')).toHaveLength(10);
    expect(text).toContain('<mark>w50</mark> <mark>w51</mark> <mark>w52</mark>');
    // Kept inside [from, to): a section's excerpt never runs into the next one.
    expect(excerpt(raw, 95, 10, [], 90, 98).split(' ')).toEqual(['w90', 'w91', 'w92', 'w93', 'w94', 'w95', 'w96', 'w97']);
  });
});

describe('the search page\'s stemmer (Porter2) against Pagefind\'s (Snowball English)', () => {
  it('stems every word as Pagefind does, or to a prefix of Pagefind\'s stem', async () => {
    // Pagefind's stem of each word: one record per word, indexed by Pagefind's Node API.
    const list = [...new Set([...(words ?? []), 'added', 'adding', 'evening', 'internal', 'internally', 'international', 'universal', 'organized', 'organization', 'interval', 'paste', 'egging', 'interfering', 'generously', 'communism', 'news', 'dying', 'skis', 'succeed', 'proceed', 'exceed', 'cannings', 'howe', 'atlas', 'cosmos', 'bias', 'andes', 'sky', 'early', 'only', 'singly', 'gently', 'ugly', 'replica', 'tonnes', 'refineries', 'batteries', 'supplies', 'supplying'])];
    const { index } = await createIndex({ forceLanguage: 'en' });
    for (const [i, word] of list.entries()) await index!.addCustomRecord({ url: `/${i}/`, content: word, language: 'en' });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kb-stems-'));
    try {
      await index!.writeFiles({ outputPath: dir });
      const entry = JSON.parse(await readFile(path.join(dir, 'pagefind-entry.json'), 'utf8'));
      const meta = await readPagefindFile<[string, [string, number][], [string, string, string][]]>(path.join(dir, `pagefind.${entry.languages.en.hash}.pf_meta`));
      const stemOf = new Map<number, string>();
      for (const [, , hash] of meta[2]) {
        for (const [word, pages] of (await readPagefindFile<[[string, [number][]][]]>(path.join(dir, 'index', `${hash}.pf_index`)))[0]) {
          let page = 0;
          for (const [delta] of pages) stemOf.set((page += delta), word);
        }
      }
      const urls = await Promise.all(meta[1].map(async ([hash]) => Number((await fragmentUrl(path.join(dir, 'fragment', `${hash}.pf_fragment`))).replace(/\//g, ''))));
      let same = 0;
      urls.forEach((i, page) => {
        const word = list[i]!;
        const theirs = stemOf.get(page)!;
        const ours = stem(word);
        if (ours === theirs) same++;
        else expect(theirs.startsWith(ours), `${word}: Pagefind "${theirs}", Porter2 "${ours}"`).toBe(true);
      });
      expect(same).toBeGreaterThan(list.length * 0.98);
    } finally {
      await close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

async function fragmentUrl(file: string): Promise<string> {
  return (JSON.parse(gunzipSync(await readFile(file)).subarray('pagefind_dcd'.length).toString()) as { url: string }).url;
}
