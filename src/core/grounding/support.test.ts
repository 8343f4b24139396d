import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SEED, hasSeed, seedMissing } from '#tests/support/seed.ts';
import { importFile } from '#kb/importers/index.ts';
import { Session } from '#core/session.ts';
import { extractBlocks } from './claims.ts';
import { groundSession, groundingRecord } from './index.ts';
import { PASSAGE_JOIN, passagesText } from './support.ts';

const results = [
  { title: 'China refines most rare earths', snippet: 'China refines about 90% of the world’s rare earths, the IEA says.', publishedAt: '2025-11-02' },
  { title: 'Magnet exports fall', snippet: 'Exports of rare-earth magnets to the US fell 11% in November, to 582 tonnes.' },
  { title: 'USA Rare Earth', snippet: 'The federal government is injecting $1.6 billion into USA Rare Earth.' },
];
const ground = (analysis: string, summary?: string) => groundSession({ summary, analysis, steps: [{ results: results.slice(0, 2) }, { results: results.slice(2) }] });

describe('claims', () => {
  it('are sentences and list items, never headings or code, read as the page shows them', () => {
    const blocks = extractBlocks('# Title here\n\nFirst sentence is here. Second one is **bold \\$5**.\n\n- A list item with words\n- Short\n\n```\ncode is not a claim\n```\n\n| a | b |\n|---|---|\n| A table cell claim | 2 |', 'analysis');
    expect(blocks.flatMap((b) => b.claims.map((c) => c.text))).toEqual(['First sentence is here.', 'Second one is bold $5.', 'A list item with words', 'A table cell claim']);
    const block = blocks[0]!;
    expect(block.claims.map((c) => block.text.slice(c.start, c.end))).toEqual(['First sentence is here.', 'Second one is bold $5.']);
  });

  it('split a flattened list (" - " two or more times) into its items', () => {
    const [block] = extractBlocks('Market: ~90% of refining (Reuters, November 2025) - 94% of magnets (OilPrice, November 2025) - Controls heavy rare earth supply', 'analysis');
    expect(block!.claims.map((c) => c.text)).toEqual(['Market: ~90% of refining (Reuters, November 2025)', '94% of magnets (OilPrice, November 2025)', 'Controls heavy rare earth supply']);
  });
});

describe('the support check', () => {
  it('finds a cited claim supported, with the result, the figure and the words, at their offsets in the snippet', () => {
    const { claims } = ground('China refines about ninety per cent of rare earths [1].');
    const [claim] = claims;
    expect(claim!.status).toBe('supported');
    expect(claim!.sources).toEqual([1]);
    const snippet = results[0]!.snippet;
    const words = claim!.evidence.filter((e) => e.field === 'snippet').map((e) => snippet.slice(e.start, e.end));
    expect(words).toEqual(expect.arrayContaining(['90%', 'China', 'refines', 'rare', 'earths']));
    expect(claim!.figures).toMatchObject([{ text: 'ninety per cent', found: true, in: [1] }]);
  });

  it('finds a claim borne out by a passage read from the page, at its offsets in the joined passages', () => {
    const page = { title: 'USGS Mineral Commodity Summaries', snippet: 'Rare earths overview.', passages: [{ text: 'Salient statistics follow.' }, { text: 'Net import reliance for rare-earth compounds was about 80% in 2024.' }] };
    const report = groundSession({ analysis: 'US net import reliance for rare-earth compounds was about 80% in 2024 [1].', steps: [{ results: [page] }] });
    const claim = report.claims[0]!;
    expect(claim.status).toBe('supported');
    const figure = claim.evidence.find((e) => e.kind === 'figure')!;
    expect(figure.field).toBe('passages');
    const joined = passagesText(page);
    expect(joined.slice(figure.start, figure.end)).toBe('80%');
    expect(figure.start).toBeGreaterThan('Salient statistics follow.'.length + PASSAGE_JOIN.length - 1);
    // Without the passage the same claim has nothing behind its figure.
    expect(groundSession({ analysis: 'US net import reliance for rare-earth compounds was about 80% in 2024 [1].', steps: [{ results: [{ title: page.title, snippet: page.snippet }] }] }).claims[0]!.status).toBe('unsupported');
  });

  it('says which figure is missing, and where it is when another result has it', () => {
    const { claims } = ground('China refines 94% of rare earths [1]. Magnet exports fell 11% [3].');
    expect(claims.map((c) => [c.status, c.why])).toEqual([
      ['unsupported', '“94%” is not in the cited result [1]'],
      ['unsupported', '“11%” is not in the cited result [3]; result [2] has it'],
    ]);
  });

  it('checks a claim that cites nothing against every result, and calls opinion uncited', () => {
    const { claims, counts } = ground('The government is injecting $1.6bn into USA Rare Earth. Washington should build a stockpile of magnets. China makes 94% of magnets.');
    expect(claims.map((c) => c.status)).toEqual(['supported', 'uncited', 'unsupported']);
    expect(claims[0]!.sources).toEqual([3]);
    expect(claims[2]!.why).toBe('“94%” appears in no result of this session');
    expect(counts).toMatchObject({ claims: 3, supported: 1, unsupported: 1, uncited: 1, score: 0.33 });
  });

  it('counts citations that resolve and ones that point at nothing', () => {
    const { counts, claims } = ground('China refines about 90% of rare earths [1, 7].');
    expect(counts.citations).toEqual({ resolved: 1, unresolved: 1 });
    expect(claims[0]!.status).toBe('supported');
  });

  it('does not let a change that went down support one that says it went up', () => {
    const { claims } = ground('Magnet exports to the US rose 11% in November [2].');
    expect(claims[0]!.status).toBe('unsupported');
    expect(claims[0]!.why).toContain('went down, not up');
  });

  it('records outlets named instead of cited, and a text that admits it has no figures yet states them', () => {
    const { counts } = ground('China makes 94% of magnets (OilPrice, November 2025). The sources lack precise import statistics.');
    expect(counts.namedSources).toBe(1);
    expect(counts.notes!.join(' ')).toMatch(/names a news outlet/);
    expect(counts.notes!.join(' ')).toMatch(/lack figures .* yet it states a figure/);
  });

  it('gives a session with no results no support, and a session with no prose no claims', () => {
    expect(groundSession({ analysis: 'China makes 94% of magnets [1].', steps: [] }).claims[0]!.status).toBe('unsupported');
    expect(groundSession({ analysis: '', steps: [] }).counts).toMatchObject({ claims: 0, score: 0 });
  });

  it('makes a record the session schema accepts, and keeps a recorded verify pass', () => {
    const record = groundingRecord({ analysis: 'China refines about 90% of rare earths [1].', steps: [{ results }] });
    const verify = { before: { claims: 1, supported: 0, unsupported: 1, uncited: 0, score: 0 }, revised: 1, dropped: 0, changes: [] };
    const kept = groundingRecord({ analysis: 'x y z.', steps: [{ results }], grounding: { ...record, verify } });
    expect(kept.verify).toEqual(verify);
    const session = { id: 'a', query: 'q', querySlug: 'q', generatedAt: '2026-01-01T00:00:00Z', analysis: 'x', tags: [], steps: [], status: 'complete', grounding: record };
    expect(Session.safeParse(session).success).toBe(true);
    expect(Session.safeParse({ ...session, grounding: { ...record, perClaim: [] } }).success).toBe(false);
  });
});

const MAGNETS = fileURLToPath(new URL('../../../tests/fixtures/mica/magnets-report.txt', import.meta.url));
if (!hasSeed) console.warn(seedMissing);

for (const [name, file, minClaims] of [
  ['a seed-shaped MICA export written for these tests', MAGNETS, 40],
  ['the real seed export (skipped where it is absent)', SEED, 50],
] as const) {
  describe.skipIf(file === SEED && !hasSeed)(name, () => {
    it('gets a grounding record on import, with "94%" unsupported, named outlets counted and the admission noted', async () => {
      const [session] = await importFile(file);
      const g = session!.grounding!;
      expect(g.version).toBeGreaterThanOrEqual(1);
      expect(g.claims).toBeGreaterThan(minClaims);
      expect(g.supported + g.unsupported + g.uncited).toBe(g.claims);
      expect(g.unsupported).toBeGreaterThan(0);
      expect(g.citations).toEqual({ resolved: 0, unresolved: 0 }); // it cites by outlet name only
      expect(g.namedSources).toBeGreaterThan(5);
      expect(g.notes!.join(' ')).toMatch(/lack figures .*yet it states \d+ figures/);
      expect(g.score).toBeCloseTo(g.supported / g.claims, 2);

      const report = groundSession(session!);
      const ninetyFour = report.claims.filter((c) => c.figures.some((f) => f.text === '94%'));
      expect(ninetyFour.length).toBeGreaterThanOrEqual(2); // summary and analysis
      for (const claim of ninetyFour) {
        expect(claim.status).toBe('unsupported');
        expect(claim.why).toContain('“94%” appears in no result of this session');
      }
      // Its $1.6 billion is in the results, so that claim is supported.
      expect(report.claims.find((c) => c.text.startsWith('$1.6 billion federal'))?.status).toBe('supported');
    });
  });
}
