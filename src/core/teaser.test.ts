import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shorten, teaser } from './teaser.ts';

describe('teasers for list pages', () => {
  it('gives the same short teaser whether cut from the markdown or from the longer teaser the catalog keeps', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9*_`#\\.,%-]{1,12}$/);
    const line = fc.array(word, { minLength: 1, maxLength: 30 }).map((w) => w.join(' '));
    const markdown = fc.array(fc.oneof(line, line.map((l) => `## ${l}`), line.map((l) => `- ${l}`), fc.constant('')), { maxLength: 12 }).map((l) => l.join('\n'));
    fc.assert(
      fc.property(markdown, fc.integer({ min: 60, max: 260 }), (md, max) => {
        expect(shorten(teaser(md), max)).toBe(teaser(md, max));
      }),
      { seed: 6, numRuns: 500 },
    );
  });

  it('keeps the text of links whose address has parentheses, and of reference links', () => {
    expect(teaser('See [the article](https://en.wikipedia.org/wiki/Mercury_(element)) and [the report][r].\n\n[r]: https://example.org/r')).toBe('See the article and the report.');
  });

  it('drops footnote references and the footnotes themselves', () => {
    expect(teaser('Prices fell.[^1] Demand rose.\n\n[^1]: Spot prices, Q3.')).toBe('Prices fell. Demand rose.');
  });

  it('reads underscore emphasis, strikethrough, entities and escapes as text, and leaves a literal asterisk alone', () => {
    expect(teaser('An _early_ ~~late~~ estimate: 2*3 &amp; 4\\*5 R&amp;D, &lt;b&gt; and `x_y`.')).toBe('An early late estimate: 2*3 & 4*5 R&D, <b> and x_y.');
  });

  it('leaves out headings, code, tables, rules and HTML and joins list items and quotes', () => {
    const md = '# Title\n\nIntro line one\nline two  \nline three.\n\n- First *item*\n- Second\n\n> Quoted.\n\n***\n\n```\ncode\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<div>markup</div>\n\nEnd ![chart](c.png).';
    expect(teaser(md)).toBe('Intro line one line two line three. First item Second Quoted. End chart.');
  });

  it('leaves out citation markers, which point at source cards only the briefing page has', () => {
    expect(teaser('Dependence was above 85% in 2024 [1]. China supplied about 70% [1, 3] of imports [2–4].')).toBe('Dependence was above 85% in 2024. China supplied about 70% of imports.');
    // A bracketed year, a link and a footnote-style label are not citations.
    expect(teaser('Output rose [2024 figures] and in [2025]. See [the list](https://example.org/[1]).')).toBe('Output rose [2024 figures] and in [2025]. See the list.');
  });

  it('resolves a reference link defined far below the teaser, whatever the length asked for', () => {
    const md = `See [the report][r] on ${'grid batteries and '.repeat(40)}more.\n\n${'Filler text. '.repeat(400)}\n\n[r]: https://example.org/r`;
    expect(teaser(md, 400)).toMatch(/^See the report on grid/);
    expect(shorten(teaser(md, 400), 100)).toBe(teaser(md, 100));
  });

  it('cuts at a word and marks the cut', () => {
    expect(shorten('Imports fell sharply in the second quarter', 20)).toBe('Imports fell…');
    expect(shorten('Short enough', 20)).toBe('Short enough');
  });
});
