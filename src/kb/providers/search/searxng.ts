// SearXNG: GET {url}/search?q=…&format=json, no key. The answer's `results[]` carry title, url,
// content, engine(s) and publishedDate (ISO, or null). An instance answers 403 when the JSON format
// is not enabled (`search.formats` in settings.yml) and 429 when its bot limiter blocks a client.
import { fetchJson, HttpError, type HttpOptions } from '#kb/providers/http.ts';
import type { Result } from '#core/session.ts';
import { ProviderError, type ProviderEnv, type SearchOptions, type SearchProvider } from '#kb/providers/types.ts';
import { describeAnswer, isRecord, requestOptions, resolveBase, toResult, toResults } from './common.ts';

export const ENV = { base: 'SEARXNG_URL' } as const satisfies ProviderEnv;

export function createSearxngSearch(options: { url?: string; http?: Partial<HttpOptions> }): SearchProvider {
  const name = 'searxng';
  if (!options.url?.trim()) throw new ProviderError(name, `no instance URL. Set ${ENV.base} in the environment (the instance must have the JSON format enabled).`);
  const base = resolveBase(name, options.url, ENV);
  return {
    name,
    async search(query: string, { maxResults, since, signal }: SearchOptions): Promise<Result[]> {
      const params = new URLSearchParams({ q: query, format: 'json' });
      // SearXNG filters by a coarse range only: the smallest of day, month and year that covers `since`.
      if (since) params.set('time_range', timeRange(since));
      let data: unknown;
      try {
        ({ data } = await fetchJson({ url: `${base}/search?${params}`, method: 'GET' }, requestOptions(name, options.http, undefined, signal)));
      } catch (error) {
        throw explain(error, base);
      }
      if (!isRecord(data) || !Array.isArray(data.results)) throw new ProviderError(name, `answer had no \`results\` list (got ${describeAnswer(data)})`);
      // SearXNG has no count parameter: a page is whatever its engines returned.
      return toResults(data.results, maxResults, (r) => toResult({ title: r.title, url: r.url, snippet: r.content, publishedAt: r.publishedDate }));
    },
  };
}

/** SearXNG has no keys, so its 403 and 429 mean instance settings, not a refused key. */
function explain(error: unknown, base: string): unknown {
  if (!(error instanceof HttpError)) return error;
  if (error.status === 403) {
    return new HttpError('searxng', `${new URL(base).origin} refused format=json (HTTP 403): the JSON format is probably not enabled on this instance. Add \`json\` to \`search.formats\` in its settings.yml, or use an instance that allows it`, { status: 403, retryable: false, cause: error });
  }
  if (error.status === 429) {
    return new HttpError('searxng', `rate limited (HTTP 429) by ${new URL(base).origin}: its bot limiter may be blocking programmatic requests (\`server.limiter\` in settings.yml)`, { status: 429, retryable: false, cause: error });
  }
  return error;
}

function timeRange(since: string): 'day' | 'month' | 'year' {
  const days = (Date.now() - Date.parse(since)) / 86_400_000;
  return days <= 1 ? 'day' : days <= 31 ? 'month' : 'year';
}
