// The two small interfaces every provider implements. The pipeline knows nothing else about them.
import type { Result } from '#core/session.ts';

export interface SearchOptions {
  /** How many results to ask for. Providers may return fewer. */
  maxResults: number;
  /** Only what was published on or after this date (YYYY-MM-DD), where the API can filter by date. */
  since?: string;
  signal?: AbortSignal;
}

/**
 * A result as a provider returns it: the session's Result, plus the page's text when the provider
 * already has it (Tavily's raw content, the offline corpus's documents), so it is not fetched
 * again. The text is read, never stored whole.
 */
export type SearchHit = Result & { content?: string };

export interface SearchProvider {
  /** The provider's config name, e.g. `tavily`; recorded in each session. */
  readonly name: string;
  /** Needs no network: only pages it hands over with their text are read; nothing is fetched for it. */
  readonly offline?: boolean;
  /** Offline: a digest of the documents it searches (the corpus files), recorded as the session's `method.corpus`. */
  readonly digest?: string;
  /** Results normalised to the session's Result shape. An empty list is a valid answer. */
  search(query: string, options: SearchOptions): Promise<SearchHit[]>;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface CompletionRequest {
  messages: ChatMessage[];
  /** Ask for JSON matching this JSON Schema (OpenAI `json_schema`, a forced tool on Anthropic). */
  json?: { name: string; schema: Record<string, unknown> };
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface Completion {
  /** The model's text; with `json`, the JSON text (tool input on Anthropic, serialised). */
  text: string;
  usage?: Usage;
  /** The model that answered, as the API reports it. */
  model: string;
}

export interface LlmProvider {
  readonly name: string;
  readonly model: string;
  complete(request: CompletionRequest): Promise<Completion>;
}

/**
 * The environment variables an HTTP provider reads, as its module declares them (its `ENV`); the
 * registry lists them for config, `kb doctor` and the docs test.
 */
export interface ProviderEnv {
  /** The API key variable; absent for providers that need no key. */
  key?: string;
  /** The base-URL variable. */
  base: string;
  /** Used when the base-URL variable is unset; absent when the user must choose (SearXNG). */
  defaultBase?: string;
}

/** A provider failed in a way retrying will not fix (bad key, bad request, bad answer). */
export class ProviderError extends Error {
  readonly provider: string;
  readonly status?: number;
  constructor(provider: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(`${provider}: ${message}`, { cause: options.cause });
    this.name = 'ProviderError';
    this.provider = provider;
    this.status = options.status;
  }
}
