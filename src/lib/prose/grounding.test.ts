import { describe, expect, it } from 'vitest';
import { countCitable } from '#core/citations.ts';
import type { Session } from '#core/session.ts';
import type { CitationMap } from '#lib/citations.ts';
import { planMarks, type GroundingPlaced } from '#lib/grounding.ts';
import { citationLinks } from './citations.ts';
import { groundingMarks } from './grounding.ts';
import { proseHtml, proseTree, renderProse } from './render.ts';

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

/** Renders each part with the two transforms alone, from one plan, as renderProse does. */
function render(s: Session) {
  const plan = planMarks(s);
  const places: CitationMap = new Map();
  const placed: GroundingPlaced = { claims: [], marks: 0 };
  let html = '';
  for (const part of ['summary', 'analysis'] as const) {
    const markdown = s[part];
    if (!markdown?.trim()) continue;
    const tree = proseTree(markdown, part);
    citationLinks({ resultCount: countCitable(s.steps), part, places })?.(tree);
    groundingMarks({ plan, part, placed })?.(tree);
    html += proseHtml(tree);
  }
  return { html, placed };
}

describe('grounding marks (render-time hast transform)', () => {
  it('marks an unsupported figure with its reason and links a supported claim to its evidence', () => {
    const { html, placed } = render(
      session('- China refines **about 90%** of rare earths [1].', '## Findings\n\nChina makes **94%** of magnets [1]. Magnet exports to the US fell 11% in November [2].'),
    );
    expect(html).toMatch(/<mark class="kb-unsupported" tabindex="0" title="Not borne out by the sources: “94%” is not in the cited result \[1\]\."/);
    expect(html).toContain('aria-describedby="kb-why-1"');
    expect(html).toMatch(/id="kb-why-1" role="tooltip"/);
    expect(html).toMatch(/>94%<\/mark>/);
    // Supported claims: the summary's and the second analysis sentence, each with one link.
    const links = [...html.matchAll(/href="(#kb-ev-\d+-\d+)" id="(kb-claim-\d+)"/g)].map((m) => [m[1], m[2]]);
    expect(links.map(([, id]) => id)).toEqual(['kb-claim-1', 'kb-claim-3']);
    expect(links[0]![0]).toMatch(/^#kb-ev-1-\d+$/);
    expect(links[1]![0]).toMatch(/^#kb-ev-2-\d+$/);
    // The claim "China makes 94% of magnets" is not linked, and the 90% one is not marked.
    expect(html.match(/kb-unsupported/g)).toHaveLength(1);
    expect(placed).toEqual({ claims: [0, 2], marks: 1 });
  });

  it('leaves out a part with nothing planned in it', () => {
    const plan = planMarks(session('Nothing to check here.', 'China makes 94% of magnets [1].'));
    expect(groundingMarks({ plan, part: 'summary', placed: { claims: [], marks: 0 } })).toBeNull();
    expect(groundingMarks({ plan, part: 'analysis', placed: { claims: [], marks: 0 } })).not.toBeNull();
  });

  it('never turns text into markup: a hostile figure context stays text, escaped', () => {
    const { html } = renderProse(session('', 'Costs hit <img src=x onerror=alert(1)> $9 billion [1] "quoted" {x}.'), { citations: true, grounding: true });
    expect(html).not.toMatch(/<img/);
    expect(html).toContain('kb-unsupported');
    expect(html).toMatch(/>\$9 billion<\/mark>/);
  });

  it('leaves a session without results alone', () => {
    const s = session('', 'China makes 94% of magnets.');
    s.steps = [];
    const { html, grounding } = renderProse(s, { citations: true, grounding: true });
    expect(html).not.toContain('kb-unsupported');
    expect(grounding).toEqual({ claims: [], marks: 0 });
  });

  it('renders a session the grounding check cannot read without marks', () => {
    const s = session('', 'China makes 94% of magnets [1].');
    s.steps = [{ id: 'step_0', results: [null] }] as unknown as Session['steps'];
    expect(() => planMarks(s)).toThrow();
    const { html, grounding } = renderProse(s, { citations: true, grounding: true });
    expect(html).toContain('China makes 94% of magnets');
    expect(html).not.toContain('kb-unsupported');
    expect(grounding).toEqual({ claims: [], marks: 0 });
  });
});

describe('grounding marks in the prose as the site renders it (part by part, src/lib/prose/render.ts)', () => {
  it('marks and links in both parts and reports the placed claims once for the page', () => {
    const s = session('- China refines **about 90%** of rare earths [1].', '## Findings\n\n"China" makes **94%** of magnets [1]. Magnet exports to the US fell 11% in November [2].');
    const { html, grounding } = renderProse(s, { citations: true, grounding: true });
    expect(html).toMatch(/<mark class="kb-unsupported" tabindex="0" title="Not borne out by the sources: “94%” is not in the cited result \[1\]\." aria-describedby="kb-why-1">94%<\/mark>/);
    expect(html).toMatch(/<span class="kb-why" id="kb-why-1" role="tooltip"[^>]*>Not borne out/);
    expect([...html.matchAll(/id="(kb-claim-\d+)"/g)].map((m) => m[1])).toEqual(['kb-claim-1', 'kb-claim-3']);
    expect(grounding).toEqual({ claims: [0, 2], marks: 1 });
  });
});
