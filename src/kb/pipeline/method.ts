// The method stamp of a session (`method`, src/core/session.ts): which pipeline made it, the hash
// of each prompt template it used, the analyst, and offline the digest of the corpus it searched.
// Two sessions with the same stamp differ only by their evidence; `kb check` and the ledger use it
// to tell "the method changed" from "the world changed".
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Method } from '#core/session.ts';
import type { Query } from '#kb/config/queries.ts';
import type { SearchProvider } from '#kb/providers/types.ts';
import type { Analyst, Planner } from './types.ts';

/**
 * The pipeline's behaviour version. Bump it with any change that is meant to change what a run
 * writes for the same evidence (ranking, answer choice, figures, follow-up rules, prompts' use);
 * `kb check` reports a change without a bump as "a change in behaviour without a version bump".
 * 1: the first stamped pipeline.
 */
export const PIPELINE_VERSION = 1;

/** Hex digits kept of a prompt template's sha256. */
const PROMPT_HASH_CHARS = 12;

/**
 * A prompt template's hash: the sha256 of its parts (texts as they are, JSON schemas serialised),
 * first 12 hex digits. Hash the template (filled with placeholders), never a filled-in prompt.
 */
export function promptHash(...parts: unknown[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(typeof part === 'string' ? part : JSON.stringify(part)).update('\u0000');
  return hash.digest('hex').slice(0, PROMPT_HASH_CHARS);
}

let packageVersion: string | undefined;
/** This package's version, read once. */
export function pipelinePackage(): string {
  if (packageVersion === undefined) {
    try {
      packageVersion = String((JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown }).version ?? '');
    } catch {
      packageVersion = '';
    }
  }
  return packageVersion;
}

export interface MethodInput {
  planner: Planner;
  analyst: Analyst;
  search: SearchProvider;
}

/**
 * The stamp of a run of `query` with these stages: the prompts of the stages it runs (the planner's
 * always, its follow-up prompt when there are rounds after the first, the verify prompt with
 * `verify: true`), the analyst's kind, and the corpus digest of an offline search.
 */
export function methodOf(query: Pick<Query, 'depth' | 'verify'>, stages: MethodInput, pipeline: number = PIPELINE_VERSION): Method {
  const prompts: Record<string, string> = {};
  const take = (from: Readonly<Record<string, string>> | undefined, name: string) => {
    if (from?.[name]) prompts[name] = from[name];
  };
  take(stages.planner.prompts, 'planner');
  if (query.depth > 1) take(stages.planner.prompts, 'follow-up');
  take(stages.analyst.prompts, 'analyst');
  if (query.verify === true) take(stages.analyst.prompts, 'verify');
  const version = pipelinePackage();
  return {
    pipeline,
    ...(version ? { package: version } : {}),
    prompts,
    analyst: analystKind(stages.analyst.name),
    ...(stages.search.digest ? { corpus: stages.search.digest } : {}),
  };
}

/** `extractive`, `model` (for `model:openai` and the like), or the analyst's own name. */
export function analystKind(name: string): string {
  return name.startsWith('model:') ? 'model' : name || 'unknown';
}
