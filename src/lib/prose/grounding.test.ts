import { describe, expect, it } from 'vitest';
import matter from 'gray-matter';
import { mdxToJs } from 'satteri';
import { sessionToMdx } from '#kb/store/mdx.ts';
import type { Session } from '#core/session.ts';
import { citationLinks } from './citations.ts';
import { groundingMarks } from './grounding.ts';

function session(summary: string, analysis: string): Session {
  return {
    id: '00000000-0000-4000-8000-00000000a11d',
    query: 'Q?',
    querySlug: 'q',
    status: 'complete',
    generatedAt: '2026-01-01T00:00:00Z',
    summary,
    analysis,
    tags: [],
    steps: [
      {
        id: 'step_0',
        results: [
          { title: 'China refines most rare earths', url: 'https://e.org/1', snippet: 'China refines about 90% of the world’s rare earths, the IEA says.' },
          { title: 'Magnet exports fall', url: 'https://e.org/2', snippet: 'Exports of rare-earth magnets to the US fell 11% in November.' },
        ],
      },
    ],
  } as Session;
}

async function compile(s: Session) {
  const { data, content } = matter(sessionToMdx(s));
  const astro = { frontmatter: data as Record<string, unknown>, headings: [], localImagePaths: new Set<string>(), remoteImagePaths: new Set<string>() };
  const out = await mdxToJs(content, { hastPlugins: [citationLinks, groundingMarks], data: { astro }, jsxImportSource: 'astro', elementAttributeNameCase: 'html' });
  return { code: out.code, placed: astro.frontmatter.kbGrounding as { claims: number[]; marks: number } };
}

describe('grounding marks (render-time hast plugin)', () => {
  it('marks an unsupported figure with its reason and links a supported claim to its evidence', async () => {
    const { code, placed } = await compile(
      session('- China refines **about 90%** of rare earths [1].', '## Findings\n\nChina makes **94%** of magnets [1]. Magnet exports to the US fell 11% in November [2].'),
    );
    expect(code).toMatch(/_components\.mark, \{\s*class: "kb-unsupported",\s*tabindex: "0",\s*title: "Not borne out by the sources: “94%” is not in the cited result \[1\]\."/);
    expect(code).toContain('"aria-describedby": "kb-why-1"');
    expect(code).toMatch(/id: "kb-why-1",\s*role: "tooltip"/);
    expect(code).toMatch(/children: "94%"/);
    // Supported claims: the summary's and the second analysis sentence, each with one link.
    const links = [...code.matchAll(/href: "(#kb-ev-\d+-\d+)",\s*id: "(kb-claim-\d+)"/g)].map((m) => [m[1], m[2]]);
    expect(links.map(([, id]) => id)).toEqual(['kb-claim-1', 'kb-claim-3']);
    expect(links[0]![0]).toMatch(/^#kb-ev-1-\d+$/);
    expect(links[1]![0]).toMatch(/^#kb-ev-2-\d+$/);
    // The claim "China makes 94% of magnets" is not linked, and the 90% one is not marked.
    expect(code.match(/kb-unsupported/g)).toHaveLength(1);
    expect(placed).toEqual({ claims: [0, 2], marks: 1 });
  });

  it('never turns text into markup: a hostile figure context stays text, escaped', async () => {
    const { code } = await compile(session('', 'Costs hit <img src=x onerror=alert(1)> $9 billion [1] "quoted" {x}.'));
    expect(code).not.toMatch(/"img"/);
    expect(code).toContain('kb-unsupported');
    expect(code).toMatch(/children: "\$9 billion"/);
  });

  it('leaves a session without results alone', async () => {
    const s = session('', 'China makes 94% of magnets.');
    s.steps = [];
    const { code, placed } = await compile(s);
    expect(code).not.toContain('kb-unsupported');
    expect(placed).toBeUndefined();
  });
});

describe('grounding marks in the prose as the site renders it (part by part, src/lib/prose/render.ts)', () => {
  it('marks and links in both parts and reports the placed claims once for the page', async () => {
    const { renderProse, PROSE_PLUGINS } = await import('./render.ts');
    const s = session('- China refines **about 90%** of rare earths [1].', '## Findings\n\n"China" makes **94%** of magnets [1]. Magnet exports to the US fell 11% in November [2].');
    const { html, reports } = renderProse(s, PROSE_PLUGINS);
    expect(html).toMatch(/<mark class="kb-unsupported" tabindex="0" title="Not borne out by the sources: “94%” is not in the cited result \[1\]\." aria-describedby="kb-why-1">94%<\/mark>/);
    expect(html).toMatch(/<span class="kb-why" id="kb-why-1" role="tooltip"[^>]*>Not borne out/);
    expect([...html.matchAll(/id="(kb-claim-\d+)"/g)].map((m) => m[1])).toEqual(['kb-claim-1', 'kb-claim-3']);
    expect(reports.kbGrounding).toEqual({ claims: [0, 2], marks: 1 });
  });
});
