// The search facets of a session beyond question and tag: year and source domains.
import type { Result, Session } from './session.ts';

/** The outlet's host: the provider's `source`, else the URL's host name. */
export function domainOf(r: Result): string | undefined {
  if (r.source?.trim()) return r.source.trim();
  try {
    return r.url ? new URL(r.url.trim()).hostname || undefined : undefined;
  } catch {
    return undefined;
  }
}

/** A URL as a key for "the same page": host lowercased without `www.`, no fragment, no trailing slash; the scheme is ignored. */
export function normaliseUrl(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (!u.host) return undefined;
  return `${u.host.toLowerCase().replace(/^www\./, '')}${u.pathname.replace(/\/+$/, '')}${u.search}`;
}

/** `www.cnn.com` and `cnn.com` are one outlet for filtering; lowercase, no `www.`. */
export function normaliseDomain(domain: string): string {
  return domain.trim().toLowerCase().replace(/^www\./, '').replace(/\.$/, '').replace(/\s+/g, ' ');
}

export function searchFacets(s: Pick<Session, 'generatedAt' | 'steps'>): { year?: string; sources: string[] } {
  const d = new Date(s.generatedAt);
  const year = Number.isNaN(d.getTime()) ? undefined : String(d.getUTCFullYear());
  const sources = new Set<string>();
  for (const step of s.steps) for (const r of step.results) {
    const domain = domainOf(r);
    if (domain) sources.add(normaliseDomain(domain));
  }
  return { year, sources: [...sources].filter(Boolean).sort() };
}
