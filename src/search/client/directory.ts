// The first page of a one-word search by relevance, from the word directory (src/search/directory.ts):
// one shard of a few KB, then the shown results' fragments, instead of pagefind.js, its
// WebAssembly, the merged index's page list and the word's chunk (about 200 KB at 10,000
// briefings). The results behave as Pagefind's do: the same ids, scores and order, and data()
// gives the same excerpt and sections, worked out here from the fragment as pagefind.js does it
// (calculate_excerpt_region, build_excerpt and calculate_sub_results in pagefind_web_js).
// directory.test.ts compares all of it with Pagefind's own search of the same index.
import { stem } from 'porter2';
import { DIRECTORY_TOP, bonusFor, directoryShard, lengthBonus, scoreOf, uniquePositions, type DirectoryEntry, type DirectoryHit } from '#search/layout.ts';
import type { PagefindSearchFragment, PagefindSearchResult, PagefindSubResult } from './pagefind-api.ts';

/** Words of an excerpt, as Pagefind's default excerptLength. */
const EXCERPT_WORDS = 30;
const SIGNATURE = 'pagefind_dcd';
const encoder = new TextEncoder();

export interface DirectoryAnswer {
  /** Every page that holds the word (Pagefind's result count). */
  count: number;
  /** The best of them, best first. */
  results: (PagefindSearchResult & { score: number })[];
}

/**
 * The word a term is to Pagefind's search, when the directory can answer it: one word of ASCII
 * letters and digits once punctuation is dropped and case folded (as pagefind.js prepares a
 * term); not a quoted (exact) search.
 */
export function directoryWord(term: string): string | undefined {
  if (term.includes('"')) return undefined;
  const word = term.replace(/[\p{Pd}\p{Pe}\p{Pf}\p{Pi}\p{Po}\p{Ps}]/gu, '').toLowerCase().trim();
  return /^[a-z0-9]+$/.test(word) ? word : undefined;
}

/**
 * Looks the term up: undefined when the directory does not list its stem (the word is found
 * nowhere, or Pagefind's answer could not be foretold: see src/search/directory.ts), and the
 * search page asks Pagefind. The stemmer is Porter2 (the npm package porter2), Pagefind's is
 * Snowball's English; where they differ, Porter2's stem is a prefix of Snowball's
 * (directory.test.ts), which the check below catches, so a mismatch falls back to Pagefind
 * rather than answering for another word.
 */
export function directoryLookup(fetchShard: (shard: number) => Promise<Record<string, DirectoryEntry>>, firsts: readonly string[], pagefindBase: string, siteBase: string) {
  return async (term: string): Promise<DirectoryAnswer | undefined> => {
    const typed = directoryWord(term);
    if (!typed) return undefined;
    const key = stem(typed);
    const n = directoryShard(key, firsts);
    if (n < 0) return undefined;
    const shard = await fetchShard(n);
    if (!Object.hasOwn(shard, key)) return undefined;
    const [count, words, hits] = shard[key]!;
    // Where Porter2 stems shorter than Snowball ("evening": Porter2 "even", Snowball "evening"),
    // Pagefind's stem is a longer word that shares more of the typed word than Porter2's stem does:
    // with such a word among the entry's, the answer might be another word's, and Pagefind is asked.
    if (words.slice(1).some((word) => sharedLength(word, typed) > key.length)) return undefined;
    const bonuses = words.map((word) => bonusFor(typed, word));
    const bytes = (word: string) => encoder.encode(word).length;
    const lengths = words.map((word) => lengthBonus(bytes(word) - bytes(key) + 1));
    const ranked = hits.map((hit, i) => ({ hit, i, score: scoreOf(hit, bonuses) })).sort((a, b) => b.score - a.score || a.i - b.i);
    // The hits are the best under each bonus the reader's typing can earn; this typing earns `bonuses`.
    const results = ranked.slice(0, DIRECTORY_TOP).map(({ hit, score }) => ({ id: hit[0], score, data: () => fragmentData(pagefindBase, siteBase, hit, lengths) }));
    return { count, results };
  };
}

function sharedLength(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

interface WeightedLocation {
  weight: number;
  balanced_score: number;
  location: number;
}

interface Fragment {
  url: string;
  content: string;
  meta: Record<string, string | undefined>;
  anchors?: { element: string; id: string; text?: string; title?: string; location: number }[];
}

const fragments = new Map<string, Promise<Fragment>>();

async function loadFragment(pagefindBase: string, name: string): Promise<Fragment> {
  const response = await fetch(`${pagefindBase}fragment/${name}.pf_fragment`);
  if (!response.ok || !response.body) throw new Error(`${response.status} fetching fragment ${name}`);
  const bytes = new Uint8Array(await new Response(response.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  if (!text.startsWith(SIGNATURE)) throw new Error(`fragment ${name} is not a Pagefind fragment`);
  return JSON.parse(text.slice(SIGNATURE.length)) as Fragment;
}

/** The hit's positions in page order, as Pagefind's result locations: each word's weight² × its length bonus. */
export function weightedLocations(positions: number[][], lengths: readonly number[]): WeightedLocation[] {
  return uniquePositions(positions).found.map(({ location, word, weight }) => ({ weight, balanced_score: Math.fround(Math.fround(weight * weight) * lengths[word]!), location }));
}

async function fragmentData(pagefindBase: string, siteBase: string, hit: DirectoryHit, lengths: readonly number[]): Promise<PagefindSearchFragment> {
  let pending = fragments.get(hit[0]);
  if (!pending) {
    fragments.set(hit[0], (pending = loadFragment(pagefindBase, hit[0])));
    pending.catch(() => fragments.delete(hit[0])); // fetched again when shown again
  }
  const fragment = await pending;
  const located = weightedLocations(hit[3], lengths);
  const raw = fragment.content.replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const url = `${siteBase}/${fragment.url}`.replace(/\/+/g, '/').replace(/^(https?:\/)/, '$1/');
  const start = excerptStart(located, EXCERPT_WORDS);
  return {
    url,
    meta: fragment.meta,
    excerpt: excerpt(raw, start, EXCERPT_WORDS, located.map((l) => l.location)),
    sub_results: sections({ ...fragment, url }, raw, located),
  };
}

/**
 * Where the excerpt starts: the window of `length` words with the most weight of matches,
 * the middle one of a run of equally dense windows (Pagefind's calculate_excerpt_region, whose
 * window, once it slides, is recorded one word before the one it counted).
 */
export function excerptStart(located: WeightedLocation[], length: number): number {
  if (located.length === 0) return 0;
  const weight: number[] = [];
  for (const l of located) weight[l.location] = (weight[l.location] ?? 0) + l.balanced_score;
  if (weight.length <= length) return 0;
  let sum = 0;
  for (let i = 0; i < length; i++) sum += weight[i] ?? 0;
  let best = sum;
  let run = [0];
  for (let i = 0; i < weight.length; i++) {
    sum += (weight[i + length] ?? 0) - (weight[i] ?? 0);
    if (sum > best) (best = sum), (run = [i]);
    else if (sum === best && run.at(-1) === i - 1) run.push(i);
  }
  return run[Math.floor(run.length / 2)]!;
}

/** `length` words of the escaped content from `start`, kept within [from, to), the matches marked. */
export function excerpt(raw: string, start: number, length: number, marked: number[], from = 0, to?: number): string {
  const zws = raw.includes('\u200B');
  const words = zws ? raw.split('\u200B') : raw.split(/[^\S\uFEFF]+/g);
  const end = to ?? words.length;
  length = Math.min(length, end - from);
  start = Math.max(from, Math.min(start, end - length));
  for (const i of marked) if (words[i] !== undefined && !words[i]!.startsWith('<mark>')) words[i] = `<mark>${words[i]}</mark>`;
  return words.slice(start, start + length).join(zws ? '' : ' ').trim();
}

/** The page cut at its headings, each part with matches becoming a section (Pagefind's sub_results). */
function sections(fragment: Fragment, raw: string, located: WeightedLocation[]): PagefindSubResult[] {
  const anchors = (fragment.anchors ?? [])
    .filter((a) => (a.title && /\S/.test(a.title)) || (/h\d/i.test(a.element) && a.text && /\S/.test(a.text)))
    .sort((a, b) => a.location - b.location);
  const out: PagefindSubResult[] = [];
  let at = 0;
  let current = { title: fragment.meta.title ?? '', url: fragment.url, weighted_locations: [] as WeightedLocation[] };
  const close = (to?: number) => {
    if (!current.weighted_locations.length) return;
    const relative = current.weighted_locations.map((l) => ({ ...l, location: l.location - at }));
    const start = excerptStart(relative, EXCERPT_WORDS) + at;
    const length = to ? Math.min(to - start, EXCERPT_WORDS) : EXCERPT_WORDS;
    out.push({ ...current, excerpt: excerpt(raw, start, length, current.weighted_locations.map((l) => l.location), at, to) });
  };
  for (const word of located) {
    if (!anchors.length || word.location < anchors[0]!.location) {
      current.weighted_locations.push(word);
      continue;
    }
    let anchor = anchors.shift()!;
    close(anchor.location);
    while (anchors.length && word.location >= anchors[0]!.location) anchor = anchors.shift()!;
    at = anchor.location;
    current = { title: anchor.title || anchor.text || '', url: withHash(fragment.url, anchor.id), weighted_locations: [word] };
  }
  close(anchors[0]?.location);
  return out;
}

function withHash(url: string, id: string): string {
  if (/^(https?:)?\/\//.test(url)) {
    const u = new URL(url, 'https://example.com');
    u.hash = id;
    return u.toString();
  }
  const u = new URL(`https://example.com${url.startsWith('/') ? url : `/${url}`}`);
  u.hash = id;
  return u.toString().replace(/^https:\/\/example\.com/, '');
}
