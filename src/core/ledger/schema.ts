// The ledger's shape: what a session's key figures and main claims did since the question's
// previous session. Kept apart from the comparison (./ledger.ts) so that the session schema can
// hold it without importing the text machinery.
import { z } from 'astro/zod';

const cite = z.number().int().min(1);

/** How far a key figure must move to be a material change, and so to alert. */
export const AlertThreshold = z.strictObject({
  /** A fraction of the old value, for figures not in `%`: 0.05 is a move of 5% or more. */
  relative: z.number().positive().max(1, 'must be a fraction of the old value, at most 1: 0.05 is a move of 5%'),
  /** Percentage points, for figures in `%` (and `pp`): 1 is a move of one point or more. */
  points: z.number().positive().max(100),
});

/** One side of a figure's comparison: the value as that session gave it, and its source. */
export const LedgerValue = z.strictObject({
  value: z.number(),
  /** As written, e.g. "about 80%". */
  text: z.string().optional(),
  asOf: z.string().optional(),
  /** The `[n]` of that session (each session numbers its own results). */
  cite: cite.optional(),
  /** The cited result's url, so the two citations can be compared across sessions. */
  url: z.string().optional(),
});

export const LedgerFigure = z.strictObject({
  /** `changed`: the value moved (or a newer period of the same series has another value). */
  status: z.enum(['new', 'changed', 'unchanged', 'dropped']),
  label: z.string(),
  unit: z.string(),
  /** The previous session's figure (absent when new). */
  before: LedgerValue.optional(),
  /** This session's figure (absent when dropped). */
  after: LedgerValue.optional(),
  /** after − before. */
  delta: z.number().optional(),
  /** (after − before) / |before|, when before is not 0. */
  relative: z.number().optional(),
  /** The move reaches the threshold. */
  material: z.boolean(),
});

export const LedgerClaim = z.strictObject({
  /** `changed`: the same claim with other figures; a claim reworded with the same figures is `unchanged`. */
  status: z.enum(['new', 'changed', 'unchanged', 'dropped']),
  /** This session's wording (the previous one's, when dropped), citations as `[n]`. */
  text: z.string(),
  cites: z.array(cite).optional(),
  /** The previous session's wording, when it was worded otherwise. */
  before: z.strictObject({ text: z.string(), cites: z.array(cite).optional() }).optional(),
  material: z.boolean(),
});

/**
 * Whether the session was made the same way as the previous one (their `method` and `providers`):
 * a change that coincides with a method change may come from the method, not from new evidence.
 */
export const LedgerMethod = z.strictObject({
  /** `changed`: the pipeline version, a prompt, the analyst, a provider or model, or the offline corpus differ; `unknown`: the previous session records no method (older sessions). */
  status: z.enum(['same', 'changed', 'unknown']),
  /** What differs, in words: "pipeline 1 → 2", "analyst prompt", "model gpt-4o-mini → gpt-4o", "corpus". */
  changes: z.array(z.string()).max(40),
  /** Sources (result urls) this session has that the previous one did not. */
  newSources: z.number().int().nonnegative(),
  /** For readers and alerts, when the method changed or is unknown: whether a change may come from the method rather than new evidence. */
  note: z.string().optional(),
});

/** What changed in the answer since the question's previous session (computed by `kb run`). */
export const Ledger = z.strictObject({
  /** The comparison's rules (src/core/ledger LEDGER_VERSION). */
  version: z.number().int().positive(),
  /** The previous session's id. */
  previous: z.string(),
  /** The threshold a figure's move was measured against. */
  threshold: AlertThreshold,
  figures: z.array(LedgerFigure).max(48),
  claims: z.array(LedgerClaim).max(160),
  /** Whether anything changed materially: the question alerts when it did. */
  material: z.boolean(),
  /** Each material change, in words. */
  reasons: z.array(z.string()).max(60),
  /** Why the comparison says little, e.g. the previous session had no answer to compare with. */
  note: z.string().optional(),
  /** Whether the method changed since the previous session (ledger version 2). */
  method: LedgerMethod.optional(),
});

export type AlertThreshold = z.infer<typeof AlertThreshold>;

/** A move of 5% of the old value, or of 1 percentage point for figures in %, is material. */
export const DEFAULT_THRESHOLD: AlertThreshold = { relative: 0.05, points: 1 };
export type LedgerValue = z.infer<typeof LedgerValue>;
export type LedgerFigure = z.infer<typeof LedgerFigure>;
export type LedgerClaim = z.infer<typeof LedgerClaim>;
export type Ledger = z.infer<typeof Ledger>;
export type LedgerMethod = z.infer<typeof LedgerMethod>;
