// End to end over the project's example knowledge base, offline: for every configured question,
// the rule planner's sub-queries go to the corpus search, and the extractive analyst writes the
// briefing. No key, no network, and the same briefing every time.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { sessionToMdx } from '#kb/store/mdx.ts';
import { createCorpusSearch } from '#kb/providers/search/corpus/index.ts';
import { deriveStatus, type Step } from '#core/session.ts';
import { checkCitations, numberResults } from '#core/citations.ts';
import { splitSentences } from '#core/text-analysis.ts';
import { extractiveAnalyst } from './analysts/extractive/index.ts';
import { rulePlanner } from './planners/rule.ts';

const CONTENT = path.resolve(import.meta.dirname, '../../../content');

interface QueryConfig {
  id: string;
  question: string;
  tags: string[];
  steps?: number;
}

const config = parse(await readFile(path.join(CONTENT, 'queries.yaml'), 'utf8')) as {
  defaults: { steps: number; maxResults: number };
  queries: QueryConfig[];
};

async function run(query: QueryConfig, includeSessions: boolean) {
  const search = await createCorpusSearch({ contentDir: CONTENT, includeSessions, onWarning: (m) => expect.fail(m) });
  const { queries } = await rulePlanner.plan(query.question, query.steps ?? config.defaults.steps);
  const steps: Step[] = [];
  // The page text a hit carries is for the reader; the session stores the result without it.
  for (const [i, sub] of queries.entries()) steps.push({ id: `step_${i}`, query: sub, results: (await search.search(sub, { maxResults: config.defaults.maxResults })).map(({ content: _content, ...r }) => r) });
  return { steps, ...(await extractiveAnalyst.analyse(query.question, steps)) };
}

describe('the offline pipeline over the example knowledge base', () => {
  it('has six questions on one theme, including the seed question', () => {
    expect(config.queries).toHaveLength(6);
    expect(config.queries.map((q) => q.question)).toContain('What is the import dependency of the US on China for rare earths?');
    for (const q of config.queries) expect(q.tags.length).toBeGreaterThanOrEqual(2);
  });

  for (const query of config.queries) {
    it(`writes a useful, cited briefing for "${query.question}"`, async () => {
      const { steps, summary, analysis, answer } = await run(query, false);

      const results = numberResults(steps);
      expect(results.length).toBeGreaterThanOrEqual(8);
      expect(new Set(results.map((r) => r.result.url ?? r.result.source)).size).toBeGreaterThanOrEqual(5);
      expect(steps.every((step) => step.results.length > 0)).toBe(true);

      const findings = analysis.slice(analysis.indexOf('## Findings'), analysis.indexOf('## Figures'));
      const bullets = findings.split('\n').filter((line) => line.startsWith('- '));
      // No sentence is quoted twice, so the findings are shared out: the answer and the key
      // findings in the summary, the rest in the analysis.
      const keyFindings = summary.split('\n').filter((line) => /^\d+\. /.test(line));
      expect(splitSentences(answer!.text).length + keyFindings.length + bullets.length).toBeGreaterThanOrEqual(5);
      expect(findings.match(/^### /gm)?.length ?? 0).toBeGreaterThanOrEqual(2);
      expect(analysis).toMatch(/^\| .+ \| .+ \| \[\d+\] .+ \|$/m);
      expect(summary).toContain('Key findings:');
      expect(checkCitations(`${summary}\n${analysis}`, results.length).removed).toBe(0);

      // The answer comes first, cited, and the summary does not repeat it; nothing is said about
      // the search itself, and no sentence is written twice.
      expect(summary).not.toContain(answer!.text);
      expect(answer!.text).toMatch(/\[\d+\]\.$/);
      for (const line of `${summary}\n${analysis}`.split('\n')) expect(line).not.toMatch(/search results|distinct sources|bear on this question|themes?:/i);
      const sentences = `${summary}\n${analysis}`
        .split('\n')
        .filter((line) => line.trim() && !/^(?:#{2,3} |\| --- |Key findings:)/.test(line))
        .flatMap((line) => splitSentences(line.replace(/^(?:- |\d+\. )/, '')))
        .map((sentence) => sentence.toLowerCase().replace(/\[\d+\]/g, '').replace(/[^\p{L}\p{N}]+/gu, ' ').trim());
      expect(sentences.filter((sentence, i) => sentences.indexOf(sentence) !== i)).toEqual([]);

      // The briefing is a valid session file, and the same input gives the same bytes.
      const again = await run(query, false);
      expect(again.summary).toBe(summary);
      expect(again.analysis).toBe(analysis);
      sessionToMdx({
        id: `offline-${query.id}`,
        query: query.question,
        querySlug: query.id,
        generatedAt: '2026-02-01T06:00:00Z',
        summary,
        analysis,
        tags: query.tags,
        steps,
        status: deriveStatus(steps),
        schemaVersion: 2,
        answer,
      });
    });
  }

  it('answers the rare-earths question first, with its share of imports as a key figure', async () => {
    const { answer } = await run(config.queries.find((q) => q.id === 'us-china-rare-earths')!, false);
    // content/corpus/rare-earths/us-import-reliance.md: "…net import reliance … was about 80% in 2024…"
    const [first] = splitSentences(answer!.text);
    expect(first).toMatch(/\d+(?:\.\d+)?%/);
    expect(first).toContain('net import reliance for rare-earth compounds and metals was about 80% in 2024');
    expect(answer!.figures[0]).toEqual(expect.objectContaining({ label: 'US net import reliance for rare-earth compounds and metals', value: 80, unit: '%', text: 'about 80%', asOf: '2024' }));
  });

  it('also searches the sessions already stored in the knowledge base', async () => {
    const withSessions = await run(config.queries.find((q) => q.id === 'lithium-refining-outside-china')!, true);
    const hosts = new Set(numberResults(withSessions.steps).map((r) => r.result.source));
    // The example briefings about lithium supply carry results from minerals-outlook.example.org.
    expect([...hosts].some((host) => host && !/^(?:minerals-desk|trade-data|policy-tracker|battery-materials|mining-weekly)\.example\./.test(host) && !host.startsWith('corpus/'))).toBe(true);
  });
});
