// Serper (Google results): POST {base}/search with the key in `X-API-KEY` and a JSON body {q, num}.
// Results are in `organic[]` (title, link, snippet, position, date as Google shows it, e.g.
// "Mar 5, 2024" or "3 days ago"). Errors come as {message, statusCode}; a bad key is a 403.
import { fetchJson, type HttpOptions } from '#kb/providers/http.ts';
import type { Result } from '#core/session.ts';
import { ProviderError, type ProviderEnv, type SearchOptions, type SearchProvider } from '#kb/providers/types.ts';
import { clampCount, describeAnswer, isRecord, requestOptions, requireKey, resolveBase, toResult, toResults } from './common.ts';

export const ENV = { key: 'SERPER_API_KEY', base: 'SERPER_BASE_URL', defaultBase: 'https://google.serper.dev' } as const satisfies ProviderEnv;

/** Google gives at most 100 results a page. */
const MAX_RESULTS = 100;

export function createSerperSearch(options: { apiKey?: string; baseUrl?: string; http?: Partial<HttpOptions> }): SearchProvider {
  const name = 'serper';
  const key = requireKey(name, options.apiKey, ENV);
  const base = resolveBase(name, options.baseUrl, ENV);
  return {
    name,
    async search(query: string, { maxResults, since, signal }: SearchOptions): Promise<Result[]> {
      // Google's custom date range: `tbs=cdr:1,cd_min:M/D/YYYY`.
      const tbs = since ? `cdr:1,cd_min:${Number(since.slice(5, 7))}/${Number(since.slice(8, 10))}/${since.slice(0, 4)}` : undefined;
      const { data } = await fetchJson(
        { url: `${base}/search`, method: 'POST', headers: { 'x-api-key': key }, body: { q: query, num: clampCount(maxResults, MAX_RESULTS), ...(tbs ? { tbs } : {}) } },
        requestOptions(name, options.http, key, signal),
      );
      if (!isRecord(data)) throw new ProviderError(name, `answer had no \`organic\` list (got ${describeAnswer(data)})`);
      // Serper leaves `organic` out when Google found nothing; the echoed searchParameters show it answered.
      if (data.organic === undefined && isRecord(data.searchParameters)) return [];
      if (!Array.isArray(data.organic)) throw new ProviderError(name, `answer had no \`organic\` list (got ${describeAnswer(data)})`);
      return toResults(data.organic, maxResults, (r) => toResult({ title: r.title, url: r.link, snippet: r.snippet, publishedAt: r.date }));
    },
  };
}
