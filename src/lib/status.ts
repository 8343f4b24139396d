// The status page's data: the last run, recent runs and failures from content/runs.jsonl, and when
// each configured question is next due. Plain functions over plain data (no Astro imports), so
// the shaping is tested directly; the page only lays it out.
import { ConfigError, loadConfig, nextDue, type Query } from '#kb/config/queries.ts';
import { readRunHistory, type RunLogEntry, type RunRecord } from '#kb/store/runlog.ts';

export interface RunView {
  /** The run id, or the first of the shards' ids for a fanned-out CI run. */
  run: string;
  startedAt: string;
  finishedAt: string;
  outcome: RunRecord['outcome'];
  /** Undefined when the log predates run lines and only the query lines tell of the run. */
  durationMs?: number;
  published: string[];
  failed: string[];
  notDue?: number;
  results?: number;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  /** How many shards reported, for a fanned-out run. */
  shards?: number;
  forced?: boolean;
  /** The CI run's page. */
  ci?: string;
  /** Alerts of material change it sent and failed to send; undefined when it had none to send. */
  alerts?: { sent: number; failed: number };
}

export interface AlertFailureView {
  /** When the run that tried it finished. */
  at: string;
  query: string;
  /** The configured question, when the query is still configured. */
  question?: string;
  /** `webhook`, `email`, `github`. */
  channel: string;
  /** Our own words (the host, never a secret), shown as text all the same. */
  error: string;
}

export interface FailureView {
  at: string;
  query: string;
  /** The configured question, when the query is still configured. */
  question?: string;
  /** Untrusted (it may quote a provider's answer): shown as text. */
  error: string;
}

export interface DueView {
  id: string;
  question: string;
  schedule: string;
  /** The newest session's time; undefined when the question has none yet. */
  lastSuccess?: string;
  /** Undefined: due now (never succeeded). */
  nextDue?: string;
  dueNow: boolean;
  /** The question's latest attempt failed after its last session (it will be retried). */
  lastFailure?: string;
}

/** What the runs that started in one month (UTC) used and cost. */
export interface MonthView {
  /** `2026-11` */
  month: string;
  runs: number;
  inputTokens?: number;
  outputTokens?: number;
  /** The sum of the runs' costs; undefined when none of them recorded one. */
  costUsd?: number;
  /** Runs that used model tokens but recorded no cost: their model had no price. */
  unpriced: number;
}

export interface Status {
  lastRun?: RunView;
  /** Newest first, the last run included. */
  recentRuns: RunView[];
  /** Newest first: the build's month, then each earlier month that had runs (12 at most); none before the first run. */
  months: MonthView[];
  /** Newest first. */
  failures: FailureView[];
  /** Alerts that could not be sent, newest first. */
  alertFailures: AlertFailureView[];
  /** Soonest first; due-now questions lead. */
  due: DueView[];
  /** queries.yaml could not be read: the due list is empty and this says why. */
  configProblem?: string;
}

export interface StatusInput {
  runs: RunRecord[];
  entries: RunLogEntry[];
  queries: Query[] | undefined;
  /** The newest session of each question (by query id), failed sessions aside. */
  lastSuccess: Map<string, Date>;
  now: Date;
  configProblem?: string;
  limits?: { runs?: number; failures?: number; alertFailures?: number };
}

const newestFirst = <T>(list: T[], time: (item: T) => string) => [...list].sort((a, b) => Date.parse(time(b)) - Date.parse(time(a)));

export function shapeStatus(input: StatusInput): Status {
  const runs = runViews(input.runs, input.entries);
  const question = new Map((input.queries ?? []).map((q) => [q.id, q.question]));
  const failures = newestFirst(
    input.entries.filter((e) => e.outcome === 'failed'),
    (e) => e.at,
  )
    .slice(0, input.limits?.failures ?? 20)
    .map((e): FailureView => ({ at: e.at, query: e.query, question: question.get(e.query), error: e.error?.trim() || 'no reason was recorded' }));

  // A question's latest attempt, to say "failed, will be retried" beside its next due time.
  const latestAttempt = new Map<string, RunLogEntry>();
  for (const e of input.entries) {
    const seen = latestAttempt.get(e.query);
    if (!seen || Date.parse(e.at) >= Date.parse(seen.at)) latestAttempt.set(e.query, e);
  }
  const order = new Map((input.queries ?? []).map((q, i) => [q.id, i]));
  const due = (input.queries ?? [])
    .map((q): DueView => {
      const last = input.lastSuccess.get(q.id);
      const next = nextDue(q.schedule, last);
      const attempt = latestAttempt.get(q.id);
      const failedSince = attempt?.outcome === 'failed' && (!last || Date.parse(attempt.at) > last.getTime());
      return {
        id: q.id,
        question: q.question,
        schedule: q.schedule,
        lastSuccess: last?.toISOString(),
        nextDue: next?.toISOString(),
        dueNow: !next || next.getTime() <= input.now.getTime(),
        ...(failedSince ? { lastFailure: attempt.at } : {}),
      };
    })
    .sort((a, b) => (a.dueNow === b.dueNow ? 0 : a.dueNow ? -1 : 1) || (a.dueNow ? 0 : Date.parse(a.nextDue!) - Date.parse(b.nextDue!)) || order.get(a.id)! - order.get(b.id)!);

  const alertFailures = newestFirst(
    input.runs.flatMap((r) => (r.notifications ?? []).filter((n) => n.outcome === 'failed').map((n) => ({ r, n }))),
    ({ r }) => r.finishedAt,
  )
    .slice(0, input.limits?.alertFailures ?? 20)
    .map(({ r, n }): AlertFailureView => ({ at: r.finishedAt, query: n.query, question: question.get(n.query), channel: n.channel, error: n.error?.trim() || 'no reason was recorded' }));

  const recentRuns = runs.slice(0, input.limits?.runs ?? 10);
  return { lastRun: recentRuns[0], recentRuns, months: monthViews(runs, input.now), failures, alertFailures, due, ...(input.configProblem ? { configProblem: input.configProblem } : {}) };
}

/**
 * Each month's runs summed, newest first, over every run in the log (not only the recent ones). The
 * build's month comes first even with no run yet, so "this month" always has an answer once
 * anything has run.
 */
export function monthViews(runs: RunView[], now: Date, limit = 12): MonthView[] {
  if (!runs.length) return [];
  const byMonth = new Map<string, RunView[]>([[now.toISOString().slice(0, 7), []]]);
  for (const run of runs) {
    const month = new Date(run.startedAt).toISOString().slice(0, 7);
    byMonth.set(month, [...(byMonth.get(month) ?? []), run]);
  }
  return [...byMonth]
    .sort(([a], [b]) => b.localeCompare(a))
    .slice(0, limit)
    .map(([month, list]) => {
      const { inputTokens, outputTokens, costUsd } = sums(list);
      const unpriced = list.filter((r) => (r.inputTokens ?? 0) + (r.outputTokens ?? 0) > 0 && r.costUsd === undefined).length;
      return { month, runs: list.length, inputTokens, outputTokens, costUsd: costUsd === undefined ? undefined : Math.round(costUsd * 1e6) / 1e6, unpriced };
    });
}

/**
 * One view per run, newest first. Shards of one CI run (same `ci` page) are one run. A run with
 * query lines but no run line (logs written before run lines existed, or a run killed before its
 * last line) is pieced together from its query lines.
 */
export function runViews(records: RunRecord[], entries: RunLogEntry[]): RunView[] {
  const views: RunView[] = [];
  const byCi = new Map<string, RunView>();
  for (const r of records) {
    const view = fromRecord(r);
    const group = r.ci ? byCi.get(r.ci) : undefined;
    if (group) mergeInto(group, view);
    else {
      views.push(view);
      if (r.ci) byCi.set(r.ci, view);
    }
  }
  const recorded = new Set(records.map((r) => r.run));
  const pieces = new Map<string, RunLogEntry[]>();
  for (const e of entries) if (!recorded.has(e.run)) pieces.set(e.run, [...(pieces.get(e.run) ?? []), e]);
  for (const [run, list] of pieces) {
    const times = list.map((e) => e.at).sort((a, b) => Date.parse(a) - Date.parse(b));
    const published = list.filter((e) => e.outcome === 'published').map((e) => e.query);
    const failed = list.filter((e) => e.outcome === 'failed').map((e) => e.query);
    views.push({
      run,
      startedAt: times[0]!,
      finishedAt: times.at(-1)!,
      outcome: failed.length ? 'failed' : 'ok',
      published,
      failed,
      ...sums(list),
    });
  }
  return newestFirst(views, (v) => v.startedAt);
}

function fromRecord(r: RunRecord): RunView {
  return {
    run: r.run,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    outcome: r.outcome,
    durationMs: r.durationMs,
    published: [...r.published],
    failed: [...r.failed],
    notDue: r.notDue,
    results: r.results,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    costUsd: r.costUsd,
    ...(r.shard ? { shards: 1 } : {}),
    ...(r.forced ? { forced: true } : {}),
    ...(r.ci ? { ci: r.ci } : {}),
    ...(r.notifications?.length ? { alerts: { sent: r.notifications.filter((n) => n.outcome === 'sent').length, failed: r.notifications.filter((n) => n.outcome === 'failed').length } } : {}),
  };
}

function mergeInto(group: RunView, shard: RunView) {
  const add = (a: number | undefined, b: number | undefined) => (a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0));
  if (Date.parse(shard.startedAt) < Date.parse(group.startedAt)) group.startedAt = shard.startedAt;
  if (Date.parse(shard.finishedAt) > Date.parse(group.finishedAt)) group.finishedAt = shard.finishedAt;
  // Shards run side by side: the run took as long as its slowest shard.
  group.durationMs = Math.max(group.durationMs ?? 0, shard.durationMs ?? 0);
  group.published.push(...shard.published);
  group.failed.push(...shard.failed);
  group.notDue = add(group.notDue, shard.notDue);
  group.results = add(group.results, shard.results);
  group.inputTokens = add(group.inputTokens, shard.inputTokens);
  group.outputTokens = add(group.outputTokens, shard.outputTokens);
  group.costUsd = add(group.costUsd, shard.costUsd);
  group.shards = (group.shards ?? 1) + 1;
  if (shard.alerts) group.alerts = { sent: (group.alerts?.sent ?? 0) + shard.alerts.sent, failed: (group.alerts?.failed ?? 0) + shard.alerts.failed };
  group.outcome = group.failed.length ? 'failed' : group.published.length ? 'ok' : 'idle';
}

function sums<T extends Pick<RunView, 'inputTokens' | 'outputTokens' | 'costUsd'>>(list: T[]): Pick<RunView, 'inputTokens' | 'outputTokens' | 'costUsd'> {
  const total = (pick: (e: T) => number | undefined) => {
    const values = list.map(pick).filter((v): v is number => v !== undefined);
    return values.length ? values.reduce((a, b) => a + b, 0) : undefined;
  };
  return { inputTokens: total((e) => e.inputTokens), outputTokens: total((e) => e.outputTokens), costUsd: total((e) => e.costUsd) };
}

/** Reads the run log and queries.yaml of a content folder; a broken queries.yaml is reported, not thrown. */
export async function loadStatus(contentDir: string, lastSuccess: Map<string, Date>, now: Date, env: NodeJS.ProcessEnv = process.env): Promise<Status> {
  const { runs, entries } = await readRunHistory(contentDir);
  let queries: Query[] | undefined;
  let configProblem: string | undefined;
  try {
    queries = (await loadConfig(contentDir, env))?.queries;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    configProblem = error.message;
  }
  return shapeStatus({ runs, entries, queries, lastSuccess, now, configProblem });
}

/** `1.4 s`, `3 min 05 s`, `1 h 02 min` */
export function formatDuration(ms: number | undefined): string | undefined {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return undefined;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.round(s - m * 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** `$0.0123` below a dollar (model calls cost fractions of a cent), `$1.23` above; undefined when nothing was priced. */
export function formatCost(usd: number | undefined): string | undefined {
  if (usd === undefined) return undefined;
  return usd === 0 ? '$0' : usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** `November 2026` for `2026-11`. */
export function formatMonth(month: string): string {
  return new Date(`${month}-01T00:00:00Z`).toLocaleString('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** A channel's name for people. */
export function channelName(channel: string): string {
  return ({ webhook: 'webhook', email: 'e-mail', github: 'GitHub issue' } as Record<string, string>)[channel] ?? channel;
}

/** `2 sent, 1 failed`; undefined for a run with no alert to send. */
export function describeAlerts(run: Pick<RunView, 'alerts'>): string | undefined {
  if (!run.alerts) return undefined;
  return `${run.alerts.sent} sent${run.alerts.failed ? `, ${run.alerts.failed} failed` : ''}`;
}

/** What a run's outcome means, in words. */
export function describeOutcome(run: RunView): string {
  const ran = run.published.length + run.failed.length;
  if (run.outcome === 'idle') return 'Nothing was due';
  if (run.outcome === 'failed') return `Failed: ${run.failed.length} of ${ran} ${ran === 1 ? 'query' : 'queries'}`;
  return `Succeeded: ${ran} ${ran === 1 ? 'query' : 'queries'} published`;
}
