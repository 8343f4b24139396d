// Fetching one page from an untrusted web, within hard limits: a connect timeout and a total one
// (every hop and the whole body), a byte cap counted after decompression (so a gzip or brotli bomb
// stops at the cap), a few redirects each checked like the first URL, only the content types we
// can read, and no private addresses (see addresses.ts). Nothing here parses or runs the body.
import { Agent, fetch, type Response } from 'undici';
import { guardedLookup, PRIVATE_ADDRESS, refusedHost, systemResolve, type Resolve } from './addresses.ts';
import { ReadFailure, seconds, size } from './failure.ts';

/**
 * Who is asking, in every request. An honest name, so a site can tell this reader apart and name
 * it in robots.txt (`User-agent: briefing-kb`).
 */
export const USER_AGENT = 'briefing-kb/0.1 (research-briefing knowledge base; reads the pages its search results cite)';

export const FETCH_DEFAULTS = {
  /** Everything for one page: connecting, every redirect hop, headers and the whole body. */
  timeoutMs: 15_000,
  connectTimeoutMs: 5_000,
  /** Body size after decompression. */
  maxBytes: 5 * 1024 * 1024,
  maxRedirects: 5,
};

export type PageKind = 'html' | 'pdf' | 'text';

export interface FetchedBody {
  /** The address the body came from, after redirects. */
  url: string;
  status: number;
  /** The media type, lower-cased, without parameters; empty when the server sent none. */
  mediaType: string;
  charset?: string;
  body: Uint8Array;
}

export interface FetcherOptions {
  timeoutMs?: number;
  connectTimeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  /**
   * Fetch private, loopback and link-local addresses too: all of them (`true`), or only these
   * hosts (`['127.0.0.1:8080', 'intranet.example']`, a host with or without its port).
   */
  allowPrivateHosts?: boolean | readonly string[];
  /** Name resolution used at connect time (tests resolve made-up names). */
  resolve?: Resolve;
  userAgent?: string;
}

export interface GetOptions {
  signal?: AbortSignal;
  maxBytes?: number;
  /** Whether a media type is worth reading; the body of any other is never downloaded. */
  accept: (mediaType: string) => boolean;
  /** Checks each hop before it is requested (robots.txt); throws a ReadFailure to stop. */
  beforeHop?: (url: URL) => Promise<void>;
}

export interface FetchStats {
  /** HTTP requests sent (each redirect hop counts). */
  requests: number;
  /** Body bytes received, after decompression. */
  bytes: number;
}

export interface Fetcher {
  get(url: string, options: GetOptions): Promise<FetchedBody>;
  stats: FetchStats;
  close(): Promise<void>;
}

const MEDIA_KINDS: Record<string, PageKind> = {
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/pdf': 'pdf',
  'text/plain': 'text',
};

/** What a media type is to the reader, or undefined when it cannot be read. */
export function pageKind(mediaType: string): PageKind | undefined {
  return MEDIA_KINDS[mediaType];
}

export function createFetcher(options: FetcherOptions = {}): Fetcher {
  const timeoutMs = options.timeoutMs ?? FETCH_DEFAULTS.timeoutMs;
  const connectTimeoutMs = options.connectTimeoutMs ?? FETCH_DEFAULTS.connectTimeoutMs;
  const maxRedirects = options.maxRedirects ?? FETCH_DEFAULTS.maxRedirects;
  const allow = options.allowPrivateHosts ?? false;
  const allowPrivate = (url: URL) => allow === true || (Array.isArray(allow) && (allow.includes(url.host) || allow.includes(url.hostname)));
  const resolve = options.resolve ?? systemResolve;
  // The connection's own name lookup refuses private answers (addresses.ts says why it must be
  // this lookup and not an earlier one). Our own Agent, so no global dispatcher is touched.
  const lookup =
    allow === true
      ? options.resolve && guardedLookup(resolve, { allowPrivate: () => true })
      : guardedLookup(resolve, { allowPrivate: (hostname) => Array.isArray(allow) && allow.includes(hostname) });
  const agent = new Agent({
    connect: { timeout: connectTimeoutMs, ...(lookup ? { lookup } : {}) },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const stats: FetchStats = { requests: 0, bytes: 0 };

  async function get(start: string, getOptions: GetOptions): Promise<FetchedBody> {
    const maxBytes = getOptions.maxBytes ?? options.maxBytes ?? FETCH_DEFAULTS.maxBytes;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = getOptions.signal ? AbortSignal.any([getOptions.signal, timeout]) : timeout;
    let url = checkedUrl(start, allowPrivate, 'first');
    try {
      for (let hop = 0; ; hop++) {
        await getOptions.beforeHop?.(url);
        stats.requests++;
        const response = await fetch(url, {
          dispatcher: agent,
          redirect: 'manual',
          signal,
          headers: { 'user-agent': options.userAgent ?? USER_AGENT, accept: 'text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8' },
        });
        if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
          await discard(response);
          if (hop >= maxRedirects) throw new ReadFailure(`more than ${maxRedirects} redirects`, { lasting: true });
          const location = response.headers.get('location')!;
          url = checkedUrl(URL.canParse(location, url) ? new URL(location, url).href : location, allowPrivate, 'redirect');
          continue;
        }
        if (response.status >= 400 || response.status < 200) {
          await discard(response);
          throw statusFailure(response.status);
        }
        const [mediaType = '', ...params] = (response.headers.get('content-type') ?? '').split(';').map((p) => p.trim());
        const type = mediaType.toLowerCase();
        // An unlabelled body is let through: extract.ts sniffs it (a PDF's magic number, else HTML or text).
        if (type && !getOptions.accept(type)) {
          await discard(response);
          throw new ReadFailure(`it is ${type}, not a web page, a PDF or plain text`, { lasting: true });
        }
        const charset = params.map((p) => /^charset=["']?([^"';]+)/i.exec(p)?.[1]).find(Boolean);
        const body = await readCapped(response, maxBytes, stats);
        return { url: url.href, status: response.status, mediaType: type, charset, body };
      }
    } catch (error) {
      throw asFailure(error, { timeout, signal: getOptions.signal, timeoutMs, connectTimeoutMs });
    }
  }

  return { get, stats, close: () => agent.close() };
}

/** The URL if it may be requested; a ReadFailure before any traffic if not. */
function checkedUrl(href: string, allowPrivate: (url: URL) => boolean, which: 'first' | 'redirect'): URL {
  const url = URL.canParse(href) ? new URL(href) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ReadFailure(which === 'first' ? 'it is not a web address' : 'it redirected to something that is not a web address', { lasting: true });
  }
  const refused = allowPrivate(url) ? undefined : refusedHost(url);
  if (refused) {
    const reason = which === 'first' ? `${refused.host} is ${refused.is}` : `it redirected to ${refused.host}, ${refused.is}`;
    throw new ReadFailure(reason, { refused: true, lasting: true });
  }
  return url;
}

/**
 * The body, decompressed by undici as it streams, stopped at `maxBytes`: a bomb is never inflated
 * past the cap, because the stream is pulled chunk by chunk and cancelled there.
 */
async function readCapped(response: Response, maxBytes: number, stats: FetchStats): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  // Content-Length counts the bytes on the wire; only an uncompressed body can be judged by it.
  if (!response.headers.get('content-encoding') && declared > maxBytes) {
    await discard(response);
    throw new ReadFailure(`larger than the ${size(maxBytes)} limit`, { lasting: true });
  }
  if (!response.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    stats.bytes += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new ReadFailure(`larger than the ${size(maxBytes)} limit`, { lasting: true });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}

function statusFailure(status: number): ReadFailure {
  const what: Record<number, string> = { 401: 'login required', 403: 'access refused', 404: 'not found', 410: 'gone', 429: 'rate limited' };
  const words = what[status] ?? (status >= 500 ? 'the server failed' : 'refused');
  // A 404 will be a 404 tomorrow; a 500, a 429 or a 408 may not.
  return new ReadFailure(`HTTP ${status}, ${words}`, { lasting: status < 500 && status !== 408 && status !== 429 });
}

/** Any error of a fetch, in plain words. */
function asFailure(error: unknown, ctx: { timeout: AbortSignal; signal?: AbortSignal; timeoutMs: number; connectTimeoutMs: number }): ReadFailure {
  if (error instanceof ReadFailure) return error;
  if (ctx.signal?.aborted) return new ReadFailure('the run was cancelled', { cause: error });
  if (ctx.timeout.aborted) return new ReadFailure(`timed out after ${seconds(ctx.timeoutMs)}`, { cause: error });
  const codes = errorCodes(error);
  if (codes.includes(PRIVATE_ADDRESS)) {
    const found = causes(error).find((e) => (e as NodeJS.ErrnoException).code === PRIVATE_ADDRESS) as Error | undefined;
    const message = found?.message ?? 'its name resolves to a private network address';
    return new ReadFailure(message, { refused: true, cause: error });
  }
  if (codes.includes('UND_ERR_CONNECT_TIMEOUT') || codes.includes('ETIMEDOUT')) return new ReadFailure(`could not connect within ${seconds(ctx.connectTimeoutMs)}`, { cause: error });
  if (codes.includes('UND_ERR_HEADERS_TIMEOUT') || codes.includes('UND_ERR_BODY_TIMEOUT')) return new ReadFailure(`timed out after ${seconds(ctx.timeoutMs)}`, { cause: error });
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) return new ReadFailure('the site name does not resolve', { cause: error });
  if (codes.includes('ECONNREFUSED')) return new ReadFailure('the server refused the connection', { cause: error });
  if (codes.includes('ECONNRESET') || codes.includes('UND_ERR_SOCKET')) return new ReadFailure('the connection broke', { cause: error });
  if (codes.some((c) => c.startsWith('ERR_TLS') || c.includes('CERT'))) return new ReadFailure('its TLS certificate was not accepted', { cause: error });
  const code = codes[0];
  return new ReadFailure(`the request failed${code ? `: ${code}` : ''}`, { cause: error });
}

/** The error and everything it wraps: `cause` chains and AggregateError members. */
function causes(error: unknown, depth = 0): unknown[] {
  if (!error || typeof error !== 'object' || depth > 6) return [];
  const nested = [(error as { cause?: unknown }).cause, ...(error instanceof AggregateError ? error.errors : [])];
  return [error, ...nested.flatMap((e) => causes(e, depth + 1))];
}

function errorCodes(error: unknown): string[] {
  return causes(error)
    .map((e) => (e as { code?: unknown }).code)
    .filter((c): c is string => typeof c === 'string');
}
