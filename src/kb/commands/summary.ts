// `kb summary FILE…`: what `kb run --json` reported (one file per shard), as the Markdown table a
// CI job summary shows, or as the commit message that stores the run's new sessions.
import { readFile } from 'node:fs/promises';
import { z } from 'astro/zod';
import { UsageError, type Print } from './cli-kit.ts';

const count = z.number().int().nonnegative();

/** The part of `kb run --json`'s output the summary reads; other fields are ignored. */
export const RunSummaryFile = z.object({
  run: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  outcomes: z.array(
    z.object({
      id: z.string(),
      outcome: z.enum(['published', 'failed', 'not-due', 'would-run']),
      session: z.string().optional(),
      error: z.string().optional(),
      nextDue: z.string().optional(),
      results: count.optional(),
      inputTokens: count.optional(),
      outputTokens: count.optional(),
      costUsd: z.number().nonnegative().optional(),
    }),
  ),
  /** Alerts of material change the run sent or failed to send (absent when there were none). */
  notifications: z
    .array(
      z.object({
        query: z.string(),
        // Any channel name reads: a channel added later must not make the file unreadable.
        channel: z.string(),
        outcome: z.enum(['sent', 'failed']),
        error: z.string().optional(),
      }),
    )
    .optional(),
});
export type RunSummaryFile = z.infer<typeof RunSummaryFile>;
type Outcome = RunSummaryFile['outcomes'][number];
type Alert = NonNullable<RunSummaryFile['notifications']>[number];

const CHANNEL: Record<string, string> = { webhook: 'webhook', email: 'e-mail', github: 'GitHub issue' };
const channelName = (c: string) => CHANNEL[c] ?? c;

/** Every shard's alerts, sent and failed. */
export function alertsOf(inputs: SummaryInput[]): { sent: Alert[]; failed: Alert[] } {
  const all = inputs.flatMap((i) => i.summary?.notifications ?? []);
  return { sent: all.filter((a) => a.outcome === 'sent'), failed: all.filter((a) => a.outcome === 'failed') };
}

export interface SummaryInput {
  file: string;
  summary?: RunSummaryFile;
  /** Why the file could not be used (missing: a shard stopped before it could report). */
  problem?: string;
}

/** Reads each file; one that is missing or not a run summary is reported, not fatal. */
export async function readSummaries(files: string[]): Promise<SummaryInput[]> {
  return Promise.all(
    files.map(async (file): Promise<SummaryInput> => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return { file, problem: code === 'ENOENT' ? 'no such file: kb run stopped before it could report (see its log)' : `cannot be read (${(error as Error).message})` };
      }
      if (!text.trim()) return { file, problem: 'empty: kb run stopped before it could report (see its log)' };
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        return { file, problem: `not JSON (${(error as Error).message}); expected the output of kb run --json` };
      }
      const parsed = RunSummaryFile.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return { file, problem: `not the output of kb run --json (${issue.path.join('.') || 'top level'}: ${issue.message})` };
      }
      return { file, summary: parsed.data };
    }),
  );
}

export interface Totals {
  published: number;
  failed: number;
  notDue: number;
  results: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export function totals(outcomes: Outcome[]): Totals {
  const t: Totals = { published: 0, failed: 0, notDue: 0, results: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
  for (const o of outcomes) {
    if (o.outcome === 'published') t.published++;
    else if (o.outcome === 'failed') t.failed++;
    else if (o.outcome === 'not-due') t.notDue++;
    t.results += o.results ?? 0;
    t.inputTokens += o.inputTokens ?? 0;
    t.outputTokens += o.outputTokens ?? 0;
    t.costUsd += o.costUsd ?? 0;
  }
  return t;
}

/**
 * Text from outside (error messages carry provider answers) shown as text in a Markdown table:
 * one line, Markdown and HTML punctuation escaped, so it can neither break the table nor make a
 * link, an image or a tag.
 */
export function markdownText(text: string, max = 300): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const short = line.length > max ? `${line.slice(0, max - 1)}…` : line;
  return short.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/[\\`*_{}[\]()#+.!|~:]/g, '\\$&');
}

const number = (n: number) => n.toLocaleString('en-US');
// Model calls cost fractions of a cent: below a dollar, four decimals.
const usd = (n: number) => (n === 0 ? '$0' : n < 1 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`);
const utc = (iso: string) => (Number.isNaN(Date.parse(iso)) ? iso : new Date(iso).toISOString().slice(0, 16).replace('T', ' ') + ' UTC');
const OUTCOME: Record<Outcome['outcome'], string> = { published: '✅ published', failed: '❌ failed', 'not-due': '⏭️ not due', 'would-run': 'would run' };

/** The job summary: totals, then one row per query (failed ones first), then any unreadable file. */
export function summaryMarkdown(inputs: SummaryInput[]): string {
  const summaries = inputs.flatMap((i) => (i.summary ? [i.summary] : []));
  const outcomes = summaries.flatMap((s) => s.outcomes);
  const t = totals(outcomes);
  const started = summaries.map((s) => s.startedAt).sort()[0];
  const lines: string[] = [];
  lines.push(`## Briefings${started ? `: run of ${utc(started)}` : ''}`, '');
  if (summaries.length > 1) lines.push(`${summaries.length} shards reported.`, '');
  lines.push('| queries run | failed | skipped, not due | sources found | tokens (in / out) | cost |', '| ---: | ---: | ---: | ---: | ---: | ---: |');
  // Tokens with no price configured cost something unknown, not nothing.
  const priced = outcomes.some((o) => o.costUsd !== undefined);
  const cost = priced || t.inputTokens + t.outputTokens === 0 ? usd(t.costUsd) : '—';
  lines.push(`| ${t.published + t.failed} | ${t.failed} | ${t.notDue} | ${number(t.results)} | ${number(t.inputTokens)} / ${number(t.outputTokens)} | ${cost} |`, '');
  const rank = { failed: 0, published: 1, 'would-run': 2, 'not-due': 3 } as const;
  const rows = [...outcomes].sort((a, b) => rank[a.outcome] - rank[b.outcome]);
  if (rows.length) {
    lines.push('| query | outcome | sources | tokens (in / out) | cost | detail |', '| --- | --- | ---: | ---: | ---: | --- |');
    for (const o of rows) {
      const ran = o.outcome === 'published' || o.outcome === 'failed';
      const tokens = o.inputTokens !== undefined || o.outputTokens !== undefined ? `${number(o.inputTokens ?? 0)} / ${number(o.outputTokens ?? 0)}` : ran ? '0 / 0' : '';
      const detail = o.outcome === 'failed' ? markdownText(o.error ?? 'no reason given') : o.outcome === 'not-due' ? `next due ${o.nextDue ? utc(o.nextDue) : 'now'}` : o.session ? `\`${o.session.replace(/`/g, '')}\`` : '';
      lines.push(`| ${markdownText(o.id, 120)} | ${OUTCOME[o.outcome]} | ${o.outcome === 'published' ? number(o.results ?? 0) : ''} | ${tokens} | ${!ran ? '' : o.costUsd !== undefined ? usd(o.costUsd) : (o.inputTokens ?? 0) + (o.outputTokens ?? 0) > 0 ? '—' : '$0'} | ${detail} |`);
    }
    lines.push('');
  } else if (summaries.length) {
    lines.push('No queries are configured.', '');
  }
  const alerts = alertsOf(inputs);
  if (alerts.sent.length || alerts.failed.length) {
    const sentTo = [...new Set(alerts.sent.map((a) => a.query))];
    lines.push(`**Alerts of material change**: ${alerts.sent.length} sent${sentTo.length ? ` (${sentTo.map((q) => markdownText(q, 120)).join(', ')})` : ''}, ${alerts.failed.length} failed.`, '');
    if (alerts.failed.length) {
      lines.push('| query | alert | why it was not sent |', '| --- | --- | --- |');
      for (const a of alerts.failed) lines.push(`| ${markdownText(a.query, 120)} | ${markdownText(channelName(a.channel), 40)} | ${markdownText(a.error ?? 'no reason given')} |`);
      lines.push('', 'The briefings are published all the same; the run log records each failed alert.', '');
    }
  }
  for (const i of inputs.filter((i) => i.problem)) lines.push(`> [!WARNING]`, `> ${markdownText(i.file, 200)}: ${markdownText(i.problem!, 400)}`, '');
  return lines.join('\n');
}

/**
 * The commit message for a run's new sessions: a subject naming what ran, then one line per
 * query. Empty when no query ran (nothing worth a commit).
 */
export function commitMessage(inputs: SummaryInput[]): string {
  const outcomes = inputs.flatMap((i) => i.summary?.outcomes ?? []);
  const published = outcomes.filter((o) => o.outcome === 'published');
  const failed = outcomes.filter((o) => o.outcome === 'failed');
  if (!published.length && !failed.length) return '';
  const ids = (list: Outcome[]) => list.map((o) => o.id).join(', ');
  const parts = [`${published.length} new${published.length ? ` (${ids(published)})` : ''}`];
  if (failed.length) parts.push(`${failed.length} failed (${ids(failed)})`);
  let subject = `Briefings: ${parts.join('; ')}`;
  if (subject.length > 100) subject = `Briefings: ${published.length} new${failed.length ? `, ${failed.length} failed` : ''}`;
  const body = [
    ...published.map((o) => `published ${o.id}: ${o.session ?? ''} (${o.results ?? 0} sources)`),
    ...failed.map((o) => `failed ${o.id}: ${(o.error ?? 'no reason given').replace(/\s+/g, ' ').slice(0, 200)}`),
    ...alertLines(alertsOf(inputs)),
  ];
  return `${subject}\n\n${body.join('\n')}\n`;
}

/** The commit message's lines about alerts: a count, then each failure. */
function alertLines({ sent, failed }: { sent: Alert[]; failed: Alert[] }): string[] {
  if (!sent.length && !failed.length) return [];
  const sentTo = [...new Set(sent.map((a) => a.query))];
  return [
    '',
    `alerts: ${sent.length} sent${sentTo.length ? ` (${sentTo.join(', ')})` : ''}, ${failed.length} failed`,
    ...failed.map((a) => `alert not sent for ${a.query} (${channelName(a.channel)}): ${(a.error ?? 'no reason given').replace(/\s+/g, ' ').slice(0, 200)}`),
  ];
}

/** `kb summary FILE… [--commit]`: prints the Markdown summary, or the commit message. */
export async function summaryCommand(files: string[], commit: boolean, print: Print, printError: Print) {
  if (!files.length) throw new UsageError('kb summary needs at least one file written by kb run --json: kb summary FILE…');
  const inputs = await readSummaries(files);
  // A shard that stopped early must not hide what the others did: its file is reported, not fatal.
  for (const i of inputs) if (i.problem) printError(`kb: ${i.file}: ${i.problem}`);
  const text = commit ? commitMessage(inputs) : summaryMarkdown(inputs);
  if (text) print(text.replace(/\n$/, ''));
  return 0;
}
