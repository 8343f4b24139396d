// What Pagefind indexes for a briefing: not the built page, but a small HTML document made from
// the session. The page carries hundreds of element ids (citation links, grounding marks, source
// cards), and Pagefind keeps every id as an anchor; with the sources' snippets and the page's
// chrome, indexing the built pages took three times as long as the words alone (measured in
// docs/performance.md). This document holds what search should find and show:
//   - the question (title, and the `query` filter), the answer (weighted), the summary and analysis as rendered, with
//     the same heading ids as the page, so sub-results jump to the right section;
//   - each source's title and outlet (not its snippet: those are the outlet's words);
//   - filters tag, year and source; meta date and status; sort date.
// Every string is escaped; the prose comes from renderProse, which makes untrusted markdown safe.
import { escapeAttribute, escapeText } from 'entities';
import type { Session } from '#core/session.ts';
import { searchFacets } from '#core/facets.ts';
import { PROSE_VERSION, renderProse } from '#lib/prose/render.ts';

/**
 * Bump whenever searchDocument's output changes: cached search bundles are keyed by it. It
 * carries PROSE_VERSION, so a change to how prose renders rebuilds them too.
 */
export const SEARCH_DOCUMENT_VERSION = `2.${PROSE_VERSION}`; // 2: the answer is indexed

export function searchDocument(session: Session): string {
  const date = utcDay(session.generatedAt);
  const { year, sources } = searchFacets(session);
  const filter = (name: string, value: string) => `<span data-pagefind-filter="${name}">${escapeText(value)}</span>`;
  const titles = session.steps.flatMap((step) => step.results.map((r) => r.title.trim()).filter(Boolean));
  const prose = renderProse(session);
  return [
    `<html lang="en"><body><main data-pagefind-body${date ? ` data-pagefind-meta="date:${date}" data-pagefind-sort="date:${date}"` : ''}>`,
    `<h1 data-pagefind-meta="title" data-pagefind-filter="query">${escapeText(session.query)}</h1>`,
    `<div data-pagefind-meta="status:${escapeAttribute(session.status)}" hidden></div>`,
    // The answer is what a reader came for: it weighs more than the rest of the prose.
    prose.answer ? `<div data-pagefind-weight="5">${prose.answer}</div>` : '',
    prose.html,
    titles.length ? `<ul>${titles.map((t) => `<li>${escapeText(t)}</li>`).join('')}</ul>` : '',
    // Tags are words to search as well as a filter; year and outlets are filters only.
    `<p>${session.tags.map((t) => filter('tag', t)).join(' ')}</p>`,
    `<div data-pagefind-ignore>${[year ? filter('year', year) : '', ...sources.map((s) => filter('source', s))].join('')}</div>`,
    '</main></body></html>',
  ].join('\n');
}

/** The URL Pagefind records (the search page adds the site's base path). */
export const searchUrl = (querySlug: string, name: string) => `/q/${encodeURIComponent(querySlug)}/${encodeURIComponent(name)}/`;

function utcDay(iso: string): string | undefined {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().slice(0, 10);
}
