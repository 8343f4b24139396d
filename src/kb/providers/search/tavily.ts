// Tavily Search: POST {base}/search with `Authorization: Bearer <key>` and a JSON body
// {query, max_results, search_depth, …}; the answer's `results[]` carry title, url, content,
// score and (for news) published_date. Errors come as {detail: {error}}.
import { fetchJson, type HttpOptions } from '#kb/providers/http.ts';
import { ProviderError, type ProviderEnv, type SearchHit, type SearchOptions, type SearchProvider } from '#kb/providers/types.ts';
import { clampCount, describeAnswer, isRecord, requestOptions, requireKey, resolveBase, toResult, toResults } from './common.ts';

export const ENV = { key: 'TAVILY_API_KEY', base: 'TAVILY_BASE_URL', defaultBase: 'https://api.tavily.com' } as const satisfies ProviderEnv;

/** Tavily accepts 0–20 results per search. */
const MAX_RESULTS = 20;

export function createTavilySearch(options: { apiKey?: string; baseUrl?: string; http?: Partial<HttpOptions> }): SearchProvider {
  const name = 'tavily';
  const key = requireKey(name, options.apiKey, ENV);
  const base = resolveBase(name, options.baseUrl, ENV);
  return {
    name,
    async search(query: string, { maxResults, since, signal }: SearchOptions): Promise<SearchHit[]> {
      const { data } = await fetchJson(
        {
          url: `${base}/search`,
          method: 'POST',
          headers: { authorization: `Bearer ${key}` },
          // The page text comes with the results (`raw_content`), so the reader fetches nothing again.
          body: { query, max_results: clampCount(maxResults, MAX_RESULTS), search_depth: 'basic', topic: 'general', include_answer: false, include_raw_content: 'text', include_images: false, ...(since ? { start_date: since } : {}) },
        },
        requestOptions(name, options.http, key, signal),
      );
      if (!isRecord(data) || !Array.isArray(data.results)) throw new ProviderError(name, `answer had no \`results\` list (got ${describeAnswer(data)})`);
      const raw = new Map(data.results.filter(isRecord).filter((r) => typeof r.url === 'string' && typeof r.raw_content === 'string' && r.raw_content.trim()).map((r) => [r.url as string, r.raw_content as string]));
      return toResults(data.results, maxResults, (r) => toResult({ title: r.title, url: r.url, snippet: r.content, publishedAt: r.published_date })).map((r) => {
        const content = r.url ? raw.get(r.url) : undefined;
        return content ? { ...r, content } : r;
      });
    },
  };
}
