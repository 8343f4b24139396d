// `kb check`: the pipeline drift check. Each offline question (corpus search, extractive analyst)
// is run again exactly as its newest session was run — the same "now", the same previous session
// as memory, the same stored sessions in the search index — and nothing is written. The corpus and
// the code are then the only things that can differ, so a different answer, key figure or set of
// sources is a change in one of them, and the session's method stamp says which:
//   - the corpus digest differs: "the corpus changed";
//   - the session's method differs from today's, or it records none: "the code changed since this
//     session was written (pipeline 1 → 2)";
//   - neither: "the code changed (same method stamp)", a change in behaviour without a version bump.
// Exit 1 on any drift, 0 when every checked question gives what its session says.
import path from 'node:path';
import { latestSuccessByQuery, type KeyFigure, type Session } from '#core/session.ts';
import { formatValue, methodChanges, unitKey } from '#core/ledger/index.ts';
import { clip, squash } from '#core/text-analysis.ts';
import { ConfigError, loadConfig, type Query } from '#kb/config/queries.ts';
import { isLlmApi } from '#kb/providers/registry.ts';
import { createCorpusSearch } from '#kb/providers/search/corpus/index.ts';
import type { SearchProvider } from '#kb/providers/types.ts';
import { runQuery, type Stages } from '#kb/pipeline/run.ts';
import { rulePlanner } from '#kb/pipeline/planners/rule.ts';
import { extractiveAnalyst } from '#kb/pipeline/analysts/extractive/index.ts';
import { createReader, type Reader } from '#kb/pipeline/read/index.ts';
import { PIPELINE_VERSION } from '#kb/pipeline/method.ts';
import { listSessions, type StoredSession } from '#kb/store/store.ts';
import { readRunHistory } from '#kb/store/runlog.ts';
import { plural, requireContentDir, type Options, type Print } from './cli-kit.ts';

export interface CheckOptions {
  contentDir: string;
  /** Check only these query ids. */
  only?: string[];
  env?: NodeJS.ProcessEnv;
  /** Test seam: the rerun's stages, from those `kb run` uses offline (to simulate a code change). */
  stages?: (query: Query, stages: Stages) => Stages;
}

/** What made a rerun differ: the corpus, the code with a method change (or none recorded), the code with the same stamp, or the question's settings. */
export type DriftCause = 'corpus' | 'code' | 'code-same-method' | 'settings';

export interface QuestionCheck {
  id: string;
  outcome: 'same' | 'changed' | 'skipped';
  /** The session checked, relative to the content folder. */
  session?: string;
  /** Skipped: why. */
  reason?: string;
  cause?: DriftCause;
  /** The cause in words. */
  attribution?: string;
  /** Each difference in a line: key figures old → new, the answer, the sources, the text. */
  differences?: string[];
}

export interface CheckReport {
  questions: QuestionCheck[];
  same: number;
  changed: number;
  skipped: number;
  /** Whether any question drifted (the exit status). */
  drift: boolean;
  durationMs: number;
}

export async function checkPipeline(options: CheckOptions): Promise<CheckReport> {
  const started = performance.now();
  const config = await loadConfig(options.contentDir, options.env ?? process.env);
  if (!config) throw new ConfigError(`${path.join(options.contentDir, 'queries.yaml')} does not exist: kb check reruns its offline questions (see docs/configuration.md).`);
  const unknown = (options.only ?? []).filter((id) => !config.queries.some((q) => q.id === id));
  if (unknown.length) throw new ConfigError(`no query with id ${unknown.map((u) => `"${u}"`).join(', ')} in ${config.file}`);
  const stored = await listSessions(options.contentDir);
  const entryOf = new Map(stored.map((s) => [s.session, s]));
  const newest = new Map([...latestSuccessByQuery(stored.map((s) => s.session))].map(([slug, session]) => [slug, entryOf.get(session)!]));
  const byId = new Map(stored.map((s) => [s.session.id, s]));
  const history = await readRunHistory(options.contentDir);

  // One index per set of stored sessions a run saw; questions of one run share it.
  const searches = new Map<string, Promise<SearchProvider>>();
  let reader: Reader | undefined;
  const questions: QuestionCheck[] = [];
  try {
    for (const query of config.queries) {
      if (options.only?.length && !options.only.includes(query.id)) continue;
      const skip = (reason: string) => questions.push({ id: query.id, outcome: 'skipped', reason });
      if (query.search !== 'corpus') {
        skip(`searches ${query.search}, not the offline corpus: only offline questions can be run again exactly`);
        continue;
      }
      if (isLlmApi(query.llm)) {
        skip(`uses the model analyst (${query.llm}${query.model ? `, ${query.model}` : ''}): only offline questions can be run again exactly`);
        continue;
      }
      const entry = newest.get(query.id);
      if (!entry) {
        skip('no session yet: nothing to compare with (kb run writes one)');
        continue;
      }
      const relative = toRelative(options.contentDir, entry.path);
      const previous = entry.session.previous ? byId.get(entry.session.previous.id) : undefined;
      if (entry.session.previous && !previous) {
        questions.push({ id: query.id, outcome: 'skipped', session: relative, reason: `its previous session ${entry.session.previous.id} is not in the content folder, so its run cannot be repeated` });
        continue;
      }
      // The stored sessions the run's search index held: those there when its run started.
      const seen = sessionsSeen(options.contentDir, entry, stored, relative, history);
      const key = seen.map((s) => s.id).sort().join(',');
      let search = searches.get(key);
      if (!search) {
        const ids = new Set(seen.map((s) => s.id));
        search = createCorpusSearch({ contentDir: options.contentDir, includeSessions: (s) => ids.has(s.id) });
        searches.set(key, search);
      }
      const base: Stages = {
        search: await search,
        planner: rulePlanner,
        analyst: extractiveAnalyst,
        reader: query.read ? (reader ??= createReader({})) : undefined,
        providers: { search: query.search, llm: 'extractive', planner: rulePlanner.name },
      };
      const stages = options.stages ? options.stages(query, base) : base;
      const session = entry.session;
      const rerun = await runQuery(query, stages, { now: () => new Date(session.generatedAt), newId: () => session.id, ...(previous ? { previous: previous.session } : {}) });
      questions.push(compare(query, session, rerun, relative));
    }
  } finally {
    await reader?.close();
  }
  const count = (o: QuestionCheck['outcome']) => questions.filter((q) => q.outcome === o).length;
  return { questions, same: count('same'), changed: count('changed'), skipped: count('skipped'), drift: count('changed') > 0, durationMs: Math.round(performance.now() - started) };
}

const toRelative = (contentDir: string, file: string) => path.relative(contentDir, file).split(path.sep).join('/');

/**
 * The sessions the run that wrote `entry` had in its search index: every other session stored
 * before the run started (runs.jsonl: the run's start, else its earliest query's), none of the
 * same run. Without a log line, before the session's own run began (`generatedAt` less its duration).
 */
function sessionsSeen(contentDir: string, entry: StoredSession, stored: StoredSession[], relative: string, history: Awaited<ReturnType<typeof readRunHistory>>): Session[] {
  const line = history.entries.find((e) => e.outcome === 'published' && e.session === relative);
  let cutoff: number;
  let sameRun = new Set<string>();
  if (line) {
    const lines = history.entries.filter((e) => e.run === line.run);
    sameRun = new Set(lines.flatMap((e) => (e.session ? [e.session] : [])));
    const record = history.runs.find((r) => r.run === line.run);
    cutoff = record ? Date.parse(record.startedAt) : Math.min(...lines.map((e) => Date.parse(e.at) - e.durationMs));
  } else {
    cutoff = Date.parse(entry.session.generatedAt) - (entry.session.metrics?.durationMs ?? 0);
  }
  return stored.filter((s) => s !== entry && Date.parse(s.session.generatedAt) < cutoff && !sameRun.has(toRelative(contentDir, s.path))).map((s) => s.session);
}

/** The rerun against the stored session: answer, key figures, sources and text; and, if they differ, why. */
export function compare(query: Pick<Query, 'id' | 'steps'>, stored: Session, rerun: Session, relative?: string): QuestionCheck {
  const differences = [...figureDifferences(stored.answer?.figures ?? [], rerun.answer?.figures ?? []), ...answerDifference(stored.answer?.text, rerun.answer?.text), ...sourceDifferences(stored, rerun)];
  if (squash(stored.summary ?? '') !== squash(rerun.summary ?? '') || squash(stored.analysis) !== squash(rerun.analysis)) differences.push(`text: the ${squash(stored.summary ?? '') !== squash(rerun.summary ?? '') ? 'summary' : 'analysis'} differs`);
  const base = { id: query.id, ...(relative ? { session: relative } : {}) };
  if (!differences.length) return { ...base, outcome: 'same' };
  return { ...base, outcome: 'changed', ...attribute(query, stored, rerun), differences };
}

function attribute(query: Pick<Query, 'steps'>, stored: Session, rerun: Session): { cause: DriftCause; attribution: string } {
  const before = stored.method;
  const now = rerun.method;
  if (before?.corpus && now?.corpus && before.corpus !== now.corpus) return { cause: 'corpus', attribution: `the corpus changed since this session was written (digest ${before.corpus} → ${now.corpus})` };
  if (!before) return { cause: 'code', attribution: `the code changed since this session was written: it records no method (an older pipeline); now pipeline ${now?.pipeline ?? PIPELINE_VERSION}` };
  const changes = methodChanges(stored, rerun);
  if (changes.length) return { cause: 'code', attribution: `the code changed since this session was written (${changes.join(', ')})` };
  const planned = stored.steps.filter((s) => s.round === 1).length;
  if (planned && planned !== query.steps) return { cause: 'settings', attribution: `the question's settings in queries.yaml changed: the session planned ${planned} sub-queries, the question now asks for ${query.steps}` };
  return { cause: 'code-same-method', attribution: `the code changed (same method stamp, pipeline ${before.pipeline}): a change in behaviour without a version bump; if it is meant, bump PIPELINE_VERSION in src/kb/pipeline/method.ts` };
}

const figureKey = (f: KeyFigure) => `${squash(f.label).toLowerCase()}\u0000${unitKey(f.unit)}\u0000${(f.asOf ?? '').toLowerCase()}`;
const figureText = (f: KeyFigure) => `${formatValue(f.value, f.unit)}${f.asOf ? ` (${f.asOf})` : ''}${f.cite !== undefined ? ` [${f.cite}]` : ''}`;

/** Key figures by label, unit and period (in order where several share them): old → new, new, or no longer given. */
export function figureDifferences(before: KeyFigure[], after: KeyFigure[]): string[] {
  const out: string[] = [];
  const old = new Map<string, KeyFigure[]>();
  for (const f of before) old.set(figureKey(f), [...(old.get(figureKey(f)) ?? []), f]);
  for (const f of after) {
    const was = old.get(figureKey(f))?.shift();
    if (!was) out.push(`figure ${f.label}: new, ${figureText(f)}`);
    else if (figureText(was) !== figureText(f)) out.push(`figure ${f.label}: ${figureText(was)} → ${figureText(f)}`);
  }
  for (const f of [...old.values()].flat()) out.push(`figure ${f.label}: no longer given (was ${figureText(f)})`);
  return out;
}

/** The answer's first difference, with a little context each side: "answer: “…was…” → “…is…”". */
export function answerDifference(before: string | undefined, after: string | undefined): string[] {
  const a = squash(before ?? '');
  const b = squash(after ?? '');
  if (a === b) return [];
  if (!a) return [`answer: none → “${clip(b, 160)}”`];
  if (!b) return [`answer: “${clip(a, 160)}” → none`];
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  const from = Math.max(0, start - 40);
  const part = (s: string) => `${from > 0 ? '…' : ''}${clip(s.slice(from, s.length - end + Math.min(end, 40)), 160)}${end > 40 ? '…' : ''}`;
  return [`answer: “${part(a)}” → “${part(b)}”`];
}

function sourceDifferences(stored: Session, rerun: Session): string[] {
  const urls = (s: Session) => new Set(s.steps.flatMap((step) => step.results.map((r) => r.url ?? `title:${r.title}`)));
  const a = urls(stored);
  const b = urls(rerun);
  const added = [...b].filter((u) => !a.has(u));
  const removed = [...a].filter((u) => !b.has(u));
  const list = (xs: string[]) => `${xs.slice(0, 3).join(', ')}${xs.length > 3 ? `, and ${xs.length - 3} more` : ''}`;
  return [...(added.length ? [`sources: ${plural(added.length, 'new source')}: ${list(added)}`] : []), ...(removed.length ? [`sources: ${plural(removed.length, 'source')} no longer found: ${list(removed)}`] : [])];
}

export interface CheckCommandOptions extends Options {
  only?: string[];
  json: boolean;
}

/** `kb check`: reruns the offline questions and compares; prints a line per question (or JSON); 1 on any drift. */
export async function checkCommand(options: CheckCommandOptions, print: Print): Promise<number> {
  await requireContentDir(options.content);
  const report = await checkPipeline({ contentDir: options.content, only: options.only });
  if (options.json) {
    print(JSON.stringify(report, null, 2));
  } else {
    for (const q of report.questions) {
      if (q.outcome === 'skipped') print(`${q.id}: skipped, ${q.reason}`);
      else if (q.outcome === 'same') print(`${q.id}: same as ${q.session}`);
      else {
        print(`${q.id}: CHANGED from ${q.session}: ${q.attribution}`);
        for (const d of q.differences ?? []) print(`  ${d}`);
      }
    }
    // Worded so that no CI reads it as a test runner's "N passed, N failed" closing line.
    print(`checked ${report.questions.length} question${report.questions.length === 1 ? "" : "s"} in ${(report.durationMs / 1000).toFixed(1)} s (pipeline ${PIPELINE_VERSION}): the same ${report.same}, changed ${report.changed}, skipped ${report.skipped}`);
  }
  return report.drift ? 1 : 0;
}
