// Every provider request goes through `fetchJson`: a timeout on each attempt, retries with
// exponential backoff and jitter (honouring Retry-After on 429 and 503), a cap on the response
// size, an on-disk response cache, and error messages that never contain a secret.
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeAtomic } from '#kb/store/files.ts';
import { ProviderError } from './types.ts';

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST';
  /** Secrets belong here (never in the url or body), so they stay out of cache keys. */
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
}

export interface HttpOptions {
  /** Names the provider in errors, e.g. `tavily`. */
  provider: string;
  /** Per attempt. */
  timeoutMs?: number;
  /** Attempts after the first. */
  retries?: number;
  /** Largest response body accepted, after decompression. */
  maxBytes?: number;
  cache?: ResponseCache;
  signal?: AbortSignal;
  /** Strings scrubbed from any error message (API keys). */
  secrets?: string[];
  /** Test seam: how to wait between attempts. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The provider's concurrency limit. Only the network attempt holds a slot: cache reads and
   * writes and the waits between retries do not, so they never idle a slot another request
   * could use.
   */
  gate?: <T>(attempt: () => Promise<T>) => Promise<T>;
}

export interface HttpResponse {
  status: number;
  data: unknown;
  fromCache: boolean;
}

export const DEFAULTS = { timeoutMs: 30_000, retries: 3, maxBytes: 5 * 1024 * 1024, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Network calls made by this process (cache hits excluded): reported by `kb run --json`. */
export const httpStats = { calls: 0, cacheHits: 0, retries: 0 };

export class HttpError extends ProviderError {
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  constructor(provider: string, message: string, options: { status?: number; retryable: boolean; retryAfterMs?: number; cause?: unknown }) {
    super(provider, message, options);
    this.name = 'HttpError';
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export async function fetchJson(request: HttpRequest, options: HttpOptions): Promise<HttpResponse> {
  const retries = options.retries ?? DEFAULTS.retries;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const key = options.cache ? cacheKey(request) : undefined;
  if (key) {
    const hit = await options.cache!.get(key);
    if (hit !== undefined) {
      httpStats.cacheHits++;
      return { status: 200, data: hit, fromCache: true };
    }
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await (options.gate ? options.gate(() => attemptOnce(request, options)) : attemptOnce(request, options));
      if (key) await options.cache!.set(key, response.data);
      return response;
    } catch (error) {
      const failure = scrub(error, options);
      if (!(failure instanceof HttpError) || !failure.retryable || attempt >= retries || options.signal?.aborted) throw failure;
      httpStats.retries++;
      await sleep(backoff(attempt, failure.retryAfterMs));
    }
  }
}

/** Exponential backoff with full jitter; a server's Retry-After wins when it asks for longer. */
export function backoff(attempt: number, retryAfterMs?: number, random = Math.random): number {
  const exp = Math.min(DEFAULTS.maxDelayMs, DEFAULTS.baseDelayMs * 2 ** attempt);
  const jittered = exp / 2 + random() * (exp / 2);
  return retryAfterMs === undefined ? jittered : Math.min(Math.max(retryAfterMs, jittered), 5 * 60_000);
}

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

async function attemptOnce(request: HttpRequest, options: HttpOptions): Promise<HttpResponse> {
  const { provider } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  httpStats.calls++;
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method ?? (request.body === undefined ? 'GET' : 'POST'),
      headers: { accept: 'application/json', ...(request.body === undefined ? {} : { 'content-type': 'application/json' }), ...request.headers },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal,
      // A redirect to another origin would carry custom key headers (X-API-KEY, X-Subscription-Token)
      // along — fetch strips only Authorization — so requests that hold a secret never follow one.
      redirect: hasSecrets(options) ? 'manual' : 'follow',
    });
  } catch (error) {
    if (timeout.aborted) throw new HttpError(provider, `no answer within ${timeoutMs / 1000}s from ${origin(request.url)}`, { retryable: true, cause: error });
    if (options.signal?.aborted) throw new HttpError(provider, 'request cancelled', { retryable: false, cause: error });
    throw new HttpError(provider, `cannot reach ${origin(request.url)} (${causeMessage(error)})`, { retryable: true, cause: error });
  }

  if (response.status >= 300 && response.status < 400 && hasSecrets(options)) {
    await response.body?.cancel().catch(() => {});
    const location = response.headers.get('location');
    const to = location ? ` to ${URL.canParse(location, request.url) ? new URL(location, request.url).origin : 'an invalid address'}` : '';
    throw new HttpError(provider, `${origin(request.url)} redirected (HTTP ${response.status}${to}); not followed, so the key is not sent elsewhere. Set the base URL to the final address`, {
      status: response.status,
      retryable: false,
    });
  }

  let text: string;
  try {
    // A server may echo the key back (in an error page, or inside a "successful" answer): it is
    // redacted here, before the text can reach a message, the cache, a session or another request.
    text = redactText(await readCapped(response, options.maxBytes ?? DEFAULTS.maxBytes, provider), options);
  } catch (error) {
    if (error instanceof HttpError) throw error;
    if (options.signal?.aborted && !timeout.aborted) throw new HttpError(provider, 'request cancelled', { retryable: false, cause: error });
    const why = timeout.aborted ? `the answer did not finish within ${timeoutMs / 1000}s` : `the connection broke mid-answer (${causeMessage(error)})`;
    throw new HttpError(provider, `${why} from ${origin(request.url)}`, { retryable: true, status: response.status, cause: error });
  }

  if (!response.ok) {
    const status = response.status;
    const retryable = status === 408 || status === 429 || status >= 500;
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
    throw new HttpError(provider, `${describeStatus(status)}${apiMessage(text)}`, { status, retryable, retryAfterMs });
  }
  try {
    return { status: response.status, data: redactValue(JSON.parse(text), options), fromCache: false };
  } catch {
    const type = response.headers.get('content-type') ?? 'no content type';
    // A 200 with an HTML error page, or a body cut short, is a fault of the moment: retry it.
    throw new HttpError(provider, `answered with something that is not JSON (${type}, ${text.length} bytes): ${excerpt(text)}`, {
      status: response.status,
      retryable: true,
    });
  }
}

async function readCapped(response: Response, maxBytes: number, provider: string): Promise<string> {
  if (!response.body) return '';
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) {
    await response.body.cancel();
    throw new HttpError(provider, `answer too large (${declared} bytes, limit ${maxBytes})`, { retryable: false, status: response.status });
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await response.body.cancel().catch(() => {});
      throw new HttpError(provider, `answer too large (over ${maxBytes} bytes)`, { retryable: false, status: response.status });
    }
    chunks.push(chunk);
  }
  // Invalid UTF-8 becomes U+FFFD rather than an exception: the JSON parse decides what is usable.
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}

function describeStatus(status: number): string {
  if (status === 401 || status === 403) return `the API key was refused (HTTP ${status}). Check the key in the environment`;
  if (status === 429) return 'rate limited (HTTP 429)';
  if (status >= 500) return `the service failed (HTTP ${status})`;
  return `the request was refused (HTTP ${status})`;
}

/** The API's own error message, when its body has one, shortened. */
function apiMessage(text: string): string {
  try {
    // Gemini's OpenAI-compatible endpoint wraps its error object in a list.
    const parsed = JSON.parse(text) as unknown;
    const body = (Array.isArray(parsed) ? parsed[0] : parsed) as Record<string, unknown>;
    const raw = body?.error ?? body?.message ?? body?.detail;
    // Nested shapes too: Brave `{error: {detail}}`, Tavily `{detail: {error}}`, OpenAI `{error: {message}}`.
    const nested = typeof raw === 'object' && raw ? (raw as Record<string, unknown>) : undefined;
    const inner = nested ? [nested.message, nested.detail, nested.error].find((v) => typeof v === 'string') : undefined;
    const message = typeof raw === 'string' ? raw : typeof inner === 'string' ? inner : undefined;
    return message ? `: ${excerpt(message)}` : '';
  } catch {
    return text.trim() ? `: ${excerpt(text)}` : '';
  }
}

function excerpt(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the server';
  }
}

function causeMessage(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

function hasSecrets(options: HttpOptions): boolean {
  return (options.secrets ?? []).some((s) => s.length > 0);
}

function secretsOf(options: HttpOptions): string[] {
  return (options.secrets ?? []).filter((s) => s.length >= 4);
}

function redactText(text: string, options: HttpOptions): string {
  for (const secret of secretsOf(options)) if (text.includes(secret)) text = text.split(secret).join('[redacted]');
  return text;
}

/** The parsed answer with every secret redacted, in keys and values (JSON escapes like \u0041 can hide one from the raw text). */
function redactValue(value: unknown, options: HttpOptions): unknown {
  if (!secretsOf(options).length) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactText(v, options);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [redactText(k, options), walk(x)]));
    return v;
  };
  return walk(value);
}

/** Keys must never reach a message, a log or a file: scrub every configured secret. */
function scrub(error: unknown, options: HttpOptions): unknown {
  const secrets = secretsOf(options);
  if (!(error instanceof Error) || !secrets.length) return error;
  let message = error.message;
  for (const secret of secrets) message = message.split(secret).join('[redacted]');
  if (message !== error.message) error.message = message;
  return error;
}

/** The cache key covers what determines the answer: method, url and body — never headers. */
export function cacheKey(request: HttpRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([request.method ?? (request.body === undefined ? 'GET' : 'POST'), request.url, request.body ?? null]))
    .digest('hex');
}

export interface ResponseCache {
  get(key: string): Promise<unknown | undefined>;
  set(key: string, value: unknown): Promise<void>;
}

export interface CacheOptions {
  /**
   * How long an answer is reused. A rerun within this window (a retried CI job) makes no call;
   * next week's scheduled run asks again, so briefings do not repeat stale results.
   */
  ttlMs?: number;
  now?: () => number;
}

/**
 * One JSON file per response under `dir` (e.g. content/.cache/http), written atomically. An
 * expired answer is never used again, so it is deleted: when read, and by a prune on the cache's
 * first use (one cache per `kb run`). Otherwise the folder, which CI restores and saves on every
 * run, would keep every answer ever fetched.
 */
export function createResponseCache(dir: string, { ttlMs = 24 * 3600_000, now = Date.now }: CacheOptions = {}): ResponseCache & { prune(): Promise<number> } {
  const file = (key: string) => path.join(dir, key.slice(0, 2), `${key}.json`);
  let pruned: Promise<number> | undefined;
  /** Deletes every expired answer and returns how many; never throws. */
  const prune = async (): Promise<number> => {
    let removed = 0;
    try {
      // A stat per file, never a read: each file's mtime is its savedAt (set below).
      for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const name = path.join(entry.parentPath, entry.name);
        const saved = await stat(name).then((s) => s.mtimeMs, () => now());
        if (now() - saved > ttlMs && (await rm(name, { force: true }).then(() => true, () => false))) removed++;
      }
    } catch {
      // no cache folder yet, or one we cannot list: a cache is never worth failing a run for
    }
    return removed;
  };
  return {
    async get(key) {
      await (pruned ??= prune());
      try {
        const entry = JSON.parse(await readFile(file(key), 'utf8')) as { savedAt: number; data: unknown };
        if (now() - entry.savedAt <= ttlMs) return entry.data;
        await rm(file(key), { force: true });
      } catch {
        // missing or unreadable: ask the network again
      }
      return undefined;
    },
    async set(key, value) {
      const savedAt = now();
      await writeAtomic(file(key), JSON.stringify({ savedAt, data: value }), { mtimeMs: savedAt });
    },
    prune,
  };
}
