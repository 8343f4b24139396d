// What Pagefind indexes for a briefing: not the built page, but a small HTML document made from
// the session. The page carries hundreds of element ids (citation links, grounding marks) and its
// chrome; indexing the built pages took three times as long as the words alone (measured in
// docs/performance.md). This document holds every word a reader sees on the briefing page and
// might search for (issue 19: "everything visible is findable"), weighted by how much it says
// about the briefing (SEARCH_WEIGHTS), in sections that carry the page's own ids so a sub-result
// (`…/#id`) jumps to the right place on the page:
//   - the question (title, and the `query` filter);
//   - the answer and its key figures, under the page's `#kb-answer`;
//   - the summary (`#kb-summary`) and analysis as rendered, with the page's heading ids;
//   - each step's sub-query (`#kb-step-n`); each result's title and outlet (`#kb-source-n`) and
//     snippet; each passage read from its page (`#kb-passage-n-k`), each quote once, as the page
//     shows it (src/lib/passages.ts);
//   - filters tag, year, source and status; meta date and status; sort date.
// A section heading's label ("Answer", "Step 2: ", "[3] ") is part of what a sub-result is called
// (Pagefind takes a heading's indexed text as its title), at a weight of LABEL: every briefing has
// those words, so they should not rank one above another.
// Every string is escaped; the prose comes from renderProse, which makes untrusted markdown safe.
import { escapeAttribute, escapeText } from 'entities';
import type { Result, Session } from '#core/session.ts';
import { domainOf, searchFacets } from '#core/facets.ts';
import { numberResults } from '#core/citations.ts';
import { sourceId } from '#lib/citations.ts';
import { figureValue, quoteKey, sourceReadings, type SourceReading } from '#lib/passages.ts';
import { PROSE_VERSION, renderProse } from '#lib/prose/render.ts';

/**
 * Bump whenever searchDocument's output changes: cached search bundles are keyed by it. It
 * carries PROSE_VERSION, so a change to how prose renders rebuilds them too.
 */
export const SEARCH_DOCUMENT_VERSION = `5.${PROSE_VERSION}`; // 2: the answer; 3: everything visible, weighted, in the page's sections; 4: key figures' own section; 5: the status filter

/**
 * `data-pagefind-weight` of each part (Pagefind: 0–10, default 1, and a match counts as about the
 * square of its weight: 10 is 100 times a plain word, 0.5 a quarter). The briefing's own words
 * rank above the sources' words, so a briefing about a word outranks one that merely cites a
 * page mentioning it:
 * - question 10: it is what the briefing is about (Pagefind's default for an h1 is 7);
 * - answer 5, key figures 3: what a reader came for, and the numbers that make it;
 * - summary, analysis and sub-queries 1: the briefing's own text. Its headings count as text too
 *   (Pagefind's default of 5–6 for an h2/h3 put a word of the analysis's headings above the answer);
 * - result titles 1: short and chosen by the outlet to say what the page is about;
 * - outlets, snippets and passages 0.5: the sources' words, many and often off the question.
 */
export const SEARCH_WEIGHTS = { question: 10, answer: 5, figures: 3, prose: 1, subQuery: 1, title: 1, outlet: 0.5, snippet: 0.5, passage: 0.5 } as const;

const weight = (w: number) => ` data-pagefind-weight="${w}"`;
/** Words every briefing has, kept for sub-result titles: they add next to nothing to a match. */
const LABEL = 0.1;

/** A heading with the page's id, starting a section (a sub-result) called `label` + `text`. */
const heading = (level: number, id: string, label: string, text = '', w?: number) =>
  `<h${level} id="${escapeAttribute(id)}"${w === undefined ? '' : weight(w)}><span${weight(LABEL)}>${escapeText(label)}</span>${escapeText(text)}</h${level}>`;

export function searchDocument(session: Session): string {
  const date = utcDay(session.generatedAt);
  const { year, sources } = searchFacets(session);
  const filter = (name: string, value: string) => `<span data-pagefind-filter="${name}">${escapeText(value)}</span>`;
  const prose = renderProse(session);
  return [
    `<html lang="en"><body><main data-pagefind-body${date ? ` data-pagefind-meta="date:${date}" data-pagefind-sort="date:${date}"` : ''}>`,
    `<h1 data-pagefind-meta="title" data-pagefind-filter="query"${weight(SEARCH_WEIGHTS.question)}>${escapeText(session.query)}</h1>`,
    `<div data-pagefind-meta="status:${escapeAttribute(session.status)}" hidden></div>`,
    prose.answer ? answerSection(session, prose.answer) : '',
    session.summary?.trim() ? heading(2, 'kb-summary', 'Executive summary') : '',
    prose.html.trim() ? `<div${weight(SEARCH_WEIGHTS.prose)}>${prose.html}</div>` : '',
    sourcesSection(session),
    // Tags are words to search as well as a filter; year and outlets are filters only.
    `<p>${session.tags.map((t) => filter('tag', t)).join(' ')}</p>`,
    `<div data-pagefind-ignore>${[year ? filter('year', year) : '', filter('status', session.status), ...sources.map((s) => filter('source', s))].join('')}</div>`,
    '</main></body></html>',
  ].join('\n');
}

/** The answer and its key figures (`#kb-key-figures`), as the page's `#kb-answer` shows them. */
function answerSection(session: Session, answerHtml: string): string {
  const figures = session.answer?.figures ?? [];
  const rows = figures.map((f) => `<li>${escapeText(f.label)}: ${escapeText(figureValue(f))}${f.asOf?.trim() ? ` (${escapeText(f.asOf.trim())})` : ''}</li>`);
  return [
    heading(2, 'kb-answer', 'Answer'),
    `<div${weight(SEARCH_WEIGHTS.answer)}>${answerHtml}</div>`,
    // Their own section, so a match in a figure's label opens the page at the figures table.
    rows.length ? `${heading(3, 'kb-key-figures', 'Key figures')}<ul${weight(SEARCH_WEIGHTS.figures)}>${rows.join('')}</ul>` : '',
  ].join('\n');
}

/**
 * Every step's sub-query and results, numbered as the page numbers its source cards. What a card
 * shows of its page is what the page shows (sourceReadings): a passage quoted on an earlier card
 * is indexed there only, and a snippet a passage holds is indexed as part of the passage.
 */
function sourcesSection(session: Session): string {
  const readings = sourceReadings(session.steps);
  const numbered = numberResults(session.steps);
  const out: string[] = [];
  session.steps.forEach((step, index) => {
    const query = step.query?.trim();
    // Without a sub-query the step's heading would have no words: its results stand alone.
    if (query) out.push(heading(3, `kb-step-${index + 1}`, `Step ${index + 1}: `, query, SEARCH_WEIGHTS.subQuery));
    for (const { n, result } of numbered.filter((r) => r.stepIndex === index)) out.push(resultCard(n, result, readings.get(n)));
  });
  return out.join('\n');
}

function resultCard(n: number, result: Result, reading: SourceReading | undefined): string {
  const title = result.title.trim();
  const outlet = domainOf(result);
  const snippet = result.snippet?.trim();
  const out = [heading(4, sourceId(n), title ? `[${n}] ` : `[${n}] (untitled)`, title, SEARCH_WEIGHTS.title)];
  if (outlet) out.push(`<p${weight(SEARCH_WEIGHTS.outlet)}>${escapeText(outlet)}</p>`);
  if (snippet && (reading ? reading.showSnippet : true)) out.push(`<p${weight(SEARCH_WEIGHTS.snippet)}>${escapeText(snippet)}</p>`);
  for (const p of reading?.passages ?? []) {
    if (p.sameAs) continue; // the page links to the earlier card's quote instead
    // "paragraph 4" says where, in words every briefing has: part of the label.
    const place = p.where && /^paragraph \d+$/i.test(p.where.trim());
    const where = place ? '' : (p.where ?? '');
    const label = `[${n}] passage${place ? ` (${p.where!.trim()})` : ''}${where ? ': ' : ''}`;
    // The page may show the snippet instead of a passage with the snippet's words written a little
    // differently (when the snippet has grounding marks): then there is no passage element to
    // jump to, and the quote stays in the card's section.
    const ownAnchor = p.snippet !== undefined || !snippet || quoteKey(p.text) !== quoteKey(snippet);
    if (ownAnchor) out.push(heading(5, p.id, label, where, SEARCH_WEIGHTS.passage));
    out.push(`<blockquote${weight(SEARCH_WEIGHTS.passage)}><p>${escapeText(p.text)}</p>${!ownAnchor && where ? `<p>${escapeText(where)}</p>` : ''}</blockquote>`);
  }
  return out.join('\n');
}

/** The URL Pagefind records (the search page adds the site's base path). */
export const searchUrl = (querySlug: string, name: string) => `/q/${encodeURIComponent(querySlug)}/${encodeURIComponent(name)}/`;

function utcDay(iso: string): string | undefined {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().slice(0, 10);
}
