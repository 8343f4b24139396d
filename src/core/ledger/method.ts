// Whether two sessions of a question were made the same way: their method stamps (pipeline
// version, prompt hashes, analyst) and providers. A change in the answer that coincides with a
// method change is worded as such — "the method changed", not "the world changed".
// The offline corpus is evidence, not method: an edited corpus document is the world changing
// (as a revised web page is), so its digest counts with the new sources, never as a method change.
// (`kb check` compares the digests itself, to tell a corpus edit from a code change.)
import type { Session } from '#core/session.ts';
import type { LedgerMethod } from './schema.ts';

type Side = Pick<Session, 'method' | 'providers' | 'steps'>;

const PROVIDER_WORDS = { search: 'search', llm: 'analyst provider', model: 'model', planner: 'planner' } as const;

/** What differs between the two sessions' methods, in words; empty when nothing known does. */
export function methodChanges(previous: Pick<Session, 'method' | 'providers'>, current: Pick<Session, 'method' | 'providers'>): string[] {
  const out: string[] = [];
  const a = previous.method;
  const b = current.method;
  if (a && b) {
    if (a.pipeline !== b.pipeline) out.push(`pipeline ${a.pipeline} → ${b.pipeline}`);
    if (a.analyst !== b.analyst) out.push(`analyst ${a.analyst} → ${b.analyst}`);
    for (const name of [...new Set([...Object.keys(a.prompts), ...Object.keys(b.prompts)])].sort()) {
      const before = a.prompts[name];
      const after = b.prompts[name];
      if (before === after) continue;
      out.push(!before ? `${name} prompt (new)` : !after ? `${name} prompt (no longer used)` : `${name} prompt`);
    }
  }
  // Providers are recorded by older sessions too: a change there is known with or without a method.
  for (const key of Object.keys(PROVIDER_WORDS) as Array<keyof typeof PROVIDER_WORDS>) {
    const before = previous.providers?.[key];
    const after = current.providers?.[key];
    if (before !== after && (before || after)) out.push(`${PROVIDER_WORDS[key]} ${before ?? 'none'} → ${after ?? 'none'}`);
  }
  return out;
}

/** The ledger's method record: same, changed (and what), or unknown when the previous session records no method. */
export function compareMethods(previous: Side, current: Side): LedgerMethod {
  const changes = methodChanges(previous, current);
  const before = new Set(previous.steps.flatMap((s) => s.results).map(sourceKey).filter(Boolean));
  const newSources = new Set(current.steps.flatMap((s) => s.results).map(sourceKey).filter((k) => k && !before.has(k))).size;
  const corpusEdited = Boolean(previous.method?.corpus && current.method?.corpus && previous.method.corpus !== current.method.corpus);
  const status = changes.length ? 'changed' : previous.method && current.method ? 'same' : 'unknown';
  const what = changes.join(', ');
  const evidence = [newSources ? `${newSources} source${newSources === 1 ? ' is' : 's are'} new` : '', corpusEdited ? 'the corpus was edited' : ''].filter(Boolean).join(' and ');
  const note =
    status === 'changed'
      ? !evidence
        ? `The method changed since the previous session (${what}) and no source is new: what changed comes from the method, not from new evidence.`
        : `The method changed since the previous session (${what}), and ${evidence}: a change may come from either.`
      : status === 'unknown'
        ? 'The previous session does not record how it was made, so whether the method changed is unknown.'
        : undefined;
  return { status, changes, newSources, ...(note ? { note } : {}) };
}

const sourceKey = (r: { url?: string; title: string }) => (r.url ? r.url.trim().replace(/#.*$/, '').replace(/\/$/, '').toLowerCase() : '');
