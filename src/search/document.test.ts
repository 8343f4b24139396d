import { describe, expect, it } from 'vitest';
import { htmlToHast } from 'satteri';
import { searchDocument, searchUrl } from './document.ts';
import type { Session } from '#core/session.ts';

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

  it('holds the question as the title and query filter, the prose with the page heading ids, and the result titles, not the snippets', () => {
    const h1 = elements.find((e) => e.tagName === 'h1')!;
    expect(text(h1)).toBe(session.query);
    expect(h1.properties).toMatchObject({ dataPagefindMeta: 'title', dataPagefindFilter: 'query' });
    expect(elements.filter((e) => /^h[2-6]$/.test(e.tagName!)).map((e) => e.properties?.id)).toEqual(['key', 'findings']);
    expect(text(tree)).toContain('China refines most of it');
    expect(text(tree)).toContain('USGS <b>summary</b>');
    expect(text(tree)).not.toContain('SNIPPETWORD');
  });

  it('gives tag, year and source filters as escaped element text, and date and status as meta', () => {
    expect(filters('tag')).toEqual(['rare earths', 'a,b:c']);
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
    expect([...all(tree)].some((e) => e.properties?.dataPagefindWeight !== undefined)).toBe(false); // no answer, no weighted block
  });

  it('records the URL of the briefing page, which the search page prefixes with the base path', () => {
    expect(searchUrl('us-china-rare-earths', '2025-12-31-8e0c65b3')).toBe('/q/us-china-rare-earths/2025-12-31-8e0c65b3/');
  });
});
