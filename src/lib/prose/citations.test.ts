import { describe, expect, it } from 'vitest';
import matter from 'gray-matter';
import { mdxToJs } from 'satteri';
import { sessionToMdx } from '#kb/store/mdx.ts';
import type { Session } from '#core/session.ts';
import { citationLinks } from './citations.ts';

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

/** Compiles a session file the way Astro's MDX pipeline does, with the plugin. */
async function compile(s: Session) {
  const file = sessionToMdx(s);
  const { data, content } = matter(file);
  const astro = { frontmatter: data as Record<string, unknown>, headings: [], localImagePaths: new Set<string>(), remoteImagePaths: new Set<string>() };
  const out = await mdxToJs(content, { hastPlugins: [citationLinks], data: { astro }, jsxImportSource: 'astro', elementAttributeNameCase: 'html' });
  const links = [...out.code.matchAll(/href: "(#[^"]*)",\s*id: "([^"]*)"/g)].map((m) => [m[1], m[2]]);
  return { code: out.code, links, report: astro.frontmatter.kbCitations as Record<string, Array<{ id: string; part?: string }>> };
}

describe('citation links (render-time hast plugin)', () => {
  it('links each valid [n] to its source card with a unique id, and reports where it is cited', async () => {
    const { links, report } = await compile(session('Summary cites [1] and [3].', '## Findings\n\n- A [1], B [2, 3].\n- C [4] and [0] point at nothing.'));
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

  it('counts results with no url (partial records) too', async () => {
    const { links } = await compile(session('', 'The cut record [3].'));
    expect(links).toEqual([['#kb-source-3', 'kb-cite-3-1']]);
  });

  it('leaves citations in code and inside links as text, and hostile text stays text', async () => {
    const hostile = 'Code `[1]` and\n\n```\n[2]\n```\n\n[see [1]](https://e.org/x) <a href="#kb-source-1" id="kb-cite-1-1">x</a> {1+1} <script>x()</script> [2]';
    const { code, links } = await compile(session('', hostile));
    // Only the last [2] is linked; the raw <a> is shown as text, never an element.
    expect(links).toEqual([['#kb-source-2', 'kb-cite-2-1']]);
    expect(code).not.toMatch(/_jsx\("script"|_components\.script/);
    expect(code).toContain('<a href=\\"#kb-source-1\\"');
  });

  it('does nothing in a document without results', async () => {
    const { links, report } = await compile(session('[1]', '[1] [2]', 1));
    expect(links).toEqual([['#kb-source-1', 'kb-cite-1-1'], ['#kb-source-1', 'kb-cite-1-2']]);
    expect(report).toBeDefined();
    const none = await mdxToJs('Text [1].\n', { hastPlugins: [citationLinks], data: { astro: { frontmatter: {}, headings: [], localImagePaths: new Set<string>(), remoteImagePaths: new Set<string>() } } });
    expect(none.code).not.toContain('kb-source');
  });
});
