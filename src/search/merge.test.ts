// The merge of date bundles checked against Pagefind itself: the same documents indexed by
// Pagefind's CLI as three bundles and merged, and indexed by the CLI as one index, must hold the
// same pages, words, postings, chunks, filters and sort (compared by each page's URL, since page
// numbers may differ).
import { cp, mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { encode } from 'cborg';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexDocuments } from './pagefind-cli.ts';
import { MergeError, mergeIndexes, readPagefindFile } from './merge.ts';
import { byteOrder } from './layout.ts';
import { mergeOnWorker } from './merge-worker.ts';

type Posting = [number, number[], number[]];
type Word = [string, Posting[], [string, Posting[]][]];
type Meta = [string, [string, number][], [string, string, string][], [string, string][], [string, number[]][], string[]];

const WORDS = ['supply', 'lithium', 'cobalt', 'refinery', 'export', 'quota', 'Malaysia', 'yttrium', 'café', 'cafe', 'naïve', 'Zürich', 'straße', '𝔘nicode', '東京', 'prices', 'tonnes', 'capacity', 'smelter', 'permits'];

/** A search document like src/search/document.ts writes: a date meta and sort, filters, weights. */
function document(n: number, date: string): string {
  const pick = (k: number) => WORDS[(n * 7 + k * 3) % WORDS.length]!;
  const body = Array.from({ length: 40 + (n % 9) * 25 }, (_, k) => `${pick(k)} w${(n * k) % 97}`).join(' ');
  // Only some documents have an "outlet" meta field: the bundles' meta fields differ.
  const extra = n % 5 === 0 ? `<span data-pagefind-meta="outlet:desk ${n}"></span>` : '';
  return `<html lang="en"><body><main data-pagefind-body data-pagefind-meta="date:${date}" data-pagefind-sort="date:${date}">
<h1 data-pagefind-meta="title" data-pagefind-filter="query" data-pagefind-weight="10">Question ${n % 4} about ${pick(1)}</h1>${extra}
<span data-pagefind-filter="year">${date.slice(0, 4)}</span><span data-pagefind-filter="tag">${pick(2)}</span><span data-pagefind-filter="tag">t${n % 3}</span>
<h2 id="kb-answer">Answer</h2><p data-pagefind-weight="5">${pick(3)} ${pick(4)} ${n}</p>
<h2 id="kb-source-1">[1] Source ${n}</h2><p data-pagefind-weight="0.5">${body}</p></main></body></html>`;
}

const dates = Array.from({ length: 36 }, (_, n) => new Date(Date.UTC(2024, 0, 1) + n * 23 * 86_400_000).toISOString().slice(0, 10));

let root: string;
let merged: string;
let one: string;
let bundles: string[];
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'kb-merge-'));
  const write = async (dir: string, n: number) => {
    const folder = path.join(dir, 'q', `question-${n % 4}`, `${dates[n]}-${n}`);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'index.html'), document(n, dates[n]!));
  };
  // Three bundles by year, as ./bundles.ts would cut them, and the same documents as one site.
  const years = ['2024', '2025', '2026'];
  bundles = years.map((y) => path.join(root, 'bundles', y));
  for (const [n, date] of dates.entries()) {
    await write(path.join(root, 'docs', date.slice(0, 4)), n);
    await write(path.join(root, 'docs-all'), n);
  }
  for (const [i, y] of years.entries()) {
    const count = dates.filter((d) => d.startsWith(y)).length;
    await indexDocuments(path.join(root, 'docs', y), bundles[i]!, count);
  }
  one = path.join(root, 'one');
  await indexDocuments(path.join(root, 'docs-all'), one, dates.length, { standard: true });
  merged = path.join(root, 'merged');
  await mergeIndexes(bundles, merged);
}, 120_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** An index decoded with page numbers replaced by the pages' URLs. */
async function decoded(dir: string) {
  const entry = JSON.parse(await readFile(path.join(dir, 'pagefind-entry.json'), 'utf8'));
  const meta = await readPagefindFile<Meta>(path.join(dir, `pagefind.${entry.languages.en.hash}.pf_meta`));
  const urls = await Promise.all(
    meta[1].map(async ([hash]) => JSON.parse(gunzipSync(await readFile(path.join(dir, 'fragment', `${hash}.pf_fragment`))).subarray('pagefind_dcd'.length).toString()).url as string),
  );
  const postings = (list: Posting[]) => {
    let page = 0;
    return list.map(([delta, locs, metaLocs]) => {
      page += delta;
      // Meta locs name fields by number: name them instead.
      return [urls[page], locs, metaLocs.map((v) => (v < 0 ? meta[5][-v - 1] : v))];
    }).sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
  };
  const words: Record<string, unknown> = {};
  for (const [, , hash] of meta[2]) {
    for (const [word, pages, variants] of (await readPagefindFile<[Word[]]>(path.join(dir, 'index', `${hash}.pf_index`)))[0]) {
      words[word] = { pages: postings(pages), variants: Object.fromEntries(variants.map(([form, list]) => [form, postings(list)])) };
    }
  }
  const filters: Record<string, Record<string, string[]>> = {};
  for (const [name, hash] of meta[3]) {
    const [, values] = await readPagefindFile<[string, [string, number[]][]]>(path.join(dir, 'filter', `${hash}.pf_filter`));
    filters[name] = Object.fromEntries(values.map(([value, pages]) => [value, pages.map((p) => urls[p]!).sort()]));
  }
  return {
    entry,
    version: meta[0],
    pages: Object.fromEntries(meta[1].map(([, wordCount], i) => [urls[i], wordCount])),
    chunks: meta[2].map(([from, to]) => [from, to]),
    words,
    filters,
    filterNames: meta[3].map(([name]) => name),
    sorts: meta[4].map(([name, pages]) => [name, pages.map((p) => urls[p])]),
    metaFields: meta[5],
  };
}

describe('merging date bundles into one Pagefind index', () => {
  it('writes what Pagefind writes for all the pages at once: pages, words, postings, chunks, filters, sort', async () => {
    const [a, b] = await Promise.all([decoded(merged), decoded(one)]);
    expect(a.pages).toEqual(b.pages);
    expect(Object.keys(a.pages)).toHaveLength(dates.length);
    expect(a.metaFields).toEqual(b.metaFields);
    expect(a.metaFields).toContain('outlet');
    expect(Object.keys(a.words).length).toBeGreaterThan(100);
    expect(a.words).toEqual(b.words);
    // Variants with diacritics survive (café and cafe are one word, "cafe", with a variant).
    expect(Object.keys((a.words['cafe'] as { variants: object }).variants)).toEqual(['café']);
    expect(a.chunks).toEqual(b.chunks);
    expect(a.filters).toEqual(b.filters);
    expect(a.filterNames).toEqual(b.filterNames);
    expect(a.sorts).toEqual(b.sorts);
    expect(a.version).toBe(b.version);
    expect(a.entry).toEqual({ ...b.entry, languages: { en: { ...b.entry.languages.en, hash: a.entry.languages.en.hash } } });
  });

  it('cuts several chunks when the postings pass Pagefind\'s chunk size, and names each boundary as Pagefind does', async () => {
    // Enough postings for more than one chunk (20,000 locations each), so the boundaries are compared above.
    const many = path.join(root, 'many');
    const docs = path.join(root, 'docs-many');
    for (let n = 0; n < 30; n++) {
      const folder = path.join(docs, `p${n}`);
      await mkdir(folder, { recursive: true });
      const words = Array.from({ length: 1500 }, (_, k) => `w${(k * 31 + n) % 3001}x`).join(' ');
      await writeFile(path.join(folder, 'index.html'), `<html lang="en"><body><main data-pagefind-body><h1>P ${n}</h1><p>${words}</p></main></body></html>`);
    }
    await indexDocuments(docs, path.join(root, 'many-one'), 30, { standard: true });
    const halves = [path.join(root, 'many-a'), path.join(root, 'many-b')];
    await mkdir(path.join(root, 'docs-many-b'), { recursive: true });
    for (let n = 15; n < 30; n++) await rename(path.join(docs, `p${n}`), path.join(root, 'docs-many-b', `p${n}`));
    await indexDocuments(docs, halves[0]!, 15);
    await indexDocuments(path.join(root, 'docs-many-b'), halves[1]!, 15);
    await mergeIndexes(halves, many);
    const [a, b] = await Promise.all([decoded(many), decoded(path.join(root, 'many-one'))]);
    expect(b.chunks.length).toBeGreaterThan(1);
    expect(a.chunks).toEqual(b.chunks);
    expect(a.words).toEqual(b.words);
  }, 60_000);

  it('gives a word that fills a chunk alone a chunk of its own, so the words beside it come without it', async () => {
    // "supply" 2,600 times on each of 10 pages: 26,000 postings, more than a chunk's 20,000.
    const docs = [path.join(root, 'giant-a'), path.join(root, 'giant-b')];
    for (let n = 0; n < 10; n++) {
      const folder = path.join(docs[n % 2]!, `g${n}`);
      await mkdir(folder, { recursive: true });
      const text = `sulphate smelting ${n} ` + 'supply '.repeat(2600) + `surplus tariffs w${n}`;
      await writeFile(path.join(folder, 'index.html'), `<html lang="en"><body><main data-pagefind-body><h1>Giant ${n}</h1><p>${text}</p></main></body></html>`);
    }
    const halves = [path.join(root, 'giant-a-index'), path.join(root, 'giant-b-index')];
    for (const [i, dir] of docs.entries()) await indexDocuments(dir, halves[i]!, 5);
    const out = path.join(root, 'giant');
    await mergeIndexes(halves, out);
    const entry = JSON.parse(await readFile(path.join(out, 'pagefind-entry.json'), 'utf8'));
    const meta = await readPagefindFile<Meta>(path.join(out, `pagefind.${entry.languages.en.hash}.pf_meta`));
    const chunks = await Promise.all(meta[2].map(async ([from, to, hash]) => ({ from, to, words: (await readPagefindFile<[Word[]]>(path.join(out, 'index', `${hash}.pf_index`)))[0].map(([w]) => w) })));
    expect(chunks.find((c) => c.words.includes('suppli'))!.words).toEqual(['suppli']);
    // Which chunks Pagefind's client fetches for a term (request_indexes in pagefind_web/src/lib.rs):
    // those whose range holds it, else those whose bounds it matches as a prefix.
    const chars = (t: string, n: number) => Array.from(t).slice(0, n).join('');
    const fetched = (term: string) => {
      const strict = chunks.filter((c) => term >= c.from && term <= c.to);
      if (strict.length) return strict;
      const n = Array.from(term).length;
      return chunks.filter((c) => chars(term, Math.min(n, Array.from(c.from).length)) >= chars(c.from, n) && chars(term, Math.min(n, Array.from(c.to).length)) <= chars(c.to, n));
    };
    for (const c of chunks) for (const word of c.words) expect(fetched(word)).toContain(c);
    expect(fetched('sulphat').flatMap((c) => c.words)).not.toContain('suppli');
  }, 60_000);

  it('gives every page a fragment name of its own, keeping the newest bundle\'s', async () => {
    // A bundle and its copy: every fragment name collides, and every page must keep its own file.
    const out = path.join(root, 'twice');
    const copy = path.join(root, 'copy-2024');
    await cp(bundles[0]!, copy, { recursive: true });
    await mergeIndexes([bundles[0]!, copy], out);
    const entry = JSON.parse(await readFile(path.join(out, 'pagefind-entry.json'), 'utf8'));
    const meta = await readPagefindFile<Meta>(path.join(out, `pagefind.${entry.languages.en.hash}.pf_meta`));
    const names = meta[1].map(([hash]) => hash);
    expect(new Set(names).size).toBe(names.length);
    expect((await readdir(path.join(out, 'fragment'))).length).toBe(names.length);
    // The newest bundle's pages keep their names (Pagefind's result ids); the older ones count in base 36.
    const own = await readPagefindFile<Meta>(path.join(copy, `pagefind.${JSON.parse(await readFile(path.join(copy, 'pagefind-entry.json'), 'utf8')).languages.en.hash}.pf_meta`));
    expect(names.slice(own[1].length)).toEqual(own[1].map(([hash]) => hash));
    expect(names.slice(0, own[1].length)).toEqual(own[1].map((_, i) => i.toString(36)));
  });

  it('refuses bundles it cannot merge, naming the bundle and what to do', async () => {
    const broken = path.join(root, 'broken');
    await mkdir(broken, { recursive: true });
    await expect(mergeIndexes([bundles[0]!, broken], path.join(root, 'x1'))).rejects.toThrow(/broken has no readable pagefind-entry\.json .*Delete the search cache/);
    await expect(mergeIndexes([], path.join(root, 'x2'))).rejects.toThrow(MergeError);

    // Another Pagefind version.
    const other = path.join(root, 'other-version');
    await cp(bundles[1]!, other, { recursive: true });
    const entry = JSON.parse(await readFile(path.join(other, 'pagefind-entry.json'), 'utf8'));
    const metaFile = path.join(other, `pagefind.${entry.languages.en.hash}.pf_meta`);
    const meta = await readPagefindFile<Meta>(metaFile);
    meta[0] = '0.9.0';
    await writeFile(metaFile, gzipSync(Buffer.concat([Buffer.from('pagefind_dcd'), encode(meta)])));
    await expect(mergeIndexes([bundles[0]!, other], path.join(root, 'x3'))).rejects.toThrow(/different Pagefind versions \(1\.\d+\.\d+ and 0\.9\.0/);

    // A file that is not Pagefind's.
    await writeFile(metaFile, gzipSync(Buffer.from('not an index')));
    await expect(mergeIndexes([other], path.join(root, 'x4'))).rejects.toThrow(/is not a Pagefind index file/);
  });
});

describe('the merge on a worker thread (as kb build runs it)', () => {
  it('writes the same index, and its refusals arrive as MergeError with their message', async () => {
    const out = path.join(root, 'on-worker');
    expect(await mergeOnWorker(bundles, out)).toMatchObject({ pages: dates.length });
    expect(await decoded(out)).toEqual(await decoded(merged));
    const failed = mergeOnWorker([bundles[0]!, path.join(root, 'no-such-bundle')], path.join(root, 'x5'));
    await expect(failed).rejects.toThrow(MergeError);
    await expect(failed).rejects.toThrow(/no-such-bundle has no readable pagefind-entry\.json .*Delete the search cache/);
  });

  it('fails, saying so, when the word directory cannot be written', async () => {
    const out = path.join(root, 'directory-in-the-way');
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'directory'), 'a file where the folder goes');
    await expect(mergeOnWorker(bundles, out)).rejects.toThrow(/word directory could not be written: .*directory/);
  });
});

describe('byteOrder', () => {
  it('orders any two strings as their UTF-8 bytes, which is how Pagefind sorts words', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(Math.sign(byteOrder(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 2000 },
    );
    expect(byteOrder('\uffff', '𝔘')).toBeLessThan(0); // a surrogate pair sorts after U+FFFF
  });
});
