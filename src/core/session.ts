// The data model: one zod schema shared by the CLI (import, store, pipeline), the site (through
// the catalog, src/kb/store/catalog.ts) and the generated JSON Schema. Everything a session page
// shows comes from these shapes.
import { z } from 'astro/zod';
import { explainIssues, issueLine, knownKeysIn } from './explain.ts';
import { Ledger } from './ledger/schema.ts';

/** Ids go into file names, so they are restricted to characters that are safe there. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const count = z.number().int().nonnegative();

/** A passage of a page that was read, kept as evidence: the quote and where in the page it is. */
export const Passage = z.strictObject({
  text: z.string(),
  /** The nearest heading, or the paragraph's place, e.g. "Net import reliance" or "paragraph 4". */
  where: z.string().optional(),
  /** How well it answers the question and the step's sub-query (0–1; higher is better). */
  score: z.number().min(0).max(1).optional(),
});

/** What became of opening a result's page. */
export const ReadRecord = z.strictObject({
  /** `read`: the page's text was used; `snippet`: only the search snippet (the note says why); `skipped`: not opened (budget, or not among the best results). */
  status: z.enum(['read', 'snippet', 'skipped']),
  /** What was read: a web page, a PDF, plain text, or text the search provider returned with the result. */
  kind: z.enum(['html', 'pdf', 'text', 'provided']).optional(),
  /** Characters of main text extracted. */
  chars: count.optional(),
  note: z.string().optional(),
});

export const Result = z.strictObject({
  title: z.string(),
  /** Missing only when an export was cut off before the record's url arrived. */
  url: z.string().optional(),
  snippet: z.string().optional(),
  /** The outlet's host name as the search provider gave it, e.g. `www.cnn.com`. */
  source: z.string().optional(),
  /** Publication date when the provider knows it (ISO date or date-time). */
  publishedAt: z.string().optional(),
  /** The record was cut off mid-way in the source; the fields present are all that arrived. */
  partial: z.boolean().optional(),
  /** Whether its page was opened and read (schema version 2). */
  read: ReadRecord.optional(),
  /** The best passages of its page for this question, best first (schema version 2). */
  passages: z.array(Passage).max(12).optional(),
});

export const Step = z.strictObject({
  id: z.string().min(1),
  /** The sub-query this step searched for. Exports from older tools do not record it. */
  query: z.string().optional(),
  results: z.array(Result),
  /** The step's result list was cut off: more results existed than arrived. */
  truncated: z.boolean().optional(),
  /** The search failed; the message says why (never contains secrets). */
  error: z.string().optional(),
  /** A plain-words explanation for readers, e.g. why the step is empty. */
  note: z.string().optional(),
  /** The research round that asked it, from 1 (schema version 2). */
  round: z.number().int().min(1).optional(),
  /** Why this sub-query was asked, e.g. a gap the first round left or a lead a page raised. */
  reason: z.string().optional(),
});

export const Providers = z.strictObject({
  search: z.string().optional(),
  llm: z.string().optional(),
  model: z.string().optional(),
  planner: z.string().optional(),
});

/** Where a session came from, so an import can be traced back to its file. */
export const Provenance = z.strictObject({
  format: z.enum(['mica-report', 'session-json', 'pipeline']),
  file: z.string().optional(),
  sha256: z.string().optional(),
  importedAt: z.iso.datetime({ offset: true }).optional(),
  /** The generator named in the source, e.g. `MICA`. */
  generator: z.string().optional(),
  /** Timestamps the source gave that were not chosen as `generatedAt`, verbatim. */
  otherTimestamps: z.array(z.string()).optional(),
  /** What the importer changed or inferred, in words (e.g. "bold artefacts repaired"). */
  notes: z.array(z.string()).optional(),
});

const StageTokens = z.strictObject({ inputTokens: count, outputTokens: count });

/** What a pipeline run measured; absent on imported sessions that did not record it. */
export const Metrics = z.strictObject({
  durationMs: z.number().nonnegative().optional(),
  inputTokens: z.number().int().nonnegative().optional(),
  outputTokens: z.number().int().nonnegative().optional(),
  /** Only where a price table is configured for the model. */
  costUsd: z.number().nonnegative().optional(),
  /** `[n]` references in the analysis that resolve to a result, and ones removed as dangling. */
  citations: z.strictObject({ resolved: z.number().int().nonnegative(), removed: z.number().int().nonnegative() }).optional(),
  /** Results dropped because an earlier step already had the same url. */
  duplicatesRemoved: z.number().int().nonnegative().optional(),
  /** Model tokens by stage (only stages that used any); they add up to `inputTokens` and `outputTokens`. */
  stages: z
    .strictObject({ plan: StageTokens.optional(), followUps: StageTokens.optional(), analyse: StageTokens.optional(), verify: StageTokens.optional() })
    .optional(),
  /**
   * What the model analyst was given of the results and their passages, and what was left out to
   * fit its context window (`contextTokens`, less room for the answer); model analysts only.
   */
  evidence: z
    .strictObject({
      contextTokens: count,
      given: z.strictObject({ results: count, passages: count }),
      omitted: z.strictObject({ results: count, passages: count }),
    })
    .optional(),
});

// --- grounding (issue 8): how much of the prose rests on the session's own results. Counts only;
// the per-claim detail is recomputed from the session by src/core/grounding/ wherever it is shown.
const GroundingTally = { claims: count, supported: count, unsupported: count, uncited: count, score: z.number().min(0).max(1) };

/** What the optional second model pass (`verify: true`) changed: recorded, never hidden. */
export const GroundingVerify = z.strictObject({
  model: z.string().optional(),
  /** The first draft's counts; the record's own counts are those of the text as published. */
  before: z.strictObject(GroundingTally),
  revised: count,
  dropped: count,
  /** Each claim the pass was asked about, and what became of it (texts clipped). */
  changes: z.array(z.strictObject({ action: z.enum(['revised', 'dropped', 'kept']), before: z.string(), after: z.string().optional() })).max(50),
  inputTokens: count.optional(),
  outputTokens: count.optional(),
  /** The pass failed or its answer was unusable; the first draft was published as it was. */
  error: z.string().optional(),
});

export const Grounding = z.strictObject({
  /** The checker version that made this record (src/core/grounding GROUNDING_VERSION). */
  version: z.number().int().positive(),
  ...GroundingTally,
  figures: count,
  /** `[n]` in the prose that point at a result, and ones that point at nothing. */
  citations: z.strictObject({ resolved: count, unresolved: count }),
  /** Places that name an outlet, e.g. "(Reuters, November 2025)", where a citation should be. */
  namedSources: count.optional(),
  notes: z.array(z.string()).max(10).optional(),
  verify: GroundingVerify.optional(),
});
// --- end grounding

/** A key figure of the answer, as structured data: what it measures, its value, when, and its source. */
export const KeyFigure = z.strictObject({
  label: z.string().min(1),
  value: z.number(),
  /** `%`, `t`, `USD`, …; empty for a plain count. */
  unit: z.string(),
  /** The figure as the source wrote it, e.g. "about 80%". */
  text: z.string().optional(),
  /** The date or period it describes, e.g. `2024`. */
  asOf: z.string().optional(),
  /** The result it rests on, as the `[n]` citation number. */
  cite: z.number().int().min(1).optional(),
});

/** The direct answer a briefing opens with (schema version 2). */
export const Answer = z.strictObject({
  /** Markdown, a sentence or two, citing its sources as `[n]`. */
  text: z.string().min(1),
  figures: z.array(KeyFigure).max(12),
});

/** What a run was allowed to spend, what it spent, and what stopped it (schema version 2). */
export const Budget = z.strictObject({
  maxPages: count.optional(),
  maxTokens: count.optional(),
  maxCostUsd: z.number().nonnegative().optional(),
  rounds: count,
  pagesRead: count,
  /** The limit that ended the research early, if one did. */
  stoppedBy: z.enum(['pages', 'tokens', 'cost', 'no-new-sources']).optional(),
});

/** The question's previous session, which this run built on (schema version 2). */
export const Previous = z.strictObject({
  id: z.string(),
  generatedAt: z.iso.datetime({ offset: true }),
  /** Sources this run found that the previous one did not cite. */
  newSources: count.optional(),
});

/**
 * How the session was made, so that runs can be compared: the pipeline's version, a hash of each
 * prompt it used, the analyst, and offline the corpus it searched. Two sessions with the same
 * method differ only because their evidence did; with another method, "the method changed".
 * The providers and model are in `providers`.
 */
export const Method = z.strictObject({
  /** The pipeline's behaviour version (src/kb/pipeline/method.ts PIPELINE_VERSION), bumped when its behaviour changes on purpose. */
  pipeline: z.number().int().positive(),
  /** The package version that ran it (recorded, not compared: a release need not change the method). */
  package: z.string().optional(),
  /** Each prompt template the run used, by stage (`planner`, `follow-up`, `analyst`, `verify`): the first 12 hex digits of its sha256. None offline. */
  prompts: z.record(z.string(), z.string().regex(/^[0-9a-f]{8,64}$/)),
  /** The analyst that wrote the briefing: `extractive` (offline) or `model`. */
  analyst: z.string().min(1),
  /** Offline: the sha256 (first 16 hex digits) of the corpus files searched, over their sorted relative paths and contents. */
  corpus: z.string().regex(/^[0-9a-f]{8,64}$/).optional(),
});

export const SessionStatus = z.enum(['complete', 'partial', 'failed']);

/** 2 adds the answer, pages read with their passages, rounds, budgets and memory; all optional, so version 1 sessions stay valid. */
export const SCHEMA_VERSION = 2;

const sessionFields = {
  id: z.string().regex(SAFE_ID, 'must be 1–128 letters, digits, "-" or "_", starting with a letter or digit'),
  query: z.string().trim().min(1, 'must not be empty'),
  querySlug: z.string().regex(SLUG, 'must be lowercase letters, digits and single hyphens'),
  /** The analysis's own title line, when the source has one. */
  title: z.string().optional(),
  generatedAt: z.iso.datetime({ offset: true }),
  summary: z.string().optional(),
  analysis: z.string(),
  tags: z.array(z.string().trim().min(1)),
  steps: z.array(Step),
  status: SessionStatus,
  providers: Providers.optional(),
  provenance: Provenance.optional(),
  metrics: Metrics.optional(),
  grounding: Grounding.optional(),
  /** The schema version the session was written with; absent on version 1 sessions. */
  schemaVersion: z.number().int().min(1).max(SCHEMA_VERSION).optional(),
  answer: Answer.optional(),
  budget: Budget.optional(),
  previous: Previous.optional(),
  /** What changed in the answer since `previous`: key figures and main claims, and whether it is material (src/core/ledger). */
  ledger: Ledger.optional(),
  /** How the session was made (pipeline version, prompt hashes, analyst, corpus digest), so runs can be compared. */
  method: Method.optional(),
};

/** A stored session: the frontmatter of one `content/briefings/<slug>/<date>-<id8>.mdx`. */
export const Session = z.strictObject(sessionFields);

/**
 * What `kb import` accepts as session JSON: the stored shape, with the fields the builder can
 * derive left optional. `schema/session.schema.json` is generated from this.
 */
export const SessionInput = z.strictObject({
  ...sessionFields,
  querySlug: sessionFields.querySlug.optional(),
  tags: sessionFields.tags.optional(),
  status: SessionStatus.optional(),
});

export type Result = z.infer<typeof Result>;
export type Step = z.infer<typeof Step>;
export type Providers = z.infer<typeof Providers>;
export type Provenance = z.infer<typeof Provenance>;
export type Metrics = z.infer<typeof Metrics>;
export type Evidence = NonNullable<Metrics['evidence']>;
export type SessionStatus = z.infer<typeof SessionStatus>;
export type Grounding = z.infer<typeof Grounding>;
export type GroundingVerify = z.infer<typeof GroundingVerify>;
export type Session = z.infer<typeof Session>;
export type Passage = z.infer<typeof Passage>;
export type ReadRecord = z.infer<typeof ReadRecord>;
export type KeyFigure = z.infer<typeof KeyFigure>;
export type Answer = z.infer<typeof Answer>;
export type Budget = z.infer<typeof Budget>;
export type Method = z.infer<typeof Method>;
export type SessionInput = z.infer<typeof SessionInput>;

/** A session is partial when any step was cut off or failed, failed when nothing came back. */
export function deriveStatus(steps: Step[]): SessionStatus {
  if (steps.length > 0 && steps.every((s) => s.error)) return 'failed';
  return steps.some((s) => s.truncated || s.error) ? 'partial' : 'complete';
}

/** Only absolute http(s) URLs may become links; anything else is shown as text. */
export function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
}

/** A session's validation problems, one line each, in the wording every command shares. */
export function sessionProblems(error: z.ZodError, data: unknown): string[] {
  return explainIssues(error, { data, knownKeys: knownKeysIn(Session) }).map(issueLine);
}

/**
 * When each question last succeeded: the time of its newest session that did not fail (failed
 * runs are not stored by `kb run`, but an imported session may say it failed). The schedule
 * (`kb run`, `kb list`) and the status page both ask this, so it is answered once, here.
 */
export function lastSuccessByQuery(sessions: Iterable<Pick<Session, 'querySlug' | 'status' | 'generatedAt'>>): Map<string, Date> {
  return new Map([...latestSuccessByQuery(sessions)].map(([slug, s]) => [slug, new Date(s.generatedAt)]));
}

/** Each question's newest session that did not fail, in any order given: what its next run builds on. */
export function latestSuccessByQuery<S extends Pick<Session, 'querySlug' | 'status' | 'generatedAt'>>(sessions: Iterable<S>): Map<string, S> {
  const latest = new Map<string, S>();
  for (const s of sessions) {
    if (s.status === 'failed') continue;
    const seen = latest.get(s.querySlug);
    if (!seen || Date.parse(s.generatedAt) > Date.parse(seen.generatedAt)) latest.set(s.querySlug, s);
  }
  return latest;
}
