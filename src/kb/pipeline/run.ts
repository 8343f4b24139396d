// One research run per query: plan → research rounds (search, read, follow up) → analyse → ground → Session. Runs many queries at
// once within per-provider concurrency limits; a query that fails is logged, never published.
import { randomUUID } from 'node:crypto';
import { priceFor, type Prices, type Query } from '#kb/config/queries.ts';
import { deriveStatus, SCHEMA_VERSION, type Answer, type Metrics, type Session, type Step } from '#core/session.ts';
import type { SearchProvider, Usage } from '#kb/providers/types.ts';
import type { Reader } from './read/index.ts';
import { research, resultKey } from './research.ts';
import { checkCitations } from '#core/citations.ts';
import { groundDraft } from './verify.ts';
import { compareSessions } from '#core/ledger/index.ts';
import type { Analyst, Planner } from './types.ts';
import { methodOf } from './method.ts';

export interface Stages {
  planner: Planner;
  search: SearchProvider;
  analyst: Analyst;
  /** Opens and reads the best results' pages; absent, the run works from the snippets alone. */
  reader?: Reader;
  /** Recorded in the session. */
  providers: Session['providers'];
}

export type RunEvent =
  | { type: 'plan'; query: Query; subQueries: string[] }
  | { type: 'search'; query: Query; step: number; of: number; results: number; error?: string };

export interface RunQueryOptions {
  now?: () => Date;
  newId?: () => string;
  /** USD per million tokens by model name (the config's: built-in defaults with the file's prices over them). */
  prices?: Prices;
  /** The question's latest session: the new run looks for what changed since, and says what is new. */
  previous?: Session;
  onEvent?: (event: RunEvent) => void;
  signal?: AbortSignal;
}

/** Runs one query through the pipeline and returns its session (not yet stored). */
export async function runQuery(query: Query, stages: Stages, options: RunQueryOptions = {}): Promise<Session> {
  const now = options.now ?? (() => new Date());
  const started = performance.now();
  const usage: Usage = { inputTokens: 0, outputTokens: 0 };
  // Each stage's tokens are kept apart as well as summed, so a session says where they went.
  const byStage: NonNullable<Metrics['stages']> = {};
  const addUsage = (stage: keyof typeof byStage | undefined, u?: Usage) => {
    usage.inputTokens += u?.inputTokens ?? 0;
    usage.outputTokens += u?.outputTokens ?? 0;
    if (!stage || !u || u.inputTokens + u.outputTokens === 0) return;
    const seen = (byStage[stage] ??= { inputTokens: 0, outputTokens: 0 });
    seen.inputTokens += u.inputTokens;
    seen.outputTokens += u.outputTokens;
  };
  const model = stages.providers?.model;
  const price = priceFor(model, options.prices);
  const costOf = (u: Usage) => (price ? round6((u.inputTokens * price.input + u.outputTokens * price.output) / 1e6) : undefined);

  // A model may have been paid for before a stage failed: the failure carries those tokens.
  const failed = (error: unknown): never => {
    addUsage(undefined, (error as { usage?: Usage }).usage);
    throw new RunFailure(error instanceof Error ? error.message : String(error), { ...usage }, error);
  };
  const plan = await stages.planner.plan(query.question, query.steps, options.signal).catch(failed);
  addUsage('plan', plan.usage);
  options.onEvent?.({ type: 'plan', query, subQueries: plan.queries });

  const previous = options.previous ? { generatedAt: options.previous.generatedAt } : undefined;
  const found = await research(
    {
      question: query.question,
      planned: plan.queries.map((q, i) => ({ query: q, reason: i === 0 ? 'the question, in search words' : 'an angle of the question' })),
      maxResults: query.maxResults,
      read: query.read,
      depth: query.depth,
      breadth: query.breadth,
      budget: query.budget,
      previous,
    },
    stages,
    {
      spent: () => ({ tokens: usage.inputTokens + usage.outputTokens, costUsd: costOf(usage) }),
      addUsage: (u) => addUsage('followUps', u),
      onSearch: (step, i, of) => options.onEvent?.({ type: 'search', query, step: i + 1, of, results: step.results.length, error: step.error }),
      signal: options.signal,
    },
  ).catch(failed);
  const { steps, duplicatesRemoved } = found;

  const analysis = await stages.analyst.analyse(query.question, steps, options.signal).catch(failed);
  addUsage('analyse', analysis.usage);
  const resultCount = steps.reduce((n, s) => n + s.results.length, 0);
  const summary = checkCitations(analysis.summary, resultCount);
  const sinceLast = options.previous ? newSince(options.previous, steps) : undefined;
  const body = checkCitations(analysis.analysis + (sinceLast?.markdown ?? ''), resultCount);
  const answer = analysis.answer ? checkAnswer(analysis.answer, resultCount) : undefined;
  // Grounding (issue 8): check the text against the results; with `verify`, a second model pass
  // revises or drops unsupported claims, and `grounding.verify` records what it changed.
  const grounded = await groundDraft({ question: query.question, steps, draft: { summary: summary.text, analysis: body.text }, verify: query.verify === true, analyst: stages.analyst, model, signal: options.signal });
  addUsage('verify', grounded.usage);

  const tokens = usage.inputTokens + usage.outputTokens > 0;
  const cost = tokens ? costOf(usage) : undefined;
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
    // How it was made: pipeline version, prompt hashes, analyst, corpus digest (./method.ts).
    method: methodOf(query, stages),
    metrics: {
      durationMs: Math.round(performance.now() - started),
      ...(tokens ? { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, stages: byStage } : {}),
      ...(cost !== undefined ? { costUsd: cost } : {}),
      // A model analyst has already removed its dangling references and counted them; the
      // check here is the backstop for any analyst, and finds nothing more in that case.
      citations: { resolved: summary.resolved + body.resolved, removed: (analysis.citations?.removed ?? 0) + summary.removed + body.removed },
      duplicatesRemoved,
      ...(analysis.evidence ? { evidence: analysis.evidence } : {}),
    },
    grounding: grounded.grounding,
    schemaVersion: SCHEMA_VERSION,
    ...(answer ? { answer } : {}),
    budget: found.budget,
    ...(options.previous ? { previous: { id: options.previous.id, generatedAt: options.previous.generatedAt, newSources: sinceLast!.count } } : {}),
  };
  // The ledger: what the answer's key figures and main claims did since the previous session, whether
  // it is material (alerts), and whether the method changed since (then a change may be the method's).
  if (options.previous) session.ledger = compareSessions(options.previous, session, query.alertThreshold);
  return session;
}

/** The answer with citations that point at nothing removed, and figures citing nothing uncited. */
function checkAnswer(answer: Answer, resultCount: number): Answer | undefined {
  const text = checkCitations(answer.text, resultCount).text.trim();
  if (!text) return undefined;
  const figures = answer.figures.map((f) => (f.cite !== undefined && f.cite > resultCount ? (({ cite: _c, ...rest }) => rest)(f) : f));
  return { text, figures };
}

/**
 * What this run found that the question's previous session did not have: its sources, listed
 * under "New since <date>" with their citation numbers, so a reader of a standing question sees
 * what moved. Nothing is listed when nothing is new.
 */
export function newSince(previous: Session, steps: Step[]): { count: number; markdown: string } {
  const before = new Set(previous.steps.flatMap((s) => s.results).map(resultKey));
  const fresh: Array<{ n: number; title: string }> = [];
  let n = 0;
  for (const step of steps) for (const r of step.results) {
    n++;
    if (!before.has(resultKey(r))) fresh.push({ n, title: r.title.trim() || r.url || 'Untitled' });
  }
  const date = previous.generatedAt.slice(0, 10);
  if (!fresh.length) return { count: 0, markdown: `\n\n## New since ${date}\n\nNo source that the briefing of ${date} did not already have.\n` };
  const list = fresh.slice(0, 8).map((f) => `- ${escapeMarkdown(f.title)} [${f.n}]`).join('\n');
  const more = fresh.length > 8 ? `\n\n…and ${fresh.length - 8} more.` : '';
  return { count: fresh.length, markdown: `\n\n## New since ${date}\n\n${fresh.length} source${fresh.length === 1 ? '' : 's'} the briefing of ${date} did not have:\n\n${list}${more}\n` };
}

/** A title is text, not markdown: characters markdown would act on are escaped. */
const escapeMarkdown = (text: string) => text.replace(/[\\`*_{}[\]()#+!<>|~]/g, '\\$&').replace(/\s+/g, ' ');

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

export { dropDuplicateUrls } from './research.ts';
