// Structured output that negotiates, for OpenAI-compatible servers. They all take the same
// request, but not the same parameters: DeepSeek refuses `response_format: json_schema` and
// takes only `json_object` (which wants the word "json" in the prompt); LM Studio takes
// `json_schema` but not `json_object`; some llama.cpp, vLLM and older Ollama builds refuse or
// ignore it; OpenAI's reasoning models refuse `max_tokens` (they want `max_completion_tokens`) and
// any `temperature` but the default, while older servers do not know `max_completion_tokens`.
//
// No list of models says which is which (it changes with every release), so the server's own
// refusal decides: a 400/422 whose message names what it refuses. A refused parameter is renamed
// or dropped; a refused response format steps down the ladder json_schema → json_object → plain
// text (the schema then travels in the prompt, and the JSON reader in parse-json.ts repairs and
// validates the text). What worked is remembered per base URL and model (`ModeStore`, kept in
// `<content>/.cache/llm-modes.json` when the provider is given one), so later requests start there
// and pay for the negotiation once.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChatMessage } from '#kb/providers/types.ts';
import { writeAtomic } from '#kb/store/files.ts';

/** How JSON is asked for, strongest guarantee first. */
export const JSON_MODES = ['json_schema', 'json_object', 'text'] as const;
export type JsonMode = (typeof JSON_MODES)[number];
/** The name the token limit travels under; `none` when the server refused both. */
export type TokenParam = 'max_tokens' | 'max_completion_tokens' | 'none';

/** What a server and model were found to accept. A field that is absent was not learned yet. */
export interface ServerTraits {
  mode?: JsonMode;
  tokens?: TokenParam;
  /** `false`: it refused `temperature` (OpenAI's reasoning models allow only the default). */
  temperature?: false;
}

/** The settings one request is sent with: the defaults, overridden by what was learned. */
export interface RequestSettings {
  mode: JsonMode;
  tokens: TokenParam;
  temperature: boolean;
}

export interface ModeStore {
  get(key: string): Promise<ServerTraits | undefined>;
  set(key: string, traits: ServerTraits): Promise<void>;
}

/** The file `kb run` keeps what it learned in. */
export function modesFile(contentDir: string): string {
  return path.join(contentDir, '.cache', 'llm-modes.json');
}

/**
 * One entry per server and model. The query string and any user:password are left out: the file
 * must never hold a secret, and a key never changes what a server accepts.
 */
export function modeKey(baseUrl: string, model: string): string {
  try {
    const url = new URL(baseUrl);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')} ${model}`;
  } catch {
    return `${baseUrl} ${model}`;
  }
}

/** For a provider without a content folder (tests, `kb doctor`'s fresh probe): remembers for its own life only. */
export function memoryModeStore(): ModeStore {
  const map = new Map<string, ServerTraits>();
  return {
    get: async (key) => map.get(key),
    set: async (key, traits) => void map.set(key, { ...traits }),
  };
}

/**
 * What was learned, in a JSON file read once and written atomically (temp file, then rename) on
 * each change. A missing, unreadable or corrupt file, or an entry that is not a valid one, is
 * ignored: the worst outcome is one negotiation more. A failed write is ignored too: a cache is
 * never worth failing a run for.
 */
export function createModeStore(file: string): ModeStore {
  let loaded: Promise<Record<string, ServerTraits>> | undefined;
  let writes: Promise<void> = Promise.resolve();
  const all = () => (loaded ??= readModes(file));
  return {
    async get(key) {
      return (await all())[key];
    },
    async set(key, traits) {
      (await all())[key] = { ...traits };
      // Writes run one after another; each merges into what is on disk now, so entries another
      // process wrote meanwhile are kept.
      writes = writes.then(() => writeMode(file, key, traits)).catch(() => {});
      await writes;
    },
  };
}

async function readModes(file: string): Promise<Record<string, ServerTraits>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return {};
  }
  if (!isRecord(parsed)) return {};
  const out: Record<string, ServerTraits> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const traits = validTraits(value);
    if (traits) out[key] = traits;
  }
  return out;
}

function validTraits(value: unknown): ServerTraits | undefined {
  if (!isRecord(value)) return undefined;
  const traits: ServerTraits = {};
  if ((JSON_MODES as readonly unknown[]).includes(value.mode)) traits.mode = value.mode as JsonMode;
  if (value.tokens === 'max_tokens' || value.tokens === 'max_completion_tokens' || value.tokens === 'none') traits.tokens = value.tokens;
  if (value.temperature === false) traits.temperature = false;
  return traits;
}

async function writeMode(file: string, key: string, traits: ServerTraits): Promise<void> {
  const current = await readModes(file);
  current[key] = traits;
  await writeAtomic(file, `${JSON.stringify(current, null, 2)}\n`);
}

/** The settings to start a request with. */
export function startSettings(learned: ServerTraits | undefined, defaults: { tokens: TokenParam }): RequestSettings {
  return { mode: learned?.mode ?? 'json_schema', tokens: learned?.tokens ?? defaults.tokens, temperature: learned?.temperature !== false };
}

/** What a request that was answered teaches, merged into what was known; only what it really tried counts. */
export function learnedFrom(known: ServerTraits | undefined, settings: RequestSettings, sent: { json: boolean; maxTokens: boolean; temperature: boolean }): ServerTraits {
  const traits: ServerTraits = { ...known };
  if (sent.json) traits.mode = settings.mode;
  if (sent.maxTokens) traits.tokens = settings.tokens;
  if (sent.temperature && !settings.temperature) traits.temperature = false;
  return traits;
}

/** A refusal: the HTTP status and the server's message as the HTTP client reported them. */
export interface Refusal {
  status?: number;
  message: string;
}

// Words servers use to refuse a parameter or a value: OpenAI "Unsupported parameter" / "Unsupported
// value" / "is not supported with this model", Azure's older API versions "Unrecognized request
// argument supplied", pydantic-based servers (vLLM, LiteLLM) "Extra inputs are not permitted",
// DeepSeek "This response_format type is unavailable now".
const REFUSES = /unsupported|not supported|does not support|unavailable|unrecogni[sz]ed|unknown (?:field|parameter|argument|variant)|extra (?:inputs|fields)|not permitted|not allowed/;
// A message about the response format itself: DeepSeek, OpenAI ("Invalid parameter:
// 'response_format' of type 'json_schema' is not supported"), LM Studio ("'response_format.type'
// must be 'json_schema' or 'text'"), llama.cpp ("Either \"json_schema\" or \"grammar\" can be
// specified, but not both"; "JSON schema conversion failed").
const ABOUT_FORMAT = /response_format|json_schema|json_object|structured output|grammar|json schema/;

/**
 * What to send instead after a refusal, or undefined when changing the request cannot help (the
 * refusal is not a 400/422, or names nothing this request can do without). `settings` is what the
 * refused request was sent with, `sent` what it carried, `tried` the token names already refused.
 * Each step only ever gives something up, so a request is adapted a bounded number of times.
 */
export function adapt(
  refusal: Refusal,
  settings: RequestSettings,
  sent: { json: boolean; maxTokens: boolean; temperature: boolean },
  tried: readonly TokenParam[] = [],
): { settings: RequestSettings; change: string } | undefined {
  if (refusal.status !== 400 && refusal.status !== 422) return undefined;
  const text = refusal.message.toLowerCase();
  const names = (param: string) => new RegExp(`(^|[^a-z_])${param}([^a-z_]|$)`).test(text);

  // A parameter the server names and refuses comes first: such messages often say "not
  // supported" too, and dropping the parameter is the smaller change.
  if (sent.temperature && settings.temperature && names('temperature') && REFUSES.test(text)) {
    return { settings: { ...settings, temperature: false }, change: 'temperature dropped' };
  }
  if (sent.maxTokens && settings.tokens !== 'none' && names(settings.tokens) && REFUSES.test(text)) {
    const other: TokenParam = settings.tokens === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens';
    const next: TokenParam = tried.includes(other) ? 'none' : other;
    return { settings: { ...settings, tokens: next }, change: next === 'none' ? `${settings.tokens} dropped` : `${settings.tokens} renamed ${next}` };
  }
  if (sent.json && settings.mode !== 'text' && (ABOUT_FORMAT.test(text) || REFUSES.test(text))) {
    const next = JSON_MODES[JSON_MODES.indexOf(settings.mode) + 1]!;
    return { settings: { ...settings, mode: next }, change: `response_format ${settings.mode} refused, trying ${next === 'text' ? 'plain text' : next}` };
  }
  return undefined;
}

/**
 * The request's messages for a mode. With `json_schema` the server enforces the schema; with
 * `json_object` or plain text the model only sees the prompt, so the schema goes into it — which
 * also gives `json_object` the word "JSON" DeepSeek and OpenAI require in the prompt.
 */
export function messagesFor(mode: JsonMode, messages: ChatMessage[], json: { schema: Record<string, unknown> }): ChatMessage[] {
  if (mode === 'json_schema') return messages;
  const note = `Answer with JSON only: one JSON object, without prose or code fences, that matches this JSON Schema:\n${JSON.stringify(json.schema)}`;
  const system = messages.findIndex((m) => m.role === 'system');
  if (system < 0) return [{ role: 'system', content: note }, ...messages];
  return messages.map((m, i) => (i === system ? { ...m, content: `${m.content}\n\n${note}` } : m));
}

/** The `response_format` for a mode; none for plain text. */
export function responseFormat(mode: JsonMode, json: { name: string; schema: Record<string, unknown> }): Record<string, unknown> | undefined {
  if (mode === 'json_schema') return { type: 'json_schema', json_schema: { name: json.name, schema: json.schema, strict: true } };
  if (mode === 'json_object') return { type: 'json_object' };
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
