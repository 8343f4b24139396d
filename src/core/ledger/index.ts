// The claim and figure ledger of a standing question (what changed in the answer since the
// previous session, and whether it is material): the comparison, and the shape it is stored in.
export { compareSessions, claimReason, figureReason, formatMove, formatValue, isMaterialMove, unitKey, DEFAULT_THRESHOLD, LEDGER_VERSION } from './ledger.ts';
export { compareMethods, methodChanges } from './method.ts';
export { AlertThreshold, Ledger, LedgerClaim, LedgerFigure, LedgerMethod, LedgerValue } from './schema.ts';
