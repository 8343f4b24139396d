import { describe, expect, it } from 'vitest';
import type { Session } from '#core/session.ts';
import type { CitationMap, CitePlace } from '#lib/citations.ts';
import { citationLinks } from './citations.ts';
import { proseHtml, proseTree, renderProse } from './render.ts';

function session(summary: string, analysis: string, results = 3): Session {
  return {
    id: '00000000-0000-4000-8000-00000000c17e',
    query: 'Q?',
    querySlug: 'q',
    status: 'complete',
    generatedAt: '2026-01-01T00:00:00Z',
    summary,
    analysis,
    tags: [],
    steps: [
      { id: 'step_0', results: Array.from({ length: results - 1 }, (_, i) => ({ title: `r${i + 1}`, url: `https://e.org/${i + 1}`, snippet: 's' })) },
      { id: 'step_1', results: [{ title: 'cut', snippet: 's', partial: true }] },
    ],
  } as Session;
}

const linksIn = (html: string) => [...html.matchAll(/<a href="(#[^"]*)" id="([^"]*)"/g)].map((m) => [m[1], m[2]]);

/** Renders each part with the transform alone, sharing one map across the parts as renderProse does. */
function render(parts: Partial<Record<CitePlace['part'], string>>, resultCount: number) {
  const places: CitationMap = new Map();
  let html = '';
  for (const part of ['summary', 'analysis'] as const) {
    const markdown = parts[part];
    if (markdown === undefined) continue;
    const tree = proseTree(markdown, part);
    citationLinks({ resultCount, part, places })?.(tree);
    html += proseHtml(tree);
  }
  return { html, links: linksIn(html), report: Object.fromEntries(places) };
}

describe('citation links (render-time hast transform)', () => {
  it('links each valid [n] to its source card with a unique id, and reports where it is cited', () => {
    const { links, report } = render({ summary: 'Summary cites [1] and [3].', analysis: '## Findings\n\n- A [1], B [2, 3].\n- C [4] and [0] point at nothing.' }, 3);
    expect(links).toEqual([
      ['#kb-source-1', 'kb-cite-1-1'],
      ['#kb-source-3', 'kb-cite-3-1'],
      ['#kb-source-1', 'kb-cite-1-2'],
      ['#kb-source-2', 'kb-cite-2-1'],
      ['#kb-source-3', 'kb-cite-3-2'],
    ]);
    expect(report).toEqual({
      1: [{ id: 'kb-cite-1-1', part: 'summary' }, { id: 'kb-cite-1-2', part: 'analysis' }],
      2: [{ id: 'kb-cite-2-1', part: 'analysis' }],
      3: [{ id: 'kb-cite-3-1', part: 'summary' }, { id: 'kb-cite-3-2', part: 'analysis' }],
    });
  });

  it('counts results with no url (partial records) too', () => {
    const { html, citations } = renderProse(session('', 'The cut record [3].'), { citations: true });
    expect(linksIn(html)).toEqual([['#kb-source-3', 'kb-cite-3-1']]);
    expect(citations).toEqual(new Map([[3, [{ id: 'kb-cite-3-1', part: 'analysis' }]]]));
  });

  it('leaves citations in code and inside links as text', () => {
    const { links } = render({ analysis: 'Code `[1]` and\n\n```\n[2]\n```\n\n[see [1]](https://e.org/x) [2]' }, 3);
    expect(links).toEqual([['#kb-source-2', 'kb-cite-2-1']]);
  });

  it('leaves hostile text as text, in the prose as the site renders it', () => {
    const hostile = 'Code `[1]` and\n\n```\n[2]\n```\n\n[see [1]](https://e.org/x) <a href="#kb-source-1" id="kb-cite-1-1">x</a> {1+1} <script>x()</script> [2]';
    const { html, citations } = renderProse(session('', hostile), { citations: true });
    // Only the last [2] is linked; the raw <a> is shown as text, never an element.
    expect(linksIn(html)).toEqual([['#kb-source-2', 'kb-cite-2-1']]);
    expect(html).not.toMatch(/<script/);
    expect(html).toContain('&lt;a href="#kb-source-1"');
    expect([...citations.keys()]).toEqual([2]);
  });

  it('does nothing in a document without results', () => {
    const one = render({ summary: '[1]', analysis: '[1] [2]' }, 1);
    expect(one.links).toEqual([['#kb-source-1', 'kb-cite-1-1'], ['#kb-source-1', 'kb-cite-1-2']]);
    expect(Object.keys(one.report)).toEqual(['1']);
    expect(citationLinks({ resultCount: 0, part: 'analysis', places: new Map() })).toBeNull();
    const none = render({ analysis: 'Text [1].\n' }, 0);
    expect(none.html).not.toContain('kb-source');
    expect(none.report).toEqual({});
    const empty = session('', 'Text [1].');
    empty.steps = [];
    const site = renderProse(empty, { citations: true });
    expect(site.html).not.toContain('kb-source');
    expect(site.citations.size).toBe(0);
  });
});
