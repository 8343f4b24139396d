import { describe, expect, it } from 'vitest';
import { mdxToSession, sessionToMdx } from '#kb/store/mdx.ts';
import type { Session, Step } from '#core/session.ts';
import { checkCitations, numberResults } from '#core/citations.ts';
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
        },
        {
          title: 'Where US rare earth magnets come from',
          url: 'https://minerals-desk.example.org/magnets',
          snippet:
            '...magnets, and it is where US dependence on China is most acute. China produced about 92% of the world\'s sintered rare earth magnets in 2024, while the US produced almost none...',
          source: 'minerals-desk.example.org',
          publishedAt: '2025-06-18T09:00:00Z',
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
        },
        { title: 'A result without a snippet', url: 'https://news.example.com/no-snippet', source: 'news.example.com' },
      ],
      truncated: true,
    },
    { id: 'step_2', query: 'US China rare earths latest data', results: [], note: 'The search engine returned nothing for this query.' },
    { id: 'step_3', query: 'US China rare earths policy response', results: [], error: 'tavily: rate limited (HTTP 429)' },
  ];
}

const SNIPPETS = fixtureSteps().flatMap((s) => s.results.map((r) => r.snippet ?? ''));

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
    const { summary, analysis } = await extractiveAnalyst.analyse(QUESTION, fixtureSteps());
    const findings = listItems(section(analysis, 'Findings'));
    for (const item of [...findings, ...listItems(summary)]) {
      const text = quoted(item);
      expect(SNIPPETS.some((snippet) => snippet.replace(/<\/?b>/g, '').replace(' [12]', '').includes(text)), text).toBe(true);
    }
    const all = `${summary}\n${analysis}`;
    expect(all).not.toContain('Short one');
    expect(all).not.toContain('It was bad and');
    // The leading "..." fragment is dropped; the sentence cut off by a trailing "..." is kept
    // without its ellipsis because it is otherwise complete.
    expect(all).not.toContain('magnets, and it is where');
    expect(all).toContain("China produced about 92% of the world's sintered rare earth magnets in 2024, while the US produced almost none [2].");
    expect(all).not.toMatch(/\.\.\.|…/);
    expect(all).not.toMatch(/<\/?b>/);
    expect(all).not.toContain('[12]');
    // Result 4 restates result 1's sentence: it is quoted once, from result 1.
    expect(findings.filter((item) => item.includes('net import reliance'))).toEqual([expect.stringContaining('[1]')]);
  });

  it('opens the summary with what the sources indicate, then three key findings', async () => {
    const { summary } = await extractiveAnalyst.analyse(QUESTION, fixtureSteps());
    const lines = summary.split('\n');
    expect(lines[0]).toMatch(/^The 6 search results from 4 distinct sources bear on this question/);
    expect(lines[2]).toBe('Key findings:');
    expect(listItems(summary).map((item) => item.slice(0, 3))).toEqual(['1. ', '2. ', '3. ']);
  });

  it('groups findings under ### headings and lists every figure sentence in the figures table', async () => {
    const { analysis } = await extractiveAnalyst.analyse(QUESTION, fixtureSteps());
    const findings = section(analysis, 'Findings');
    expect(findings).toMatch(/^### \S/m);
    const figureSentences = listItems(findings).filter((item) => findFigures(quoted(item)).length > 0);
    expect(figureSentences.length).toBeGreaterThanOrEqual(3);

    const table = section(analysis, 'Figures').trim().split('\n');
    expect(table[0]).toBe('| Figure | Context | Source |');
    expect(table[1]).toBe('| --- | --- | --- |');
    const rows = table.slice(2);
    expect(rows).toHaveLength(figureSentences.length);
    for (const item of figureSentences) {
      const n = /\[(\d+)\][.!?]?$/.exec(item)![1];
      const row = rows.find((r) => r.includes(quoted(item)));
      expect(row, item).toBeDefined();
      expect(row).toContain(`[${n}]`);
      for (const figure of findFigures(quoted(item))) expect(row!.split(' | ')[0]).toContain(figure);
    }
    expect(rows.find((r) => r.includes('about 80% in 2024'))).toMatch(/^\| 80% \| /);
  });

  it('states the right counts, date span, and the steps that came back empty, failed or cut off', async () => {
    const { analysis } = await extractiveAnalyst.analyse(QUESTION, fixtureSteps());
    const limitations = section(analysis, 'Limitations');
    expect(limitations).toContain('This briefing draws on 6 results from 4 distinct sources (by domain) across 4 searches.');
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
    expect(mdx).toContain('| Figure | Context | Source |');
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
