// fetchJson against a real HTTP server on 127.0.0.1: every failure a provider can meet on the
// network, each asserted — what is retried, how long it waits, and what the message says.
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { inSequence, sendJson, startLoopback, type Handler, type Loopback } from '#tests/support/loopback.ts';
import { backoff, cacheKey, createResponseCache, DEFAULTS, fetchJson, HttpError, httpStats, parseRetryAfter, type HttpOptions } from './http.ts';

const KEY = 'sk-test-7f3a9c1e5b2d4a6f8e0c';

let servers: Loopback[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function serve(handler: Handler): Promise<Loopback> {
  const server = await startLoopback(handler);
  servers.push(server);
  return server;
}

/** Fast options: no real waiting between attempts; delays are recorded instead. */
function fast(extra: Partial<HttpOptions> = {}): HttpOptions & { delays: number[] } {
  const delays: number[] = [];
  return { provider: 'testapi', timeoutMs: 2_000, retries: 2, sleep: async (ms) => void delays.push(ms), delays, ...extra };
}

async function failure(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    return error as HttpError;
  }
  throw new Error('expected the request to fail');
}

const never: Handler = () => {}; // accepts the request and never answers

describe('fetchJson', () => {
  it('returns the parsed JSON of a 200 and sends JSON bodies with the right headers', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { ok: true, items: [1, 2] }));
    const response = await fetchJson({ url: `${server.url}/search`, body: { q: 'rare earths' }, headers: { 'x-api-key': KEY } }, fast({ secrets: [KEY] }));
    expect(response).toEqual({ status: 200, data: { ok: true, items: [1, 2] }, fromCache: false });
    const [request] = server.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/search');
    expect(request.json).toEqual({ q: 'rare earths' });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.accept).toBe('application/json');
    expect(request.headers['x-api-key']).toBe(KEY);
  });

  it('a 401 is not retried, says the key was refused, and never repeats the key', async () => {
    // The server echoes the key it was sent, as some APIs do.
    const server = await serve((req, res) => sendJson(res, 401, { error: `invalid api key: ${req.headers['x-api-key']}` }));
    const options = fast({ secrets: [KEY] });
    const error = await failure(fetchJson({ url: server.url, headers: { 'x-api-key': KEY } }, options));
    expect(server.requests).toHaveLength(1);
    expect(options.delays).toEqual([]);
    expect(error.status).toBe(401);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^testapi: the API key was refused \(HTTP 401\)/);
    expect(error.message).toContain('invalid api key: [redacted]');
    expect(error.message).not.toContain(KEY);
    expect(String(error.stack)).not.toContain(KEY);
  });

  it('a 429 with Retry-After waits at least as long as asked, then succeeds', async () => {
    const server = await serve(
      inSequence(
        (_req, res) => sendJson(res, 429, { error: 'slow down' }, { 'retry-after': '1' }),
        (_req, res) => sendJson(res, 200, { ok: 1 }),
      ),
    );
    const options = fast();
    const response = await fetchJson({ url: server.url }, options);
    expect(response.data).toEqual({ ok: 1 });
    expect(server.requests).toHaveLength(2);
    expect(options.delays).toHaveLength(1);
    expect(options.delays[0]).toBeGreaterThanOrEqual(1000);
  });

  it('a 503 is retried and the next answer is used', async () => {
    const server = await serve(
      inSequence(
        (_req, res) => sendJson(res, 503, { message: 'overloaded' }),
        (_req, res) => sendJson(res, 200, { ok: 2 }),
      ),
    );
    const options = fast();
    expect((await fetchJson({ url: server.url }, options)).data).toEqual({ ok: 2 });
    expect(server.requests).toHaveLength(2);
    expect(options.delays).toHaveLength(1);
  });

  it('a 500 is retried until the retries run out, then reported', async () => {
    const server = await serve((_req, res) => sendJson(res, 500, { error: { message: 'internal failure' } }));
    const before = httpStats.retries;
    const options = fast({ retries: 3 });
    const error = await failure(fetchJson({ url: server.url }, options));
    expect(server.requests).toHaveLength(4); // the first attempt and three retries
    expect(options.delays).toHaveLength(3);
    expect(httpStats.retries - before).toBe(3);
    expect(error.status).toBe(500);
    expect(error.message).toBe('testapi: the service failed (HTTP 500): internal failure');
  });

  it('waits with growing delays between attempts', async () => {
    const server = await serve((_req, res) => sendJson(res, 502, {}));
    const options = fast({ retries: 3 });
    await failure(fetchJson({ url: server.url }, options));
    const [a, b, c] = options.delays;
    expect(a).toBeGreaterThanOrEqual(DEFAULTS.baseDelayMs / 2);
    expect(a).toBeLessThanOrEqual(DEFAULTS.baseDelayMs);
    expect(b).toBeGreaterThanOrEqual(DEFAULTS.baseDelayMs);
    expect(c).toBeGreaterThanOrEqual(DEFAULTS.baseDelayMs * 2);
  });

  it('a server that never answers times out, is retried, and the message says so', async () => {
    const server = await serve(never);
    const options = fast({ timeoutMs: 100, retries: 1 });
    const error = await failure(fetchJson({ url: `${server.url}/slow` }, options));
    expect(server.requests).toHaveLength(2);
    expect(options.delays).toHaveLength(1);
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(`testapi: no answer within 0.1s from ${server.url}`);
  });

  it('a connection reset mid-body is a retryable failure that says the connection broke', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
      res.write('{"results": [{"title": "half of a', () => res.socket?.destroy());
    });
    const options = fast({ retries: 1 });
    const error = await failure(fetchJson({ url: server.url }, options));
    expect(server.requests).toHaveLength(2);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^testapi: the connection broke mid-answer \(.+\) from http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('a 200 with an HTML page is not JSON, and the message names the content type', async () => {
    const html = '<!doctype html><html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>';
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    });
    const error = await failure(fetchJson({ url: server.url }, fast({ retries: 0 })));
    expect(error.message).toContain('answered with something that is not JSON');
    expect(error.message).toContain(`text/html; charset=utf-8, ${html.length} bytes`);
    expect(error.message).toContain('Just a moment');
  });

  it('truncated JSON is reported as not JSON, with its length', async () => {
    const body = '{"results": [{"title": "Rare earths", "url": "https://exa';
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    const options = fast({ retries: 1 });
    const error = await failure(fetchJson({ url: server.url }, options));
    expect(server.requests).toHaveLength(2); // a body cut short is a fault of the moment
    expect(error.message).toContain(`not JSON (application/json, ${body.length} bytes)`);
  });

  it('refuses a body whose declared length is over the limit, without retrying', async () => {
    const server = await serve((_req, res) => {
      const body = JSON.stringify({ pad: 'x'.repeat(10_000) });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    const error = await failure(fetchJson({ url: server.url }, fast({ maxBytes: 1000 })));
    expect(server.requests).toHaveLength(1);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('testapi: answer too large (10010 bytes, limit 1000)');
  });

  it('refuses a body with no declared length once it grows past the limit', async () => {
    const server = await serve(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked
      for (let i = 0; i < 20 && !res.destroyed; i++) {
        if (!res.write('x'.repeat(1000))) await once(res, 'drain');
      }
      res.end();
    });
    const error = await failure(fetchJson({ url: server.url }, fast({ maxBytes: 1000 })));
    expect(server.requests).toHaveLength(1);
    expect(error.message).toBe('testapi: answer too large (over 1000 bytes)');
  });

  it('refuses a gzip bomb: the inflated size counts, and it is never held in memory', async () => {
    const inflated = 256 * 1024 * 1024;
    const bomb = await gzipOfZeros(inflated);
    expect(bomb.length).toBeLessThan(1024 * 1024); // a few hundred KB on the wire
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': bomb.length });
      res.end(bomb);
    });
    const before = process.memoryUsage();
    const error = await failure(fetchJson({ url: server.url }, fast({ maxBytes: 2 * 1024 * 1024 })));
    const after = process.memoryUsage();
    expect(error.message).toBe(`testapi: answer too large (over ${2 * 1024 * 1024} bytes)`);
    // Had the 256 MB been inflated and kept, it would show here; the cap stops reading at 2 MB.
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(64 * 1024 * 1024);
    expect(after.rss - before.rss).toBeLessThan(128 * 1024 * 1024);
  });

  it('decodes invalid UTF-8 inside a JSON string as U+FFFD instead of throwing', async () => {
    const server = await serve((_req, res) => {
      const body = Buffer.concat([Buffer.from('{"title": "caf'), Buffer.from([0xff, 0xfe]), Buffer.from('", "n": 1}')]);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
    const { data } = await fetchJson({ url: server.url }, fast());
    expect(data).toEqual({ title: 'caf\uFFFD\uFFFD', n: 1 });
  });

  it('does not follow a redirect while holding a key, so the key never reaches another host', async () => {
    const elsewhere = await serve((_req, res) => sendJson(res, 200, { stolen: true }));
    const server = await serve((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/collect` });
      res.end();
    });
    const error = await failure(fetchJson({ url: server.url, headers: { 'x-api-key': KEY } }, fast({ secrets: [KEY] })));
    expect(elsewhere.requests).toHaveLength(0);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(`testapi: ${server.url} redirected (HTTP 302 to ${elsewhere.url}); not followed, so the key is not sent elsewhere. Set the base URL to the final address`);
  });

  it('follows redirects for requests that hold no key', async () => {
    const target = await serve((_req, res) => sendJson(res, 200, { here: true }));
    const server = await serve((_req, res) => {
      res.writeHead(301, { location: `${target.url}/moved` });
      res.end();
    });
    expect((await fetchJson({ url: server.url }, fast())).data).toEqual({ here: true });
    expect(target.requests[0].path).toBe('/moved');
  });

  it('a caller abort cancels the request at once and is not retried', async () => {
    const controller = new AbortController();
    const server = await serve(() => controller.abort());
    const options = fast({ signal: controller.signal, retries: 3 });
    const error = await failure(fetchJson({ url: server.url }, options));
    expect(server.requests).toHaveLength(1);
    expect(options.delays).toEqual([]);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('testapi: request cancelled');
  });

  it('a caller abort while the body is arriving is a cancellation too', async () => {
    const controller = new AbortController();
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial": ', () => setTimeout(() => controller.abort(), 20));
    });
    const error = await failure(fetchJson({ url: server.url }, fast({ signal: controller.signal })));
    expect(server.requests).toHaveLength(1);
    expect(error.message).toBe('testapi: request cancelled');
  });

  it('holds the provider\'s concurrency slot only while a request is on the wire: not for the cache, not between retries', async () => {
    const server = await serve(inSequence((_req, res) => sendJson(res, 503, { error: 'busy' }), (_req, res) => sendJson(res, 200, { ok: 1 })));
    let inSlot = false;
    let attempts = 0;
    const seen: string[] = [];
    const gate = async <T,>(attempt: () => Promise<T>) => {
      attempts++;
      inSlot = true;
      try {
        return await attempt();
      } finally {
        inSlot = false;
      }
    };
    const cache = {
      get: async () => void seen.push(`cache get in slot: ${inSlot}`),
      set: async () => void seen.push(`cache set in slot: ${inSlot}`),
      prune: async () => 0,
    };
    const sleep = async () => void seen.push(`retry wait in slot: ${inSlot}`);
    const response = await fetchJson({ url: `${server.url}/q`, body: { q: 1 } }, fast({ gate, cache, sleep }));
    expect(response.data).toEqual({ ok: 1 });
    expect(attempts).toBe(2);
    expect(seen).toEqual(['cache get in slot: false', 'retry wait in slot: false', 'cache set in slot: false']);
  });

  it('reads the API message from nested error shapes (Brave, Tavily)', async () => {
    const server = await serve(
      inSequence(
        (_req, res) => sendJson(res, 422, { type: 'ErrorResponse', error: { id: 'x', status: 422, code: 'VALIDATION', detail: 'Unable to validate request parameter(s).' }, time: 1 }),
        (_req, res) => sendJson(res, 400, { detail: { error: 'Invalid search depth.' } }),
      ),
    );
    expect((await failure(fetchJson({ url: server.url }, fast()))).message).toBe('testapi: the request was refused (HTTP 422): Unable to validate request parameter(s).');
    expect((await failure(fetchJson({ url: server.url }, fast()))).message).toBe('testapi: the request was refused (HTTP 400): Invalid search depth.');
  });
});

describe('the response cache', () => {
  let dir: string;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers a repeated request from disk without a network call, and counts both', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-http-cache-'));
    const cache = createResponseCache(dir);
    const server = await serve((_req, res) => sendJson(res, 200, { answer: 42 }));
    const request = { url: `${server.url}/search`, body: { query: 'q' } };
    const before = { ...httpStats };
    const first = await fetchJson(request, fast({ cache }));
    const second = await fetchJson(request, fast({ cache }));
    expect(first).toEqual({ status: 200, data: { answer: 42 }, fromCache: false });
    expect(second).toEqual({ status: 200, data: { answer: 42 }, fromCache: true });
    expect(server.requests).toHaveLength(1);
    expect(httpStats.calls - before.calls).toBe(1);
    expect(httpStats.cacheHits - before.cacheHits).toBe(1);
    // A different body is a different question.
    await fetchJson({ ...request, body: { query: 'other' } }, fast({ cache }));
    expect(server.requests).toHaveLength(2);
  });

  it('keys on method, url and body only: headers (keys) are never part of the key or the file', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-http-cache-'));
    const cache = createResponseCache(dir);
    const server = await serve((_req, res) => sendJson(res, 200, { results: ['a'] }));
    const withKey = { url: `${server.url}/search`, body: { q: 'x' }, headers: { authorization: `Bearer ${KEY}` } };
    const otherKey = { ...withKey, headers: { authorization: 'Bearer another-key-0000' } };
    expect(cacheKey(withKey)).toBe(cacheKey(otherKey));
    expect(cacheKey(withKey)).toBe(cacheKey({ url: withKey.url, body: withKey.body }));
    expect(cacheKey(withKey)).not.toBe(cacheKey({ ...withKey, method: 'GET' }));

    await fetchJson(withKey, fast({ cache, secrets: [KEY] }));
    expect((await fetchJson(otherKey, fast({ cache }))).fromCache).toBe(true);
    expect(server.requests).toHaveLength(1);

    const files = await listFiles(dir);
    expect(files).toHaveLength(1);
    expect(path.basename(files[0])).toBe(`${cacheKey(withKey)}.json`);
    const text = await readFile(files[0], 'utf8');
    expect(JSON.parse(text)).toMatchObject({ data: { results: ['a'] } });
    expect(text).not.toContain(KEY);
    expect(text).not.toContain('Bearer');
  });

  it('asks the network again once an answer is older than the cache lifetime', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-http-cache-'));
    let clock = Date.UTC(2026, 0, 1);
    const cache = createResponseCache(dir, { ttlMs: 60_000, now: () => clock });
    const server = await serve((_req, res, recorded) => sendJson(res, 200, { n: recorded.url.searchParams.get('q') }));
    const request = { url: `${server.url}/search?q=x` };
    await fetchJson(request, fast({ cache }));
    clock += 59_000;
    expect((await fetchJson(request, fast({ cache }))).fromCache).toBe(true);
    clock += 2_000;
    expect((await fetchJson(request, fast({ cache }))).fromCache).toBe(false);
    expect(server.requests).toHaveLength(2);
  });

  it('deletes an expired answer when it reads it', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-http-cache-'));
    let clock = Date.UTC(2026, 0, 1);
    const cache = createResponseCache(dir, { ttlMs: 60_000, now: () => clock });
    await cache.set('ab12', { n: 1 });
    expect(await cache.get('ab12')).toEqual({ n: 1 }); // and the once-a-run prune is done
    clock += 61_000;
    expect(await cache.get('ab12')).toBeUndefined();
    expect(await listFiles(dir)).toEqual([]);
  });

  it('prune() deletes every expired answer and keeps the fresh ones', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-http-cache-'));
    let clock = Date.UTC(2026, 0, 1);
    const cache = createResponseCache(dir, { ttlMs: 60_000, now: () => clock });
    await cache.set('aa01', 'old');
    await cache.set('bb02', 'old too');
    clock += 40_000;
    await cache.set('cc03', 'fresh');
    clock += 30_000;
    expect(await cache.prune()).toBe(2);
    expect((await listFiles(dir)).map((f) => path.basename(f))).toEqual(['cc03.json']);
    expect(await cache.get('cc03')).toBe('fresh');
    // Nothing to prune, or no cache folder at all, is not an error.
    expect(await cache.prune()).toBe(0);
    expect(await createResponseCache(path.join(dir, 'none')).prune()).toBe(0);
  });

  it('prunes once when a new cache (a new kb run) is first used, so the folder never only grows', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-http-cache-'));
    let clock = Date.UTC(2026, 0, 1);
    const lastWeek = createResponseCache(dir, { ttlMs: 60_000, now: () => clock });
    for (const key of ['aa01', 'bb02', 'cc03']) await lastWeek.set(key, key);
    clock += 7 * 24 * 3600_000;
    const thisRun = createResponseCache(dir, { ttlMs: 60_000, now: () => clock });
    expect(await thisRun.get('dd04')).toBeUndefined();
    expect(await listFiles(dir)).toEqual([]);
  });

  it('does not cache failures', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-http-cache-'));
    const cache = createResponseCache(dir);
    const server = await serve(inSequence((_req, res) => sendJson(res, 400, { error: 'bad' }), (_req, res) => sendJson(res, 200, { ok: true })));
    await failure(fetchJson({ url: server.url }, fast({ cache })));
    expect((await fetchJson({ url: server.url }, fast({ cache }))).fromCache).toBe(false);
    expect(await listFiles(dir)).toHaveLength(1);
  });
});

describe('backoff', () => {
  it('grows exponentially from the base delay, with jitter between half and all of it', () => {
    for (let attempt = 0; attempt < 6; attempt++) {
      const ceiling = DEFAULTS.baseDelayMs * 2 ** attempt;
      expect(backoff(attempt, undefined, () => 0)).toBe(ceiling / 2);
      expect(backoff(attempt, undefined, () => 1)).toBe(ceiling);
      for (let i = 0; i < 50; i++) {
        const delay = backoff(attempt);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
    const samples = new Set(Array.from({ length: 20 }, () => backoff(3)));
    expect(samples.size).toBeGreaterThan(1); // jittered, so clients do not retry in lockstep
  });

  it('never exceeds the maximum delay', () => {
    expect(backoff(30, undefined, () => 1)).toBe(DEFAULTS.maxDelayMs);
    expect(backoff(30, undefined, () => 0)).toBe(DEFAULTS.maxDelayMs / 2);
  });

  it("uses the server's Retry-After when it asks for longer, capped at five minutes", () => {
    expect(backoff(0, 10_000, () => 1)).toBe(10_000);
    expect(backoff(0, 100, () => 0)).toBe(DEFAULTS.baseDelayMs / 2);
    expect(backoff(0, 3_600_000)).toBe(5 * 60_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 27, 5, 52, 47);

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 2 ', now)).toBe(2000);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
  });

  it('reads an HTTP date as the time left until then', () => {
    expect(parseRetryAfter(new Date(now + 5000).toUTCString(), now)).toBe(5000);
    expect(parseRetryAfter('Tue, 27 Jan 2026 05:53:47 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Tue, 27 Jan 2026 05:00:00 GMT', now)).toBe(0); // already past
  });

  it('gives undefined for nothing or nonsense', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

async function gzipOfZeros(bytes: number): Promise<Buffer> {
  const gzip = zlib.createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const chunk = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < bytes; written += chunk.length) {
    if (!gzip.write(chunk)) await once(gzip, 'drain');
  }
  gzip.end();
  await once(gzip, 'end');
  return Buffer.concat(out);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}
