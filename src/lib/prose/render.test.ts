import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { htmlToHast } from 'satteri';
import { renderProse } from './render.ts';
import type { Session } from '#core/session.ts';
import { sessionArb } from '#tests/security/properties.ts';

const session = (over: Partial<Session> = {}): Session => ({
  id: '8e0c65b3-0d2f-48bd-bf11-594d2ccc9279',
  query: 'What is the import dependency of the US on China for rare earths?',
  querySlug: 'us-china-rare-earths',
  generatedAt: '2026-01-27T05:52:47Z',
  summary: '# Key points\n\nImports fell [1].',
  analysis: '# Findings\n\n## Key points\n\nChina refines most of it [2]. Imports fell [1].',
  tags: [],
  steps: [{ id: 'step_0', results: [{ title: 'A', url: 'https://a.example/' }, { title: 'B', url: 'https://b.example/' }] }],
  status: 'complete',
  ...over,
});

type Node = { type: string; tagName?: string; properties?: Record<string, unknown>; children?: Node[]; value?: string };
function* elements(node: Node): Generator<Node> {
  if (node.type === 'element') yield node;
  for (const child of node.children ?? []) yield* elements(child);
}

describe('renderProse', () => {
  it('renders the summary and the analysis in their own sections, headings moved to their level with unique ids', () => {
    const { html, headings } = renderProse(session());
    expect(html).toMatch(/^<section data-kb-part="summary">\n<h3 id="key-points">Key points<\/h3>[\s\S]*<\/section>\n<section data-kb-part="analysis">\n<h2 id="findings">Findings<\/h2>\n<h3 id="key-points-1">Key points<\/h3>/);
    expect(headings).toEqual([
      { depth: 3, slug: 'key-points', text: 'Key points', part: 'summary' },
      { depth: 2, slug: 'findings', text: 'Findings', part: 'analysis' },
      { depth: 3, slug: 'key-points-1', text: 'Key points', part: 'analysis' },
    ]);
  });

  it('leaves out an empty summary', () => {
    const { html } = renderProse(session({ summary: '  \n' }));
    expect(html).not.toContain('data-kb-part="summary"');
    expect(html).toContain('data-kb-part="analysis"');
  });

  it('shows raw HTML as text, keeps only http(s) links, and never loads an image', () => {
    const { html } = renderProse(
      session({
        summary: 'See <script>alert(1)</script> and <img src=x onerror=alert(1)>.',
        analysis: '<div onclick="x">block</div>\n\n[bad](javascript:alert(1)) [data](data:text/html,x) [ok](https://ok.example/a) ![chart](https://img.example/c.png) ![local](/etc/passwd) mail a@b.co',
      }),
    );
    const tree = htmlToHast(html) as Node;
    const tags = [...elements(tree)].map((e) => e.tagName);
    expect(tags).not.toContain('script');
    expect(tags).not.toContain('img');
    expect(tags).not.toContain('div');
    expect(html).toContain('&lt;script>alert(1)&lt;/script>');
    const links = [...elements(tree)].filter((e) => e.tagName === 'a').map((e) => [e.properties?.href, e.properties?.className]);
    expect(links).toEqual([
      ['https://ok.example/a', undefined],
      ['https://img.example/c.png', ['image-ref']],
    ]);
    expect(html).toContain('<span class="unlinked">bad</span>');
    expect(html).toContain('<span class="image-ref">[image: local]</span>');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
  });

  it('makes links safe wherever they sit: around images, inside headings, inside other link text', () => {
    const cases: Array<[string, string]> = [
      ['[![x](https://i.example/a.png)](javascript:alert(1))', '<span class="unlinked"><a class="image-ref" href="https://i.example/a.png" rel="noopener noreferrer nofollow" referrerpolicy="no-referrer">[image: x]</a></span>'],
      ['[![x](javascript:y)](https://ok.example)', '<a href="https://ok.example/" rel="noopener noreferrer nofollow" referrerpolicy="no-referrer"><span class="image-ref">[image: x]</span></a>'],
      ['# [h](javascript:x)', '<h2 id="h"><span class="unlinked">h</span></h2>'],
      ['[a [c](vbscript:x)](https://ok.example)', '[a <span class="unlinked">c</span>]('],
    ];
    for (const [markdown, expected] of cases) expect(renderProse(session({ summary: '', analysis: markdown })).html).toContain(expected);
  });

  it('gives the two parts distinct footnote ids', () => {
    const { html } = renderProse(session({ summary: 'A[^1].\n\n[^1]: one', analysis: 'B[^1].\n\n[^1]: two' }));
    expect(html).toContain('id="user-content-summary-fn-1"');
    expect(html).toContain('id="user-content-fn-1"');
  });

  it('adds no links or marks unless asked', () => {
    const { html, citations, grounding } = renderProse(session());
    expect(html).not.toMatch(/kb-cite|kb-claim|kb-unsupported/);
    expect(citations.size).toBe(0);
    expect(grounding).toEqual({ claims: [], marks: 0 });
  });

  it('links citations across both parts with one count per source, and reports where each is cited', () => {
    const { html, citations } = renderProse(session(), { citations: true });
    expect(html).toContain('<a href="#kb-source-1" id="kb-cite-1-1" aria-label="source 1">1</a>');
    expect(html).toContain('<a href="#kb-source-1" id="kb-cite-1-2" aria-label="source 1">1</a>');
    expect(citations).toEqual(
      new Map([
        [1, [{ id: 'kb-cite-1-1', part: 'summary' }, { id: 'kb-cite-1-2', part: 'analysis' }]],
        [2, [{ id: 'kb-cite-2-1', part: 'analysis' }]],
      ]),
    );
  });

  it('renders the answer as its own part, first, apart from the summary and analysis, its citations counted first', () => {
    const { html, answer, citations, headings } = renderProse(session({ answer: { text: 'Yes, mostly [2] <script>alert(1)</script> [x](javascript:y).', figures: [] } }), { citations: true });
    expect(answer).toBe(
      '<section data-kb-part="answer">\n<p>Yes, mostly [<a href="#kb-source-2" id="kb-cite-2-1" aria-label="source 2">2</a>] &lt;script>alert(1)&lt;/script> <span class="unlinked">x</span>.</p>\n</section>\n',
    );
    expect(html).not.toContain('data-kb-part="answer"');
    expect(html).toContain('id="kb-cite-2-2"'); // the analysis's [2] is the second citation of source 2
    expect(citations.get(2)).toEqual([{ id: 'kb-cite-2-1', part: 'answer' }, { id: 'kb-cite-2-2', part: 'analysis' }]);
    expect(headings.map((h) => h.part)).not.toContain('answer');
    // No answer, or a blank one: nothing.
    expect(renderProse(session()).answer).toBeUndefined();
    expect('answer' in renderProse(session())).toBe(false);
  });

  it('describes a citation by the passage it rests on, escaped, in a popover the link points at', () => {
    const steps: Session['steps'] = [
      { id: 'step_0', results: [{ title: 'A', url: 'https://a.example/', passages: [{ text: '  ', where: 'x' }, { text: 'He said <script>alert(1)</script> & "left"', where: 'Annex <b>II</b>' }] }, { title: 'B' }] },
    ];
    const { html } = renderProse(session({ steps, answer: { text: 'Answer [1].', figures: [] } }), { citations: true });
    expect(html).toContain(
      '[<a href="#kb-source-1" id="kb-cite-1-2" aria-label="source 1" aria-describedby="kb-cite-1-2-passage">1</a><span class="kb-cite-passage" id="kb-cite-1-2-passage" role="tooltip" data-pagefind-ignore>“He said &lt;script>alert(1)&lt;/script> &amp; "left"” (Annex &lt;b>II&lt;/b>)</span>]',
    );
    // A source with no passages: a plain citation link.
    expect(html).toContain('[<a href="#kb-source-2" id="kb-cite-2-1" aria-label="source 2">2</a>]');
    expect(htmlToHast(html) && [...elements(htmlToHast(html) as Node)].some((e) => e.tagName === 'script')).toBe(false);
    // Without citations asked for, no popovers.
    expect(renderProse(session({ steps })).html).not.toContain('kb-cite-passage');
  });

  it('leaves the grounding marks in place around the citations\' popovers', () => {
    const steps: Session['steps'] = [{ id: 'step_0', results: [{ title: 'Imports', url: 'https://a.example/', snippet: 'Imports fell 12% in 2024.', passages: [{ text: 'Imports fell 12% in 2024.' }] }] }];
    const { html, grounding } = renderProse(session({ summary: '', analysis: 'Imports fell 12% in 2024 [1]. Exports rose 40% [1].', steps }), { citations: true, grounding: true });
    expect(html).toContain('kb-cite-passage');
    expect(grounding.claims.length).toBe(1);
    expect(grounding.marks).toBe(1);
    expect(html).toMatch(/<mark class="kb-unsupported"[^>]*>40%<\/mark>/);
  });

  it('renders markdown nested thousands of levels deep without failing', () => {
    const { html } = renderProse(session({ analysis: '>'.repeat(5000) + ' deep <b>raw</b>', summary: '- '.repeat(3000) + 'x' }), { citations: true, grounding: true });
    expect(html).toContain('deep &lt;b>raw&lt;/b>');
    expect(html.split('data-kb-part="analysis"')[0]).toMatch(/\sx\s/);
    // The first hundred levels keep their markup; below them, the text.
    expect(html.match(/<blockquote>/g)?.length).toBe(100);
  });

  it('turns any session into HTML with no script, no event handler and no link but http(s) and in-page anchors', () => {
    fc.assert(
      fc.property(sessionArb, (s) => {
        const { html } = renderProse(s, { citations: true, grounding: true });
        for (const el of elements(htmlToHast(html) as Node)) {
          expect(['script', 'style', 'iframe', 'img', 'object', 'embed', 'form']).not.toContain(el.tagName);
          for (const key of Object.keys(el.properties ?? {})) expect(key.toLowerCase().startsWith('on')).toBe(false);
          const href = el.properties?.href;
          if (href !== undefined) expect(String(href)).toMatch(/^(#|https?:\/\/)/);
        }
      }),
      { seed: 20261127, numRuns: 300 },
    );
  });
});
