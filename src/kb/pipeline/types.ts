// The pipeline's stages: plan → search → analyse. Each stage is an interface so that a model
// or an offline implementation can stand behind it.
import type { Answer, Evidence, Step } from '#core/session.ts';
import type { Usage } from '#kb/providers/types.ts';

export interface Plan {
  /** One sub-query per step, in order. */
  queries: string[];
  usage?: Usage;
}

/** A stage's prompt templates, hashed (method.ts promptHash), by the name the session's `method.prompts` gives them. */
export type PromptHashes = Readonly<Record<string, string>>;

export interface Planner {
  readonly name: string;
  /** Its prompt templates' hashes (`planner`, `follow-up`); none for the offline rules. */
  readonly prompts?: PromptHashes;
  plan(question: string, steps: number, signal?: AbortSignal): Promise<Plan>;
  /**
   * The next round's queries, from what the earlier rounds read: gaps in the answer and leads
   * the pages raised that nothing answers yet. None ends the research.
   */
  followUp?(request: FollowUpRequest): Promise<FollowUpPlan>;
}

export interface FollowUpRequest {
  question: string;
  /** Every step so far, with what was read. */
  steps: Step[];
  /** How many queries to ask, at most. */
  count: number;
  /** The question's previous session, when it has one: what may have changed since. */
  previous?: { generatedAt: string };
  signal?: AbortSignal;
}

export interface FollowUp {
  query: string;
  /** Why it is asked, in words a reader understands. */
  reason: string;
  /** Only what was published since this date (YYYY-MM-DD), where the search API can filter. */
  since?: string;
}

export interface FollowUpPlan {
  queries: FollowUp[];
  usage?: Usage;
}

export interface Analysis {
  /** Markdown. Cites results as `[n]`, numbered by `numberResults`. */
  summary: string;
  /** Markdown. Cites results as `[n]`. */
  analysis: string;
  usage?: Usage;
  /** `[n]` references in summary and analysis that resolved, and ones removed as pointing at no result. */
  citations?: { resolved: number; removed: number };
  /** The direct answer the briefing opens with, and its key figures; absent when the analyst gave none. */
  answer?: Answer;
  /** What of the evidence a model analyst gave the model, and what did not fit its context. */
  evidence?: Evidence;
}

export interface Analyst {
  readonly name: string;
  /** Its prompt templates' hashes (`analyst`, `verify`); none for the offline extractive analyst. */
  readonly prompts?: PromptHashes;
  analyse(question: string, steps: Step[], signal?: AbortSignal): Promise<Analysis>;
}
