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

  it('cuts at a word and marks the cut', () => {
    expect(shorten('Imports fell sharply in the second quarter', 20)).toBe('Imports fell…');
    expect(shorten('Short enough', 20)).toBe('Short enough');
  });
});
