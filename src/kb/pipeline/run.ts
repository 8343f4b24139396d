// One research run per query: plan → search → analyse → Session → file. Runs many queries at
// once within per-provider concurrency limits; a query that fails is logged, never published.
import { randomUUID } from 'node:crypto';
import type { Query } from '#kb/config/queries.ts';
import { deriveStatus, type Session, type Step } from '#core/session.ts';
import type { SearchProvider, Usage } from '#kb/providers/types.ts';
import { checkCitations } from '#core/citations.ts';
import { groundDraft } from './verify.ts';
import type { Analyst, Planner } from './types.ts';

export interface Stages {
  planner: Planner;
  search: SearchProvider;
  analyst: Analyst;
  /** Recorded in the session. */
  providers: Session['providers'];
}

export type RunEvent =
  | { type: 'plan'; query: Query; subQueries: string[] }
  | { type: 'search'; query: Query; step: number; of: number; results: number; error?: string };

export interface RunQueryOptions {
  now?: () => Date;
  newId?: () => string;
  prices?: Record<string, { input: number; output: number }>;
  onEvent?: (event: RunEvent) => void;
  signal?: AbortSignal;
}

/** Runs one query through the pipeline and returns its session (not yet stored). */
export async function runQuery(query: Query, stages: Stages, options: RunQueryOptions = {}): Promise<Session> {
  const now = options.now ?? (() => new Date());
  const started = performance.now();
  const usage: Usage = { inputTokens: 0, outputTokens: 0 };
  const addUsage = (u?: Usage) => {
    usage.inputTokens += u?.inputTokens ?? 0;
    usage.outputTokens += u?.outputTokens ?? 0;
  };

  // A model may have been paid for before a stage failed: the failure carries those tokens.
  const failed = (error: unknown): never => {
    addUsage((error as { usage?: Usage }).usage);
    throw new RunFailure(error instanceof Error ? error.message : String(error), { ...usage }, error);
  };
  const plan = await stages.planner.plan(query.question, query.steps, options.signal).catch(failed);
  addUsage(plan.usage);
  options.onEvent?.({ type: 'plan', query, subQueries: plan.queries });

  const searched = await Promise.all(
    plan.queries.map(async (subQuery, i): Promise<Step> => {
      const step: Step = { id: `step_${i}`, query: subQuery, results: [] };
      try {
        step.results = await stages.search.search(subQuery, { maxResults: query.maxResults, signal: options.signal });
      } catch (error) {
        step.error = error instanceof Error ? error.message : String(error);
      }
      options.onEvent?.({ type: 'search', query, step: i + 1, of: plan.queries.length, results: step.results.length, error: step.error });
      return step;
    }),
  );
  if (searched.every((s) => s.error)) failed(new Error(`every search failed; first error: ${searched[0]?.error ?? 'no steps planned'}`));
  const { steps, duplicatesRemoved } = dropDuplicateUrls(searched);

  const analysis = await stages.analyst.analyse(query.question, steps, options.signal).catch(failed);
  addUsage(analysis.usage);
  const resultCount = steps.reduce((n, s) => n + s.results.length, 0);
  const summary = checkCitations(analysis.summary, resultCount);
  const body = checkCitations(analysis.analysis, resultCount);
  const model = stages.providers?.model;
  // Grounding (issue 8): check the text against the results; with `verify`, a second model pass
  // revises or drops unsupported claims, and `grounding.verify` records what it changed.
  const grounded = await groundDraft({ question: query.question, steps, draft: { summary: summary.text, analysis: body.text }, verify: query.verify === true, analyst: stages.analyst, model, signal: options.signal });
  addUsage(grounded.usage);

  const price = model ? options.prices?.[model] : undefined;
  const tokens = usage.inputTokens + usage.outputTokens > 0;
  const session: Session = {
    id: (options.newId ?? randomUUID)(),
    query: query.question,
    querySlug: query.id,
    generatedAt: now().toISOString(),
    summary: grounded.summary,
    analysis: grounded.analysis,
    tags: query.tags,
    steps,
    status: deriveStatus(steps),
    providers: stages.providers,
    provenance: { format: 'pipeline' },
    metrics: {
      durationMs: Math.round(performance.now() - started),
      ...(tokens ? { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens } : {}),
      ...(tokens && price ? { costUsd: round6((usage.inputTokens * price.input + usage.outputTokens * price.output) / 1e6) } : {}),
      // A model analyst has already removed its dangling references and counted them; the
      // check here is the backstop for any analyst, and finds nothing more in that case.
      citations: { resolved: summary.resolved + body.resolved, removed: (analysis.citations?.removed ?? 0) + summary.removed + body.removed },
      duplicatesRemoved,
    },
    grounding: grounded.grounding,
  };
  return session;
}

/** A run that published nothing, with the tokens it used before it failed. */
export class RunFailure extends Error {
  readonly usage: Usage;
  constructor(message: string, usage: Usage, cause?: unknown) {
    super(message, { cause });
    this.name = 'RunFailure';
    this.usage = usage;
  }
}

const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

/** A result an earlier step already found (same url) is dropped from later ones, so sources count once. */
export function dropDuplicateUrls(steps: Step[]): { steps: Step[]; duplicatesRemoved: number } {
  const seen = new Set<string>();
  let duplicatesRemoved = 0;
  const deduped = steps.map((step) => {
    const results = step.results.filter((r) => {
      // A result without a url (a corpus note) is the same result when its words are the same.
      const key = r.url ? normaliseUrl(r.url) : `text:${r.source ?? ''}\n${r.title}\n${r.snippet ?? ''}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const dropped = step.results.length - results.length;
    if (!dropped) return step;
    duplicatesRemoved += dropped;
    // Say so, or an emptied step would read as a search that found nothing.
    const note = results.length
      ? `${dropped} result${dropped === 1 ? '' : 's'} already found by an earlier step ${dropped === 1 ? 'was' : 'were'} left out here.`
      : `All ${dropped} result${dropped === 1 ? '' : 's'} of this step had already been found by an earlier step, so none ${dropped === 1 ? 'is' : 'are'} repeated here.`;
    return { ...step, results, note: step.note ? `${step.note} ${note}` : note };
  });
  return { steps: deduped, duplicatesRemoved };
}

function normaliseUrl(url: string): string {
  try {
    const u = new URL(url);
    u.hash = '';
    return `${u.host.toLowerCase().replace(/^www\./, '')}${u.pathname.replace(/\/+$/, '')}${u.search}`;
  } catch {
    return url.trim();
  }
}
