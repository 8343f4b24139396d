import { describe, expect, it } from 'vitest';
import { textBlocks } from './markdown-text.ts';

describe('markdown as text blocks', () => {
  it('types each block and marks list items and footnotes with their number', () => {
    const md = '## Findings\n\nPrices *fell*.[^a]\n\n5. Fifth\n   - nested\n6. Sixth\n\n```\nx = 1\n```\n\n[^a]: A note.';
    expect(textBlocks(md)).toEqual([
      { type: 'heading', text: 'Findings' },
      { type: 'paragraph', text: 'Prices fell.' },
      { type: 'paragraph', text: 'Fifth', marker: '5.' },
      { type: 'paragraph', text: 'nested', marker: '-' },
      { type: 'paragraph', text: 'Sixth', marker: '6.' },
      { type: 'code', text: 'x = 1' },
      { type: 'footnote', text: 'A note.', marker: '[a]' },
    ]);
  });

  it('keeps words apart at a hard line break and leaves inline HTML tags out', () => {
    expect(textBlocks('one\\\ntwo  \nthree <b>four</b>')).toEqual([{ type: 'paragraph', text: 'one two three four' }]);
  });
});
