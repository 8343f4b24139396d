// The failure cases every HTTP search provider must handle the same way, run against a loopback
// server that answers in the provider's own documented shapes. Each provider's test file calls
// `searchProviderContract` with its API's answers and adds the checks of its own protocol.
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpOptions } from '#kb/providers/http.ts';
import { ProviderError, type SearchProvider } from '#kb/providers/types.ts';
import { inSequence, sendJson, startLoopback, type Handler, type Loopback } from './loopback.ts';

export interface ContractSpec {
  name: string;
  /** The key the provider is created with; undefined for keyless providers. */
  key?: string;
  create(baseUrl: string, http: Partial<HttpOptions>): SearchProvider;
  /** A documented success answer, and how many results it normalises to (asked for 10). */
  success: unknown;
  successCount: number;
  /** A documented answer with no results. */
  empty: unknown;
  /** Valid JSON that is not this API's answer, and the error text naming what was missing. */
  wrongShape: unknown;
  missing: string;
  /** The API's answer to a refused key (the key it got, echoed back), with its status. */
  refused?: { status: number; body: (key: string) => unknown };
  /** The API's 429 body. */
  rateLimited: unknown;
}

/**
 * Options that make tests fast: no real waits between attempts (the delays asked for are
 * recorded instead). The timeout stays generous so a loaded machine does not turn a slow loopback
 * answer into a retry; tests of timeouts pass a short one.
 */
export function fastHttp(extra: Partial<HttpOptions> = {}): Partial<HttpOptions> & { delays: number[] } {
  const delays: number[] = [];
  return { sleep: async (ms) => void delays.push(ms), timeoutMs: 2_000, retries: 2, delays, ...extra };
}

export function searchProviderContract(spec: ContractSpec): void {
  describe(`${spec.name}: shared HTTP contract`, () => {
    let server: Loopback | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });
    const serve = async (handler: Handler) => (server = await startLoopback(handler));

    /** Runs a search expected to fail, and checks what every failure must satisfy. */
    async function failing(http: Partial<HttpOptions> = fastHttp()): Promise<ProviderError> {
      const provider = spec.create(server!.url, http);
      const error = await provider.search('rare earth imports', { maxResults: 10 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ProviderError);
      const failure = error as ProviderError;
      expect(failure.message.startsWith(`${spec.name}: `)).toBe(true);
      if (spec.key) {
        expect(failure.message).not.toContain(spec.key);
        expect(String(failure.stack)).not.toContain(spec.key);
      }
      return failure;
    }

    it('returns [] for an answer with no results', async () => {
      await serve((_req, res) => sendJson(res, 200, spec.empty));
      expect(await spec.create(server!.url, fastHttp()).search('nothing matches this', { maxResults: 10 })).toEqual([]);
    });

    it('respects maxResults', async () => {
      await serve((_req, res) => sendJson(res, 200, spec.success));
      const results = await spec.create(server!.url, fastHttp()).search('rare earth imports', { maxResults: 1 });
      expect(results).toHaveLength(1);
      expect(spec.successCount).toBeGreaterThan(1);
    });

    if (spec.refused) {
      const refused = spec.refused;
      it(`a refused key (HTTP ${refused.status}) is not retried, says so, and never shows the key`, async () => {
        await serve((_req, res) => sendJson(res, refused.status, refused.body(spec.key!)));
        const error = await failing();
        expect(server!.requests).toHaveLength(1);
        expect(error.status).toBe(refused.status);
        expect(error.message).toContain('API key was refused');
      });
    }

    it('a 429 with Retry-After is retried after the asked delay, then succeeds', async () => {
      await serve(
        inSequence(
          (_req, res) => sendJson(res, 429, spec.rateLimited, { 'retry-after': '1' }),
          (_req, res) => sendJson(res, 200, spec.success),
        ),
      );
      const http = fastHttp();
      const results = await spec.create(server!.url, http).search('rare earth imports', { maxResults: 10 });
      expect(results).toHaveLength(spec.successCount);
      expect(server!.requests).toHaveLength(2);
      expect(http.delays[0]).toBeGreaterThanOrEqual(1000);
    });

    it('a 500 is retried, then reported as a failure of the service', async () => {
      await serve((_req, res) => sendJson(res, 500, { message: `internal error` }));
      const error = await failing(fastHttp({ retries: 2 }));
      expect(server!.requests).toHaveLength(3);
      expect(error.status).toBe(500);
      expect(error.message).toContain('the service failed (HTTP 500)');
    });

    it('a server that never answers times out', async () => {
      await serve(() => {});
      const error = await failing(fastHttp({ timeoutMs: 100, retries: 1 }));
      expect(server!.requests).toHaveLength(2);
      expect(error.message).toBe(`${spec.name}: no answer within 0.1s from ${server!.url}`);
    });

    it('malformed JSON is an error that says the answer is not JSON', async () => {
      await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"results": [{"title": "a",, }]}');
      });
      const error = await failing(fastHttp({ retries: 0 }));
      expect(error.message).toContain('not JSON (application/json');
    });

    it('truncated JSON is an error that says the answer is not JSON', async () => {
      const whole = JSON.stringify(spec.success);
      await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(whole.slice(0, Math.floor(whole.length / 2)));
      });
      const error = await failing(fastHttp({ retries: 0 }));
      expect(error.message).toContain(`not JSON (application/json, ${Math.floor(whole.length / 2)} bytes)`);
    });

    it('valid JSON of the wrong shape is an error naming what was missing', async () => {
      await serve((_req, res) => sendJson(res, 200, spec.wrongShape));
      const error = await failing();
      expect(server!.requests).toHaveLength(1);
      expect(error.message).toContain(`${spec.name}: answer had no ${spec.missing}`);
    });

    it('a caller abort cancels the search', async () => {
      const controller = new AbortController();
      await serve(() => controller.abort());
      const provider = spec.create(server!.url, fastHttp());
      await expect(provider.search('q', { maxResults: 5, signal: controller.signal })).rejects.toThrow(`${spec.name}: request cancelled`);
      expect(server!.requests).toHaveLength(1);
    });
  });
}
