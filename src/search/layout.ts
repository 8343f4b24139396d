// How dist/pagefind/ is laid out, shared by the index build and the search page's script (so it
// imports nothing that a browser could not load).
//
// A knowledge base of up to ONE_INDEX_MAX briefings is ONE Pagefind index in Pagefind's standard
// place, dist/pagefind/: relevance ranks across its whole history, the year is a Pagefind filter,
// and Pagefind's own API (`/pagefind/pagefind.js`), its UIs and another site's `mergeIndex` can use
// it. A larger one is split into date bundles (./bundles.ts), each at dist/pagefind/<key>/, which
// keeps Pagefind's memory, the first search's download and an incremental build's work bounded
// (docs/performance.md); the bundles are then merged into one standard index at dist/pagefind/
// (./merge.ts), with its word directory, so relevance and Pagefind's API still cover all of history.

/** The key of the one index, in bundles.json and in the cache. */
export const ONE_INDEX_KEY = 'all';

/** The key of the date bundles' merge into one standard index (src/search/merge.ts), for the search page and in the cache. */
export const MERGED_KEY = '_merged';

/**
 * The same as one bundle's limit (BUNDLE_LIMIT): a knowledge base that fits is searched with the
 * download and speed one bundle was measured at. `KB_SEARCH_ONE_INDEX_MAX` overrides it.
 */
export const ONE_INDEX_MAX = 300;

/**
 * The word directory beside the bundles' merge (src/search/directory.ts), at
 * dist/pagefind/directory/<n>.json: shards of consecutive words in Pagefind's (byte) order. A
 * word is in the last shard whose first word is not after it (directoryShard); the first words
 * are in bundles.json, so the search page finds a word's shard without another download.
 */
export const DIRECTORY_DIR = 'directory';

export interface DirectoryIndex {
  /** The first word of each shard, in order. */
  firsts: string[];
  /** Words listed. */
  words: number;
}

/** Hits listed per word: a page of results on the search page (PAGE in client/run.ts). */
export const DIRECTORY_TOP = 10;

/**
 * A page in the directory: [fragment name, each of the entry's words' BM25 part on the page (0
 * where it has none), the meta-field boost, each word's positions on the page as Pagefind codes
 * them: by weight, -(weight + 1) and then that weight's positions as deltas from 0].
 */
export type DirectoryHit = [page: string, bases: number[], boost: number, positions: number[][]];
/**
 * A word in the directory: [pages that hold it or a longer word beginning with it, those words
 * (the word itself first, then the longer ones, as Pagefind matches them), its best pages].
 */
export type DirectoryEntry = [pages: number, words: string[], hits: DirectoryHit[]];

const f = Math.fround;

/** What Pagefind's search adds to a word typed as it is indexed (its diacritic_similarity, 0.8). */
export const DIACRITIC_BONUS = 1.8;

/** Pagefind's word_length_bonus(differential, term_similarity 1): 1 + how many letters longer a matched word is than the searched one. */
export function lengthBonus(differential: number): number {
  const base = f(Math.exp(f(f(-0.5 * f(differential * differential)) / 4)));
  return f(f(Math.exp(base)) / f(Math.exp(1)));
}

/** Pagefind's diacritic bonus for a word typed as `typed` and indexed as `word` (diacritics_match in pagefind_web). */
export function bonusFor(typed: string, word: string): number {
  return word === typed || word.startsWith(typed) || typed.startsWith(word) ? DIACRITIC_BONUS : 1;
}

/** A page's score, added up as Pagefind does in 32-bit floats: each word's part times its bonus, in order, then the boost. */
export function scoreOf(hit: DirectoryHit, bonuses: readonly number[]): number {
  let sum = 0;
  hit[1].forEach((base, i) => {
    if (base) sum = f(sum + f(base * bonuses[i]!));
  });
  return f(sum + hit[2]);
}

/**
 * The matched words' positions on a page in page order, each position once, at its first weight,
 * as Pagefind's search counts them; `shared` when two of the words share a position (a compound:
 * "drc's" is indexed as "drcs" and "drc" in one place). Pagefind then credits the position to
 * whichever its unstable sort puts first, which cannot be foretold: the directory leaves such a
 * word to Pagefind (directory.test.ts found this by comparing scores with Pagefind's own).
 */
export function uniquePositions(positions: readonly number[][]): { found: { location: number; word: number; weight: number }[]; shared: boolean } {
  const all: { location: number; word: number; weight: number }[] = [];
  positions.forEach((list, word) => {
    let weight = 24;
    let at = 0;
    for (const v of list) {
      if (v < 0) (weight = -v - 1), (at = 0);
      else all.push({ location: (at += v), word, weight });
    }
  });
  all.sort((a, b) => a.location - b.location);
  const found: typeof all = [];
  let shared = false;
  for (const p of all) {
    const last = found.at(-1);
    if (last?.location !== p.location) found.push(p);
    else if (last.word !== p.word) shared = true;
  }
  return { found, shared };
}

/** The shard a word is in: the last whose first word is not after it (-1: before them all). */
export function directoryShard(word: string, firsts: readonly string[]): number {
  let lo = 0;
  let hi = firsts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (byteOrder(firsts[mid]!, word) <= 0) (found = mid), (lo = mid + 1);
    else hi = mid - 1;
  }
  return found;
}

/** Code point (= UTF-8 byte) order, the order of Rust's String, which Pagefind sorts words and values by. */
export function byteOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 puts surrogates (astral code points) below U+E000–U+FFFF; code points do not.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}
