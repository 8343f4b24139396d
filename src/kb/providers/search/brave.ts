// Brave Search: GET {base}/res/v1/web/search?q=…&count=… with the key in `X-Subscription-Token`.
// Results are in `web.results[]` (title, url, description with <strong> highlights, page_age as an
// ISO date-time, age as written, profile, meta_url). `web` is left out when nothing was found.
// Errors come as {type: "ErrorResponse", error: {status, code, detail}}; a bad key is a 422.
import { fetchJson, HttpError, type HttpOptions } from '#kb/providers/http.ts';
import type { Result } from '#core/session.ts';
import { ProviderError, type ProviderEnv, type SearchOptions, type SearchProvider } from '#kb/providers/types.ts';
import { clampCount, describeAnswer, isRecord, normaliseDate, requestOptions, requireKey, resolveBase, toResult, toResults } from './common.ts';

export const ENV = { key: 'BRAVE_API_KEY', base: 'BRAVE_BASE_URL', defaultBase: 'https://api.search.brave.com' } as const satisfies ProviderEnv;

/** Brave returns at most 20 web results per request. */
const MAX_RESULTS = 20;

export function createBraveSearch(options: { apiKey?: string; baseUrl?: string; http?: Partial<HttpOptions> }): SearchProvider {
  const name = 'brave';
  const key = requireKey(name, options.apiKey, ENV);
  const base = resolveBase(name, options.baseUrl, ENV);
  return {
    name,
    async search(query: string, { maxResults, since, signal }: SearchOptions): Promise<Result[]> {
      const params = new URLSearchParams({ q: query, count: String(clampCount(maxResults, MAX_RESULTS)) });
      // A date range: `freshness=YYYY-MM-DDtoYYYY-MM-DD`.
      if (since) params.set('freshness', `${since}to${new Date().toISOString().slice(0, 10)}`);
      let data: unknown;
      try {
        ({ data } = await fetchJson(
          { url: `${base}/res/v1/web/search?${params}`, method: 'GET', headers: { 'x-subscription-token': key } },
          requestOptions(name, options.http, key, signal),
        ));
      } catch (error) {
        // Brave answers a bad key with 422 SUBSCRIPTION_TOKEN_INVALID rather than 401.
        if (error instanceof HttpError && error.status === 422 && /subscription token/i.test(error.message)) {
          throw new HttpError(name, `the API key was refused (HTTP 422, invalid subscription token). Check ${ENV.key} in the environment`, { status: 422, retryable: false, cause: error });
        }
        throw error;
      }
      if (!isRecord(data)) throw new ProviderError(name, `answer had no \`web.results\` list (got ${describeAnswer(data)})`);
      // A search answer with no web section is Brave's way of saying "no web results".
      if (data.web === undefined && data.type === 'search') return [];
      if (!isRecord(data.web) || !Array.isArray(data.web.results)) throw new ProviderError(name, `answer had no \`web.results\` list (got ${describeAnswer(data)})`);
      return toResults(data.web.results, maxResults, (r) =>
        toResult({ title: r.title, url: r.url, snippet: r.description, publishedAt: normaliseDate(r.page_age) ?? r.age }),
      );
    },
  };
}
