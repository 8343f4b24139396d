// OpenAI-compatible Chat Completions: `POST {base}/chat/completions`. The same protocol is spoken by
// OpenAI itself, Azure OpenAI, hosted services (DeepSeek, OpenRouter, Gemini's compatible endpoint)
// and local servers (Ollama, llama.cpp's llama-server, vLLM, LM Studio), so one provider covers
// them all; the base URL, whether a key is needed and the header it travels in (Azure: `api-key`)
// differ. What a server accepts (response formats, token and temperature parameters) is
// negotiated in structured.ts; reasoning is dropped from the answer in answer.ts.
import { fetchJson, HttpError, type HttpOptions } from '#kb/providers/http.ts';
import { ProviderError, type Completion, type CompletionRequest, type LlmProvider, type ProviderEnv, type Usage } from '#kb/providers/types.ts';
import { EmptyAnswerError, stripReasoning } from './answer.ts';
import {
  adapt,
  learnedFrom,
  memoryModeStore,
  messagesFor,
  modeKey,
  responseFormat,
  startSettings,
  type ModeStore,
  type RequestSettings,
  type TokenParam,
} from './structured.ts';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export const ENV = { key: 'OPENAI_API_KEY', base: 'OPENAI_BASE_URL', defaultBase: OPENAI_DEFAULT_BASE_URL } as const satisfies ProviderEnv;

export interface OpenAiChatOptions {
  /** Sent as `Authorization: Bearer …` (Azure: as `api-key`). Local servers need none. */
  apiKey?: string;
  /**
   * Default `https://api.openai.com/v1`; Ollama is `http://localhost:11434/v1`. It may carry a
   * query string, kept on every request: Azure's `…/openai/deployments/<name>?api-version=…`.
   */
  baseUrl?: string;
  model: string;
  http?: Partial<HttpOptions>;
  /**
   * How the key travels. Default: `api-key` for Azure OpenAI (an `*.openai.azure.com`-style host,
   * or a base URL with an `api-version` query, which only Azure uses), else `bearer`.
   */
  auth?: 'bearer' | 'api-key';
  /** What each server and model accepted (structured.ts); give `createModeStore(modesFile(content))` to keep it between runs. */
  modes?: ModeStore;
}

const NAME = 'openai';
/** Azure OpenAI's resource hosts: the classic one, and those of AI Services and Foundry resources. */
const AZURE_HOST = /\.(?:openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)$/i;

export function createOpenAiChat(options: OpenAiChatOptions): LlmProvider {
  const endpoint = parseBase(options.baseUrl || OPENAI_DEFAULT_BASE_URL);
  const { base, official } = endpoint;
  const auth = options.auth ?? (endpoint.azure ? 'api-key' : 'bearer');
  const apiKey = options.apiKey?.trim() || undefined;
  const model = options.model?.trim();
  if (!model) throw new ProviderError(NAME, 'no model given (set KB_LLM_MODEL or `model:` in content/queries.yaml)');
  // Only OpenAI's own endpoint and Azure need a key; Ollama, llama-server, vLLM and LM Studio
  // accept none (vLLM with --api-key does, and then OPENAI_API_KEY is sent as usual).
  if (official && !apiKey) {
    throw new ProviderError(
      NAME,
      `no API key. Set ${ENV.key}, or point ${ENV.base} at a local OpenAI-compatible server (Ollama: http://localhost:11434/v1)`,
    );
  }
  if (auth === 'api-key' && !apiKey) throw new ProviderError(NAME, `no API key. Set ${ENV.key} to the Azure OpenAI resource's key (it is sent in the api-key header)`);
  const modes = options.modes ?? memoryModeStore();
  const key = modeKey(base, model);
  const headers: Record<string, string> = {};
  if (apiKey) headers[auth === 'api-key' ? 'api-key' : 'authorization'] = auth === 'api-key' ? apiKey : `Bearer ${apiKey}`;
  const post = (body: Record<string, unknown>, signal: AbortSignal | undefined) =>
    fetchJson(
      { url: endpoint.url, method: 'POST', headers, body },
      {
        ...options.http,
        provider: NAME,
        signal: signal ?? options.http?.signal,
        secrets: [...(options.http?.secrets ?? []), ...(apiKey ? [apiKey] : [])],
      },
    );

  return {
    name: NAME,
    model,
    async complete(request: CompletionRequest): Promise<Completion> {
      const known = await modes.get(key);
      // api.openai.com deprecated `max_tokens` (reasoning models reject it); local servers know
      // `max_tokens` and not all of them know `max_completion_tokens`. A refusal corrects either.
      let settings = startSettings(known, { tokens: official ? 'max_completion_tokens' : 'max_tokens' });
      const sent = { json: !!request.json, maxTokens: request.maxTokens !== undefined, temperature: request.temperature !== undefined };
      const refusedTokens: TokenParam[] = [];
      const changes: string[] = [];
      for (;;) {
        let data: unknown;
        try {
          ({ data } = await post(requestBody(model, request, settings), request.signal));
        } catch (error) {
          const next = error instanceof HttpError ? adapt(error, settings, sent, refusedTokens) : undefined;
          if (!next) throw withHint(error, base, endpoint.azure, official, changes);
          if (next.settings.tokens !== settings.tokens) refusedTokens.push(settings.tokens);
          changes.push(next.change);
          settings = next.settings;
          continue;
        }
        // The server took the request: remember how, before reading the answer (an answer cut off
        // or empty still proves the request was accepted).
        const learned = learnedFrom(known, settings, sent);
        if (JSON.stringify(learned) !== JSON.stringify(known ?? {})) await modes.set(key, learned);
        return readCompletion(data, model);
      }
    },
  };
}

/** The Chat Completions body for these settings. */
function requestBody(model: string, request: CompletionRequest, settings: RequestSettings): Record<string, unknown> {
  const messages = request.json ? messagesFor(settings.mode, request.messages, request.json) : request.messages;
  const body: Record<string, unknown> = {
    model,
    messages: messages.map((m) => ({ role: m.role, content: m.content })),
    stream: false,
  };
  if (request.maxTokens !== undefined && settings.tokens !== 'none') body[settings.tokens] = request.maxTokens;
  if (request.temperature !== undefined && settings.temperature) body.temperature = request.temperature;
  const format = request.json ? responseFormat(settings.mode, request.json) : undefined;
  if (format) body.response_format = format;
  return body;
}

function readCompletion(data: unknown, requestedModel: string): Completion {
  if (!isRecord(data)) throw new ProviderError(NAME, `the answer is not a JSON object (got ${describe(data)})`);
  const choices = data.choices;
  if (!Array.isArray(choices) || choices.length === 0) {
    const apiError = errorMessage(data.error);
    if (apiError) throw new ProviderError(NAME, `the server answered with an error (inside an HTTP 200): ${apiError} — check the model name, and the server's log`);
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
  // OpenRouter reports a failure met while the model was answering inside the 200 answer.
  if (finish === 'error' || choice.error !== undefined) {
    const why = errorMessage(choice.error);
    throw new ProviderError(NAME, `the server reported an error while the model answered${why ? `: ${why}` : ' (finish_reason: error)'} — try again, or another model`);
  }
  if (finish === 'content_filter') {
    throw new ProviderError(NAME, 'the answer was withheld by the content filter (finish_reason: content_filter)');
  }

  // Reasoning is dropped whatever field or tag it comes in; it is never read, so it can neither be
  // taken for the answer nor quoted in an error.
  const text = stripReasoning(contentText(message.content)).trim();
  if (!text) {
    const raw = contentText(message.content);
    const reasoned = [message.reasoning_content, message.reasoning].some((r) => typeof r === 'string' && r.trim()) || /<\/?think/i.test(raw);
    throw new EmptyAnswerError(
      NAME,
      reasoned
        ? 'the answer is empty: the model produced only reasoning (`choices[0].message.content` has no text after it); it may need a larger token limit or context to finish'
        : 'the answer is empty (`choices[0].message.content` has no text)',
      readUsage(data.usage),
    );
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

/** Says what to check, for the failures whose cause the bare HTTP error does not name. */
function withHint(error: unknown, base: string, azure: boolean, official: boolean, changes: string[]): unknown {
  if (!(error instanceof HttpError)) return error;
  if (!official && error.status === undefined && /cannot reach/.test(error.message)) {
    error.message += ` — is the OpenAI-compatible server running at ${base}? (${ENV.base})`;
  }
  if (error.status === 404 && azure) {
    error.message += ` — check the deployment name and the api-version in ${ENV.base} (https://<resource>.openai.azure.com/openai/deployments/<deployment>?api-version=…)`;
  } else if (!official && error.status === 404) {
    error.message += ` — check the model name (KB_LLM_MODEL) is one the server at ${base} has (for Ollama: \`ollama pull <model>\`)`;
  }
  if (changes.length) error.message += ` (after adapting the request: ${changes.join('; ')})`;
  return error;
}

/**
 * The base URL, the Chat Completions URL (the path gets `/chat/completions`, a query string stays
 * after it), and what kind of endpoint it is.
 */
function parseBase(raw: string): { base: string; url: string; official: boolean; azure: boolean } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ProviderError(NAME, `${ENV.base} is not a URL: ${excerpt(raw)}`);
  }
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  return {
    base,
    url: `${base}/chat/completions${url.search}`,
    official: url.hostname === 'api.openai.com',
    azure: AZURE_HOST.test(url.hostname) || url.searchParams.has('api-version'),
  };
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
