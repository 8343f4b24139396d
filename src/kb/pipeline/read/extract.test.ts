import { describe, expect, it } from 'vitest';
import { fixture, makePdf } from '#tests/support/web.ts';
import { extract, extractHtml, extractPlain } from './extract.ts';
import { ReadFailure } from './failure.ts';

const failureOf = async (run: () => unknown): Promise<ReadFailure> => {
  try {
    await run();
  } catch (error) {
    if (error instanceof ReadFailure) return error;
    throw error;
  }
  throw new Error('expected a ReadFailure');
};

describe('extracting the main text', () => {
  it('finds the article of an HTML page under its headings, without the menu or the footer', () => {
    const doc = extractHtml(fixture('article.html'));
    expect(doc.title).toMatch(/Kestrel Valley lifts lithium output/);
    const text = doc.blocks.map((b) => b.text).join('\n');
    expect(text).toContain('41,300 tonnes');
    expect(doc.blocks.find((b) => b.text.includes('5,200 US dollars'))?.heading).toBe('Costs');
    expect(text).not.toMatch(/Privacy policy|Markets|Copper prices rally/);
  });

  it('reads the text layer of a PDF, page by page, with its title', async () => {
    const pdf = makePdf(
      [
        ['Annual report 2024', 'The Kestrel Valley mine produced 41,300 tonnes of lithium carbonate', 'equivalent in 2024, up from 35,900 tonnes in 2023.'],
        ['Outlook', 'Capacity is to reach 60,000 tonnes a year by 2027 once the expansion', 'approved in January is built and the tailings dam is enlarged.'],
      ],
      'Kestrel Valley annual report',
    );
    const doc = await extract(pdf, 'application/pdf');
    expect(doc.kind).toBe('pdf');
    expect(doc.title).toBe('Kestrel Valley annual report');
    expect(doc.blocks.map((b) => b.heading)).toEqual(['page 1', 'page 2']);
    expect(doc.blocks[0]!.text).toContain('41,300 tonnes of lithium carbonate equivalent in 2024');
    expect(doc.blocks[1]!.text).toContain('60,000 tonnes a year by 2027');
  });

  it('refuses a body labelled PDF that is not one, in words', async () => {
    expect((await failureOf(() => extract(Buffer.from('<html>not a pdf</html>'), 'application/pdf'))).reason).toBe('it is not a PDF that can be opened');
  });

  it('sniffs an unlabelled body: a PDF by its magic number, markup as HTML', async () => {
    const pdf = makePdf([['A page long enough to count as text: the plant processed 2.1 million tonnes of ore in 2024,', 'and the company expects 2.4 million tonnes in 2025 after the new mill starts.', 'Grades averaged 1.3 percent lithium oxide across the year, in line with guidance.']]);
    expect((await extract(pdf, '')).kind).toBe('pdf');
    expect((await extract(Buffer.from(fixture('article.html')), '')).kind).toBe('html');
  });

  it('decodes the charset the page declares', async () => {
    const html = `<html><head><meta charset="iso-8859-1"><title>Caf\xe9</title></head><body><article><p>${'Le caf\xe9 co\xfbte 2,40 euros \xe0 Paris depuis janvier, selon l\u2019enqu\xeate. '.replace('\u2019', "'").repeat(6)}</p></article></body></html>`;
    const doc = await extract(Buffer.from(html, 'latin1'), 'text/html');
    expect(doc.blocks[0]!.text).toContain('Le café coûte 2,40 euros à Paris');
  });

  it('tells a JavaScript-only shell from an article', () => {
    expect(() => extractHtml(fixture('shell.html'))).toThrow(/needs JavaScript/);
    // An empty app root and a bundle, with no noscript text at all, is a shell too.
    expect(() => extractHtml('<html><body><div id="__next"></div><script src="/a.js"></script></body></html>')).toThrow(/needs JavaScript/);
  });

  it('tells a paywall stub from an article', () => {
    expect(() => extractHtml(fixture('paywall.html'))).toThrow(/behind a paywall/);
  });

  it('calls a page with almost no text what it is', () => {
    expect(() => extractHtml('<html><body><p>Hello.</p></body></html>')).toThrow('it has almost no readable text, 6 characters');
  });

  it('keeps scripts, handlers and MDX-looking text inert: nothing runs and the text stays text', () => {
    const canary = globalThis as { __kbReadCanary?: string };
    delete canary.__kbReadCanary;
    const doc = extractHtml(fixture('hostile.html'));
    expect(canary.__kbReadCanary).toBeUndefined();
    const text = doc.blocks.map((b) => b.text).join('\n');
    expect(text).toContain("{process.exit()} and import x from 'y'");
    expect(text).toContain('<Component/>');
    expect(text).not.toContain('__kbReadCanary');
  });

  it('splits plain text at blank lines and takes Markdown headings as headings', () => {
    const doc = extractPlain(`# Report\n\nFirst paragraph about the mine, which produced 41,300 tonnes in 2024.\nIt continues on a second line.\n\n## Costs\n\nCosts fell to 5,200 dollars per tonne as diesel prices eased over the year and the crusher used less energy.`, 'text');
    expect(doc.blocks).toEqual([
      { text: 'First paragraph about the mine, which produced 41,300 tonnes in 2024. It continues on a second line.', heading: 'Report' },
      { text: 'Costs fell to 5,200 dollars per tonne as diesel prices eased over the year and the crusher used less energy.', heading: 'Costs' },
    ]);
  });
});
