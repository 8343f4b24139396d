// `kb run`: choose the queries that are due, run them through the pipeline at once within the
// configured concurrency, store each session, and log every outcome. A failed query is logged,
// never published; the others still run; nothing earlier is ever deleted or rewritten.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import { ConfigError, isDue, loadConfig, nextDue, type Config, type Query } from '#kb/config/queries.ts';
import { createResponseCache, httpStats, type HttpOptions } from '#kb/providers/http.ts';
import { listSessions, sweepTempFiles, writeSession, type WriteResult } from '#kb/store/store.ts';
import { startSessionWriter } from '#kb/store/write-worker.ts';
import { acquireContentLock } from '#kb/store/lock.ts';
import { appendRunLog } from '#kb/store/runlog.ts';
import { RunFailure, runQuery, type RunEvent, type Stages } from '#kb/pipeline/run.ts';
import { createLlmProvider, createSearchProvider, isLlmApi } from '#kb/providers/registry.ts';
import type { LlmProvider, SearchProvider } from '#kb/providers/types.ts';
import { planQueries, rulePlanner } from '#kb/pipeline/planners/rule.ts';
import { createReader, type Reader } from '#kb/pipeline/read/index.ts';
import { createModeStore, modesFile } from '#kb/providers/llm/structured.ts';
import { extractiveAnalyst } from '#kb/pipeline/analysts/extractive/index.ts';
import { createModelPlanner } from '#kb/pipeline/planners/model.ts';
import { createModelAnalyst } from '#kb/pipeline/analysts/model.ts';
import { lastSuccessByQuery, latestSuccessByQuery, type Session } from '#core/session.ts';
import { appendRunRecord, runRecordOf } from '#kb/store/runlog.ts';
import { formatShard, inShard, parseShard, type Shard } from '#kb/store/shards.ts';
import { table, utc, type Options, type Print } from './cli-kit.ts';
import { createProgress } from './progress.ts';
import { notifyRun, notifyWarning, type NotificationRecord, type NotifyOptions } from '#kb/notify/index.ts';

export interface RunOptions {
  contentDir: string;
  env?: NodeJS.ProcessEnv;
  /** Run only these query ids (due or not). */
  only?: string[];
  /** Run every selected query whether due or not. */
  force?: boolean;
  /** Say what would run, with which providers; call nothing, write nothing. */
  dryRun?: boolean;
  /** Reuse cached provider answers (default true). */
  cache?: boolean;
  now?: () => Date;
  /** Test seam: how each query's providers are made. */
  stages?: (query: Query) => Promise<Stages>;
  http?: Partial<HttpOptions>;
  onEvent?: (event: RunnerEvent) => void;
  /** Run only this shard's stable share of the selected queries (`kb run --shard i/n`). */
  shard?: Shard;
  /** Alerts on material change (KB_NOTIFY_URL, SMTP_URL): `false` sends none (`kb run --no-notify`). */
  notify?: false | NotifyOptions;
}

export type Outcome = 'published' | 'failed' | 'not-due' | 'would-run';

export interface QueryOutcome {
  id: string;
  question: string;
  outcome: Outcome;
  providers: string;
  session?: string;
  error?: string;
  /** When a query that did not run is next due. */
  nextDue?: string;
  /** A dry run's plan: the first round's sub-queries (offline planner), the rounds and the budget. */
  plan?: string;
  durationMs?: number;
  results?: number;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
}

export interface RunSummary {
  run: string;
  startedAt: string;
  finishedAt: string;
  outcomes: QueryOutcome[];
  networkCalls: number;
  cacheHits: number;
  /** Alerts sent, or failed, for questions whose answer changed materially. */
  notifications?: NotificationRecord[];
}

export type RunnerEvent =
  | { type: 'begin'; total: number; dryRun: boolean }
  | { type: 'query'; id: string }
  | (RunEvent & { id: string })
  | { type: 'done'; outcome: QueryOutcome };

export async function runDue(options: RunOptions): Promise<RunSummary> {
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const calls = { ...httpStats };
  const config = await loadConfig(options.contentDir, env);
  if (!config) throw new ConfigError(`${path.join(options.contentDir, 'queries.yaml')} does not exist. Create it to say which questions to run (see docs/configuration.md).`);
  const selected = select(config, options.only).filter((q) => inShard(q.id, options.shard));

  // One writer at a time: a second `kb run` on this content is refused, a dead one's lock is
  // taken over, and its half-written temp files are cleared before any work starts.
  // A dry run writes nothing, so it needs no lock.
  const release = options.dryRun ? undefined : await acquireContentLock(options.contentDir, 'kb run');
  try {
    if (!options.dryRun) await sweepTempFiles(options.contentDir);
    const summary = await runLocked(options, config, selected, env, now, startedAt, calls, release?.verify);
    // Alerts, once the sessions are published: one per question whose answer changed materially (src/kb/notify). Never fails the run.
    const alerts = options.dryRun || options.notify === false ? [] : await notifyRun(options.contentDir, summary.outcomes, env, options.notify);
    if (alerts.length) summary.notifications = alerts;
    // The run's own line in runs.jsonl, after its query lines: what ran, what failed, what waited.
    // A run that found nothing due writes nothing: `npm run build` on an up-to-date checkout (or an
    // idle scheduled night) must not change a tracked file.
    const ran = summary.outcomes.some((o) => o.outcome === 'published' || o.outcome === 'failed');
    if (!options.dryRun && ran) await appendRunRecord(options.contentDir, runRecordOf(summary, { shard: options.shard && formatShard(options.shard), forced: options.force, env, notifications: summary.notifications }));
    return summary;
  } finally {
    await release?.();
  }
}

async function runLocked(options: RunOptions, config: Config, selected: Query[], env: NodeJS.ProcessEnv, now: () => Date, startedAt: Date, calls: typeof httpStats, stillHeld: () => Promise<void> = async () => {}): Promise<RunSummary> {
  const sessions = (await listSessions(options.contentDir)).map(({ session }) => session);
  // Each question's newest good session: when it last succeeded, and the memory its next run builds on.
  const previous = latestSuccessByQuery(sessions);
  const lastSuccess = new Map([...previous].map(([slug, s]) => [slug, new Date(s.generatedAt)]));
  const plan = selected.map((query) => {
    const last = lastSuccess.get(query.id);
    // A question named with --query runs now, due or not (as --force does for all of them).
    const due = options.force || !!options.only?.length || isDue(query.schedule, last, startedAt);
    return { query, due, nextDue: nextDue(query.schedule, last)?.toISOString() };
  });
  const toRun = plan.filter((p) => p.due);
  options.onEvent?.({ type: 'begin', total: toRun.length, dryRun: !!options.dryRun });

  const run = randomUUID();
  const outcomes: QueryOutcome[] = [];
  const notDue = plan.filter((p) => !p.due).map((p): QueryOutcome => ({ id: p.query.id, question: p.query.question, outcome: 'not-due', providers: describeProviders(p.query), nextDue: p.nextDue }));

  if (options.dryRun) {
    for (const p of toRun) outcomes.push({ id: p.query.id, question: p.query.question, outcome: 'would-run', providers: describeProviders(p.query), plan: describePlan(p.query, previous.get(p.query.id)) });
  } else {
    const factory = options.stages ? undefined : stageFactory(config, options, env);
    const makeStages = options.stages ?? factory!.make;
    const queries = pLimit(config.concurrency);
    // With several queries in flight, sessions are serialised on a worker thread so this
    // thread stays free to send the next requests; one query needs no thread.
    const writer = toRun.length > 1 ? startSessionWriter() : undefined;
    // A holder checks the lock is still its own before each write: a racing takeover can lose it.
    const write = async (contentDir: string, session: Session) => {
      await stillHeld();
      return (writer ? writer.write : writeSession)(contentDir, session);
    };
    try {
      await Promise.all(
        toRun.map((p) =>
          queries(async () => {
            const outcome = await runOne(p.query, makeStages, config, options, run, now, write, previous.get(p.query.id));
            outcomes.push(outcome);
            options.onEvent?.({ type: 'done', outcome });
          }),
        ),
      );
    } finally {
      await writer?.close();
      await factory?.close();
    }
  }
  // Report in config order, whatever order the queries finished in.
  const order = new Map(config.queries.map((q, i) => [q.id, i]));
  const all = [...outcomes, ...notDue].sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  return {
    run,
    startedAt: startedAt.toISOString(),
    finishedAt: now().toISOString(),
    outcomes: all,
    networkCalls: httpStats.calls - calls.calls,
    cacheHits: httpStats.cacheHits - calls.cacheHits,
  };
}

async function runOne(query: Query, makeStages: (q: Query) => Promise<Stages>, config: Config, options: RunOptions, run: string, now: () => Date, write: (contentDir: string, session: Session) => Promise<WriteResult>, previous?: Session): Promise<QueryOutcome> {
  const started = performance.now();
  const base = { id: query.id, question: query.question, providers: describeProviders(query) };
  options.onEvent?.({ type: 'query', id: query.id });
  let session: Session;
  try {
    const stages = await makeStages(query);
    session = await runQuery(query, stages, { now, prices: config.prices, previous, onEvent: (e) => options.onEvent?.({ ...e, id: query.id }) });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const durationMs = Math.round(performance.now() - started);
    const used = error instanceof RunFailure && error.usage.inputTokens + error.usage.outputTokens > 0 ? error.usage : undefined;
    const tokens = used ? { inputTokens: used.inputTokens, outputTokens: used.outputTokens } : {};
    await appendRunLog(options.contentDir, { run, at: now().toISOString(), query: query.id, outcome: 'failed', error: message, durationMs, ...tokens });
    return { ...base, outcome: 'failed', error: message, durationMs, ...tokens };
  }
  const { path: file } = await write(options.contentDir, session);
  const m = session.metrics ?? {};
  const relative = path.relative(options.contentDir, file);
  await appendRunLog(options.contentDir, {
    run,
    at: session.generatedAt,
    query: query.id,
    outcome: 'published',
    session: relative,
    durationMs: m.durationMs ?? Math.round(performance.now() - started),
    inputTokens: m.inputTokens,
    outputTokens: m.outputTokens,
    costUsd: m.costUsd,
  });
  return {
    ...base,
    outcome: 'published',
    session: relative,
    durationMs: m.durationMs,
    results: session.steps.reduce((n, s) => n + s.results.length, 0),
    inputTokens: m.inputTokens,
    outputTokens: m.outputTokens,
    costUsd: m.costUsd,
  };
}

function select(config: Config, only: string[] | undefined): Query[] {
  if (!only?.length) return config.queries;
  const unknown = only.filter((id) => !config.queries.some((q) => q.id === id));
  if (unknown.length) throw new ConfigError(`no query with id ${unknown.map((u) => `"${u}"`).join(', ')} in ${config.file}. Known ids: ${config.queries.map((q) => q.id).join(', ')}`);
  return config.queries.filter((q) => only.includes(q.id));
}

/** What a dry run shows for a query: the first round's sub-queries where they cost nothing to plan, the rounds and the budget. */
export function describePlan(query: Query, previous?: Session): string {
  const first = isLlmApi(query.llm) ? `${query.steps} sub-queries planned by ${query.model ?? query.llm}` : `${query.steps} sub-queries: ${planQueries(query.question, query.steps).map((q) => `“${q}”`).join(', ')}`;
  const rounds = query.depth > 1 ? `; then up to ${query.depth - 1} more round${query.depth > 2 ? 's' : ''} of ${query.breadth} follow-up${query.breadth === 1 ? '' : 's'}` : '';
  const b = query.budget;
  const reading = query.read ? `reads ${query.read} page${query.read === 1 ? '' : 's'} a step, at most ${b.maxPages}` : 'reads snippets only';
  const spend = [b.maxTokens ? `${b.maxTokens} tokens` : '', b.maxCostUsd ? `$${b.maxCostUsd}` : ''].filter(Boolean).join(', ');
  const since = previous ? `; builds on the briefing of ${previous.generatedAt.slice(0, 10)}` : '';
  return `${first}${rounds}; ${reading}${spend ? `; stops at ${spend}` : ''}${since}`;
}

/** When each query last succeeded, from the sessions in the content folder. */
export async function lastSuccesses(contentDir: string): Promise<Map<string, Date>> {
  return lastSuccessByQuery((await listSessions(contentDir)).map(({ session }) => session));
}

export function describeProviders(query: Query): string {
  return `${query.search} + ${query.llm}${query.model ? ` (${query.model})` : ''}`;
}

/**
 * Providers are made once per run and shared by every query that uses them, behind one
 * concurrency limit each (`gate`: it holds a slot only while a request is on the wire), so the
 * corpus index is built once and an API sees at most `concurrency` requests at a time from
 * this run.
 */
function stageFactory(config: Config, options: RunOptions, env: NodeJS.ProcessEnv) {
  const http: Partial<HttpOptions> = {
    ...options.http,
    cache: options.cache === false ? undefined : createResponseCache(path.join(options.contentDir, '.cache', 'http')),
  };
  // One reader per run, sharing the response cache with search: robots.txt, per-host limits and
  // pages two questions cite are fetched once.
  let reader: Reader | undefined;
  // What each model server accepted (structured-output mode, parameters), remembered across runs.
  const modes = createModeStore(modesFile(options.contentDir));
  const readerFor = () => (reader ??= createReader({ cache: http.cache }));
  const limits = new Map<string, LimitFunction>();
  const limitFor = (name: string) => limits.get(name) ?? limits.set(name, pLimit(config.concurrency)).get(name)!;
  const searches = new Map<string, Promise<SearchProvider>>();
  const llms = new Map<string, LlmProvider>();

  const make = async (query: Query): Promise<Stages> => {
    let search = searches.get(query.search);
    if (!search) {
      search = createSearchProvider(query.search, env, { contentDir: options.contentDir, http: { ...http, gate: limitFor(`search:${query.search}`) } });
      searches.set(query.search, search);
    }
    // The offline analyst is no model provider: the pipeline's rule planner and extractive analyst run.
    if (!isLlmApi(query.llm)) {
      return { search: await search, planner: rulePlanner, analyst: extractiveAnalyst, reader: query.read ? readerFor() : undefined, providers: { search: query.search, llm: 'extractive', planner: rulePlanner.name } };
    }
    const key = `${query.llm}:${query.model ?? ''}`;
    let llm = llms.get(key);
    if (!llm) {
      llm = createLlmProvider(query.llm, env, { model: query.model, http: { ...http, gate: limitFor(`llm:${query.llm}`) }, modes });
      llms.set(key, llm);
    }
    const planner = createModelPlanner(llm);
    return { search: await search, planner, analyst: createModelAnalyst(llm, { contextTokens: query.contextTokens }), reader: query.read ? readerFor() : undefined, providers: { search: query.search, llm: query.llm, model: llm.model, planner: planner.name } };
  };
  return { make, close: async () => reader?.close() };
}

export interface RunCommandOptions extends Options {
  only?: string[];
  force: boolean;
  dryRun: boolean;
  cache: boolean;
  json: boolean;
  shard?: string;
  /** `false`: `--no-notify`, no alerts. */
  notify?: boolean;
}

/** `kb run`: runs what is due, shows progress, prints the outcomes (or JSON); 1 if any query failed. */
export async function runCommand(options: RunCommandOptions, print: Print, printError: Print) {
  // With --json, stdout carries only the summary; progress goes to stderr.
  const progress = options.json ? createProgress(process.stderr, printError) : createProgress(process.stdout, print);
  // A bad --shard is refused before any work starts.
  const shard = options.shard === undefined ? undefined : parseShard(options.shard);
  const summary = await runDue({ contentDir: options.content, only: options.only, force: options.force, dryRun: options.dryRun, cache: options.cache, onEvent: progress, shard, ...(options.notify === false ? { notify: false as const } : {}) });
  // A failed alert is a warning: the briefing is published and the run log says what failed.
  for (const r of summary.notifications ?? []) if (r.outcome === 'failed') printError(`kb: ${notifyWarning(r)}`);
  if (options.json) {
    print(JSON.stringify(summary, null, 2));
  } else {
    const rows = summary.outcomes.map((o) => [o.id, o.outcome, o.outcome === 'not-due' ? `next due ${o.nextDue ? utc(o.nextDue) : 'now'}` : (o.session ?? o.error ?? ''), o.providers]);
    print(table(['query', 'outcome', 'detail', 'providers'], rows));
    for (const o of summary.outcomes) if (o.plan) print(`${o.id}: ${o.plan}`);
    const failed = summary.outcomes.filter((o) => o.outcome === 'failed').length;
    const published = summary.outcomes.filter((o) => o.outcome === 'published').length;
    // Worded so that no CI reads it as a test runner's "N passed, N failed" closing line.
    if (!options.dryRun) print(`published ${published}, failed ${failed}; network calls ${summary.networkCalls}, answers from cache ${summary.cacheHits}`);
    const alerted = [...new Set((summary.notifications ?? []).filter((r) => r.outcome === 'sent').map((r) => r.query))];
    if (alerted.length) print(`alerts sent for material changes: ${alerted.join(', ')}`);
  }
  return summary.outcomes.some((o) => o.outcome === 'failed') ? 1 : 0;
}
