// The word directory, written beside the bundles' merge (./merge.ts): for a one-word search by
// relevance, the pages Pagefind would rank first across all of history, with Pagefind's own
// scores, so the search page draws them from one small file instead of loading Pagefind, its
// WebAssembly and the merged index's page list (about 200 KB at 10,000 briefings) first. Pagefind
// still answers everything else — more results, filters, several words, dates — and its results
// after these are the same ranking's continuation (src/search/client/directory.ts).
//
// A word is listed only where the directory's answer is Pagefind's exactly. Pagefind matches the
// searched word together with the longer words that begin with it ("hafnium" with
// "hafniumsuppli", from "hafnium-supply"), each scored with a length penalty, but only those in
// the index chunks it loads: a word is listed with its longer words when all of them share its
// chunk (then which chunks are loaded cannot change the answer), and left out when they do not,
// when there are more than MAX_WORDS, when one has accented variants, or when two share a position
// on a page (see uniquePositions); the search page then asks Pagefind, as before.
//
// Scores follow pagefind_web's search_term (1.6) for one term with the default ranking
// (term_similarity 1, page_length 0.75, term_saturation 1.4, term_frequency 1, title weight 5),
// in 32-bit floats as its Rust does: per matched word, a BM25 score of its weighted count on the
// page (each position once, at its first weight; Pagefind's weights are
// data-pagefind-weight × 24) with the IDF of all the matched words' pages, times its length
// bonus and diacritic bonus; plus, per meta field holding matched words, field weight × their
// IDF × coverage². The diacritic bonus depends on how the reader typed the word, so a hit keeps
// each word's part apart and the page adds them up (scoreOf in ./layout.ts).
// directory.test.ts checks scores, order, excerpts and sections against Pagefind's own search.
import { mkdir, writeFile } from 'node:fs/promises';
import type { Posting } from './merge.ts';
import path from 'node:path';
import { DIACRITIC_BONUS, DIRECTORY_DIR, DIRECTORY_TOP, lengthBonus, scoreOf, uniquePositions, type DirectoryEntry, type DirectoryHit, type DirectoryIndex } from './layout.ts';

/** About this many bytes of JSON per shard (a few KB gzipped). */
const SHARD_BYTES = 24_000;
/** Longer words listed with a word at most; past this the word is left to Pagefind. */
const MAX_WORDS = 16;

const f = Math.fround;
const K1 = 1.4;
const B = 0.75;
const META_WEIGHTS: Record<string, number> = { title: 5 };

export interface DirectoryWriter {
  /**
   * Each merged word in Pagefind's (byte) order, with its merged, delta-coded postings and the
   * number of the index chunk it went to. A promise while a full shard is being written.
   */
  add(word: string, pages: Posting[], variants: number, chunk: number): Promise<unknown> | undefined;
  /** Writes the last shard and `<out>/directory/index.json`: the first word of each shard, and how many words are listed. */
  finish(): Promise<DirectoryIndex>;
}

/** A word waiting for the words after it, any of which may begin with it. */
interface Open {
  word: string;
  /** Its place in the word order. */
  seq: number;
  chunk: number;
  words: { word: string; pages: Posting[] }[];
  dead: boolean;
}

const bytesOf = (s: string) => Buffer.byteLength(s);

/** The indices of the `k` highest scores, ties to the lower index (pages are in page order): one pass, no sort of them all. */
function best(scores: number[], k: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i]!;
    if (top.length === k && score <= scores[top[k - 1]!]!) continue;
    let at = top.length;
    while (at > 0 && scores[top[at - 1]!]! < score) at--;
    top.splice(at, 0, i);
    if (top.length > k) top.pop();
  }
  return top;
}

/**
 * One word's weighted count on a page: each position once, at its first weight (uniquePositions,
 * for one word). A position repeats only as a 0 delta after a group's first position, or across
 * weight groups: a page with one group and no 0 delta (most pages of most words) needs no set.
 */
function weightOf(locs: number[]): number {
  let sum = 0;
  let weight = 24;
  let groups = 0;
  for (let i = 0; i < locs.length; i++) {
    const v = locs[i]!;
    if (v < 0) (weight = -v - 1), groups++;
    else if (v === 0 && i > 0 && locs[i - 1]! >= 0) return weightOfRepeating(locs);
    else sum += weight;
  }
  return groups > 1 ? weightOfRepeating(locs) : sum;
}

function weightOfRepeating(locs: number[]): number {
  let sum = 0;
  let weight = 24;
  let at = 0;
  const seen = new Set<number>();
  for (const v of locs) {
    if (v < 0) (weight = -v - 1), (at = 0);
    else if (!seen.has((at += v))) seen.add(at), (sum += weight);
  }
  return sum;
}

/**
 * Writes the directory into `<out>/directory/` while the merge goes: shards of consecutive words
 * (in Pagefind's order), each written when full, so the directory is never held whole (at 10,000
 * briefings it is tens of MB of JSON, beside the merge's 300 MB).
 */
export function directoryWriter(pages: ReadonlyArray<readonly [string, number, ...unknown[]]>, metaFields: readonly string[], out: string): DirectoryWriter {
  let total = 0;
  for (const p of pages) total = f(total + p[1]);
  const averageLength = f(total / pages.length);
  const fieldWeight = metaFields.map((name) => META_WEIGHTS[name] ?? 1);
  /** Open words, each a prefix of the next (the words come sorted). */
  const open: Open[] = [];
  // A word's entry is ready only once the words after it have been seen, longer words first: each
  // waits here, by its place in the word order, until the words before it are settled, so the
  // shards come out in order. A live word waits for at most MAX_WORDS others.
  const ready = new Map<number, string | null>();
  let seq = 0;
  let nextOut = 0;
  const dir = path.join(out, DIRECTORY_DIR);
  const made = mkdir(dir, { recursive: true });
  made.catch(() => undefined); // reported by the first write, or by finish()
  const firsts: string[] = [];
  let shard: string[] = [];
  let shardFirst = '';
  let shardBytes = 0;
  let listed = 0;
  let writing: Promise<unknown> = Promise.resolve();
  const flush = () => {
    const [n, body] = [firsts.length, `{${shard.join(',')}}`];
    firsts.push(shardFirst);
    shard = [];
    shardBytes = 0;
    // One shard written at a time; the merge waits for the one before.
    const previous = writing;
    writing = previous.then(() => made).then(() => writeFile(path.join(dir, `${n}.json`), body));
    writing.catch(() => undefined); // reported by the next flush or by finish()
    return previous;
  };
  const drain = (): Promise<unknown> | undefined => {
    let waits: Promise<unknown> | undefined;
    while (ready.has(nextOut)) {
      const line = ready.get(nextOut)!;
      ready.delete(nextOut++);
      if (line === null) continue;
      if (!shard.length) shardFirst = JSON.parse(line.slice(0, line.indexOf('":') + 1)) as string;
      shard.push(line);
      shardBytes += line.length + 1;
      listed++;
      if (shardBytes >= SHARD_BYTES) waits = flush();
    }
    return waits;
  };

  /** The word's entry, or undefined where Pagefind's answer cannot be foretold. */
  /** Per meta field holding matched words, field weight × their IDF × coverage², added up (`counts`: matched words per field, in the order first met). */
  const boostOf = (counts: Iterable<[number, number]>, idf: number): number => {
    let boost = 0;
    for (const [id, count] of counts) {
      let matched = 0;
      for (let i = 0; i < count; i++) matched = f(matched + idf);
      const coverage = f(matched / idf);
      boost = f(boost + f(f(f((fieldWeight[id] ?? 1) * matched) * coverage) * coverage));
    }
    return boost;
  };
  /** The IDF of words found on `n` pages. */
  const idfOf = (n: number) => f(Math.log(f(f(f(pages.length - n + 0.5) / f(n + 0.5)) + 1)));
  const baseOf = (sum: number, bonus: number, idf: number, length: number): number => {
    if (!sum) return 0;
    const tf = f(f(f(sum) / 24) * bonus);
    return f(idf * f(f(f(K1 + 1) * tf) / f(f(K1 * f(f(1 - B) + f(B * length))) + tf)));
  };
  /** The fields a list of meta locations names, each once, in the order first named. */
  const fieldsOf = (list: readonly number[]): Set<number> => {
    const fields = new Set<number>();
    let field = -1;
    for (const v of list) {
      if (v < 0) field = -v - 1;
      else fields.add(field);
    }
    return fields;
  };

  /** The hits of a word with no longer words listed with it (most words), straight from its postings. */
  const hitsOfOne = (list: Posting[], bonus: number, idf: number): { page: number; hit: DirectoryHit }[] => {
    const hits: { page: number; hit: DirectoryHit }[] = [];
    let page = 0;
    for (const [delta, locs, metaLocs] of list) {
      page += delta;
      const length = f(pages[page]![1] / averageLength);
      const base = baseOf(weightOf(locs), bonus, idf, length);
      const boost = metaLocs.length ? boostOf([...fieldsOf(metaLocs)].map((id): [number, number] => [id, 1]), idf) : 0;
      hits.push({ page, hit: [pages[page]![0], [base], boost, [locs]] });
    }
    return hits;
  };

  /** The word's entry, or undefined where Pagefind's answer cannot be foretold. */
  const entryFor = ({ words }: Open): DirectoryEntry | undefined => {
    const root = bytesOf(words[0]!.word);
    const bonus = words.map(({ word }) => lengthBonus(bytesOf(word) - root + 1));
    if (words.length === 1) {
      const n = words[0]!.pages.length;
      return selectHits(n, words, hitsOfOne(words[0]!.pages, bonus[0]!, idfOf(n)));
    }
    // Each page's positions and meta locations, per word.
    const byPage = new Map<number, { page: number; locs: number[][]; meta: number[][] }>();
    words.forEach(({ pages: list }, w) => {
      let page = 0;
      for (const [delta, locs, metaLocs] of list) {
        page += delta;
        let at = byPage.get(page);
        if (!at) byPage.set(page, (at = { page, locs: words.map(() => []), meta: words.map(() => []) }));
        at.locs[w] = locs;
        at.meta[w] = metaLocs;
      }
    });
    const perPage = [...byPage.values()];
    const n = perPage.length;
    const idf = idfOf(n);
    const hits: { page: number; hit: DirectoryHit }[] = [];
    for (const { page, locs, meta } of perPage) {
      const { found, shared } = uniquePositions(locs);
      if (shared) return undefined;
      const weighted = words.map(() => 0);
      for (const { word, weight } of found) weighted[word]! += weight;
      const length = f(pages[page]![1] / averageLength);
      const bases = weighted.map((sum, w) => baseOf(sum, bonus[w]!, idf, length));
      const inField = new Map<number, number>();
      for (const list of meta) if (list.length) for (const id of fieldsOf(list)) inField.set(id, (inField.get(id) ?? 0) + 1);
      hits.push({ page, hit: [pages[page]![0], bases, boostOf(inField, idf), locs] });
    }
    return selectHits(n, words, hits);
  };

  /** All the hits, or past DIRECTORY_TOP the best of them under each way the reader's typing can earn the bonus. */
  const selectHits = (n: number, words: Open['words'], hits: { page: number; hit: DirectoryHit }[]): DirectoryEntry => {
    if (hits.length <= DIRECTORY_TOP) return [n, words.map((w) => w.word), hits.map((h) => h.hit)];
    // The best under each way the reader's typing can earn the bonus (for the word itself and for
    // the longer words); the page ranks them by the bonuses it works out.
    const kept = new Set<number>();
    const ways = words.length === 1 ? [[DIACRITIC_BONUS], [1]] : [[DIACRITIC_BONUS, DIACRITIC_BONUS], [DIACRITIC_BONUS, 1], [1, 1], [1, DIACRITIC_BONUS]];
    for (const [own, longer] of ways) {
      const bonuses = words.map((_, i) => (i ? longer! : own!));
      for (const i of best(hits.map((h) => scoreOf(h.hit, bonuses)), DIRECTORY_TOP)) kept.add(i);
    }
    return [n, words.map((w) => w.word), hits.filter((_, i) => kept.has(i)).map((h) => h.hit)];
  };

  const settle = (next?: string) => {
    while (open.length && !(next !== undefined && next.startsWith(open.at(-1)!.word))) {
      const done = open.pop()!;
      const entry = done.dead ? undefined : entryFor(done);
      ready.set(done.seq, entry ? `${JSON.stringify(done.word)}:${JSON.stringify(entry)}` : null);
    }
  };

  return {
    add(word, pageList, variants, chunk) {
      settle(word);
      // Every open word begins this one: Pagefind matches it with them, if it is loaded with them.
      for (const o of open) {
        if (o.dead) continue;
        if (variants || chunk !== o.chunk || o.words.length === MAX_WORDS) o.dead = true;
        else o.words.push({ word, pages: pageList });
      }
      open.push({ word, seq: seq++, chunk, words: [{ word, pages: pageList }], dead: variants > 0 || pageList.length === 0 });
      return drain();
    },
    async finish() {
      settle();
      await drain();
      if (shard.length) await flush();
      await writing;
      await made;
      const index: DirectoryIndex = { firsts, words: listed };
      await writeFile(path.join(dir, 'index.json'), JSON.stringify(index));
      return index;
    },
  };
}
