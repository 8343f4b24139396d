// Anthropic Messages API: `POST {base}/v1/messages`. System prompts travel in the top-level
// `system` field (there is no system role), `max_tokens` is required, and structured output is a
// forced tool call whose `input` is the JSON.
import { fetchJson, type HttpOptions } from '#kb/providers/http.ts';
import { EmptyAnswerError, stripReasoning } from './answer.ts';
import { ProviderError, type Completion, type CompletionRequest, type LlmProvider, type ProviderEnv, type Usage } from '#kb/providers/types.ts';

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';
export const ENV = { key: 'ANTHROPIC_API_KEY', base: 'ANTHROPIC_BASE_URL', defaultBase: ANTHROPIC_DEFAULT_BASE_URL } as const satisfies ProviderEnv;
export const ANTHROPIC_VERSION = '2023-06-01';
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

export interface AnthropicMessagesOptions {
  /** Sent as `x-api-key`. Needed for api.anthropic.com; a compatible proxy may need none. */
  apiKey?: string;
  /** Default `https://api.anthropic.com` (without `/v1`; a trailing `/v1` is tolerated). */
  baseUrl?: string;
  model: string;
  http?: Partial<HttpOptions>;
}

const NAME = 'anthropic';

export function createAnthropicMessages(options: AnthropicMessagesOptions): LlmProvider {
  const base = (options.baseUrl || ANTHROPIC_DEFAULT_BASE_URL).trim().replace(/\/+$/, '').replace(/\/v1$/, '');
  const official = isAnthropicHost(base);
  const apiKey = options.apiKey?.trim() || undefined;
  const model = options.model?.trim();
  if (!model) throw new ProviderError(NAME, 'no model given (set KB_LLM_MODEL or `model:` in content/queries.yaml)');
  if (official && !apiKey) throw new ProviderError(NAME, `no API key. Set ${ENV.key} (or ${ENV.base} for a compatible server that needs none)`);

  return {
    name: NAME,
    model,
    async complete(request: CompletionRequest): Promise<Completion> {
      const system = request.messages
        .filter((m) => m.role === 'system')
        .map((m) => m.content)
        .join('\n\n');
      const body: Record<string, unknown> = {
        model,
        max_tokens: request.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
        messages: request.messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, content: m.content })),
      };
      if (system) body.system = system;
      if (request.temperature !== undefined) body.temperature = request.temperature;
      if (request.json) {
        body.tools = [
          {
            name: request.json.name,
            description: `Record the answer. Its input must match the ${request.json.name} schema exactly.`,
            input_schema: request.json.schema,
          },
        ];
        body.tool_choice = { type: 'tool', name: request.json.name };
      }
      const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION };
      if (apiKey) headers['x-api-key'] = apiKey;

      const { data } = await fetchJson(
        { url: `${base}/v1/messages`, method: 'POST', headers, body },
        {
          ...options.http,
          provider: NAME,
          signal: request.signal ?? options.http?.signal,
          secrets: [...(options.http?.secrets ?? []), ...(apiKey ? [apiKey] : [])],
        },
      );
      return readMessage(data, model, request.json?.name);
    },
  };
}

function readMessage(data: unknown, requestedModel: string, toolName: string | undefined): Completion {
  if (!isRecord(data)) throw new ProviderError(NAME, `the answer is not a JSON object (got ${Array.isArray(data) ? 'a list' : typeof data})`);
  // Errors normally come with a 4xx/5xx status (fetchJson reports those); this covers a 200 that
  // still carries the documented error shape `{type: 'error', error: {type, message}}`.
  if (data.type === 'error') {
    const error = isRecord(data.error) ? data.error : {};
    const message = typeof error.message === 'string' ? error.message : 'no message';
    throw new ProviderError(NAME, `the API answered with an error${typeof error.type === 'string' ? ` (${error.type})` : ''}: ${excerpt(message)}`);
  }

  const stop = typeof data.stop_reason === 'string' ? data.stop_reason : undefined;
  if (stop === 'max_tokens') {
    throw new ProviderError(NAME, 'the answer was cut off at the token limit (stop_reason: max_tokens); raise max_tokens or shorten the prompt');
  }
  if (stop === 'model_context_window_exceeded') {
    throw new ProviderError(NAME, "the answer was cut off: the prompt filled the model's context window (stop_reason: model_context_window_exceeded)");
  }
  if (stop === 'refusal') throw new ProviderError(NAME, 'the model declined to answer (stop_reason: refusal)');

  if (!Array.isArray(data.content)) throw new ProviderError(NAME, 'the answer has no content (`content` is missing)');
  const blocks = data.content.filter(isRecord);

  let text: string | undefined;
  if (toolName) {
    const tool = blocks.find((b) => b.type === 'tool_use' && b.name === toolName) ?? blocks.find((b) => b.type === 'tool_use');
    if (tool) {
      if (!isRecord(tool.input)) throw new ProviderError(NAME, `the ${toolName} tool call has no input object`);
      text = JSON.stringify(tool.input);
    }
  }
  // Without a tool call (or when a compatible server ignored the forced tool), use the text; the
  // JSON reader downstream can still find JSON in it. `thinking` blocks are never read, and
  // `<think>` reasoning that a compatible server leaves in the text is dropped (answer.ts).
  text ??= stripReasoning(
    blocks
      .filter((b) => b.type === 'text' && typeof b.text === 'string')
      .map((b) => b.text as string)
      .join(''),
  );
  if (!text.trim()) {
    throw new EmptyAnswerError(
      NAME,
      toolName ? `the answer has no ${toolName} tool call and no text (\`content\` is empty)` : 'the answer is empty (`content` has no text block)',
      readUsage(data.usage),
    );
  }
  return { text, usage: readUsage(data.usage), model: typeof data.model === 'string' && data.model ? data.model : requestedModel };
}

/** All input tokens count: cache writes and reads are reported apart from `input_tokens`. */
function readUsage(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined;
  const n = (key: string) => (typeof usage[key] === 'number' ? (usage[key] as number) : 0);
  if (typeof usage.input_tokens !== 'number' && typeof usage.output_tokens !== 'number') return undefined;
  return {
    inputTokens: n('input_tokens') + n('cache_creation_input_tokens') + n('cache_read_input_tokens'),
    outputTokens: n('output_tokens'),
  };
}

function isAnthropicHost(base: string): boolean {
  try {
    return new URL(base).hostname === 'api.anthropic.com';
  } catch {
    throw new ProviderError(NAME, `${ENV.base} is not a URL: ${excerpt(base)}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
