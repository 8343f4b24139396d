// Reading: the pages behind a step's best results, fetched within hard limits (fetch.ts), their
// main text extracted (extract.ts), and the passages that answer the question kept as evidence
// (passages.ts). A page that cannot be read never fails the run: its result falls back to the
// search snippet, with a note that says why in plain words.
//
//   const reader = createReader({ cache });                 // one per run: robots.txt and limits are shared
//   const pages = await reader.read(results, { question, subQuery, maxPages: 3 });
//   …
//   await reader.close();
//
// or, for one batch, `readPages(results, { question, maxPages, cache })`.
import { createHash } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';
import { clip, squash } from '#core/text-analysis.ts';
import { privateHostsAllowed } from '#kb/config/env.ts';
import type { ResponseCache } from '#kb/providers/http.ts';
import type { Resolve } from './addresses.ts';
import { extract, extractPlain, type PageDocument } from './extract.ts';
import { createFetcher, FETCH_DEFAULTS, pageKind, USER_AGENT } from './fetch.ts';
import { noteFor, ReadFailure } from './failure.ts';
import { PASSAGE_MAX_CHARS, rankPassages, splitPassages, type Passage } from './passages.ts';
import { createRobots } from './robots.ts';

export { USER_AGENT, FETCH_DEFAULTS } from './fetch.ts';
export { isBoilerplate } from './passages.ts';
export type { Passage } from './passages.ts';

export const READ_DEFAULTS = {
  ...FETCH_DEFAULTS,
  /** Requests in flight to one host (scheme, name and port) at a time. */
  perHost: 2,
  /** Requests in flight in all. */
  concurrency: 6,
  /** Passages kept per source. */
  passagesPerSource: 6,
};

export interface ReadItem {
  url: string;
  title?: string;
  snippet?: string;
  /**
   * The page's text when the search provider already gave it (Tavily's `raw_content`): it is used
   * as is and the page is not fetched.
   */
  content?: string;
}

export interface PageRead {
  /** As given. */
  url: string;
  /** Where the text came from, when a redirect moved it. */
  finalUrl?: string;
  /** `read`: passages from the page; `snippet`: from the search snippet (see note); `skipped`: not tried. */
  status: 'read' | 'snippet' | 'skipped';
  /** Why the page was not read, in plain words, e.g. "The page could not be read (timed out after 15 s); the search snippet is used." */
  note?: string;
  kind?: 'html' | 'pdf' | 'text' | 'provided';
  title?: string;
  /** Characters of main text read. */
  chars?: number;
  /** The page came from the response cache: nothing was fetched for it. */
  fromCache?: boolean;
  passages: Passage[];
}

export interface ReadStats {
  /** Pages asked of the network (cache hits excluded). */
  pagesFetched: number;
  /** Pages answered from the response cache. */
  fromCache: number;
  /** HTTP requests, including redirect hops and robots.txt. */
  requests: number;
  /** Body bytes received, after decompression. */
  bytes: number;
  /** robots.txt files fetched. */
  robotsFetched: number;
  /** Wall-clock time spent in `read`. */
  ms: number;
}

export interface ReaderOptions {
  perHost?: number;
  concurrency?: number;
  /** For a whole page: connect, every redirect, headers and body. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** A page's body size after decompression. */
  maxBytes?: number;
  maxRedirects?: number;
  passagesPerSource?: number;
  /** Shared with the search providers (`createResponseCache`): a rerun fetches nothing again. */
  cache?: ResponseCache;
  /**
   * Fetch private, loopback and link-local addresses: all (`true`) or these hosts (`host` or
   * `host:port`). Default: all when KB_ALLOW_PRIVATE_HOSTS=1 is in the environment, else none.
   */
  allowPrivateHosts?: boolean | readonly string[];
  /** Name resolution at connect time; the system's by default (tests resolve made-up names). */
  resolve?: Resolve;
  userAgent?: string;
}

export interface ReadRequest {
  question: string;
  /** The step's sub-query, when it has one: passages on its angle rank first. */
  subQuery?: string;
  /** Pages fetched at most in this call, best results first (items with `content` do not count). */
  maxPages: number;
  signal?: AbortSignal;
}

export interface Reader {
  read(items: ReadItem[], request: ReadRequest): Promise<PageRead[]>;
  readonly stats: ReadStats;
  /** Closes the connections. */
  close(): Promise<void>;
}

type Loaded = { ok: true; doc: PageDocument & { url: string }; fromCache: boolean } | { ok: false; failure: ReadFailure };

/** What the cache keeps for a page: its extracted text, or a failure that would repeat. */
type CachedPage = { ok: true; doc: PageDocument & { url: string } } | { ok: false; reason: string; refused: boolean };

export function createReader(options: ReaderOptions = {}): Reader {
  const allowPrivateHosts = options.allowPrivateHosts ?? privateHostsAllowed();
  const userAgent = options.userAgent ?? USER_AGENT;
  const fetcher = createFetcher({ ...options, allowPrivateHosts, userAgent });
  const robots = createRobots(fetcher, { userAgent, cache: options.cache });
  const overall = pLimit(options.concurrency ?? READ_DEFAULTS.concurrency);
  const hosts = new Map<string, LimitFunction>();
  // One load per URL per run: a page two steps cite is fetched once.
  const loads = new Map<string, Promise<Loaded>>();
  const counts = { pagesFetched: 0, fromCache: 0, ms: 0 };

  const hostLimit = (url: URL) => {
    let limit = hosts.get(url.host);
    if (!limit) hosts.set(url.host, (limit = pLimit(options.perHost ?? READ_DEFAULTS.perHost)));
    return limit;
  };

  async function load(href: string, signal?: AbortSignal): Promise<Loaded> {
    const key = createHash('sha256').update(JSON.stringify(['read/page/v1', href])).digest('hex');
    const cached = (await options.cache?.get(key)) as CachedPage | undefined;
    if (cached) {
      counts.fromCache++;
      return cached.ok ? { ok: true, doc: cached.doc, fromCache: true } : { ok: false, failure: new ReadFailure(cached.reason, { refused: cached.refused, lasting: true }) };
    }
    const url = URL.canParse(href) ? new URL(href) : undefined;
    const fetchIt = () => {
      counts.pagesFetched++;
      return fetcher.get(href, { signal, accept: (type) => pageKind(type) !== undefined, beforeHop: (hop) => robots.check(hop, signal) });
    };
    // Only the network part holds a slot, the host's first, so one slow site cannot take them all;
    // the extraction after it is CPU work that a slot would only keep from the next request.
    const loaded = await (url ? hostLimit(url)(() => overall(fetchIt)) : fetchIt())
      .then(async (fetched): Promise<Loaded> => {
        const doc = await extract(fetched.body, fetched.mediaType, fetched.charset);
        return { ok: true, doc: { ...doc, url: fetched.url }, fromCache: false };
      })
      .catch((error: unknown): Loaded => {
        const failure =
          error instanceof ReadFailure ? error : new ReadFailure(`its text could not be extracted: ${error instanceof Error ? error.message : String(error)}`, { lasting: true, cause: error });
        return { ok: false, failure };
      });
    if (loaded.ok) await options.cache?.set(key, { ok: true, doc: loaded.doc } satisfies CachedPage);
    else if (loaded.failure.lasting) await options.cache?.set(key, { ok: false, reason: loaded.failure.reason, refused: loaded.failure.refused } satisfies CachedPage);
    return loaded;
  }

  async function read(items: ReadItem[], request: ReadRequest): Promise<PageRead[]> {
    const started = performance.now();
    const keep = options.passagesPerSource ?? READ_DEFAULTS.passagesPerSource;
    const query = { question: request.question, subQuery: request.subQuery };
    let budget = request.maxPages;
    const taken = new Set<string>();
    const jobs = items.map(async (item): Promise<PageRead> => {
      const base = { url: item.url, ...(item.title ? { title: item.title } : {}) };
      const fallback = (failure: ReadFailure): PageRead => ({ ...base, status: 'snippet', note: noteFor(failure, !!squash(item.snippet ?? '')), passages: snippetPassages(item, query) });
      if (item.content !== undefined) {
        try {
          const doc = extractPlain(item.content, 'provided');
          return { ...base, status: 'read', kind: 'provided', chars: doc.chars, passages: rankPassages(splitPassages(doc.blocks), { ...query, title: item.title }, keep) };
        } catch (error) {
          return fallback(error instanceof ReadFailure ? error : new ReadFailure('the text given with it could not be read'));
        }
      }
      // The budget is spent in the order of the items (best results first), before any awaits.
      if (!taken.has(item.url)) {
        if (budget <= 0) return { ...base, status: 'skipped', note: `Not read: only the first ${request.maxPages === 1 ? 'page' : `${request.maxPages} pages`} of this step ${request.maxPages === 1 ? 'is' : 'are'} read.`, passages: snippetPassages(item, query) };
        budget--;
        taken.add(item.url);
      }
      if (request.signal?.aborted) return { ...base, status: 'skipped', note: 'Not read: the run was cancelled.', passages: snippetPassages(item, query) };
      let pending = loads.get(item.url);
      if (!pending) loads.set(item.url, (pending = load(item.url, request.signal)));
      const loaded = await pending;
      // A cancelled or timed-out load is not kept for the rest of the run: a later step may retry it.
      if (!loaded.ok && !loaded.failure.lasting && !loaded.failure.refused) loads.delete(item.url);
      if (!loaded.ok) return fallback(loaded.failure);
      const { doc } = loaded;
      const passages = rankPassages(splitPassages(doc.blocks), { ...query, title: doc.title ?? item.title }, keep);
      if (passages.length === 0) return fallback(new ReadFailure('only page furniture was left after cleaning it', { lasting: true }));
      return {
        ...base,
        ...(doc.url !== item.url ? { finalUrl: doc.url } : {}),
        status: 'read',
        kind: doc.kind,
        ...(doc.title && !item.title ? { title: doc.title } : {}),
        chars: doc.chars,
        ...(loaded.fromCache ? { fromCache: true } : {}),
        passages,
      };
    });
    try {
      return await Promise.all(jobs);
    } finally {
      counts.ms += Math.round(performance.now() - started);
    }
  }

  return {
    read,
    get stats(): ReadStats {
      return { ...counts, requests: fetcher.stats.requests, bytes: fetcher.stats.bytes, robotsFetched: robots.fetched };
    },
    close: () => fetcher.close(),
  };
}

/** One batch of pages with a reader of its own (robots.txt is asked again by the next batch). */
export async function readPages(items: ReadItem[], options: ReaderOptions & ReadRequest): Promise<{ pages: PageRead[]; stats: ReadStats }> {
  const reader = createReader(options);
  try {
    const pages = await reader.read(items, options);
    return { pages, stats: reader.stats };
  } finally {
    await reader.close();
  }
}

/** The search snippet as the result's one passage, when the page gave none. */
function snippetPassages(item: ReadItem, query: { question: string; subQuery?: string }): Passage[] {
  const text = clip(item.snippet ?? '', PASSAGE_MAX_CHARS);
  if (!text) return [];
  return rankPassages([{ text, where: 'search snippet' }], query, 1);
}

export { privateHostsAllowed } from '#kb/config/env.ts';
