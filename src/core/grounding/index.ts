// Grounding: does each claim of a briefing rest on the session's own search results?
// claims.ts splits the prose, figures.ts reads numbers, support.ts decides. See docs/grounding.md.
import type { Grounding, Session } from '#core/session.ts';
import { groundSession, type GroundingInput } from './support.ts';

export { groundSession, GROUNDING_VERSION } from './support.ts';
export type { Claim, ClaimFigure, ClaimStatus, Evidence, GroundingCounts, GroundingInput, GroundingReport } from './support.ts';
export type { Block, Part } from './claims.ts';
export { extractFigures, sameFigure, type Figure } from './figures.ts';

/** The counts a session stores in its frontmatter (`grounding`), keeping any recorded verify pass. */
export function groundingRecord(session: GroundingInput & { grounding?: Session['grounding'] }): Grounding {
  const { counts } = groundSession(session);
  const verify = session.grounding?.verify;
  return { ...counts, ...(verify ? { verify } : {}) };
}

/** The session with its grounding record set (a new object; the input is not changed). */
export function withGrounding<S extends GroundingInput & { grounding?: Session['grounding'] }>(session: S): S {
  return { ...session, grounding: groundingRecord(session) };
}
