// content/queries.yaml → validated, resolved queries; and when each one is next due.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CronExpressionParser } from 'cron-parser';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'astro/zod';
import { explainIssues, fieldName, offsetOf } from '#core/explain.ts';
import { AlertThreshold, DEFAULT_THRESHOLD } from '#core/ledger/schema.ts';
import { LLM_PROVIDERS, SEARCH_PROVIDERS, type LlmProviderName, type SearchProviderName } from '#kb/providers/registry.ts';
import { KB_VARS, providerOverrides, type Env } from './env.ts';

const INTERVAL = /^(\d+)\s*(m|h|d|w)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

const Schedule = z.string().trim().superRefine((value, ctx) => {
  if (INTERVAL.test(value)) return;
  const fields = value.split(/\s+/).length;
  if (fields > 1 && fields !== 5 && fields !== 6) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is neither an interval (30m, 12h, 7d, 2w) nor a cron expression: cron needs 5 fields (minute hour day month weekday, e.g. "0 6 * * 1"), this has ${fields}` });
    return;
  }
  try {
    CronExpressionParser.parse(value, { tz: 'UTC' });
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${value}" is neither an interval (30m, 12h, 7d, 2w) nor a valid cron expression (minute hour day month weekday, UTC, e.g. "0 6 * * 1")` });
  }
});

const providerFields = {
  search: z.enum(SEARCH_PROVIDERS).optional(),
  llm: z.enum(LLM_PROVIDERS).optional(),
  model: z.string().trim().min(1).optional(),
  steps: z.number().int().min(1).max(8).optional(),
  maxResults: z.number().int().min(1).max(20).optional(),
  schedule: Schedule.optional(),
  /** A second model pass revises or drops claims the grounding check finds unsupported (docs/grounding.md). */
  verify: z.boolean().optional(),
  /** Pages opened and read per step, best results first; 0 reads snippets only. */
  read: z.number().int().min(0).max(10).optional(),
  /** Research rounds: after the first, follow-up queries chase the gaps and leads of what was read. */
  depth: z.number().int().min(1).max(4).optional(),
  /** Follow-up queries per round after the first. */
  breadth: z.number().int().min(1).max(8).optional(),
  /** At most this many pages read in a run, over all rounds. */
  maxPages: z.number().int().min(0).max(200).optional(),
  /** Model tokens (input + output) a run may use before it stops starting new rounds. */
  maxTokens: z.number().int().min(1).optional(),
  /** USD a run may spend (needs a price for the model) before it stops starting new rounds. */
  maxCostUsd: z.number().positive().optional(),
  /** How far a key figure must move to alert (docs/configuration.md#notifications); each part defaults to DEFAULT_THRESHOLD's. */
  alertThreshold: AlertThreshold.partial().optional(),
};

const QueryConfig = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lowercase letters, digits and single hyphens (it names the folder and the URL)'),
  question: z.string().trim().min(1, 'must not be empty'),
  tags: z.array(z.string().trim().min(1)).default([]),
  ...providerFields,
});

const Price = z.strictObject({ input: z.number().nonnegative(), output: z.number().nonnegative() });

/** What a model, as you serve it, can take: its context window in tokens (prompt and answer together). */
const ModelSettings = z.strictObject({ contextTokens: z.number().int().min(2048).max(10_000_000) });

const Defaults = z.strictObject({
  ...providerFields,
  /** Requests in flight per provider, and queries in flight. */
  concurrency: z.number().int().min(1).max(64).optional(),
  /** USD per million tokens, by model name; over the built-in DEFAULT_PRICES. */
  prices: z.record(z.string(), Price).optional(),
  /** Settings by model name, over the built-in ones (CONTEXT_TOKENS). */
  models: z.record(z.string(), ModelSettings).optional(),
});

export const ConfigFile = z
  .strictObject({
    defaults: Defaults.default({}),
    queries: z.array(QueryConfig),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.queries.forEach((q, i) => {
      if (seen.has(q.id)) ctx.addIssue({ code: 'custom', path: ['queries', i, 'id'], message: `"${q.id}" is already the id of queries[${seen.get(q.id)}]; ids must be unique: give this query its own id` });
      seen.set(q.id, i);
    });
  });

export type ConfigFile = z.infer<typeof ConfigFile>;

/** A query with the file's defaults and the environment's overrides applied. */
export interface Query {
  id: string;
  question: string;
  tags: string[];
  schedule: string;
  steps: number;
  maxResults: number;
  search: SearchProviderName;
  llm: LlmProviderName;
  model?: string;
  /** The model's context window in tokens, when a model is named: from `models:`, else the built-in table. */
  contextTokens?: number;
  /** Set only when on: run the grounding verify pass after the analyst. */
  verify?: true;
  /** Pages read per step (0: snippets only). */
  read: number;
  /** Rounds of research, and follow-up queries per round after the first. */
  depth: number;
  breadth: number;
  budget: { maxPages: number; maxTokens?: number; maxCostUsd?: number };
  /** Set only when queries.yaml sets one: how far a key figure must move to alert (else DEFAULT_THRESHOLD). */
  alertThreshold?: AlertThreshold;
}

/** What a run does when queries.yaml does not say: read 3 pages a step, 2 rounds, 2 follow-ups, at most 15 pages. */
export const RESEARCH_DEFAULTS = { read: 3, depth: 2, breadth: 2, maxPages: 15 } as const;

export interface Config {
  file: string;
  queries: Query[];
  concurrency: number;
  /** USD per million tokens by model name: the built-in DEFAULT_PRICES with the file's `prices:` over them. */
  prices: Prices;
}

export type Prices = Record<string, { input: number; output: number }>;

export class ConfigError extends Error {}

export const configPath = (contentDir: string) => path.join(contentDir, 'queries.yaml');

/**
 * Reads and validates queries.yaml. Every problem is reported as `file:line:col: field: what`,
 * and nothing runs while any remains. Returns undefined when the file does not exist.
 */
export async function loadConfig(contentDir: string, env: Env = process.env): Promise<Config | undefined> {
  const file = configPath(contentDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`${file}: cannot be read (${(error as Error).message})`);
  }
  return parseConfig(text, file, env);
}

export function parseConfig(text: string, file: string, env: Env = {}): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length) {
    throw new ConfigError(
      doc.errors
        .map((e) => {
          const what = e.message.split('\n')[0]!.replace(/\.$/, '');
          const key = e.code === 'DUPLICATE_KEY' ? ` ("${/^[^:\n]*/.exec(text.slice(e.pos[0]))![0].trim()}" appears twice in the same mapping; keep one)` : '';
          return `${at(e.pos[0])}: ${what}${key}. Fix the YAML and run again.`;
        })
        .join('\n'),
    );
  }
  const data = doc.toJS() ?? {};
  if (doc.contents === null || (typeof data === 'object' && !Array.isArray(data) && Object.keys(data).length === 0 && !/\S/.test(text.replace(/#.*$/gm, '')))) {
    throw new ConfigError(`${file}:1:1: the file is empty. Add a "queries:" list of questions (see docs/configuration.md), or delete the file.`);
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(
      `${at(doc.contents?.range?.[0] ?? 0)}: (top level): the file is ${Array.isArray(data) ? 'a list' : `a single value`}; it must be a mapping with "queries:" (and optionally "defaults:"). If these are your queries, put "queries:" on the first line and indent them under it.`,
    );
  }
  const parsed = ConfigFile.safeParse(data);
  if (!parsed.success) {
    throw new ConfigError(
      explainIssues(parsed.error, { data, knownKeys, enumNoun })
        .map(({ path: p, key, text: what }) => `${at(offsetOf(doc.contents, p, key ? 'key' : 'value'))}: ${fieldName(p)}: ${what}`)
        .join('\n'),
    );
  }
  return resolve(parsed.data, file, env);
}

function resolve(config: ConfigFile, file: string, env: Env): Config {
  const d = config.defaults;
  const overrides = providerOverrides(env);
  const search = envChoice(KB_VARS.search, overrides.search, SEARCH_PROVIDERS);
  const llm = envChoice(KB_VARS.llm, overrides.llm, LLM_PROVIDERS);
  const model = overrides.model;
  return {
    file,
    concurrency: d.concurrency ?? 8,
    prices: { ...DEFAULT_PRICES, ...d.prices },
    queries: config.queries.map((q) => resolveQuery(q, d, { search, llm, model })),
  };
}

function resolveQuery(q: ConfigFile['queries'][number], d: ConfigFile['defaults'], env: { search?: SearchProviderName; llm?: LlmProviderName; model?: string }): Query {
  const { search, llm } = env;
  const model = env.model ?? q.model ?? d.model;
  return {
    id: q.id,
    question: q.question,
    tags: q.tags,
    schedule: q.schedule ?? d.schedule ?? '7d',
    steps: q.steps ?? d.steps ?? 4,
    maxResults: q.maxResults ?? d.maxResults ?? 6,
    search: search ?? q.search ?? d.search ?? 'corpus',
    llm: llm ?? q.llm ?? d.llm ?? 'extractive',
    model,
    ...(model ? { contextTokens: contextTokensFor(model, d.models) } : {}),
    ...((q.verify ?? d.verify) ? { verify: true as const } : {}),
    read: q.read ?? d.read ?? RESEARCH_DEFAULTS.read,
    depth: q.depth ?? d.depth ?? RESEARCH_DEFAULTS.depth,
    breadth: q.breadth ?? d.breadth ?? RESEARCH_DEFAULTS.breadth,
    budget: {
      maxPages: q.maxPages ?? d.maxPages ?? RESEARCH_DEFAULTS.maxPages,
      ...((q.maxTokens ?? d.maxTokens) ? { maxTokens: q.maxTokens ?? d.maxTokens } : {}),
      ...((q.maxCostUsd ?? d.maxCostUsd) ? { maxCostUsd: q.maxCostUsd ?? d.maxCostUsd } : {}),
    },
    ...(q.alertThreshold || d.alertThreshold ? { alertThreshold: { ...DEFAULT_THRESHOLD, ...d.alertThreshold, ...q.alertThreshold } } : {}),
  };
}

/** An environment override of a provider, checked against the registry's names. */
function envChoice<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (!value) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new ConfigError(`${name}="${value}" is not one of: ${allowed.join(', ')}. Set it to one of those, or unset it to use queries.yaml's choice.`);
  return value as T;
}

/** The fields allowed in the mapping at a path of queries.yaml, for unknown-key messages. */
function knownKeys(p: readonly PropertyKey[]): readonly string[] | undefined {
  if (p.length === 0) return ['defaults', 'queries'];
  if (p.length === 1 && p[0] === 'defaults') return Object.keys(Defaults.shape);
  if (p.length === 2 && p[0] === 'queries') return Object.keys(QueryConfig.shape);
  if (p.length === 3 && p[1] === 'prices') return ['input', 'output'];
  if (p.length === 3 && p[1] === 'models') return Object.keys(ModelSettings.shape);
  if (p.at(-1) === 'alertThreshold') return Object.keys(AlertThreshold.shape);
  return undefined;
}

function enumNoun(p: readonly PropertyKey[]): string | undefined {
  const last = p.at(-1);
  return last === 'search' ? 'search provider' : last === 'llm' ? 'LLM provider' : undefined;
}

/** When a query is next due: now if it has never succeeded, else its schedule after the last success. */
export function nextDue(schedule: string, lastSuccess: Date | undefined): Date | undefined {
  if (!lastSuccess) return undefined; // due now
  const interval = INTERVAL.exec(schedule);
  if (interval) return new Date(lastSuccess.getTime() + Number(interval[1]) * UNIT_MS[interval[2] as keyof typeof UNIT_MS]);
  return CronExpressionParser.parse(schedule, { currentDate: lastSuccess, tz: 'UTC' }).next().toDate();
}

export function isDue(schedule: string, lastSuccess: Date | undefined, now: Date): boolean {
  const due = nextDue(schedule, lastSuccess);
  return !due || due.getTime() <= now.getTime();
}

// --- Model settings: context windows and prices. Built-in defaults for the models people run;
// queries.yaml's `models:` and `prices:` (under defaults) override them by model name.

/** A model nobody has told us about is taken to be a small local one: 8,192 tokens is safe for them all. */
export const UNKNOWN_CONTEXT_TOKENS = 8192;

/**
 * Context windows in tokens by model family, first match wins, matched against the name as
 * normalised by `modelKey` (so `llama3.1:8b`, `meta-llama/Llama-3.1-8B-Instruct` and
 * `llama-3.1-70b` all read as Llama 3.1). Figures are the vendors' own model pages. A local
 * server runs a model in the window it was started with (Ollama's default is 2–4k, whatever the
 * model can take): name that window under `models:`.
 */
export const CONTEXT_TOKENS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^gpt-4\.1/, 1_047_576],
  [/^gpt-4o|^chatgpt-4o/, 128_000],
  [/^gpt-5/, 272_000], // a 400k window of which up to 128k is output: 272k of input
  [/^o1-mini/, 128_000],
  [/^o\d/, 200_000], // o1, o3, o3-mini, o4-mini
  [/^gpt-4-turbo|^gpt-4-\d{4}-preview/, 128_000],
  [/^gpt-4(?:-\d{4})?$/, 8_192],
  [/^gpt-3\.5-turbo/, 16_385],
  [/^gpt-oss/, 131_072],
  [/^claude-/, 200_000],
  [/^deepseek-(?:chat|reasoner)/, 128_000],
  [/^gemini-2/, 1_048_576],
  [/^llama-?3\.[1-3]/, 131_072],
  [/^llama-?3(?![.\d])/, 8_192], // the first Llama 3
  [/^qwen2\.5/, 32_768],
  [/^mistral-(?:large|medium)/, 131_072],
  [/^(?:open-)?(?:mistral|mixtral)/, 32_768], // Mistral 7B, Mixtral 8x7B, Mistral Small
];

/** A model name as the tables match it: lower case, without a router's `vendor/` prefix or Ollama's `:tag`. */
export function modelKey(model: string): string {
  return model.trim().toLowerCase().replace(/^.*\//, '').replace(/:[^:]*$/, '');
}

/** The context window of a model: queries.yaml's `models:` by exact name, else the built-in table, else 8,192. */
export function contextTokensFor(model: string, configured: Record<string, { contextTokens: number }> = {}): number {
  if (Object.hasOwn(configured, model)) return configured[model]!.contextTokens;
  const key = modelKey(model);
  return CONTEXT_TOKENS.find(([pattern]) => pattern.test(key))?.[1] ?? UNKNOWN_CONTEXT_TOKENS;
}

/**
 * Built-in prices, USD per million tokens (standard tier, text, input not cached), as the vendors
 * published them in October 2025 — prices change, so set your own under `prices:`:
 *   OpenAI     https://openai.com/api/pricing/
 *   Anthropic  https://www.anthropic.com/pricing#api (and docs.anthropic.com, "Models overview")
 *   Google     https://ai.google.dev/gemini-api/docs/pricing (Gemini 2.5 Pro: prompts up to 200k tokens)
 *   DeepSeek   https://api-docs.deepseek.com/quick_start/pricing (V3.2 prices from 2025-09-29, cache miss)
 *   Mistral    https://mistral.ai/pricing#api-pricing
 * Open-weight models (Llama, Qwen, Mistral 7B…) have no price here: run locally they cost nothing
 * per token, and hosted their price is the host's. A model with no price records no cost.
 */
export const DEFAULT_PRICES: Prices = {
  'gpt-5': { input: 1.25, output: 10 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  o1: { input: 15, output: 60 },
  o3: { input: 2, output: 8 },
  'o3-mini': { input: 1.1, output: 4.4 },
  'o4-mini': { input: 1.1, output: 4.4 },
  'claude-opus-4-5': { input: 5, output: 25 },
  'claude-opus-4-1': { input: 15, output: 75 },
  'claude-opus-4': { input: 15, output: 75 },
  'claude-opus-4-0': { input: 15, output: 75 },
  'claude-sonnet-4-5': { input: 3, output: 15 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-sonnet-4-0': { input: 3, output: 15 },
  'claude-3-7-sonnet': { input: 3, output: 15 },
  'claude-haiku-4-5': { input: 1, output: 5 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'gemini-2.5-pro': { input: 1.25, output: 10 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5 },
  'gemini-2.5-flash-lite': { input: 0.1, output: 0.4 },
  'gemini-2.0-flash': { input: 0.1, output: 0.4 },
  'gemini-2.0-flash-lite': { input: 0.075, output: 0.3 },
  'deepseek-chat': { input: 0.28, output: 0.42 },
  'deepseek-reasoner': { input: 0.28, output: 0.42 },
  'mistral-large-latest': { input: 2, output: 6 },
  'mistral-medium-latest': { input: 0.4, output: 2 },
  'mistral-small-latest': { input: 0.1, output: 0.3 },
};

/** A dated snapshot or alias of a priced model: `gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`, `claude-3-7-sonnet-latest`. */
const SNAPSHOT = /^-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

/**
 * A model's price from a table (the config's, which holds the defaults under it): its exact name,
 * else the longest name it is a dated snapshot of. Nothing is guessed beyond that: `o3-pro` is
 * not `o3`, and an unpriced model records no cost rather than a wrong one.
 */
export function priceFor(model: string | undefined, prices: Prices | undefined): Prices[string] | undefined {
  if (!model || !prices) return undefined;
  if (Object.hasOwn(prices, model)) return prices[model];
  const base = Object.keys(prices)
    .filter((name) => model.startsWith(name) && SNAPSHOT.test(model.slice(name.length)))
    .sort((a, b) => b.length - a.length)[0];
  return base ? prices[base] : undefined;
}
