// The pipeline's stages: plan → search → analyse. Each stage is an interface so that a model
// or an offline implementation can stand behind it.
import type { Step } from '#core/session.ts';
import type { Usage } from '#kb/providers/types.ts';

export interface Plan {
  /** One sub-query per step, in order. */
  queries: string[];
  usage?: Usage;
}

export interface Planner {
  readonly name: string;
  plan(question: string, steps: number, signal?: AbortSignal): Promise<Plan>;
}

export interface Analysis {
  /** Markdown. Cites results as `[n]`, numbered by `numberResults`. */
  summary: string;
  /** Markdown. Cites results as `[n]`. */
  analysis: string;
  usage?: Usage;
  /** `[n]` references in summary and analysis that resolved, and ones removed as pointing at no result. */
  citations?: { resolved: number; removed: number };
}

export interface Analyst {
  readonly name: string;
  analyse(question: string, steps: Step[], signal?: AbortSignal): Promise<Analysis>;
}
