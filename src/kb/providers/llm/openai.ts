// OpenAI-compatible Chat Completions: `POST {base}/chat/completions`. The same protocol is spoken by
// OpenAI itself and by local servers (Ollama, llama.cpp's llama-server, vLLM, LM Studio), so one
// provider covers them all; only the base URL and whether a key is needed differ.
import { fetchJson, HttpError, type HttpOptions } from '#kb/providers/http.ts';
import { ProviderError, type Completion, type CompletionRequest, type LlmProvider, type ProviderEnv, type Usage } from '#kb/providers/types.ts';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export const ENV = { key: 'OPENAI_API_KEY', base: 'OPENAI_BASE_URL', defaultBase: OPENAI_DEFAULT_BASE_URL } as const satisfies ProviderEnv;

export interface OpenAiChatOptions {
  /** Sent as `Authorization: Bearer …`. Local servers need none. */
  apiKey?: string;
  /** Default `https://api.openai.com/v1`; Ollama is `http://localhost:11434/v1`. */
  baseUrl?: string;
  model: string;
  http?: Partial<HttpOptions>;
}

const NAME = 'openai';

export function createOpenAiChat(options: OpenAiChatOptions): LlmProvider {
  const base = normaliseBase(options.baseUrl || OPENAI_DEFAULT_BASE_URL);
  const official = isOpenAiHost(base);
  const apiKey = options.apiKey?.trim() || undefined;
  const model = options.model?.trim();
  if (!model) throw new ProviderError(NAME, 'no model given (set KB_LLM_MODEL or `model:` in content/queries.yaml)');
  // Only OpenAI's own endpoint needs a key; Ollama, llama-server, vLLM and LM Studio accept none
  // (vLLM with --api-key does, and then OPENAI_API_KEY is sent as usual).
  if (official && !apiKey) {
    throw new ProviderError(
      NAME,
      `no API key. Set ${ENV.key}, or point ${ENV.base} at a local OpenAI-compatible server (Ollama: http://localhost:11434/v1)`,
    );
  }

  return {
    name: NAME,
    model,
    async complete(request: CompletionRequest): Promise<Completion> {
      const body: Record<string, unknown> = {
        model,
        messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
        stream: false,
      };
      if (request.maxTokens !== undefined) {
        // api.openai.com deprecated `max_tokens` (reasoning models reject it); local servers know
        // `max_tokens` and not all of them know `max_completion_tokens`.
        body[official ? 'max_completion_tokens' : 'max_tokens'] = request.maxTokens;
      }
      if (request.temperature !== undefined) body.temperature = request.temperature;
      if (request.json) {
        body.response_format = {
          type: 'json_schema',
          json_schema: { name: request.json.name, schema: request.json.schema, strict: true },
        };
      }
      const headers: Record<string, string> = {};
      if (apiKey) headers.authorization = `Bearer ${apiKey}`;

      let data: unknown;
      try {
        ({ data } = await fetchJson(
          { url: `${base}/chat/completions`, method: 'POST', headers, body },
          {
            ...options.http,
            provider: NAME,
            signal: request.signal ?? options.http?.signal,
            secrets: [...(options.http?.secrets ?? []), ...(apiKey ? [apiKey] : [])],
          },
        ));
      } catch (error) {
        throw withHint(error, base, official);
      }
      return readCompletion(data, model);
    },
  };
}

function readCompletion(data: unknown, requestedModel: string): Completion {
  if (!isRecord(data)) throw new ProviderError(NAME, `the answer is not a JSON object (got ${describe(data)})`);
  const choices = data.choices;
  if (!Array.isArray(choices) || choices.length === 0) {
    const apiError = errorMessage(data.error);
    if (apiError) throw new ProviderError(NAME, `the server answered with an error: ${apiError}`);
    throw new ProviderError(NAME, `the answer has no choices (\`choices\` is ${Array.isArray(choices) ? 'an empty list' : 'missing'})`);
  }
  const choice = choices[0];
  if (!isRecord(choice) || !isRecord(choice.message)) throw new ProviderError(NAME, 'the answer has no message (`choices[0].message` is missing)');
  const message = choice.message;
  const finish = typeof choice.finish_reason === 'string' ? choice.finish_reason : undefined;

  if (typeof message.refusal === 'string' && message.refusal.trim()) {
    throw new ProviderError(NAME, `the model refused to answer: ${excerpt(message.refusal)}`);
  }
  if (finish === 'length') {
    throw new ProviderError(NAME, 'the answer was cut off at the token limit (finish_reason: length); the model ran out of output tokens or context');
  }
  if (finish === 'content_filter') {
    throw new ProviderError(NAME, 'the answer was withheld by the content filter (finish_reason: content_filter)');
  }

  const text = contentText(message.content);
  if (!text.trim()) {
    const why = typeof message.reasoning_content === 'string' && message.reasoning_content.trim() ? ' (the model produced only reasoning, no answer)' : '';
    throw new ProviderError(NAME, `the answer is empty (\`choices[0].message.content\` has no text)${why}`);
  }

  return { text, usage: readUsage(data.usage), model: typeof data.model === 'string' && data.model ? data.model : requestedModel };
}

/** `content` is a string; a few servers send an array of `{type: 'text', text}` parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
  }
  return '';
}

function readUsage(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined;
  const input = usage.prompt_tokens;
  const output = usage.completion_tokens;
  if (typeof input !== 'number' && typeof output !== 'number') return undefined;
  return { inputTokens: typeof input === 'number' ? input : 0, outputTokens: typeof output === 'number' ? output : 0 };
}

/** A local server that cannot be reached is usually one that is not running: say so. */
function withHint(error: unknown, base: string, official: boolean): unknown {
  if (!official && error instanceof HttpError && error.status === undefined && /cannot reach/.test(error.message)) {
    error.message += ` — is the OpenAI-compatible server running at ${base}? (${ENV.base})`;
  }
  if (!official && error instanceof HttpError && error.status === 404) {
    error.message += ` — check the model name (KB_LLM_MODEL) is one the server at ${base} has (for Ollama: \`ollama pull <model>\`)`;
  }
  return error;
}

export function normaliseBase(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

function isOpenAiHost(base: string): boolean {
  try {
    return new URL(base).hostname === 'api.openai.com';
  } catch {
    throw new ProviderError(NAME, `${ENV.base} is not a URL: ${excerpt(base)}`);
  }
}

function errorMessage(error: unknown): string | undefined {
  if (typeof error === 'string') return excerpt(error);
  if (isRecord(error) && typeof error.message === 'string') return excerpt(error.message);
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  return value === null ? 'null' : typeof value;
}

function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
