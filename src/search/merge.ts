// Merges date bundles, each a Pagefind index, into ONE index in Pagefind's own format, without
// running Pagefind again: what Pagefind's CLI would have written for all the briefings at once
// (the same words, postings, chunks, filters, sort and page metadata; src/search/merge.test.ts
// compares the two), so Pagefind's standard API at /pagefind/pagefind.js, its UIs and another
// site's mergeIndex see every briefing and rank across the whole history. The bundles stay the
// unit Pagefind indexes and the build caches (./index-build.ts): the CLI's memory grows with the
// pages it indexes at once (5.1 GB for 10,000 briefings), this merge's with one chunk per bundle.
//
// Pagefind's files are gzip("pagefind_dcd" + CBOR), written by Pagefind's Rust side
// (pagefind/src/index/) and read by its WebAssembly (pagefind_web/src/). What the merge relies on:
//   - pf_meta: [version, pages [[fragment hash, word count]], index chunks [[from, to, hash]],
//     filters [[name, hash]], sorts [[name, [page numbers]]], meta fields [names]];
//   - pf_index: [[[word, [[page delta, locs, meta locs]], [[variant form, [[page delta, …]]]]]]],
//     words in byte order; a word's page numbers are deltas, so only the first page of each
//     bundle's list changes when the lists are joined; meta locs name fields by position in the
//     sorted meta fields (-(id + 1) markers);
//   - pf_filter: [name, [[value, [page numbers]]]], values in byte order;
//   - chunks close when their postings (locs + meta locs + 1 per page) reach 20,000, with the
//     boundaries shortened to the shortest prefixes that still tell neighbours apart (the merge
//     also gives a word that fills a chunk alone a chunk of its own: see mergeWords).
// The version of Pagefind is part of every bundle's cache key, and the merge refuses bundles of
// different versions; a new Pagefind that changes these files fails merge.test.ts.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip as gunzipCb, gunzipSync, gzip as gzipCb } from 'node:zlib';
import pLimit from 'p-limit';
import { decodeCbor, encodeCbor } from './cbor.ts';
import { directoryOnWorker } from './directory-worker.ts';
import { linkFile } from './link.ts';
import { byteOrder, type DirectoryIndex } from './layout.ts';

const gzip = promisify(gzipCb);
const gunzip = promisify(gunzipCb);
const SIGNATURE = Buffer.from('pagefind_dcd');
/** Encoded files waiting to be written, at most, before the merge goes on. */
const WRITES_AHEAD = 16;
/** Pagefind's default `index_chunk_size` (pagefind/src/options.rs). */
const CHUNK_SIZE = 20_000;

export type Posting = [delta: number, locs: number[], metaLocs: number[]];
type Variant = [form: string, pages: Posting[]];
export type Word = [word: string, pages: Posting[], variants: Variant[]];
type Meta = [version: string, pages: [string, number, ...unknown[]][], chunks: [string, string, string][], filters: [string, string][], sorts: [string, number[]][], metaFields: string[]];

export interface MergeResult {
  pages: number;
  words: number;
  chunks: number;
  /** The word directory beside the index (./directory.ts): its shards' first words, and the words it lists. */
  directory: DirectoryIndex;
}

export class MergeError extends Error {}

/** Reads one of Pagefind's files. */
export async function readPagefindFile<T>(file: string): Promise<T> {
  return unpack<T>(file, await gunzip(await readFile(file)));
}

/** readPagefindFile, blocking: for the merge's own thread. */
export function readPagefindFileSync<T>(file: string): T {
  return unpack<T>(file, gunzipSync(readFileSync(file)));
}

function unpack<T>(file: string, bytes: Buffer): T {
  if (!bytes.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new MergeError(`${file} is not a Pagefind index file (no "pagefind_dcd" signature)`);
  return decodeCbor(bytes.subarray(SIGNATURE.length)) as T;
}

interface Source {
  dir: string;
  meta: Meta;
  offset: number;
  /** This bundle's meta field ids → the merged ones, or null when they are the same. */
  fields: number[] | null;
}

/**
 * Merges the Pagefind indexes in `bundleDirs` — given oldest first, partitioning the dates, so
 * their pages in this order are in date order — into `out` (pf_meta, index/, filter/, fragment/,
 * pagefind-entry.json). Fragments are hard-linked from the bundles. Pagefind's scripts and
 * WebAssembly are not copied: the caller takes them from a bundle's full output.
 */
export async function mergeIndexes(bundleDirs: readonly string[], out: string): Promise<MergeResult> {
  if (bundleDirs.length === 0) throw new MergeError('there are no search bundles to merge');
  const sources: Source[] = [];
  let offset = 0;
  for (const dir of bundleDirs) {
    const entry = await readEntry(dir);
    const meta = await readPagefindFile<Meta>(path.join(dir, `pagefind.${entry.hash}.pf_meta`));
    if (meta[0] !== sources[0]?.meta[0] && sources.length) throw new MergeError(`the search bundles were written by different Pagefind versions (${sources[0]!.meta[0]} and ${meta[0]}, in ${dir}). Delete the search cache (content/.cache/search) and build again.`);
    sources.push({ dir, meta, offset, fields: null });
    offset += meta[1].length;
  }
  const metaFields = [...new Set(sources.flatMap((s) => s.meta[5]))].sort(byteOrder);
  for (const s of sources) {
    const ids = s.meta[5].map((name) => metaFields.indexOf(name));
    s.fields = ids.every((id, i) => id === i) ? null : ids;
  }
  for (const d of ['index', 'filter', 'fragment']) await mkdir(path.join(out, d), { recursive: true });
  const writes = pLimit(8);
  const pending: Promise<unknown>[] = [];
  const names = new Set<string>();
  /** Writes a CBOR value as `<dir>/<hash>.<ext>`, named like Pagefind's: en_ and 7+ hex digits of its hash; `body` is the CBOR, `done` when written. */
  const writeHashed = (dir: string, ext: string, value: unknown): { name: string; body: Uint8Array; done: Promise<unknown> } => {
    const body = encodeCbor(value);
    const full = createHash('sha1').update(body).digest('hex');
    let n = 7;
    while (names.has(`${dir}/en_${full.slice(0, n)}`)) n++;
    const name = `en_${full.slice(0, n)}`;
    names.add(`${dir}/${name}`);
    // Copied now: a chunk's `body` is handed to the directory's thread, which leaves it empty here.
    const file = Buffer.concat([SIGNATURE, body]);
    const done = writes(async () => writeFile(path.join(out, dir, `${name}.${ext}`), await gzip(file)));
    pending.push(done);
    return { name, body, done };
  };

  const pages = await mergeFragments(sources, out);
  const directory = directoryOnWorker(pages, metaFields, out);
  let chunks: Meta[2];
  let words: number;
  try {
    // Each chunk's CBOR goes to the directory's thread as it is encoded (./directory-worker.ts;
    // the file is written from a copy); chunks are closed in order.
    let n = 0;
    const writeChunk = (chunk: Word[]) => {
      const written = writeHashed('index', 'pf_index', [chunk]);
      directory.chunk(n++, written.body);
      return written;
    };
    ({ chunks, words } = await mergeWords(sources, writeChunk));
  } catch (error) {
    directory.cancel();
    throw error;
  }
  // Told now, so the directory finishes and its thread ends whatever happens below.
  const listed = directory.finish(chunks.length);
  listed.catch(() => undefined); // awaited at the end; a failure must not be unhandled before then
  const filters: [string, string][] = [];
  for (const [name, values] of await mergeFilters(sources)) filters.push([name, writeHashed('filter', 'pf_filter', [name, values]).name]);
  const sorts = new Map<string, number[]>();
  for (const s of sources) {
    for (const [name, order] of s.meta[4]) {
      const list = sorts.get(name) ?? [];
      for (const page of order) list.push(page + s.offset);
      sorts.set(name, list);
    }
  }
  await Promise.all(pending);

  const meta: Meta = [sources[0]!.meta[0], pages, chunks, filters, [...sorts], metaFields];
  const metaBody = encodeCbor(meta);
  const metaHash = `en_${createHash('sha1').update(metaBody).digest('hex').slice(0, 10)}`;
  await writeFile(path.join(out, `pagefind.${metaHash}.pf_meta`), await gzip(Buffer.concat([SIGNATURE, metaBody])));
  const first = JSON.parse(await readFile(path.join(bundleDirs[0]!, 'pagefind-entry.json'), 'utf8')) as { version: string; languages: Record<string, unknown>; [key: string]: unknown };
  await writeFile(path.join(out, 'pagefind-entry.json'), JSON.stringify({ ...first, languages: { en: { hash: metaHash, wasm: 'en', page_count: pages.length } } }));
  return { pages: pages.length, words, chunks: chunks.length, directory: await listed };
}

async function readEntry(dir: string): Promise<{ hash: string; page_count: number }> {
  let entry: { languages?: Record<string, { hash: string; page_count: number }> };
  try {
    entry = JSON.parse(await readFile(path.join(dir, 'pagefind-entry.json'), 'utf8'));
  } catch (error) {
    throw new MergeError(`the search bundle ${dir} has no readable pagefind-entry.json (${(error as Error).message}). Delete the search cache (content/.cache/search) and build again.`);
  }
  const languages = Object.keys(entry.languages ?? {});
  if (languages.length !== 1 || languages[0] !== 'en') throw new MergeError(`the search bundle ${dir} holds languages ${JSON.stringify(languages)}; the site indexes English only (--force-language en)`);
  return entry.languages!.en!;
}

/**
 * The merged page list, each page's fragment hard-linked from its bundle. The newest bundle's
 * pages keep the names (Pagefind's result ids) they have in the bundle: the search page, having
 * shown the newest bundle's results, skips them by id in the merged index's
 * (src/search/client/run.ts). Every other page is named by its number in base 36: Pagefind's
 * names are 7 random hex digits, which at 10,000 pages were 52 KB of the 108 KB page list every
 * client of the merged index downloads first, and short counting names compress to a fraction.
 */
async function mergeFragments(sources: Source[], out: string): Promise<Meta[1]> {
  const io = pLimit(32);
  const links: Promise<void>[] = [];
  const newest = sources.at(-1)!;
  let counter = 0;
  const pages: Meta[1] = [];
  for (const s of sources) {
    const named = new Map<string, string>(); // identical pages share a fragment, as Pagefind wrote them
    for (const [hash, ...rest] of s.meta[1]) {
      let name = named.get(hash);
      if (name === undefined) {
        name = s === newest ? hash : (counter++).toString(36);
        named.set(hash, name);
        const from = path.join(s.dir, 'fragment', `${hash}.pf_fragment`);
        const to = path.join(out, 'fragment', `${name}.pf_fragment`);
        links.push(io(() => linkFile(from, to)));
      }
      pages.push([name, ...rest] as Meta[1][number]);
    }
  }
  await Promise.all(links);
  return pages;
}

interface Cursor {
  s: Source;
  /** The current word; undefined before the first and after the last. */
  word: Word | undefined;
  /** Moves to the next word: a promise only when a chunk is used up (a promise per word would cost a third of the merge). */
  next(): Word | undefined | Promise<Word | undefined>;
}

/** A bundle's words in order, one decoded chunk at a time (not read ahead: at 10,000 that held 85 more decoded chunks at once). */
function cursor(s: Source): Cursor {
  let words: Word[] = [];
  let i = 0;
  let chunk = 0;
  const c: Cursor = {
    s,
    word: undefined,
    next() {
      if (i < words.length) return take();
      const hash = s.meta[2][chunk++]?.[2];
      if (hash === undefined) return (c.word = undefined);
      // Read and unpacked in step: the merge runs on its own thread (./merge-worker.ts), and a
      // chunk of 20,000 postings unpacks faster here than through zlib's thread pool and back.
      [words] = readPagefindFileSync<[Word[]]>(path.join(s.dir, 'index', `${hash}.pf_index`));
      i = 0;
      return c.next();
    },
  };
  const take = () => {
    const next = words[i++]!;
    if (c.word && byteOrder(c.word[0], next[0]) >= 0) throw new MergeError(`the search bundle ${s.dir} has its words out of order ("${c.word[0]}" before "${next[0]}"). Delete the search cache (content/.cache/search) and build again.`);
    return (c.word = next);
  };
  return c;
}

/** Joins one word's page lists from several bundles (in page order) into one delta-coded list, reusing the decoded arrays. */
function joinPostings(parts: { s: Source; pages: Posting[] }[]): Posting[] {
  let last = 0;
  // A word can have no pages of its own in a bundle, only variants ("café" where no page says "cafe").
  parts = parts.filter((p) => p.pages.length);
  for (const { s, pages } of parts) {
    let page = 0;
    for (const p of pages) {
      page += p[0];
      if (s.fields && p[2].length) p[2] = p[2].map((v) => (v < 0 ? -(s.fields![-v - 1]! + 1) : v));
    }
    pages[0]![0] += s.offset - last;
    last = page + s.offset;
  }
  return parts.length === 1 ? parts[0]!.pages : parts.flatMap((p) => p.pages);
}

async function mergeWords(sources: Source[], writeChunk: (chunk: Word[]) => { name: string; done: Promise<unknown> }): Promise<{ chunks: Meta[2]; words: number }> {
  // A k-way merge over the bundles' sorted words, with a binary heap of their current words.
  const heap: Cursor[] = [];
  const less = (a: Cursor, b: Cursor) => {
    const c = byteOrder(a.word![0], b.word![0]);
    return c < 0 || (c === 0 && a.s.offset < b.s.offset);
  };
  const push = (c: Cursor) => {
    heap.push(c);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  };
  const pop = () => {
    const top = heap[0]!;
    const end = heap.pop()!;
    if (heap.length) {
      heap[0] = end;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  };
  const advance = async (c: Cursor) => {
    const next = c.next();
    if (next instanceof Promise ? await next : next) push(c);
  };
  for (const s of sources) await advance(cursor(s));

  const bounds: [string, string, string][] = [];
  // Encoding outpaces zlib: a chunk waits while WRITES_AHEAD are still being written, so the merge
  // holds a few encoded chunks, not the index (at 10,000 briefings it runs while Astro renders).
  const writing: Promise<unknown>[] = [];
  let chunk: Word[] = [];
  let size = 0;
  let count = 0;
  const close = async () => {
    const { name, done } = writeChunk(chunk);
    bounds.push([chunk[0]![0], chunk.at(-1)![0], name]);
    chunk = [];
    size = 0;
    writing.push(done);
    if (writing.length > WRITES_AHEAD) await writing.shift();
  };
  while (heap.length) {
    const first = pop();
    const same = [first];
    while (heap.length && heap[0]!.word![0] === first.word![0]) same.push(pop());
    const word = first.word![0];
    const pages = joinPostings(same.map((c) => ({ s: c.s, pages: c.word![1] })));
    const variants = new Map<string, { s: Source; pages: Posting[] }[]>();
    for (const c of same) for (const [form, list] of c.word![2] ?? []) variants.set(form, [...(variants.get(form) ?? []), { s: c.s, pages: list }]);
    let own = 0;
    for (const p of pages) own += p[1].length + p[2].length + 1;
    // Where this merge departs from Pagefind: a word that fills a chunk on its own ("supply" on
    // every page: 300 KB at 10,000 briefings) gets a chunk of its own, so the words before it are
    // not fetched with it (a word found nowhere that sorts near it cost 296 KB). The client only
    // needs the chunks in order with their ranges; merge.test.ts checks that every word is found.
    if (own >= CHUNK_SIZE && chunk.length) await close();
    chunk.push([word, pages, [...variants].map(([form, parts]) => [form, joinPostings(parts)])]);
    count++;
    size += own;
    if (size >= CHUNK_SIZE) await close();
    for (const c of same) {
      const next = c.next();
      if (next instanceof Promise ? await next : next) push(c);
    }
  }
  if (chunk.length) await close();
  return { chunks: chunkBounds(bounds), words: count };
}

/** Pagefind's chunk_meta: each boundary shortened to one character past the prefix it shares with its neighbour. */
function chunkBounds(chunks: Meta[2]): Meta[2] {
  const prefix = (s: string, n: number) => Array.from(s).slice(0, n).join('');
  for (let i = 0; i + 1 < chunks.length; i++) {
    const a = chunks[i]!;
    const b = chunks[i + 1]!;
    const ac = Array.from(a[1]);
    const bc = Array.from(b[0]);
    let common = 0;
    while (common < ac.length && common < bc.length && ac[common] === bc[common]) common++;
    const to = prefix(a[1], common + 1);
    if (byteOrder(to, a[0]) >= 0) a[1] = to;
    b[0] = prefix(b[0], common + 1);
  }
  return chunks;
}

async function mergeFilters(sources: Source[]): Promise<[string, [string, number[]][]][]> {
  const filters = new Map<string, Map<string, number[]>>();
  for (const s of sources) {
    for (const [, hash] of s.meta[3]) {
      const [name, values] = await readPagefindFile<[string, [string, number[]][]]>(path.join(s.dir, 'filter', `${hash}.pf_filter`));
      const merged = filters.get(name) ?? new Map<string, number[]>();
      filters.set(name, merged);
      for (const [value, pages] of values) {
        const list = merged.get(value) ?? [];
        for (const page of pages) list.push(page + s.offset);
        merged.set(value, list);
      }
    }
  }
  return [...filters]
    .sort((a, b) => byteOrder(a[0], b[0]))
    .map(([name, values]) => [name, [...values].sort((a, b) => byteOrder(a[0], b[0]))]);
}
