// After the analyst writes, the grounding check runs. With `verify: true` for a query, one more
// model pass is shown the claims the check found unsupported and asked to revise each so its
// sources bear it out, or drop it. What that pass changed is worked out here, by comparing the
// claims before and after — not taken from the model's word — and recorded in the session's
// `grounding.verify`, with its tokens. Nothing it does is hidden.
import type { Grounding, GroundingVerify, Step } from '#core/session.ts';
import type { Usage } from '#kb/providers/types.ts';
import { groundSession, type Claim } from '#core/grounding/support.ts';

export interface Draft {
  summary: string;
  analysis: string;
}

/** One claim the reviser is asked about: its number in the request, its text, and why it failed. */
export interface RevisionRequest {
  id: number;
  text: string;
  why: string;
}

export interface Revision extends Draft {
  /** What the model says it did, by request id (its own account; the record is computed). */
  changes: Array<{ id: number; action: 'revise' | 'drop' | 'keep'; text?: string }>;
  usage?: Usage;
}

/** An analyst that can revise its own draft (the model analyst can; the extractive one cannot). */
export interface Reviser {
  revise(question: string, steps: Step[], draft: Draft, claims: RevisionRequest[], signal?: AbortSignal): Promise<Revision>;
}

export function canRevise(analyst: object): analyst is Reviser {
  return typeof (analyst as Partial<Reviser>).revise === 'function';
}

export interface GroundedDraft extends Draft {
  grounding: Grounding;
  /** Tokens the verify pass used (also recorded in `grounding.verify`). */
  usage?: Usage;
}

/** Longest claim text kept in the record, so a session's frontmatter stays small. */
const MAX_CHANGE_TEXT = 300;
const MAX_CHANGES = 50;

const tally = (g: { claims: number; supported: number; unsupported: number; uncited: number; score: number }) => ({
  claims: g.claims,
  supported: g.supported,
  unsupported: g.unsupported,
  uncited: g.uncited,
  score: g.score,
});

const clip = (text: string) => (text.length <= MAX_CHANGE_TEXT ? text : `${text.slice(0, MAX_CHANGE_TEXT - 1).trimEnd()}…`);

/**
 * Grounds a draft; when `verify` is on and the analyst can revise, asks it to fix the unsupported
 * claims and grounds the result. A failed pass keeps the draft and records the failure.
 */
export async function groundDraft(options: {
  question: string;
  steps: Step[];
  draft: Draft;
  verify: boolean;
  analyst: object;
  model?: string;
  signal?: AbortSignal;
}): Promise<GroundedDraft> {
  const { question, steps, draft } = options;
  const first = groundSession({ ...draft, steps });
  if (!options.verify) return { ...draft, grounding: first.counts };

  const asked = first.claims.filter((c) => c.status === 'unsupported');
  const base = { ...(options.model ? { model: options.model } : {}), before: tally(first.counts) };
  if (!canRevise(options.analyst)) {
    const verify: GroundingVerify = { ...base, revised: 0, dropped: 0, changes: [], error: 'this analyst cannot revise its text (only a model analyst can); the draft was published as written' };
    return { ...draft, grounding: { ...first.counts, verify } };
  }
  if (asked.length === 0) {
    return { ...draft, grounding: { ...first.counts, verify: { ...base, revised: 0, dropped: 0, changes: [] } } };
  }
  const requests: RevisionRequest[] = asked.map((c, i) => ({ id: i + 1, text: c.text, why: c.why }));
  let revision: Revision;
  try {
    revision = await options.analyst.revise(question, steps, draft, requests, options.signal);
  } catch (error) {
    const usage = (error as { usage?: Usage }).usage;
    const verify: GroundingVerify = {
      ...base,
      revised: 0,
      dropped: 0,
      changes: [],
      ...(usage ? { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens } : {}),
      error: `the verify pass failed, so the draft was published as written: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500),
    };
    return { ...draft, grounding: { ...first.counts, verify }, ...(usage ? { usage } : {}) };
  }

  const revised: Draft = { summary: revision.summary, analysis: revision.analysis };
  const second = groundSession({ ...revised, steps });
  const changes = diffClaims(first.claims, second.claims, asked, requests, revision);
  const usage = revision.usage;
  const verify: GroundingVerify = {
    ...base,
    revised: changes.filter((c) => c.action === 'revised').length,
    dropped: changes.filter((c) => c.action === 'dropped').length,
    changes: changes.slice(0, MAX_CHANGES),
    ...(usage ? { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens } : {}),
  };
  return { ...revised, grounding: { ...second.counts, verify }, ...(usage ? { usage } : {}) };
}

/**
 * What changed between the two texts, claim by claim. Every claim that disappeared is recorded,
 * asked about or not, and so is every new one: a model told to fix three sentences that rewrites
 * a fourth does not get to do so quietly.
 */
function diffClaims(before: Claim[], after: Claim[], asked: Claim[], requests: RevisionRequest[], revision: Revision): GroundingVerify['changes'] {
  const afterTexts = new Set(after.map((c) => c.text));
  const beforeTexts = new Set(before.map((c) => c.text));
  const added = after.filter((c) => !beforeTexts.has(c.text)).map((c) => c.text);
  const claimed = new Set<string>();
  const out: GroundingVerify['changes'] = [];
  asked.forEach((claim, i) => {
    if (afterTexts.has(claim.text)) {
      out.push({ action: 'kept', before: clip(claim.text) });
      return;
    }
    const said = revision.changes.find((c) => c.id === requests[i]!.id);
    // The model's replacement text, when it is really in the new text.
    const replacement = said?.action === 'revise' && said.text ? added.find((t) => !claimed.has(t) && (t === said.text!.trim() || said.text!.includes(t) || t.includes(said.text!.trim()))) : undefined;
    if (replacement) {
      claimed.add(replacement);
      out.push({ action: 'revised', before: clip(claim.text), after: clip(replacement) });
    } else out.push({ action: 'dropped', before: clip(claim.text) });
  });
  const askedTexts = new Set(asked.map((c) => c.text));
  for (const claim of before) {
    if (askedTexts.has(claim.text) || afterTexts.has(claim.text)) continue;
    out.push({ action: 'dropped', before: clip(claim.text) });
  }
  for (const text of added) if (!claimed.has(text)) out.push({ action: 'revised', before: '', after: clip(text) });
  return out;
}
