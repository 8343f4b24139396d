import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mdxToSession, sessionToMdx } from '#kb/store/mdx.ts';
import type { Result, Session, Step } from '#core/session.ts';
import { checkCitations, numberResults } from '#core/citations.ts';
import { splitSentences } from '#core/text-analysis.ts';
import { extractiveAnalyst, findFigures } from './index.ts';

const QUESTION = 'What is the import dependency of the US on China for rare earths?';

/** Three steps with results, one empty, one failed, one cut off: the shapes a run produces. */
function fixtureSteps(): Step[] {
  return [
    {
      id: 'step_0',
      query: 'import dependency US China rare earths',
      results: [
        {
          title: 'US rare earth imports: how much still comes from China',
          url: 'https://trade-data.example.com/rare-earths/imports',
          snippet:
            'US net import reliance for rare-earth compounds and metals was about 80% in 2024. China supplied about 70% of US imports of rare-earth compounds and metals over 2020–2023. Much of it is processed.',
          source: 'trade-data.example.com',
          publishedAt: '2025-02-10',
          // The page was read: its passages are quoted too, before the snippet.
          read: { status: 'read', kind: 'html', chars: 5200 },
          passages: [
            { text: 'The value of US imports of rare-earth compounds and metals was about $170 million in 2024.', where: 'Imports by value', score: 0.7 },
            { text: 'Malaysia supplied about 13% of US imports of rare-earth compounds and metals, Japan about 6% and Estonia about 5%.', where: 'Where imports come from', score: 0.6 },
          ],
        },
        {
          title: 'Where US rare earth magnets come from',
          url: 'https://minerals-desk.example.org/magnets',
          snippet:
            '...magnets, and it is where US dependence on China is most acute. China produced about 92% of the world\'s sintered rare earth magnets in 2024, while the US produced almost none...',
          source: 'minerals-desk.example.org',
          publishedAt: '2025-06-18T09:00:00Z',
          read: { status: 'read', kind: 'html', chars: 3900 },
          passages: [
            { text: 'US imports of permanent magnets were about 8,500 tonnes in 2024, most of them from China.', where: 'Imports', score: 0.66 },
            { text: 'Permanent magnets made of neodymium, iron and boron are the largest use of rare earths by value.', where: 'paragraph 1', score: 0.5 },
          ],
        },
        {
          title: 'Rare earth policy brief',
          url: 'https://www.policy-tracker.example.org/rare-earths',
          // Mark-up and the page's own reference marks must not reach the analysis.
          snippet: 'US policy on <b>rare earths</b> has moved from stockpiles to direct ownership of producers in China\'s shadow [12]. Analysts expect US import dependence on China for rare earths to fall below 60% by 2030.',
          source: 'www.policy-tracker.example.org',
        },
      ],
    },
    {
      id: 'step_1',
      query: 'US China rare earths import share statistics',
      results: [
        {
          title: 'US rare earth imports (copy)',
          url: 'https://news.example.com/copy',
          // A near-identical restatement of result 1's first sentence: quoted once.
          snippet: 'US net import reliance for rare-earth compounds and metals was about 80% in 2024!',
          source: 'news.example.com',
          publishedAt: '2026-01-05',
        },
        {
          title: 'China rare earth export licences',
          url: 'https://policy-tracker.example.org/licences',
          snippet:
            'China required export licences for seven rare earths from April 2025, and rare earth magnet exports to the US fell by more than 90% in May. Short one. It was bad and',
          source: 'policy-tracker.example.org',
          publishedAt: '2025-11-12',
          passages: [{ text: 'US importers now hold larger rare earth inventories, but most estimate their stocks at three to six months of use.', where: 'Stocks' }],
        },
        { title: 'A result without a snippet', url: 'https://news.example.com/no-snippet', source: 'news.example.com' },
      ],
      truncated: true,
    },
    { id: 'step_2', query: 'US China rare earths latest data', results: [], note: 'The search engine returned nothing for this query.' },
    { id: 'step_3', query: 'US China rare earths policy response', results: [], error: 'tavily: rate limited (HTTP 429)' },
  ];
}

/** What may be quoted: the snippets and the passages read. */
const SNIPPETS = fixtureSteps().flatMap((s) => s.results.flatMap((r) => [r.snippet ?? '', ...(r.passages ?? []).map((p) => p.text)]));

/** The list items of a markdown text (bullets and numbered). */
function listItems(markdown: string): string[] {
  return markdown.split('\n').filter((line) => /^(?:- |\d+\. )/.test(line));
}

/** A quoted item, without its list marker and citation, as the source gave it. */
function quoted(item: string): string {
  return item
    .replace(/^(?:- |\d+\. )/, '')
    .replace(/ \[\d+\](?=[.!?]?$)/, '')
    .replace(/\.$/, '');
}

function section(analysis: string, heading: string): string {
  const start = analysis.indexOf(`## ${heading}\n`);
  const rest = analysis.slice(start + heading.length + 4);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

describe('extractiveAnalyst', () => {
  it('cites every quoted sentence with a [n] that points at a result', async () => {
    const steps = fixtureSteps();
    const { summary, analysis } = await extractiveAnalyst.analyse(QUESTION, steps);
    const count = numberResults(steps).length;

    for (const text of [summary, analysis]) {
      const check = checkCitations(text, count);
      expect(check.removed).toBe(0);
      expect(check.text).toBe(text);
    }
    const items = [...listItems(summary), ...listItems(analysis).filter((line) => line.startsWith('- ') && !line.startsWith('- This briefing'))];
    const findings = listItems(section(analysis, 'Findings'));
    expect(findings.length).toBeGreaterThanOrEqual(4);
    for (const item of [...listItems(summary), ...findings]) expect(item, item).toMatch(/ \[\d+\][.!?]?$/);
    expect(items.length).toBeGreaterThan(0);
    expect(extractiveAnalyst.name).toBe('extractive');
  });

  it('quotes sentences faithfully, drops fragments, cut-offs, mark-up and near-duplicates', async () => {
    const { summary, analysis, answer } = await extractiveAnalyst.analyse(QUESTION, fixtureSteps());
    const findings = listItems(section(analysis, 'Findings'));
    for (const item of [...findings, ...listItems(summary)]) {
      const text = quoted(item);
      expect(SNIPPETS.some((snippet) => snippet.replace(/<\/?b>/g, '').replace(' [12]', '').includes(text)), text).toBe(true);
    }
    const all = `${answer!.text}\n${summary}\n${analysis}`;
    expect(all).not.toContain('Short one');
    expect(all).not.toContain('It was bad and');
    // The leading "..." fragment is dropped; the sentence cut off by a trailing "..." is kept
    // without its ellipsis because it is otherwise complete.
    expect(all).not.toContain('magnets, and it is where');
    expect(all).toContain("China produced about 92% of the world's sintered rare earth magnets in 2024, while the US produced almost none [2].");
    expect(all).not.toMatch(/\.\.\.|…/);
    expect(all).not.toMatch(/<\/?b>/);
    expect(all).not.toContain('[12]');
    // Result 4 restates result 1's sentence: it is quoted once, from result 1 (as the answer, now).
    expect(all.split('\n').filter((line) => line.includes('net import reliance') && !line.startsWith('|'))).toEqual([expect.stringContaining('[1]')]);
  });

  it('answers first, and leaves the summary the three key findings beyond the answer', async () => {
    const { summary, answer } = await extractiveAnalyst.analyse(QUESTION, fixtureSteps());
    const lines = summary.split('\n');
    expect(answer!.text).toMatch(/^US net import reliance for rare-earth compounds and metals was about 80% in 2024 \[1\]\./);
    expect(summary).not.toContain(answer!.text);
    expect(lines[0]).toBe('Key findings:');
    expect(listItems(summary).map((item) => item.slice(0, 3))).toEqual(['1. ', '2. ', '3. ']);
  });

  it('groups findings under ### headings, and lists the findings\' other figures, not sentences, in the figures table', async () => {
    const { summary, analysis, answer } = await extractiveAnalyst.analyse(QUESTION, fixtureSteps());
    const findings = section(analysis, 'Findings');
    expect(findings).toMatch(/^### \S/m);
    const figureFindings = listItems(findings).filter((item) => findFigures(quoted(item)).length > 0);
    expect(figureFindings.length + answer!.figures.length).toBeGreaterThanOrEqual(3);

    const table = section(analysis, 'Figures').trim().split('\n');
    expect(table[0]).toBe('| Figure | What it measures | As of | Source |');
    expect(table[1]).toBe('| --- | --- | --- | --- |');
    const rows = table.slice(2);
    // Every finding with a figure has a row citing the same result; no row repeats a sentence.
    for (const item of figureFindings) {
      const n = /\[(\d+)\][.!?]?$/.exec(item)![1];
      expect(rows.some((r) => r.includes(` | [${n}] `)), item).toBe(true);
      expect(rows.some((r) => r.includes(quoted(item))), item).toBe(false);
    }
    // The key figures are with the answer, and only there.
    expect(answer!.figures).toEqual(expect.arrayContaining([expect.objectContaining({ text: 'about 80%', label: 'US net import reliance for rare-earth compounds and metals', asOf: '2024', cite: 1 })]));
    for (const f of answer!.figures) expect(rows.some((r) => r.startsWith(`| ${f.text} |`) && r.includes(`[${f.cite}]`)), f.text).toBe(false);
    expect(summary).not.toMatch(/^\|/m);
  });

  it('states the right counts, date span, and the steps that came back empty, failed or cut off', async () => {
    const { analysis } = await extractiveAnalyst.analyse(QUESTION, fixtureSteps());
    const limitations = section(analysis, 'Limitations');
    // How many results and outlets there were is not a finding: no line counts them.
    expect(limitations).not.toMatch(/distinct sources?|search results/);
    expect(limitations).toContain('Publication dates are known for 4 of 6 results, dated from 2025-02-10 to 2026-01-05; 2 results have no date.');
    expect(limitations).toContain('1 result had no snippet, so nothing could be quoted from it.');
    expect(limitations).toContain('step_2 (“US China rare earths latest data”) added no results. The search engine returned nothing for this query.');
    expect(limitations).toContain('step_3 (“US China rare earths policy response”) failed: tavily: rate limited (HTTP 429).');
    expect(limitations).toContain('step_1 (“US China rare earths import share statistics”) was cut off: more results existed than arrived.');
    expect(limitations).toContain('not written by a language model');
  });

  it('says honestly that no sources were found when every step is empty or failed', async () => {
    const steps: Step[] = [
      { id: 'step_0', query: 'rare earths', results: [] },
      { id: 'step_1', query: 'rare earth imports', results: [], error: 'brave: HTTP 401 (check BRAVE_API_KEY)' },
    ];
    const { summary, analysis } = await extractiveAnalyst.analyse(QUESTION, steps);
    expect(summary).toBe('No sources were found for this question, so this briefing has no findings. None of the 2 searches returned a result.');
    expect(analysis).toContain('No sources were found');
    expect(analysis).toContain("step_0 (“rare earths”) added no results: none were found, or all repeated an earlier step's.");
    expect(analysis).toContain('step_1 (“rare earth imports”) failed: brave: HTTP 401 (check BRAVE_API_KEY).');
    expect(`${summary}${analysis}`).not.toMatch(/\[\d+\]/);
    expect(analysis).not.toContain('## Figures');

    const none = await extractiveAnalyst.analyse(QUESTION, []);
    expect(none.summary).toContain('No searches were run');
    const failed = await extractiveAnalyst.analyse(QUESTION, [{ id: 'step_0', results: [], error: 'timeout' }]);
    expect(failed.summary).toContain('Every search failed');
  });

  it('says so when the results have nothing quotable, without inventing findings', async () => {
    const steps: Step[] = [{ id: 'step_0', query: 'rare earths', results: [{ title: 'Only a title', url: 'https://example.com/a' }] }];
    const { summary, analysis } = await extractiveAnalyst.analyse(QUESTION, steps);
    expect(summary).toContain('do not answer this question directly');
    expect(analysis).toContain('No findings could be extracted');
    expect(checkCitations(`${summary}\n${analysis}`, 1).removed).toBe(0);
  });

  it('gives byte-identical output for the same input', async () => {
    const a = await extractiveAnalyst.analyse(QUESTION, fixtureSteps());
    const b = await extractiveAnalyst.analyse(QUESTION, structuredClone(fixtureSteps()));
    expect(b.summary).toBe(a.summary);
    expect(b.analysis).toBe(a.analysis);
    expect(b.answer).toEqual(a.answer);
  });

  it('writes text that goes through the session MDX writer and reads back unchanged', async () => {
    const steps = fixtureSteps();
    const { summary, analysis } = await extractiveAnalyst.analyse(QUESTION, steps);
    const session: Session = {
      id: 'extractive-test-0001',
      query: QUESTION,
      querySlug: 'us-china-rare-earths',
      generatedAt: '2026-02-01T06:00:00Z',
      summary,
      analysis,
      tags: ['rare-earths'],
      steps,
      status: 'partial',
      providers: { search: 'corpus', llm: 'extractive', planner: 'rules' },
    };
    const mdx = sessionToMdx(session);
    expect(mdxToSession(mdx, 'test.mdx')).toEqual(session);
    expect(mdx).toContain('| Figure | What it measures | As of | Source |');
    expect(mdx).toContain('### ');
  });
});

describe('findFigures', () => {
  it('finds amounts, shares and ranges, and counts years only when nothing else is there', () => {
    expect(findFigures('The value was about $170 million in 2024.')).toEqual(['$170 million']);
    expect(findFigures('Prices rose from $18,000 to $20,000 per tonne, up 12.5%.')).toEqual(['$18,000 to $20,000', '12.5%']);
    expect(findFigures('Output reached 45,000 tonnes and 1.4 million t.')).toEqual(['45,000 tonnes', '1.4 million t']);
    expect(findFigures('Lynas began separating dysprosium in May 2025.')).toEqual(['2025']);
    expect(findFigures('Each F-35 needs magnets; COVID-19 slowed output.')).toEqual([]);
  });
});

// --- answer first: the direct answer, its key figures as data, and nothing said twice.
const META_TEXT = /search results|distinct sources|bear on this question|themes?:/i;

/** A run whose best pages were read: the key fact is only in a passage of result 3's page. */
const READ = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../../../../tests/fixtures/analyst/rare-earths-read.json'), 'utf8')) as { question: string; steps: Step[] };

/** Every sentence of the briefing's prose and table, normalised: lower case, no citations, letters and digits only. */
function sentencesOf(...texts: string[]): string[] {
  return texts
    .flatMap((text) => text.split('\n'))
    .filter((line) => !/^(?:#{2,3} |\| --- )/.test(line) && line.trim() !== '' && line !== 'Key findings:')
    .flatMap((line) => splitSentences(line.replace(/^(?:- |\d+\. )/, '')))
    .map((sentence) =>
      sentence
        .toLowerCase()
        .replace(/\[\d+(?:,\s*\d+)*\]/g, '')
        .replace(/[^\p{L}\p{N}]+/gu, ' ')
        .trim(),
    )
    .filter(Boolean);
}

/** Everything a result gives to quote: title, snippet and the passages read. */
function resultText(result: Result): string {
  return [result.title, result.snippet ?? '', ...(result.passages ?? []).map((p) => p.text)].join(' ');
}

/** The briefings of both fixtures: the run whose pages were read, and the snippets-first one above. */
function bothBriefings() {
  return Promise.all([extractiveAnalyst.analyse(READ.question, READ.steps), extractiveAnalyst.analyse(QUESTION, fixtureSteps())]);
}

describe('the extractive answer', () => {
  it('answers from a passage read when the snippets lack the key fact, citing the page it came from', async () => {
    const snippets = READ.steps.flatMap((step) => step.results.map((r) => r.snippet ?? ''));
    expect(snippets.some((snippet) => snippet.includes('80%'))).toBe(false);

    const { summary, answer } = await extractiveAnalyst.analyse(READ.question, READ.steps);
    const [first] = splitSentences(answer!.text);
    expect(first).toMatch(/\babout 80%/);
    expect(first).toMatch(/\[3\]\.$/);
    expect(first).toBe('US net import reliance for rare-earth compounds and metals was about 80% in 2024, down from more than 95% a decade earlier, as domestic mining recovered [3].');
    // The forecast of result 1 and the import value of result 2 are findings, not the answer.
    expect(answer!.text).not.toContain('[1]');
    expect(answer!.text).not.toContain('$170 million');
    // The answer is said once, in its own field: the summary goes on from it.
    expect(summary).not.toContain(first);
  });

  it('gives the key figures as data: what each measures in the sentence\'s own words, value, unit, date and source', async () => {
    const { answer } = await extractiveAnalyst.analyse(READ.question, READ.steps);
    expect(answer!.figures[0]).toEqual({ label: 'US net import reliance for rare-earth compounds and metals', value: 80, unit: '%', text: 'about 80%', asOf: '2024', cite: 3 });
    expect(answer!.figures).toContainEqual({ label: 'Share of US imports of rare-earth compounds and metals (China was the source)', value: 70, unit: '%', text: 'about 70%', asOf: '2020–2023', cite: 3 });
    expect(answer!.figures).toContainEqual(expect.objectContaining({ value: 170_000_000, unit: 'USD', text: 'about $170 million', asOf: '2024', cite: 2 }));
    expect(answer!.figures.length).toBeLessThanOrEqual(12);

    const results = numberResults(READ.steps);
    for (const figure of answer!.figures) {
      const source = resultText(results[figure.cite! - 1]!.result).toLowerCase();
      // The label's words, the figure as written and its date are all in the result it cites.
      const words = figure.label.replace(/^Share of /, '').replace(/[()]/g, '').toLowerCase().split(' ');
      for (const word of words) expect(source, `${figure.label}: ${word}`).toContain(word);
      expect(source).toContain(figure.text!.toLowerCase());
      if (figure.asOf) for (const year of figure.asOf.split('–')) expect(source).toContain(year);
    }
  });

  it('writes no line about the search itself: no result or source counts, no "themes"', async () => {
    for (const { summary, analysis } of await bothBriefings()) {
      for (const line of `${summary}\n${analysis}`.split('\n')) expect(line).not.toMatch(META_TEXT);
    }
    // A step that found nothing is told as what happened to it, at the end.
    const { analysis } = await extractiveAnalyst.analyse(READ.question, READ.steps);
    expect(section(analysis, 'Limitations')).toContain('step_2 (“US China rare earths policy response”) added no results. The search engine returned nothing for this query.');
  });

  it('never writes a sentence twice across the summary, the findings and the figures table', async () => {
    for (const { summary, analysis } of await bothBriefings()) {
      const sentences = sentencesOf(summary, analysis);
      expect(sentences.length).toBeGreaterThan(10);
      const repeated = sentences.filter((sentence, i) => sentences.indexOf(sentence) !== i);
      expect(repeated).toEqual([]);
    }
  });

  it('keeps a snippet sentence that the page\'s passage says in full only once, in the page\'s words', async () => {
    // Result 2's snippet says "…about $170 million in 2024." and its passage adds "…up from about $160 million in 2023."
    const { summary, analysis } = await extractiveAnalyst.analyse(READ.question, READ.steps);
    const lines = `${summary}\n${analysis}`.split('\n').filter((line) => line.includes('$170 million') && !line.startsWith('|'));
    expect(lines).toEqual([expect.stringContaining('up from about $160 million in 2023 [2].')]);
  });

  it('says when every result comes from one outlet, as a limitation', async () => {
    const steps: Step[] = [{ id: 'step_0', query: 'rare earths', results: READ.steps[0]!.results.slice(1, 2).flatMap((r) => [r, { ...r, url: `${r.url}?page=2` }]) }];
    const { analysis } = await extractiveAnalyst.analyse(READ.question, steps);
    expect(section(analysis, 'Limitations')).toContain('Every result comes from one outlet, trade-data.example.com, so no finding here is borne out by a second one.');
  });

  it('gives no answer when there is nothing to answer from', async () => {
    expect((await extractiveAnalyst.analyse(QUESTION, [])).answer).toBeUndefined();
    const titleOnly: Step[] = [{ id: 'step_0', query: 'rare earths', results: [{ title: 'Only a title', url: 'https://example.com/a' }] }];
    expect((await extractiveAnalyst.analyse(QUESTION, titleOnly)).answer).toBeUndefined();
  });
});
