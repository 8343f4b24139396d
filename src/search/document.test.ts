import { describe, expect, it } from 'vitest';
import { htmlToHast } from 'satteri';
import { SEARCH_WEIGHTS, searchDocument, searchUrl } from './document.ts';
import type { Session } from '#core/session.ts';
import { sourceId } from '#lib/citations.ts';
import { sourceReadings } from '#lib/passages.ts';
import { renderProse } from '#lib/prose/render.ts';

const session: Session = {
  id: '8e0c65b3-0d2f-48bd-bf11-594d2ccc9279',
  query: 'Rare earths <script>alert(1)</script> & "quotes"?',
  querySlug: 'us-china-rare-earths',
  generatedAt: '2025-12-31T23:59:00Z',
  summary: '# Key\n\nImports fell [1].',
  analysis: '## Findings\n\nChina refines most of it [1]. <img src=x onerror=alert(1)>',
  tags: ['rare earths', 'a,b:c'],
  steps: [{ id: 'step_0', results: [{ title: 'USGS <b>summary</b>', url: 'https://www.usgs.example/ree', snippet: 'SNIPPETWORD only here', source: 'www.USGS.example' }] }],
  status: 'partial',
};

type Node = { type: string; tagName?: string; properties?: Record<string, unknown>; children?: Node[]; value?: string };
const all = function* (node: Node): Generator<Node> {
  yield node;
  for (const child of node.children ?? []) yield* all(child);
};
const text = (node: Node): string => (node.type === 'text' ? node.value! : (node.children ?? []).map(text).join(''));

describe('the document search indexes for a briefing', () => {
  const tree = htmlToHast(searchDocument(session)) as Node;
  const elements = [...all(tree)].filter((n) => n.type === 'element');
  const filters = (name: string) => elements.filter((e) => e.properties?.dataPagefindFilter === name).map(text);

  it('holds the question as the title and query filter, the prose with the page heading ids, and the result titles and snippets', () => {
    const h1 = elements.find((e) => e.tagName === 'h1')!;
    expect(text(h1)).toBe(session.query);
    expect(h1.properties).toMatchObject({ dataPagefindMeta: 'title', dataPagefindFilter: 'query' });
    expect(elements.filter((e) => /^h[2-6]$/.test(e.tagName!)).map((e) => e.properties?.id)).toEqual(['kb-summary', 'key', 'findings', 'kb-source-1']);
    expect(text(tree)).toContain('China refines most of it');
    expect(text(tree)).toContain('USGS <b>summary</b>');
    expect(text(tree)).toContain('SNIPPETWORD');
  });

  it('gives tag, year, source and status filters as escaped element text, and date and status as meta', () => {
    expect(filters('tag')).toEqual(['rare earths', 'a,b:c']);
    expect(filters('status')).toEqual(['partial']);
    expect(filters('year')).toEqual(['2025']);
    expect(filters('source')).toEqual(['usgs.example']);
    const main = elements.find((e) => e.tagName === 'main')!;
    expect(main.properties).toMatchObject({ dataPagefindBody: '', dataPagefindMeta: 'date:2025-12-31', dataPagefindSort: 'date:2025-12-31' });
    expect(elements.some((e) => e.properties?.dataPagefindMeta === 'status:partial')).toBe(true);
  });

  it('runs nothing: untrusted text stays text', () => {
    expect(elements.map((e) => e.tagName)).not.toContain('script');
    expect(elements.map((e) => e.tagName)).not.toContain('img');
    for (const e of elements) for (const key of Object.keys(e.properties ?? {})) expect(key.startsWith('on')).toBe(false);
  });

  it('indexes the answer first and weighted above the rest of the prose', () => {
    const answered = htmlToHast(searchDocument({ ...session, answer: { text: 'Net import reliance was **about 80%** in 2024 [1]. <script>x()</script>', figures: [] } })) as Node;
    const weighted = [...all(answered)].find((e) => e.type === 'element' && e.properties?.dataPagefindWeight === '5')!;
    expect(text(weighted)).toContain('Net import reliance was about 80% in 2024');
    expect(text(weighted)).toContain('<script>x()</script>'); // shown as text, never an element
    expect([...all(answered)].filter((e) => e.type === 'element').map((e) => e.tagName)).not.toContain('script');
    expect([...all(tree)].some((e) => e.properties?.dataPagefindWeight === '5')).toBe(false); // no answer, no answer block
  });

  it('records the URL of the briefing page, which the search page prefixes with the base path', () => {
    expect(searchUrl('us-china-rare-earths', '2025-12-31-8e0c65b3')).toBe('/q/us-china-rare-earths/2025-12-31-8e0c65b3/');
  });
});

// A version 2 session: an answer with key figures, sub-queries, passages read; one word of each
// kind appears only in its place.
const read: Session = {
  id: '3f6b1c2a-5d4e-4f70-9a8b-7c6d5e4f3a21',
  query: 'How exposed is Europe to QUESTIONWORD supply?',
  querySlug: 'europe-exposure',
  generatedAt: '2026-03-02T08:00:00Z',
  answer: {
    text: 'Very exposed: ANSWERWORD imports come from one country [1].',
    figures: [
      { label: 'FIGUREWORD share <img src=x onerror=alert(1)>', value: 71, unit: '%', asOf: '2023', cite: 1 },
      { label: 'Stock', value: 12, unit: 't', text: 'about 12 t' },
    ],
  },
  summary: 'Imports SUMMARYWORD fell [1].',
  analysis: '## Outlook\n\nANALYSISWORD restart expected [2].',
  tags: ['europe'],
  steps: [
    {
      id: 'step_1',
      query: 'SUBQUERYWORD <script>alert(1)</script> imports',
      results: [
        {
          title: 'TITLEWORD factsheet <b>2024</b>',
          url: 'https://www.outletword.example/facts',
          snippet: 'SNIPPETWORD <script>alert(2)</script> appears only here.',
          read: { status: 'read', kind: 'html', chars: 4000 },
          passages: [
            { text: 'PASSAGEWORD <img src=x onerror=alert(3)> is quoted from the page.', where: 'Net <i>import</i> reliance' },
            { text: 'A second passage, placed by paragraph only.', where: 'paragraph 4' },
          ],
        },
        {
          title: 'A second outlet',
          url: 'https://second.example.org/a',
          snippet: 'Exports fell by half within a month of the licences.',
          source: 'second.example.org',
          passages: [
            // Holds its card's snippet word for word: the snippet is indexed as part of it.
            { text: 'Officials said exports fell by half within a month of the licences.' },
            // Quoted on card 1 already: the page links there, and it is indexed there only.
            { text: 'PASSAGEWORD <img src=x onerror=alert(3)> is quoted from the page.' },
          ],
        },
      ],
    },
    { id: 'step_2', results: [{ title: '', url: 'https://third.example.net/x' }] },
  ],
  status: 'complete',
};

describe('everything a briefing page shows is in its search document', () => {
  const html = searchDocument(read);
  const tree = htmlToHast(html) as Node;
  const elements = [...all(tree)].filter((n) => n.type === 'element');
  /** The weights Pagefind gives a word where it is indexed: that of its nearest element with data-pagefind-weight (else 1). */
  const weightOf = (word: string): number[] => {
    const found: number[] = [];
    const walk = (node: Node, weight: number) => {
      if (node.properties?.dataPagefindIgnore !== undefined) return; // filters only, not indexed
      const own = node.properties?.dataPagefindWeight;
      const w = own === undefined ? weight : Number(own);
      if (node.type === 'text' && node.value!.includes(word)) found.push(w);
      for (const child of node.children ?? []) walk(child, w);
    };
    walk(tree, 1);
    return found;
  };
  const headings = elements.filter((e) => /^h[2-6]$/.test(e.tagName!));

  it('holds the words of the snippet, source title, passage, key figure, sub-query and outlet, each once', () => {
    for (const word of ['SNIPPETWORD', 'TITLEWORD', 'PASSAGEWORD', 'FIGUREWORD', 'SUBQUERYWORD', 'outletword', 'ANSWERWORD', 'SUMMARYWORD', 'ANALYSISWORD']) {
      expect(weightOf(word), word).toHaveLength(1);
    }
    expect(text(tree)).toContain('FIGUREWORD share <img src=x onerror=alert(1)>: 71% (2023)');
    expect(text(tree)).toContain('Stock: about 12 t');
    expect(text(tree)).toContain('www.outletword.example'); // the outlet as the card shows it
  });

  it('weights the question above the answer, the answer above its key figures, and the briefing\'s words above its sources\'', () => {
    const w = (word: string) => weightOf(word)[0];
    expect(SEARCH_WEIGHTS).toMatchObject({ question: 10, answer: 5, figures: 3, prose: 1, subQuery: 1, title: 1, outlet: 0.5, snippet: 0.5, passage: 0.5 });
    expect(w('QUESTIONWORD')).toBe(SEARCH_WEIGHTS.question);
    expect(w('ANSWERWORD')).toBe(SEARCH_WEIGHTS.answer);
    expect(w('FIGUREWORD')).toBe(SEARCH_WEIGHTS.figures);
    // The analysis's headings count as its text, not above the answer as an h2 would by default.
    expect(w('SUMMARYWORD')).toBe(1);
    expect(w('ANALYSISWORD')).toBe(1);
    expect(w('Outlook')).toBe(1);
    expect(w('SUBQUERYWORD')).toBe(1);
    expect(w('TITLEWORD')).toBe(1);
    expect(w('outletword')).toBe(0.5);
    expect(w('SNIPPETWORD')).toBe(0.5);
    expect(w('PASSAGEWORD')).toBe(0.5);
    expect(w('Net ')).toBe(0.5); // where on its page the passage is: the page's words
    // Every weight is one Pagefind accepts.
    for (const e of elements) if (e.properties?.dataPagefindWeight !== undefined) expect(Number(e.properties.dataPagefindWeight)).toBeGreaterThan(0);
    for (const e of elements) if (e.properties?.dataPagefindWeight !== undefined) expect(Number(e.properties.dataPagefindWeight)).toBeLessThanOrEqual(10);
  });

  it('starts a section at each heading with the id the briefing page gives it, so a sub-result jumps there', () => {
    const rendered = renderProse(read);
    const passages = sourceReadings(read.steps);
    expect(headings.map((h) => h.properties?.id)).toEqual([
      'kb-answer', // the page's answer section
      'kb-key-figures', // its key figures table
      'kb-summary',
      ...rendered.headings.map((h) => h.slug), // the analysis's headings, slugged as the page slugs them
      'kb-step-1', // StepSources: kb-step-<n>, from 1
      sourceId(1),
      passages.get(1)!.passages[0]!.id,
      passages.get(1)!.passages[1]!.id,
      sourceId(2),
      passages.get(2)!.passages[0]!.id, // the second, quoted on card 1, has no section here
      sourceId(3), // step 2 records no sub-query: no heading of its own
    ]);
    expect(headings.map((h) => h.properties?.id)).toEqual(['kb-answer', 'kb-key-figures', 'kb-summary', 'outlook', 'kb-step-1', 'kb-source-1', 'kb-passage-1-1', 'kb-passage-1-2', 'kb-source-2', 'kb-passage-2-1', 'kb-source-3']);
    // Each heading has words to name its sub-result; the label's words weigh next to nothing.
    expect(headings.map(text)).toEqual([
      'Answer',
      'Key figures',
      'Executive summary',
      'Outlook',
      'Step 1: SUBQUERYWORD <script>alert(1)</script> imports',
      '[1] TITLEWORD factsheet <b>2024</b>',
      '[1] passage: Net <i>import</i> reliance',
      '[1] passage (paragraph 4)',
      '[2] A second outlet',
      '[2] passage',
      '[3] (untitled)',
    ]);
    expect(weightOf('Executive summary')).toEqual([0.1]);
    expect(weightOf('paragraph 4')).toEqual([0.1]);
  });

  it('indexes each quote once, as the page shows it: not a passage quoted on an earlier card, nor a snippet a passage holds', () => {
    expect(weightOf('PASSAGEWORD')).toHaveLength(1);
    expect(weightOf('Exports fell by half')).toHaveLength(0); // the snippet's own words, with a capital: not shown on its own
    expect(weightOf('exports fell by half')).toHaveLength(1); // inside the passage that holds it
  });

  it('keeps hostile text in figures, sub-queries, titles, snippets and passages as text', () => {
    expect(elements.map((e) => e.tagName)).not.toContain('script');
    expect(elements.map((e) => e.tagName)).not.toContain('img');
    expect(elements.map((e) => e.tagName).filter((t) => ['b', 'i'].includes(t!))).toEqual([]);
    for (const e of elements) for (const key of Object.keys(e.properties ?? {})) expect(key.startsWith('on')).toBe(false);
    expect(html).not.toMatch(/<(script|img|b|i)[\s>]/);
  });

  it('indexes a session without an answer or passages, and one without steps', () => {
    const plain = htmlToHast(searchDocument({ ...read, answer: undefined, steps: [{ id: 's', query: 'only a query', results: [{ title: 'T', snippet: 'plain SNIPPETWORD', url: 'https://x.example/' }] }] })) as Node;
    const ids = [...all(plain)].filter((n) => n.type === 'element' && /^h[2-6]$/.test(n.tagName!)).map((n) => n.properties?.id);
    expect(ids).toEqual(['kb-summary', 'outlook', 'kb-step-1', 'kb-source-1']);
    expect(text(plain)).toContain('plain SNIPPETWORD');
    expect(text(plain)).not.toContain('ANSWERWORD');
    const bare = htmlToHast(searchDocument({ ...read, answer: undefined, summary: '', analysis: '', steps: [] })) as Node;
    expect([...all(bare)].filter((n) => n.type === 'element' && /^h[2-6]$/.test(n.tagName!))).toEqual([]);
    expect(text(bare)).toContain('QUESTIONWORD');
  });
});
