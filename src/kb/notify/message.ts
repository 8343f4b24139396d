// What an alert says: the question, what changed materially (key figures old → new with both
// citations, claims that appeared, changed or were dropped), and the link to the briefing. One
// shape for both channels: the webhook gets it as JSON (with a `text` field that chat webhooks
// show), e-mail as plain text. Nothing here is HTML, so nothing in a briefing can run anywhere.
import path from 'node:path';
import { figureReason, type Ledger, type LedgerClaim, type LedgerFigure } from '#core/ledger/index.ts';
import type { Session } from '#core/session.ts';
import { clip } from '#core/text-analysis.ts';

/** The JSON a webhook receives. `version` changes only when a field changes meaning. */
export interface AlertPayload {
  /** What chat webhooks (Slack, Mattermost, Teams; Discord at its `/slack` URL) show. */
  text: string;
  kind: 'kb.material-change';
  version: 1;
  /** The question's id in queries.yaml, and its wording. */
  query: string;
  question: string;
  /** The new briefing: absolute when KB_SITE is set, else the path under the site's base. */
  url: string;
  session: string;
  previous: string;
  generatedAt: string;
  /** Each material change, in words. */
  reasons: string[];
  /** `changed` when the run was made another way than the previous one (pipeline, prompt, model, corpus): what differs, in words. */
  method?: { status: 'same' | 'changed' | 'unknown'; changes: string[] };
  /** The key figures that changed, appeared or were dropped, with old and new values and citations. */
  figures: LedgerFigure[];
  /** The main claims that appeared, changed or were dropped. */
  claims: LedgerClaim[];
}

export interface AlertMessage {
  payload: AlertPayload;
  subject: string;
  /** The e-mail's body: the text, and the sources of each changed figure. */
  body: string;
  /** Each change in words, the material ones first (what the e-mail lists; GitHub issues too). */
  changes: string[];
}

/** The briefing's page on the site: `<KB_SITE><KB_BASE>q/<query>/<file name>/`, as the site routes it. */
export function briefingUrl(querySlug: string, file: string, site: { site?: string; base: string }): string {
  const name = path.basename(file).replace(/\.mdx$/, '');
  const pathname = `${site.base}q/${encodeURIComponent(querySlug)}/${encodeURIComponent(name)}/`;
  return site.site ? `${site.site.replace(/\/+$/, '')}${pathname}` : pathname;
}

const SHOWN = 12;

/** The alert for a session whose ledger is material. */
export function alertMessage(session: Session, ledger: Ledger, url: string): AlertMessage {
  const figures = ledger.figures.filter((f) => f.status !== 'unchanged');
  const claims = ledger.claims.filter((c) => c.status !== 'unchanged');
  // The material changes first; the other changes of figures after them, marked as minor.
  const minor = figures.filter((f) => !f.material && f.status === 'changed').map((f) => `${figureReason(f)} (below the threshold)`);
  const lines = [...ledger.reasons, ...minor];
  const shown = lines.slice(0, SHOWN).map((l) => `• ${l}`);
  if (lines.length > SHOWN) shown.push(`…and ${lines.length - SHOWN} more`);
  const date = session.generatedAt.slice(0, 10);
  const question = clip(session.query, 300);
  const text = `The answer to “${question}” changed (briefing of ${date}):\n${shown.join('\n')}\n${url}`;

  const sources = ledger.figures
    .filter((f) => f.material)
    .map((f) => `${f.label}:\n  was ${source(f.before)}\n  now ${source(f.after)}`);
  const body = [
    `The answer to this standing question changed materially in the briefing of ${date}:`,
    '',
    question,
    '',
    ...lines.map((l) => `- ${l}`),
    ...(sources.length ? ['', 'Sources of the figures that moved:', ...sources] : []),
    '',
    `Read the briefing: ${url}`,
    '',
    `Compared with the briefing ${ledger.previous}; thresholds: ${pct(ledger.threshold.relative)} of a figure's value, ${ledger.threshold.points} percentage point${ledger.threshold.points === 1 ? '' : 's'} for figures in %.`,
  ].join('\n');

  return {
    payload: {
      text,
      kind: 'kb.material-change',
      version: 1,
      query: session.querySlug,
      question: session.query,
      url,
      session: session.id,
      previous: ledger.previous,
      generatedAt: session.generatedAt,
      reasons: ledger.reasons,
      // Whether this run was made another way than the previous one: a change may be the method's.
      ...(ledger.method ? { method: { status: ledger.method.status, changes: ledger.method.changes } } : {}),
      figures,
      claims,
    },
    subject: `Briefing changed: ${clip(session.query, 120)}`,
    body,
    changes: lines,
  };
}

const source = (v: LedgerFigure['before']) => (v ? `${v.text ?? v.value}${v.cite !== undefined ? ` [${v.cite}]` : ''}${v.url ? ` ${v.url}` : ''}` : '—');
const pct = (fraction: number) => `${Math.round(fraction * 1000) / 10}%`;

