import { describe, expect, it } from 'vitest';
import { dense, pageGrounding, planMarks, segments } from './grounding.ts';

const session = {
  summary: '- China refines “about 90%” of rare earths [1].',
  analysis: 'China makes 94% of magnets [1]. Magnet exports to the US fell 11% in November [2].',
  steps: [
    {
      results: [
        { title: 'China refines most rare earths', snippet: 'China refines about 90% of the world’s rare earths.' },
        { title: 'Magnet exports fall', snippet: 'Exports of rare-earth magnets to the US fell 11% in November.' },
      ],
    },
  ],
};

describe('grounding on the page', () => {
  it('highlights the supporting words of each source in order, merged, with integer-only ids', () => {
    const { highlights, targets, bySource } = pageGrounding(session);
    const snippet = session.steps[0]!.results[1]!.snippet;
    const marks = highlights.get(2)!.filter((h) => h.field === 'snippet');
    expect(marks.map((h) => snippet.slice(h.start, h.end))).toEqual(['Exports', 'magnets', 'US', 'fell', '11%', 'November']);
    for (const h of highlights.get(2)!) expect(h.id).toMatch(/^kb-ev-2-\d+$/);
    // Each supported claim's link goes to its figure's highlight.
    const target = targets.get(2)!;
    expect(target.n).toBe(2);
    expect(snippet.slice(marks.find((h) => h.id === target.id)!.start, marks.find((h) => h.id === target.id)!.end)).toBe('11%');
    expect([...bySource.entries()]).toEqual([
      [1, [0]],
      [2, [2]],
    ]);
  });

  it('cuts a text into plain and highlighted pieces that join back to the text', () => {
    const text = 'Exports fell 11% in November.';
    const parts = segments(text, [
      { field: 'snippet', start: 8, end: 16, id: 'kb-ev-1-1' },
      { field: 'snippet', start: 20, end: 28, id: 'kb-ev-1-2' },
    ]);
    expect(parts).toEqual([{ text: 'Exports ' }, { text: 'fell 11%', id: 'kb-ev-1-1' }, { text: ' in ' }, { text: 'November', id: 'kb-ev-1-2' }, { text: '.' }]);
    expect(parts.map((p) => p.text).join('')).toBe(text);
    // Ranges that do not fit the text are left out rather than cutting it wrongly.
    expect(segments('short', [{ field: 'snippet', start: 2, end: 40, id: 'kb-ev-1-1' }])).toEqual([{ text: 'short' }]);
  });

  it('plans markers and links in "dense" positions, which typesetting (smart quotes) does not move', () => {
    const plan = planMarks(session);
    expect(dense('“about 90%”  of')).toBe('"about90%"of');
    const [summary, analysis] = plan;
    expect(summary!.links).toHaveLength(1);
    expect(analysis!.marks).toEqual([{ start: dense('China makes ').length, end: dense('China makes 94%').length, why: '“94%” is not in the cited result [1]', k: 0 }]);
    expect(analysis!.links.map((l) => l.at)).toEqual([dense(session.analysis).length]);
  });
});
