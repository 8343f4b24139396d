// content/runs.jsonl: one line per query a run attempted — published or failed, when, how long,
// tokens and cost — and, after them, one line for the run as a whole (`"kind":"run"`, with the
// alerts of material change it sent or failed to send). Append-only,
// like the sessions: history is never rewritten. Logs written before run lines existed hold only
// query lines, and still read: a run is then pieced together from its query lines.
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'astro/zod';

export const RunLogEntry = z.strictObject({
  run: z.string(),
  at: z.iso.datetime({ offset: true }),
  query: z.string(),
  outcome: z.enum(['published', 'failed']),
  /** The session file, relative to the content folder, when published. */
  session: z.string().optional(),
  error: z.string().optional(),
  durationMs: z.number().nonnegative(),
  inputTokens: z.number().int().nonnegative().optional(),
  outputTokens: z.number().int().nonnegative().optional(),
  costUsd: z.number().nonnegative().optional(),
});
export type RunLogEntry = z.infer<typeof RunLogEntry>;

const tokens = z.number().int().nonnegative();

/** An alert of material change the run sent, or failed to send (the error names the host, never a secret); `github` is an issue per question. */
export const NotificationRecord = z.strictObject({
  query: z.string(),
  channel: z.enum(['webhook', 'email', 'github']),
  outcome: z.enum(['sent', 'failed']),
  error: z.string().optional(),
});
export type NotificationRecord = z.infer<typeof NotificationRecord>;

/** One line per `kb run` (not dry runs), written when the run ends, whatever its outcome. */
export const RunRecord = z.strictObject({
  kind: z.literal('run'),
  run: z.string(),
  startedAt: z.iso.datetime({ offset: true }),
  finishedAt: z.iso.datetime({ offset: true }),
  /** `failed`: at least one query failed; `ok`: every query that ran published; `idle`: none was due. */
  outcome: z.enum(['ok', 'failed', 'idle']),
  durationMs: z.number().nonnegative(),
  /** Query ids, in config order. */
  published: z.array(z.string()),
  failed: z.array(z.string()),
  /** Selected queries skipped because they were not due. */
  notDue: z.number().int().nonnegative(),
  /** Search results kept across the published sessions. */
  results: z.number().int().nonnegative().optional(),
  inputTokens: tokens.optional(),
  outputTokens: tokens.optional(),
  costUsd: z.number().nonnegative().optional(),
  /** `i/n` when the run was one shard of a fanned-out run. */
  shard: z.string().regex(/^\d+\/\d+$/).optional(),
  /** Every selected query ran, due or not (`kb run --force`). */
  forced: z.boolean().optional(),
  /** The CI run that ran it (its web page), so the status page can link to the log. */
  ci: z.url({ protocol: /^https$/ }).optional(),
  /** Alerts for questions whose answer changed materially, sent or failed; absent when none was due (and on older lines). */
  notifications: z.array(NotificationRecord).optional(),
});
export type RunRecord = z.infer<typeof RunRecord>;

/** The schema for one parsed line: run lines say `"kind":"run"`; every other line is a query line. */
export function runLogLineSchema(json: unknown): typeof RunRecord | typeof RunLogEntry {
  return json !== null && typeof json === 'object' && (json as { kind?: unknown }).kind === 'run' ? RunRecord : RunLogEntry;
}

export const runLogPath = (contentDir: string) => path.join(contentDir, 'runs.jsonl');

/** One line per write: O_APPEND keeps concurrent appends of one short line whole. */
export async function appendRunLog(contentDir: string, entry: RunLogEntry): Promise<void> {
  await mkdir(contentDir, { recursive: true });
  const file = runLogPath(contentDir);
  // A run killed mid-write can leave a last line without its newline; start on a fresh line.
  const lead = (await endsWithNewline(file)) ? '' : '\n';
  await appendFile(file, lead + JSON.stringify(RunLogEntry.parse(entry)) + '\n', { flag: 'a' });
}

async function endsWithNewline(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return true; // no file yet
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
    return buffer[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

/** Appends the run's own line; its query lines were appended as each query ended. */
export async function appendRunRecord(contentDir: string, record: RunRecord): Promise<void> {
  await appendRunLogLines(contentDir, [JSON.stringify(RunRecord.parse(record))]);
}

/** Appends lines that are already serialised records (a shard's, when merging). */
export async function appendRunLogLines(contentDir: string, lines: string[]): Promise<void> {
  if (!lines.length) return;
  await mkdir(contentDir, { recursive: true });
  const file = runLogPath(contentDir);
  const lead = (await endsWithNewline(file)) ? '' : '\n';
  await appendFile(file, lead + lines.map((l) => l + '\n').join(''), { flag: 'a' });
}

export interface RunLogLine {
  /** 1-based line number. */
  number: number;
  text: string;
  record?: RunLogEntry | RunRecord;
  valid: boolean;
  /** Not JSON, and the file's last line or cut short: a run killed while writing it. */
  partial: boolean;
  /** Why a line is not valid: JSON's parse message, or the schema's issues with the value read. */
  jsonError?: string;
  issues?: z.core.$ZodIssue[];
  json?: unknown;
}

/** Every non-blank line of the log with what it holds; no log is no lines. */
export async function readRunLogLines(contentDir: string): Promise<RunLogLine[]> {
  let text: string;
  try {
    text = await readFile(runLogPath(contentDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines = text.split('\n');
  const lastIndex = text.endsWith('\n') ? -1 : lines.length - 1;
  const out: RunLogLine[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      const cutShort = /end of JSON input|Unterminated/i.test((error as Error).message);
      out.push({ number: i + 1, text: line, valid: false, partial: i === lastIndex || (cutShort && line.startsWith('{')), jsonError: (error as Error).message });
      return;
    }
    const parsed = runLogLineSchema(json).safeParse(json);
    if (parsed.success) out.push({ number: i + 1, text: line, record: parsed.data, valid: true, partial: false });
    else out.push({ number: i + 1, text: line, valid: false, partial: false, issues: parsed.error.issues, json });
  });
  return out;
}

/** Every query entry, oldest first. A line cut short by a crash is skipped, not fatal. */
export async function readRunLog(contentDir: string): Promise<RunLogEntry[]> {
  return (await readRunHistory(contentDir)).entries;
}

/** The query entries and the run records, each oldest first; lines that are neither are skipped. */
export async function readRunHistory(contentDir: string): Promise<{ entries: RunLogEntry[]; runs: RunRecord[] }> {
  const entries: RunLogEntry[] = [];
  const runs: RunRecord[] = [];
  for (const { record } of await readRunLogLines(contentDir)) {
    if (!record) continue; // a partial last line from a killed run: the next run appends after it
    if ('kind' in record) runs.push(record);
    else entries.push(record);
  }
  return { entries, runs };
}

/** The run's own line, from what the runner reports. */
export function runRecordOf(
  summary: { run: string; startedAt: string; finishedAt: string; outcomes: { id: string; outcome: string; results?: number; inputTokens?: number; outputTokens?: number; costUsd?: number }[] },
  extra: { shard?: string; forced?: boolean; env?: NodeJS.ProcessEnv; notifications?: NotificationRecord[] } = {},
): RunRecord {
  const ran = summary.outcomes.filter((o) => o.outcome === 'published' || o.outcome === 'failed');
  const published = ran.filter((o) => o.outcome === 'published').map((o) => o.id);
  const failed = ran.filter((o) => o.outcome === 'failed').map((o) => o.id);
  const sum = (pick: (o: (typeof ran)[number]) => number | undefined) => {
    const values = ran.map(pick).filter((v): v is number => v !== undefined);
    return values.length ? values.reduce((a, b) => a + b, 0) : undefined;
  };
  const cost = sum((o) => o.costUsd);
  return {
    kind: 'run',
    run: summary.run,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    outcome: failed.length ? 'failed' : published.length ? 'ok' : 'idle',
    durationMs: Math.max(0, Date.parse(summary.finishedAt) - Date.parse(summary.startedAt)),
    published,
    failed,
    notDue: summary.outcomes.filter((o) => o.outcome === 'not-due').length,
    results: sum((o) => o.results),
    inputTokens: sum((o) => o.inputTokens),
    outputTokens: sum((o) => o.outputTokens),
    // Sums of float prices drift in the last digits; a millionth of a dollar is plenty.
    costUsd: cost === undefined ? undefined : Math.round(cost * 1e6) / 1e6,
    ...(extra.shard ? { shard: extra.shard } : {}),
    ...(extra.forced ? { forced: true } : {}),
    ...(ciUrl(extra.env) ? { ci: ciUrl(extra.env) } : {}),
    ...(extra.notifications?.length ? { notifications: extra.notifications } : {}),
  };
}

/** The GitHub Actions run's page, from the variables every Actions job has. */
function ciUrl(env: NodeJS.ProcessEnv | undefined): string | undefined {
  const server = env?.GITHUB_SERVER_URL;
  const repo = env?.GITHUB_REPOSITORY;
  const id = env?.GITHUB_RUN_ID;
  if (!server?.startsWith('https://') || !repo || !/^[\w.-]+\/[\w.-]+$/.test(repo) || !id || !/^\d+$/.test(id)) return undefined;
  try {
    return new URL(`${server.replace(/\/+$/, '')}/${repo}/actions/runs/${id}`).href;
  } catch {
    return undefined;
  }
}
