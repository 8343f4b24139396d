// The ledger's cost: `compareSessions` (what `kb run` computes once per new session, against the
// question's previous one) on realistic pairs — 30 results, an answer with 8 key figures, and a
// summary of 38 cited findings, so each side has the 40 main claims the ledger keeps at most — and
// the catalog's per-session summary (`sessionMeta`, whose `changes` the build derives from the
// stored ledger) with and without a ledger. The build never recomputes ledgers: they are stored.
import { compareSessions } from '#core/ledger/index.ts';
import type { KeyFigure, Session } from '#core/session.ts';
import { sessionMeta } from '#kb/store/catalog.ts';
import { findingsFor, sessionFor, type SyntheticOptions } from './synthetic.ts';

export interface LedgerFigures {
  sessions: number;
  /** Main claims per side, on average (the ledger keeps 40 at most). */
  claimsPerSide: number;
  compare: { perSessionMs: number; totalMs: number };
  meta: { withLedgerPerSessionMs: number; withoutLedgerPerSessionMs: number; withLedgerTotalMs: number; withoutLedgerTotalMs: number };
  /** The stored ledger, as JSON, per session on average. */
  ledgerBytes: number;
  material: number;
}

const FINDINGS = 38;
const UNITS = ['%', 't', 'USD', 'GWh'];

function figuresFor(i: number, seed: number): KeyFigure[] {
  let x = (seed * 7919 + i * 104729) >>> 0;
  const next = () => ((x = (Math.imul(x ^ (x >>> 15), 2246822507) + 0x9e3779b9) >>> 0) / 4294967296);
  return Array.from({ length: 8 }, (_, k) => ({ label: `Key measure ${k + 1} of question ${i % 250}`, value: Math.round(next() * 900 + 10), unit: UNITS[k % UNITS.length]!, asOf: String(2020 + (k % 5)), cite: 1 + Math.floor(next() * 30) }));
}

/** A pair: a session, and the next run of its question, in which some findings and figures moved. */
function pair(options: SyntheticOptions, i: number): { before: Session; after: Session } {
  // The version 1 shape: this benchmark gives the pair its own answers and summaries.
  const base = sessionFor({ ...options, schema: 1 }, i);
  const findings = findingsFor(options, i, FINDINGS);
  const fresh = findingsFor(options, i, FINDINGS, 'fresh');
  const figures = figuresFor(i, options.seed);
  const answer = (fs: KeyFigure[]) => ({ text: `${findings[0]} ${findings[1]}`, figures: fs });
  const before: Session = { ...base, answer: answer(figures), summary: findings.map((f) => `- ${f}`).join('\n') };
  // The next run: a finding in ten has a figure moved, one in twelve is new, one in fifteen dropped.
  const later = findings.flatMap((f, k) => (k % 15 === 7 ? [] : k % 12 === 5 ? [fresh[k]!] : k % 10 === 3 ? [f.replace(/\d+/, (n) => String(Number(n) + 7))] : [f]));
  const moved = figures.map((f, k) => (k % 3 === 0 ? { ...f, value: Math.round(f.value * 1.12) } : f));
  const after: Session = { ...base, id: `${base.id.slice(0, -4)}beef`, answer: answer(moved), summary: later.map((f) => `- ${f}`).join('\n') };
  return { before, after };
}

export function runLedgerBench(sessions: number, seed = 1, log: (line: string) => void = () => {}): LedgerFigures {
  const options: SyntheticOptions = { sessions, seed };
  log(`ledger: ${sessions} realistic session pairs…`);
  const pairs = Array.from({ length: sessions }, (_, i) => pair(options, i));
  // Warm up the JIT on a few pairs, then time every session once.
  for (const p of pairs.slice(0, 50)) compareSessions(p.before, p.after);
  let claims = 0;
  let bytes = 0;
  let material = 0;
  const stored: Session[] = [];
  const started = performance.now();
  for (const p of pairs) stored.push({ ...p.after, ledger: compareSessions(p.before, p.after) });
  const compareMs = performance.now() - started;
  for (const s of stored) {
    claims += s.ledger!.claims.filter((c) => c.status !== 'dropped').length;
    bytes += JSON.stringify(s.ledger).length;
    if (s.ledger!.material) material++;
  }
  const bare = stored.map(({ ledger: _l, ...rest }) => rest as Session);
  const time = (list: Session[]) => {
    for (const s of list.slice(0, 50)) sessionMeta(s);
    const t = performance.now();
    for (const s of list) sessionMeta(s);
    return performance.now() - t;
  };
  const withLedger = time(stored);
  const withoutLedger = time(bare);
  return {
    sessions,
    claimsPerSide: claims / sessions,
    compare: { perSessionMs: compareMs / sessions, totalMs: compareMs },
    meta: { withLedgerPerSessionMs: withLedger / sessions, withoutLedgerPerSessionMs: withoutLedger / sessions, withLedgerTotalMs: withLedger, withoutLedgerTotalMs: withoutLedger },
    ledgerBytes: bytes / sessions,
    material,
  };
}

export function printLedger(f: LedgerFigures) {
  const ms = (n: number) => (n < 1 ? `${(n * 1000).toFixed(0)} µs` : `${n.toFixed(2)} ms`);
  const s = (n: number) => `${(n / 1000).toFixed(2)} s`;
  console.log(`\nLedger (${f.sessions} realistic sessions, ${f.claimsPerSide.toFixed(1)} main claims and 8 key figures a side; ${f.material} material)`);
  console.log(`  compareSessions, once per new session (kb run):  ${ms(f.compare.perSessionMs)} a session, ${s(f.compare.totalMs)} for ${f.sessions.toLocaleString('en-US')}`);
  console.log(`  sessionMeta with the stored ledger (build):      ${ms(f.meta.withLedgerPerSessionMs)} a session, ${s(f.meta.withLedgerTotalMs)} for ${f.sessions.toLocaleString('en-US')}`);
  console.log(`  sessionMeta without a ledger:                    ${ms(f.meta.withoutLedgerPerSessionMs)} a session, ${s(f.meta.withoutLedgerTotalMs)} for ${f.sessions.toLocaleString('en-US')}`);
  console.log(`  the stored ledger: ${(f.ledgerBytes / 1024).toFixed(1)} KB of JSON a session`);
}
