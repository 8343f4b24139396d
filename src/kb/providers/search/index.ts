// Chooses the search provider by name. Keys and base URLs come from the environment (the
// variables each provider module names in its ENV); the offline `corpus` provider needs neither.
import type { HttpOptions } from '#kb/providers/http.ts';
import { ProviderError, type SearchProvider } from '#kb/providers/types.ts';
import { ENV as BRAVE, createBraveSearch } from './brave.ts';
import { createCorpusSearch } from './corpus/index.ts';
import { ENV as SEARXNG, createSearxngSearch } from './searxng.ts';
import { ENV as SERPER, createSerperSearch } from './serper.ts';
import { ENV as TAVILY, createTavilySearch } from './tavily.ts';

export const SEARCH_PROVIDERS = ['corpus', 'tavily', 'brave', 'searxng', 'serper'] as const;
export type SearchProviderName = (typeof SEARCH_PROVIDERS)[number];

/** The environment variables each provider reads, for `kb` messages and docs. */
export const SEARCH_ENV = { tavily: TAVILY, brave: BRAVE, searxng: SEARXNG, serper: SERPER } as const;

export async function createSearchProvider(
  name: string,
  env: Record<string, string | undefined>,
  options: { contentDir: string; http?: Partial<HttpOptions> },
): Promise<SearchProvider> {
  const chosen = name.trim().toLowerCase();
  const blankToUndefined = (value: string | undefined) => (value?.trim() ? value : undefined);
  switch (chosen) {
    case 'corpus':
      return await createCorpusSearch({ contentDir: options.contentDir });
    case 'tavily':
      return createTavilySearch({ apiKey: env[TAVILY.key], baseUrl: blankToUndefined(env[TAVILY.base]), http: options.http });
    case 'brave':
      return createBraveSearch({ apiKey: env[BRAVE.key], baseUrl: blankToUndefined(env[BRAVE.base]), http: options.http });
    case 'serper':
      return createSerperSearch({ apiKey: env[SERPER.key], baseUrl: blankToUndefined(env[SERPER.base]), http: options.http });
    case 'searxng':
      return createSearxngSearch({ url: env[SEARXNG.base], http: options.http });
    default:
      throw new ProviderError('search', `unknown provider ${JSON.stringify(name)}. Valid names: ${SEARCH_PROVIDERS.join(', ')}`);
  }
}
