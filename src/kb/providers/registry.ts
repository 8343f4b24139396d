// Every provider kb knows, in one table each for search and models: the variables it reads, whether
// it needs a key, and how it is made. Config validation, `kb doctor`, the run's stage factory and
// the docs test (registry.test.ts) all read these tables, so a provider added here is known
// everywhere at once. Which provider runs is decided by config or KB_*_PROVIDER, never by a key
// merely being present.
import { KB_VARS, providerOverrides, providerSettings, type Env } from '#kb/config/env.ts';
import type { HttpOptions } from '#kb/providers/http.ts';
import { ProviderError, type LlmProvider, type ProviderEnv, type SearchProvider } from '#kb/providers/types.ts';
import { ENV as ANTHROPIC, createAnthropicMessages } from './llm/anthropic.ts';
import { ENV as OPENAI, createOpenAiChat } from './llm/openai.ts';
import type { ModeStore } from './llm/structured.ts';
import { ENV as BRAVE, createBraveSearch } from './search/brave.ts';
import { createCorpusSearch } from './search/corpus/index.ts';
import { ENV as SEARXNG, createSearxngSearch } from './search/searxng.ts';
import { ENV as SERPER, createSerperSearch } from './search/serper.ts';
import { ENV as TAVILY, createTavilySearch } from './search/tavily.ts';

/** A provider's key and base URL as read from the environment (see providerSettings). */
type Settings = { key?: string; base?: string };

/**
 * What a provider needs to run. Offline ones read no variables. An HTTP one names its variables
 * and when its key must be set: `always`; `at-default-base` when only the vendor's own endpoint
 * wants one (a local OpenAI-compatible server takes none); `never` for keyless APIs.
 */
type Needs = { offline: true } | { offline: false; env: ProviderEnv; needsKey: 'always' | 'at-default-base' | 'never' };

type SearchSpec = Needs & {
  create: (settings: Settings, options: { contentDir: string; http?: Partial<HttpOptions> }) => SearchProvider | Promise<SearchProvider>;
};

/** `create` is absent for the offline analyst: the pipeline's rule planner and extractive analyst run instead of a model. */
type LlmSpec = Needs & { create?: (settings: Settings, options: { model: string; http?: Partial<HttpOptions>; modes?: ModeStore }) => LlmProvider };

/** Search providers, in the order names are listed to users. */
const SEARCH = {
  corpus: { offline: true, create: (_, { contentDir }) => createCorpusSearch({ contentDir }) },
  tavily: { offline: false, env: TAVILY, needsKey: 'always', create: (s, { http }) => createTavilySearch({ apiKey: s.key, baseUrl: s.base, http }) },
  brave: { offline: false, env: BRAVE, needsKey: 'always', create: (s, { http }) => createBraveSearch({ apiKey: s.key, baseUrl: s.base, http }) },
  searxng: { offline: false, env: SEARXNG, needsKey: 'never', create: (s, { http }) => createSearxngSearch({ url: s.base, http }) },
  serper: { offline: false, env: SERPER, needsKey: 'always', create: (s, { http }) => createSerperSearch({ apiKey: s.key, baseUrl: s.base, http }) },
} as const satisfies Record<string, SearchSpec>;

/** Model providers, in the order names are listed to users. */
const LLM = {
  extractive: { offline: true },
  openai: { offline: false, env: OPENAI, needsKey: 'at-default-base', create: (s, { model, http, modes }) => createOpenAiChat({ apiKey: s.key, baseUrl: s.base, model, http: withSecret(http, s.key), modes }) },
  anthropic: { offline: false, env: ANTHROPIC, needsKey: 'always', create: (s, { model, http }) => createAnthropicMessages({ apiKey: s.key, baseUrl: s.base, model, http: withSecret(http, s.key) }) },
} as const satisfies Record<string, LlmSpec>;

export type SearchProviderName = keyof typeof SEARCH;
export type LlmProviderName = keyof typeof LLM;
/** The model providers that call a model (all but the offline analyst). */
export type LlmApiName = { [K in LlmProviderName]: (typeof LLM)[K] extends { create: unknown } ? K : never }[LlmProviderName];

export const SEARCH_PROVIDERS = Object.keys(SEARCH) as [SearchProviderName, ...SearchProviderName[]];
export const LLM_PROVIDERS = Object.keys(LLM) as [LlmProviderName, ...LlmProviderName[]];
export function isLlmApi(name: LlmProviderName): name is LlmApiName {
  return 'create' in LLM[name];
}

export const LLM_APIS: LlmApiName[] = LLM_PROVIDERS.filter(isLlmApi);

/** One row of the registry: what `kb doctor` checks and the docs must list. */
export type Provider = Needs & { name: string; kind: 'search' | 'llm' };

/** Every provider, search first, then models. */
export const PROVIDERS: readonly Provider[] = [
  ...Object.entries(SEARCH).map(([name, spec]) => row(name, 'search', spec)),
  ...Object.entries(LLM).map(([name, spec]) => row(name, 'llm', spec)),
];

function row(name: string, kind: Provider['kind'], spec: SearchSpec | LlmSpec): Provider {
  return spec.offline ? { name, kind, offline: true } : { name, kind, offline: false, env: spec.env, needsKey: spec.needsKey };
}

/** A search provider by name (case and surrounding space ignored), its key and base URL from `env`. */
export async function createSearchProvider(name: string, env: Env, options: { contentDir: string; http?: Partial<HttpOptions> }): Promise<SearchProvider> {
  const chosen = name.trim().toLowerCase();
  if (!Object.hasOwn(SEARCH, chosen)) throw new ProviderError('search', `unknown provider ${JSON.stringify(name)}. Valid names: ${SEARCH_PROVIDERS.join(', ')}`);
  const spec: SearchSpec = SEARCH[chosen as SearchProviderName];
  return await spec.create(providerSettings(env, spec.offline ? undefined : spec.env), options);
}

/** A model provider by name; the model is from config (`options.model`), else KB_LLM_MODEL. */
export function createLlmProvider(name: LlmApiName, env: Env, options: { model?: string; http?: Partial<HttpOptions>; modes?: ModeStore } = {}): LlmProvider {
  const model = options.model?.trim() || providerOverrides(env).model;
  if (!model) {
    const example = name === 'anthropic' ? 'a Claude model id' : 'e.g. llama3.1 for Ollama, or an OpenAI model id';
    throw new ProviderError(name, `no model chosen. Set ${KB_VARS.model}, or \`model:\` in content/queries.yaml (${example})`);
  }
  const spec: LlmSpec | undefined = Object.hasOwn(LLM, name) ? LLM[name] : undefined;
  if (!spec?.create) throw new Error(`unknown model provider "${String(name)}": use one of ${LLM_APIS.join(', ')} (or extractive, the offline analyst)`);
  return spec.create(providerSettings(env, spec.offline ? undefined : spec.env), { model, http: options.http, modes: options.modes });
}

/** The key joins the secrets the HTTP client scrubs from every message. */
function withSecret(http: Partial<HttpOptions> | undefined, key: string | undefined): Partial<HttpOptions> | undefined {
  if (!key) return http;
  return { ...http, secrets: [...(http?.secrets ?? []), key] };
}
