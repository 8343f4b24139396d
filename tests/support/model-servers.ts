// Loopback imitations of the model servers the recipes in docs/providers.md point at. Each one
// answers `POST …/chat/completions` as its vendor documents it: the header the key must arrive in,
// the shape of its error bodies, and what it refuses or ignores. They run on startLoopback (real
// node:http), so the provider under test speaks real HTTP to them.
//
//   const server = await startLoopback(modelServer({ ...VENDORS.deepseek(KEY), answer: () => ({ content: '{"a": 1}' }) }));
//
// A server checks what its vendor checks, in the vendor's order: the key, then the parameters it
// refuses, then the response format; only then does `answer` see the request.
import type http from 'node:http';
import { afterEach, expect } from 'vitest';
import { ProviderError } from '#kb/providers/types.ts';
import { sendJson, startLoopback, type Handler, type Loopback, type RecordedRequest } from './loopback.ts';

/** Loopback servers that live for one test: `const serve = serverPerTest();` at the top of a file, then `await serve(handler)`. */
export function serverPerTest(): (handler: Handler) => Promise<Loopback> {
  let servers: Loopback[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });
  return async (handler) => {
    const server = await startLoopback(handler);
    servers.push(server);
    return server;
  };
}

/** The ProviderError a provider call ends in; fails the test if it succeeds or throws anything else. */
export async function providerFailure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected the call to fail');
}

export interface ChatRequest {
  model?: string;
  messages?: { role: string; content: string }[];
  response_format?: { type?: string; json_schema?: { name?: string; schema?: unknown; strict?: boolean } };
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  [key: string]: unknown;
}

/** What the model says: its text, and the reasoning fields reasoning servers add beside it. */
export interface ModelAnswer {
  content: string | null;
  reasoning_content?: string;
  reasoning?: string;
  finish_reason?: string;
}

export interface ModelServerSpec {
  /** Where the key must be: `authorization` (as `Bearer <key>`) or `api-key`. None: the server takes any request. */
  auth?: { header: 'authorization' | 'api-key'; key: string };
  /** The vendor's answer to a missing or wrong key: its status and body. */
  badKey?: (res: http.ServerResponse) => void;
  /** The vendor's error body for a refused request, with the status it is sent with. */
  refuse?: (res: http.ServerResponse, status: number, message: string, param?: string) => void;
  /** `response_format.type`s it refuses, with its message for each. */
  refusesFormat?: Record<string, string>;
  /** Parameters it refuses when present, with its message (and the `param` it names). */
  refusesParam?: Record<string, string>;
  /** `json_object` only with the word "json" somewhere in the prompt (OpenAI, DeepSeek). */
  jsonObjectNeedsTheWord?: boolean;
  /** What the model answers; `response_format` is the server's business, so a server that ignores it simply answers prose. */
  answer: (request: ChatRequest, recorded: RecordedRequest) => ModelAnswer | Promise<ModelAnswer>;
  /** The model name the answers report. */
  model?: string;
}

/** A Chat Completions answer as OpenAI documents it (and every compatible server copies). */
export function chatCompletion(answer: ModelAnswer, model = 'test-model') {
  const { finish_reason = 'stop', content, ...reasoning } = answer;
  return {
    id: 'chatcmpl-loopback',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, ...reasoning }, finish_reason }],
    usage: { prompt_tokens: 20, completion_tokens: 10, total_tokens: 30 },
  };
}

export function modelServer(spec: ModelServerSpec): Handler {
  const refuse = spec.refuse ?? VENDOR_ERRORS.openai;
  return async (req, res, recorded) => {
    if (req.method !== 'POST' || !recorded.path.split('?')[0]!.endsWith('/chat/completions')) return refuse(res, 404, `no route for ${req.method} ${recorded.path}`);
    if (spec.auth) {
      const got = req.headers[spec.auth.header];
      const expected = spec.auth.header === 'authorization' ? `Bearer ${spec.auth.key}` : spec.auth.key;
      if (got !== expected) return spec.badKey ? spec.badKey(res) : refuse(res, 401, 'Incorrect API key provided');
    }
    const body = (recorded.json ?? {}) as ChatRequest;
    for (const [param, message] of Object.entries(spec.refusesParam ?? {})) {
      if (body[param] !== undefined) return refuse(res, 400, message, param);
    }
    const type = body.response_format?.type;
    if (type && spec.refusesFormat?.[type]) return refuse(res, 400, spec.refusesFormat[type], 'response_format');
    if (type === 'json_object' && spec.jsonObjectNeedsTheWord && !JSON.stringify(body.messages ?? []).toLowerCase().includes('json')) {
      // OpenAI's documented wording; DeepSeek documents the same requirement.
      return refuse(res, 400, "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", 'messages');
    }
    sendJson(res, 200, chatCompletion(await spec.answer(body, recorded), spec.model ?? body.model));
  };
}

/** Error bodies, as each vendor documents them. */
export const VENDOR_ERRORS = {
  // OpenAI: {error: {message, type, param, code}} — platform.openai.com/docs/guides/error-codes; the
  // reasoning models' refusals as reported in openai/openai-python#2046 ("Unsupported parameter:
  // 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
  // param max_tokens, code unsupported_parameter). Azure OpenAI answers 400s in the same shape.
  openai(res: http.ServerResponse, status: number, message: string, param?: string) {
    sendJson(res, status, { error: { message, type: 'invalid_request_error', param: param ?? null, code: status === 401 ? 'invalid_api_key' : 'unsupported_parameter' } });
  },
  // DeepSeek: the OpenAI shape with code "invalid_request_error" — api-docs.deepseek.com/quick_start/error_codes;
  // the json_schema refusal as reported in llm-exe/llm-exe#662 and UKGovernmentBEIS/inspect_ai#4916.
  deepseek(res: http.ServerResponse, status: number, message: string) {
    sendJson(res, status, { error: { message, type: status === 401 ? 'authentication_error' : 'invalid_request_error', param: null, code: 'invalid_request_error' } });
  },
  // Ollama's OpenAI-compatible endpoint: {error: {message, type: "api_error", param, code}} (ollama openai/openai.go).
  ollama(res: http.ServerResponse, status: number, message: string) {
    sendJson(res, status, { error: { message, type: 'api_error', param: null, code: null } });
  },
  // llama.cpp llama-server: {error: {code, message, type}} (tools/server/README.md, error format).
  llamacpp(res: http.ServerResponse, status: number, message: string) {
    sendJson(res, status, { error: { code: status, message, type: status === 401 ? 'authentication_error' : 'invalid_request_error' } });
  },
  // vLLM's OpenAI server: {object: "error", message, type, param, code} (vllm/entrypoints/openai/protocol.py ErrorResponse).
  vllm(res: http.ServerResponse, status: number, message: string) {
    sendJson(res, status, { object: 'error', message, type: 'BadRequestError', param: null, code: status });
  },
  // LM Studio: {error: "<message>"}, a bare string — lmstudio-ai/lmstudio-bug-tracker#189 and #307.
  lmstudio(res: http.ServerResponse, status: number, message: string) {
    sendJson(res, status, { error: message });
  },
  // OpenRouter: {error: {code, message, metadata?}}, the status equal to code — openrouter.ai/docs/api/reference/errors-and-debugging.
  openrouter(res: http.ServerResponse, status: number, message: string) {
    sendJson(res, status, { error: { code: status, message, metadata: { provider_name: 'loopback' } } });
  },
  // Gemini's OpenAI-compatible endpoint: Google's error object wrapped in a list,
  // [{error: {code, message, status}}], as the OpenAI SDKs print it ("Error code: 400 - [{'error': …}]").
  gemini(res: http.ServerResponse, status: number, message: string) {
    sendJson(res, status, [{ error: { code: status, message, status: status === 400 ? 'INVALID_ARGUMENT' : 'UNAUTHENTICATED' } }]);
  },
} as const;

/**
 * Each vendor's documented behaviour, to spread into a ModelServerSpec beside an `answer`. `key` is
 * the key the server accepts.
 */
const openai = (key: string) => ({ auth: { header: 'authorization' as const, key }, refuse: VENDOR_ERRORS.openai, jsonObjectNeedsTheWord: true });

export const VENDORS = {
  /** OpenAI: Bearer key; enforces json_schema. */
  openai,
  /**
   * An OpenAI reasoning model (o-series): `max_tokens` refused for `max_completion_tokens`, any
   * `temperature` but the default refused ("Unsupported value: 'temperature' does not support 0.2
   * with this model. Only the default (1) value is supported.", as reported for o1 and Azure o-series).
   */
  oSeries: (key: string) => ({
    ...openai(key),
    refusesParam: {
      max_tokens: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      temperature: "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.",
    },
  }),
  /**
   * Azure OpenAI: the key in the `api-key` header, never as Bearer (learn.microsoft.com, Azure
   * OpenAI REST reference, "Authentication"); 401 body from the Azure OpenAI troubleshooting page.
   */
  azure: (key: string) => ({
    auth: { header: 'api-key', key },
    refuse: VENDOR_ERRORS.openai,
    badKey: (res: http.ServerResponse) =>
      sendJson(res, 401, { error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.' } }),
  }),
  /**
   * DeepSeek: Bearer key; `json_schema` refused with a 400, `json_object` accepted when the prompt
   * says "json" (api-docs.deepseek.com/guides/json_mode).
   */
  deepseek: (key: string) => ({
    auth: { header: 'authorization', key },
    refuse: VENDOR_ERRORS.deepseek,
    badKey: (res: http.ServerResponse) => VENDOR_ERRORS.deepseek(res, 401, 'Authentication Fails, Your api key is invalid'),
    refusesFormat: { json_schema: 'This response_format type is unavailable now' },
    jsonObjectNeedsTheWord: true,
  }),
  /** Ollama ≥ 0.5: no key; enforces json_schema. An older one ignores response_format: its `answer` says prose. */
  ollama: () => ({ refuse: VENDOR_ERRORS.ollama }),
  /** llama-server: no key unless started with --api-key (then Bearer). */
  llamacpp: (key?: string) => ({ ...(key ? { auth: { header: 'authorization', key } } : {}), refuse: VENDOR_ERRORS.llamacpp }),
  /** vLLM: Bearer key when started with --api-key; a bad one gets 401 {"error": "Unauthorized"}. */
  vllm: (key?: string) => ({
    ...(key ? { auth: { header: 'authorization', key } } : {}),
    refuse: VENDOR_ERRORS.vllm,
    badKey: (res: http.ServerResponse) => sendJson(res, 401, { error: 'Unauthorized' }),
  }),
  /** LM Studio: no key; json_schema yes, json_object no. */
  lmstudio: () => ({ refuse: VENDOR_ERRORS.lmstudio, refusesFormat: { json_object: "'response_format.type' must be 'json_schema' or 'text'" } }),
  /** OpenRouter: Bearer key. */
  openrouter: (key: string) => ({
    auth: { header: 'authorization', key },
    refuse: VENDOR_ERRORS.openrouter,
    badKey: (res: http.ServerResponse) => VENDOR_ERRORS.openrouter(res, 401, 'No auth credentials found'),
  }),
  /**
   * Gemini's OpenAI-compatible endpoint: the Gemini API key as a Bearer token
   * (ai.google.dev/gemini-api/docs/openai); a bad key is a 400 INVALID_ARGUMENT, not a 401.
   */
  gemini: (key: string) => ({
    auth: { header: 'authorization', key },
    refuse: VENDOR_ERRORS.gemini,
    badKey: (res: http.ServerResponse) => VENDOR_ERRORS.gemini(res, 400, 'API key not valid. Please pass a valid API key.'),
  }),
} satisfies Record<string, (key: string) => Omit<ModelServerSpec, 'answer'>>;
