// Builds a model provider by name from the environment. Which provider runs is decided by config
// (`llm:` in content/queries.yaml) or KB_LLM_PROVIDER — never by a key merely being present.
import type { HttpOptions } from '#kb/providers/http.ts';
import { ProviderError, type LlmProvider } from '#kb/providers/types.ts';
import { createAnthropicMessages } from './anthropic.ts';
import { createOpenAiChat } from './openai.ts';

export { createAnthropicMessages, ANTHROPIC_DEFAULT_BASE_URL } from './anthropic.ts';
export { createOpenAiChat, OPENAI_DEFAULT_BASE_URL } from './openai.ts';

export const LLM_APIS = ['openai', 'anthropic'] as const;
export type LlmApiName = (typeof LLM_APIS)[number];

export interface LlmProviderOptions {
  /** From config (`model:`); falls back to KB_LLM_MODEL. */
  model?: string;
  http?: Partial<HttpOptions>;
}

export function createLlmProvider(
  name: LlmApiName,
  env: Record<string, string | undefined> = process.env,
  options: LlmProviderOptions = {},
): LlmProvider {
  const get = (key: string) => env[key]?.trim() || undefined;
  const model = options.model?.trim() || get('KB_LLM_MODEL');
  if (!model) {
    const example = name === 'anthropic' ? 'a Claude model id' : 'e.g. llama3.1 for Ollama, or an OpenAI model id';
    throw new ProviderError(name, `no model chosen. Set KB_LLM_MODEL, or \`model:\` in content/queries.yaml (${example})`);
  }
  switch (name) {
    case 'openai': {
      const apiKey = get('OPENAI_API_KEY');
      return createOpenAiChat({ apiKey, baseUrl: get('OPENAI_BASE_URL'), model, http: withSecret(options.http, apiKey) });
    }
    case 'anthropic': {
      const apiKey = get('ANTHROPIC_API_KEY');
      return createAnthropicMessages({ apiKey, baseUrl: get('ANTHROPIC_BASE_URL'), model, http: withSecret(options.http, apiKey) });
    }
    default:
      throw new Error(`unknown model provider "${String(name)}": use one of ${LLM_APIS.join(', ')} (or extractive, the offline analyst)`);
  }
}

function withSecret(http: Partial<HttpOptions> | undefined, key: string | undefined): Partial<HttpOptions> | undefined {
  if (!key) return http;
  return { ...http, secrets: [...(http?.secrets ?? []), key] };
}
