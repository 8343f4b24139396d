import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Session } from '#core/session.ts';
import { writeSession } from '#kb/store/store.ts';
import { createCorpusSearch, SNIPPET_MAX } from './index.ts';

let content: string;
let warnings: string[];

beforeEach(async () => {
  content = await mkdtemp(path.join(tmpdir(), 'kb-corpus-'));
  warnings = [];
});
afterEach(async () => {
  await rm(content, { recursive: true, force: true });
});

async function put(relative: string, text: string): Promise<void> {
  const file = path.join(content, 'corpus', ...relative.split('/'));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text, 'utf8');
}

const search = (options: { includeSessions?: boolean } = {}) => createCorpusSearch({ contentDir: content, onWarning: (m) => warnings.push(m), ...options });

const filler = (topic: string, n: number) =>
  Array.from({ length: n }, (_, i) => `Paragraph ${i + 1} discusses ${topic} in general terms, with background on markets, history and context for readers who are new to it.`).join('\n\n');

const RARE_EARTHS_MD = `---
title: "US rare earth imports"
url: https://trade-data.example.com/rare-earths
source: trade-data.example.com
publishedAt: 2025-02-10
---

# US rare earth imports

## Background

${filler('mining', 3)}

## Import reliance

According to the survey, US net import reliance for rare-earth compounds and metals was about 80% in 2024. China supplied about 70% of US imports of rare-earth compounds over 2020–2023, followed by Malaysia and Japan.

## Outlook

${filler('the outlook', 3)}
`;

const NICKEL_HTML = `<!doctype html>
<html><head>
<title>Indonesia's nickel surge</title>
<link rel="canonical" href="https://minerals-desk.example.org/nickel">
<meta name="source" content="minerals-desk.example.org">
<meta name="publishedAt" content="2025-04-14">
<script>var secretScriptWords = "zebra unicorn";</script>
<style>.unicorn { color: red }</style>
</head><body>
<nav>Home · zebra navigation</nav>
<h1>Indonesia's nickel surge</h1>
<p>Indonesia mined about 2.2 million tonnes of nickel in 2024, roughly 60% of world supply, after banning exports of unprocessed ore in 2020.</p>
<p>Chinese-owned firms control about three quarters of Indonesia's nickel smelting capacity.</p>
</body></html>`;

describe('createCorpusSearch', () => {
  it('finds the document that answers a question and returns the matching passage as the snippet', async () => {
    await put('rare-earths.md', RARE_EARTHS_MD);
    await put('nickel.html', NICKEL_HTML);
    await put('notes.txt', `Lithium notes\n\n${filler('lithium brine', 4)}`);
    const provider = await search();

    const results = await provider.search('What is the import dependency of the US on China for rare earths?', { maxResults: 5 });

    expect(results[0]).toMatchObject({ title: 'US rare earth imports', url: 'https://trade-data.example.com/rare-earths', source: 'trade-data.example.com', publishedAt: '2025-02-10' });
    // The snippet is the passage about imports, not the start of the file.
    expect(results[0]!.snippet).toContain('net import reliance for rare-earth compounds and metals was about 80% in 2024');
    expect(results[0]!.snippet).not.toContain('Paragraph 1');
    expect(results[0]!.snippet!.length).toBeLessThanOrEqual(SNIPPET_MAX + 1);
    expect(provider.name).toBe('corpus');
  });

  it('reads titles, urls, sources and dates from markdown frontmatter, HTML head tags and plain text', async () => {
    await put('nickel.html', NICKEL_HTML);
    await put('desk/heavy-rare-earths.txt', 'Desk note: heavy rare earths\n\nDysprosium and terbium separation outside China began in Malaysia in 2025, a first in decades.');
    await put('undated.md', '---\ntitle: Cobalt in the Congo\n---\n\nThe Democratic Republic of the Congo mined about three quarters of the world\'s cobalt in 2024.');
    const provider = await search();

    const [nickel] = await provider.search('Indonesia nickel supply share', { maxResults: 1 });
    expect(nickel).toEqual({
      title: "Indonesia's nickel surge",
      url: 'https://minerals-desk.example.org/nickel',
      snippet: expect.stringContaining('Indonesia mined about 2.2 million tonnes of nickel in 2024'),
      source: 'minerals-desk.example.org',
      publishedAt: '2025-04-14',
      content: expect.stringContaining('Indonesia mined about 2.2 million tonnes of nickel in 2024'),
    });

    const [note] = await provider.search('dysprosium terbium separation', { maxResults: 1 });
    // A document without a url has none in its result; its source names the corpus file.
    expect(note).toEqual({
      title: 'Desk note: heavy rare earths',
      snippet: 'Dysprosium and terbium separation outside China began in Malaysia in 2025, a first in decades.',
      source: 'corpus/desk/heavy-rare-earths.txt',
      content: 'Dysprosium and terbium separation outside China began in Malaysia in 2025, a first in decades.',
    });

    const [cobalt] = await provider.search('cobalt Congo', { maxResults: 1 });
    expect(cobalt).toEqual({ title: 'Cobalt in the Congo', snippet: expect.stringContaining('three quarters'), source: 'corpus/undated.md', content: expect.stringContaining('three quarters') });
  });

  it('returns each document whole as the page to read, headings as markdown, and filters by date when asked', async () => {
    await put('nickel.html', NICKEL_HTML);
    await put('old.md', '---\ntitle: Nickel in 2019\npublished: 2019-05-01\n---\n\n## Output\n\nIndonesia mined about 0.8 million tonnes of nickel in 2019.');
    const provider = await search();
    const all = await provider.search('Indonesia nickel tonnes', { maxResults: 5 });
    expect(all.map((r) => r.title)).toContain('Nickel in 2019');
    expect(all.find((r) => r.title === 'Nickel in 2019')!.content).toBe('## Output\n\nIndonesia mined about 0.8 million tonnes of nickel in 2019.');
    const recent = await provider.search('Indonesia nickel tonnes', { maxResults: 5, since: '2025-01-01' });
    expect(recent.map((r) => r.title)).not.toContain('Nickel in 2019');
    expect(recent.length).toBeGreaterThan(0);
  });

  it('never indexes script, style or navigation text, and survives malformed HTML', async () => {
    await put('nickel.html', NICKEL_HTML);
    await put('broken.html', '<html><body><p>Graphite anode material <b>made in China <div>dominates <p>battery supply chains</table></i>< <<>> &bogus; <p>unterminated');
    const provider = await search();

    expect(await provider.search('zebra unicorn', { maxResults: 5 })).toEqual([]);
    expect(await provider.search('secretScriptWords', { maxResults: 5 })).toEqual([]);
    const [broken] = await provider.search('graphite anode battery supply chains', { maxResults: 5 });
    expect(broken).toMatchObject({ title: 'Broken', source: 'corpus/broken.html' });
    expect(broken!.snippet).toContain('Graphite anode material made in China');
    expect(broken!.snippet).not.toMatch(/<[a-z]/);
    expect(warnings).toEqual([]);
  });

  it('answers questions made mostly of stop words, and matches plurals, prefixes and small typos', async () => {
    await put('rare-earths.md', RARE_EARTHS_MD);
    await put('nickel.html', NICKEL_HTML);
    const provider = await search();

    const [first] = await provider.search('What is the share of the world supply of the nickel that is from Indonesia?', { maxResults: 3 });
    expect(first?.title).toBe("Indonesia's nickel surge");
    expect((await provider.search('nickels', { maxResults: 3 }))[0]?.title).toBe("Indonesia's nickel surge");
    expect((await provider.search('Indon', { maxResults: 3 }))[0]?.title).toBe("Indonesia's nickel surge");
    expect((await provider.search('Indonessia', { maxResults: 3 }))[0]?.title).toBe("Indonesia's nickel surge");
    // Only stop words: nothing to search for.
    expect(await provider.search('What is the of the?', { maxResults: 3 })).toEqual([]);
  });

  it('includes the results stored in earlier sessions', async () => {
    await put('nickel.html', NICKEL_HTML);
    await writeSession(content, storedSession([{ title: 'Gallium prices double outside China', url: 'https://news.example.com/gallium', snippet: 'Gallium in Rotterdam rose above $600 per kilogram in early 2025.', source: 'news.example.com', publishedAt: '2025-03-15' }]));
    const provider = await search();

    const results = await provider.search('gallium price Rotterdam', { maxResults: 5 });
    expect(results).toEqual([
      { title: 'Gallium prices double outside China', url: 'https://news.example.com/gallium', snippet: 'Gallium in Rotterdam rose above $600 per kilogram in early 2025.', source: 'news.example.com', publishedAt: '2025-03-15' },
    ]);
    // …unless asked not to.
    expect(await (await search({ includeSessions: false })).search('gallium price Rotterdam', { maxResults: 5 })).toEqual([]);
  });

  it('returns each url once, and a stored copy of a corpus page does not crowd out the corpus passage', async () => {
    await put('rare-earths.md', RARE_EARTHS_MD);
    await writeSession(
      content,
      storedSession([
        { title: 'US rare earth imports (stored)', url: 'https://trade-data.example.com/rare-earths/', snippet: 'US rare earth imports from China: import reliance for rare earths was high.' },
        { title: 'Another copy', url: 'https://news.example.com/copy', snippet: 'US rare earth imports from China: import reliance for rare earths was high.' },
        { title: 'Rare earth magnets', url: 'https://news.example.com/magnets', snippet: 'US imports of rare earth magnets come mostly from China.' },
      ]),
    );
    const provider = await search();

    const results = await provider.search('US rare earth imports China reliance', { maxResults: 10 });
    const urls = results.map((r) => r.url);
    expect(new Set(urls).size).toBe(urls.length);
    // The corpus document stands for its url (several of its passages match; the stored copy too).
    expect(results.filter((r) => r.url?.startsWith('https://trade-data.example.com/rare-earths'))).toEqual([
      expect.objectContaining({ title: 'US rare earth imports', source: 'trade-data.example.com' }),
    ]);
    // Identical snippets under different urls are one result.
    const snippets = results.map((r) => r.snippet);
    expect(new Set(snippets).size).toBe(snippets.length);
    expect(results.map((r) => r.title)).toContain('Rare earth magnets');
  });

  it('gives the same results, in the same order, every time', async () => {
    await put('rare-earths.md', RARE_EARTHS_MD);
    await put('nickel.html', NICKEL_HTML);
    // Many near-identical documents: ties must break the same way every time.
    const codes = 'abcdefghijkl'.split('').map((c) => c + c);
    for (let i = 0; i < 12; i++) {
      await put(`same/${String(i).padStart(2, '0')}.md`, `---\ntitle: Copy ${i}\nurl: https://example.org/${i}\n---\n\nChina supplies rare earths to the US (note ${codes[i]}).`);
    }
    const queries = ['rare earths China US', 'nickel', 'import reliance'];
    const a = await search();
    const b = await search();
    for (const q of queries) {
      const first = await a.search(q, { maxResults: 8 });
      expect(await a.search(q, { maxResults: 8 })).toEqual(first);
      expect(await b.search(q, { maxResults: 8 })).toEqual(first);
    }
    const copies = (await a.search('China supplies rare earths to the US', { maxResults: 20 })).filter((r) => r.title.startsWith('Copy'));
    expect(copies.map((r) => r.title)).toEqual(Array.from({ length: 12 }, (_, i) => `Copy ${i}`));
  });

  it('returns no results, not an error, when the corpus folder is missing or empty', async () => {
    const missing = await search();
    expect(await missing.search('rare earths', { maxResults: 5 })).toEqual([]);
    await mkdir(path.join(content, 'corpus'));
    const empty = await search();
    expect(await empty.search('rare earths', { maxResults: 5 })).toEqual([]);
  });

  it('skips READMEs, dotfiles and other file types, and warns about files it cannot read', async () => {
    await put('README.md', '# About this corpus\n\nThese documents about walruses are illustrative.');
    await put('.hidden.md', 'Walruses hide here.');
    await put('data.json', '{"walrus": true}');
    await put('bad-frontmatter.md', '---\ntitle: [unclosed\n---\n\nWalruses in bad frontmatter.');
    await put('good.md', 'Walrus populations in the Arctic are counted every five years by survey teams.');
    const provider = await search();

    const results = await provider.search('walrus', { maxResults: 10 });
    expect(results.map((r) => r.source)).toEqual(['corpus/good.md']);
    expect(warnings).toEqual([expect.stringContaining('bad-frontmatter.md: skipped')]);
  });

  it('respects maxResults and cuts long passages at a word boundary with an ellipsis', async () => {
    const long = `Cobalt ${'refinery capacity expansion plans in Finland and Canada continue to face delays '.repeat(12)}end.`;
    await put('long.txt', long);
    for (let i = 0; i < 5; i++) await put(`c${i}.md`, `Cobalt refinery number ${i} in Finland.`);
    const provider = await search();

    expect(await provider.search('cobalt refinery Finland', { maxResults: 3 })).toHaveLength(3);
    expect(await provider.search('cobalt refinery Finland', { maxResults: 0 })).toEqual([]);
    const [result] = (await provider.search('cobalt refinery Finland delays', { maxResults: 10 })).filter((r) => r.source === 'corpus/long.txt');
    expect(result!.snippet!.length).toBeLessThanOrEqual(SNIPPET_MAX + 1);
    expect(result!.snippet).toMatch(/[a-z]…$/);
    expect(long).toContain(result!.snippet!.slice(0, -1));
  });

  it('stops when the search is aborted', async () => {
    await put('nickel.html', NICKEL_HTML);
    const provider = await search();
    const controller = new AbortController();
    controller.abort();
    await expect(provider.search('nickel', { maxResults: 3, signal: controller.signal })).rejects.toThrow();
  });
});

function storedSession(results: Session['steps'][number]['results']): Session {
  return {
    id: 'stored-session-0001',
    query: 'Earlier question?',
    querySlug: 'earlier-question',
    generatedAt: '2025-06-01T00:00:00Z',
    analysis: 'Earlier analysis.',
    tags: [],
    steps: [{ id: 'step_0', query: 'earlier', results }],
    status: 'complete',
  };
}
