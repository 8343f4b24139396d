import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Result, Session } from '../session.ts';
import { SEED, hasSeed, seedMissing } from '../../../tests/support/seed.ts';
import { ImportError, importFile, parseMicaReport } from './index.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURES = path.join(ROOT, 'tests/fixtures/mica');
const LITHIUM = path.join(FIXTURES, 'lithium-report.txt');
const MAGNETS = path.join(FIXTURES, 'magnets-report.txt');

const complete = (results: Result[]): number => results.filter((r) => !r.partial).length;
const urls = (s: Session): number => s.steps.flatMap((st) => st.results).filter((r) => r.url).length;
const headingLines = (markdown: string): string[] => markdown.split('\n').filter((l) => l.startsWith('#'));
/** Letters and digits only: what must survive any markdown repair. */
const letters = (text: string): string => text.replace(/[^\p{L}\p{N}]/gu, '');
const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The text between two section headings of a report (not their table-of-contents lines). */
function between(text: string, fromLine: string, toLine: string): string {
  const start = text.indexOf(`\n\n${fromLine}\n\n`) + fromLine.length + 4;
  const end = text.indexOf(`\n\n${toLine}\n\n`, start);
  return text.slice(start, end);
}

async function refusal(run: () => Promise<unknown> | unknown): Promise<ImportError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(ImportError);
    return error as ImportError;
  }
  throw new Error('expected the import to be refused');
}

if (!hasSeed) console.warn(seedMissing);

describe.skipIf(!hasSeed)('the real seed export (skipped where it is absent)', () => {
  let session: Session;
  let text: string;
  beforeAll(async () => {
    text = readFileSync(SEED, 'utf8');
    [session] = await importFile(SEED);
  });

  it('reads the session id, the query and the title', () => {
    expect(session.id).toBe('8e0c65b3-0d2f-48bd-bf11-594d2ccc9279');
    expect(session.query).toBe('What is the import dependency of the US on China for rare earths?');
    expect(session.querySlug).toBe('what-is-the-import-dependency-of-the-us-on-china-for-rare-earths');
    expect(session.title).toBe('Comprehensive Analysis: US Import Dependency on China for Rare Earths');
    expect(session.tags).toEqual([]);
  });

  it('takes the UTC time with the seconds of the zoneless time that names the same minute six hours earlier', () => {
    expect(session.generatedAt).toBe('2026-01-27T05:52:47Z');
    expect(session.provenance?.otherTimestamps).toEqual(['Generated: 2026-01-27 05:52 UTC', 'Generated: 2026-01-26 23:52:47']);
    expect(session.provenance?.notes?.some((n) => n.includes('UTC−06:00') && n.includes('2026-01-27T05:52:47Z'))).toBe(true);
  });

  it('records where the session came from without an import time, so re-imports are identical', () => {
    expect(session.provenance).toMatchObject({
      format: 'mica-report',
      file: 'mica-report-us-china-rare-earths.txt',
      sha256: sha256(SEED),
      generator: 'MICA',
    });
    expect(session.provenance?.importedAt).toBeUndefined();
    expect(session.providers).toBeUndefined();
    expect(parseMicaReport(text, SEED)).toEqual(session);
  });

  it('finds five steps with 6, 0, 6, 6 and 1 complete results and 20 urls in all', () => {
    expect(session.steps.map((s) => s.id)).toEqual(['step_0', 'step_1', 'step_2', 'step_3', 'step_4']);
    expect(session.steps.map((s) => complete(s.results))).toEqual([6, 0, 6, 6, 1]);
    expect(urls(session)).toBe(20);
    expect(session.steps.every((s) => s.query === undefined)).toBe(true);
  });

  it('keeps the only field of the record that was cut off in step 2', () => {
    const step = session.steps[2];
    expect(step.results).toHaveLength(7);
    expect(step.results[6]).toEqual({ title: 'How U.S.', partial: true });
    expect(step.truncated).toBe(true);
    expect(step.note).toBe('The export was cut off after 6 complete results; a 7th arrived only in part.');
  });

  it('keeps every field of the record that was cut off in step 3', () => {
    const step = session.steps[3];
    expect(step.results).toHaveLength(7);
    expect(step.results[6]).toEqual({
      title: 'China to restrict silver exports, echoing rare earths playbook',
      url: 'https://www.cnbc.com/2025/12/31/china-silver-export-controls-2026-us-economy-prices-rare-earths-critical-minerals-xag-metals.html',
      snippet:
        'New Chinese policies restricting silver exports are set to kick in Thursday as Beijing tightens its grip on the metal. State-run Securities Times on Tuesday cited an unnamed industry insider who said the new export controls place it on the same regulat',
      partial: true,
    });
    expect(step.truncated).toBe(true);
    expect(step.note).toBe('The export was cut off after 6 complete results; a 7th arrived only in part.');
  });

  it('marks only the cut-off steps as truncated, which makes the session partial', () => {
    expect(session.steps.map((s) => s.truncated)).toEqual([undefined, undefined, true, true, undefined]);
    expect(session.status).toBe('partial');
  });

  it('explains the empty step in plain words', () => {
    expect(session.steps[1]).toEqual({
      id: 'step_1',
      results: [],
      note: 'The export listed no results for this step and gave no reason.',
    });
  });

  it('reads the double-quoted title and the apostrophes inside single-quoted snippets exactly', () => {
    const [first, second] = session.steps[0].results;
    expect(first.title).toBe("What are rare earth minerals, and why are they central to Trump's trade deal with China?");
    expect(first.url).toBe('https://www.cnn.com/2025/10/30/business/rare-earth-minerals-deal');
    expect(first.source).toBe('www.cnn.com');
    expect(second.snippet).toBe(
      "Beijing introduced new export restrictions on key metals, citing environmental concerns widely seen as a cover for strategic leverage. The move follows Trump's trade truce with China over rare earths, highlighting the fragility of U.S.-China supply chain ...",
    );
    expect(session.steps[4].results[0].snippet?.endsWith("establish the United States' first fully ...")).toBe(true);
  });

  it('keeps the newline inside the multi-line snippet', () => {
    expect(session.steps[3].results[3].snippet).toBe(
      'As trade tensions rise, the U.S. is racing to secure domestic supplies of critical minerals.\n\nUSA Rare Earth is one of the companies leading the charge.',
    );
  });

  it('turns "\\$" back into "$" in result values', () => {
    expect(session.steps[3].results[1].title).toBe('USA Rare Earth Surges 20% After Trump Administration Invests $1.6 Billion');
    const all = JSON.stringify(session.steps);
    expect(all).not.toContain('\\\\$');
  });

  it('leaves no "\\$" and no run of three or more asterisks in the summary and the analysis', () => {
    for (const text of [session.summary ?? '', session.analysis, session.title ?? '']) {
      expect(text).not.toContain('\\$');
      expect(text).not.toMatch(/\*{3,}/);
    }
    expect(session.analysis).toContain('**$1.6 billion federal investment** announced');
    expect(session.analysis).toContain('partnership for **first US mine-waste-to-magnet supply chain**');
  });

  it('uses the analysis\'s own Executive Summary, with its three key findings, as the summary', () => {
    const summary = session.summary ?? '';
    expect(summary.startsWith('Three Key Findings:\n\n1. **Near-Total Dependency with Strategic Vulnerability**:')).toBe(true);
    expect(summary).toContain('2. **Aggressive Federal Response Underway**: The Trump administration has initiated unprecedented investments totaling over **$1.6 billion**');
    expect(summary).toContain('3. **Structural Supply Chain Gaps Persist**:');
    expect(summary).toContain('**94%** of permanent magnet manufacturing');
    expect(summary).not.toContain('Detailed Findings');
  });

  it('starts the analysis at Detailed Findings and repeats nothing from the summary', () => {
    expect(session.analysis.startsWith('## Detailed Findings\n\n### Current Import Dependency Status\n\n')).toBe(true);
    expect(session.analysis).not.toContain('Near-Total Dependency');
    expect(session.analysis).not.toContain('Executive Summary');
    expect(session.analysis).toContain('**94%** of permanent magnet manufacturing (OilPrice, November 2025)');
  });

  it('loses no letter or digit of the analysis section', () => {
    const raw = between(text, '2. Analysis', '3. Results: step_0');
    const rebuilt = [session.title, 'Executive Summary', session.summary, session.analysis].join('\n');
    expect(letters(rebuilt)).toBe(letters(raw));
  });

  it('restores the section headings and marks nothing else as one', () => {
    expect(headingLines(session.analysis)).toEqual([
      '## Detailed Findings',
      '### Current Import Dependency Status',
      '### Recent Trade Dynamics and Restrictions',
      '### US Domestic Production Initiatives',
      '### Critical Supply Chain Gaps',
      '### European Context',
      '### Market and Economic Factors',
      '## Limitations and Caveats',
      '### Data Constraints',
      '### Analytical Limitations',
      '## Recommendations',
      '### For Policy Makers',
      '### For Industry and Investors',
      '### Critical Gaps Requiring Further Analysis',
      '## Conclusion',
    ]);
  });

  it('splits the flattened bullet lists into items', () => {
    expect(session.analysis).toContain(
      "China's Market Dominance:\n\n- **~90%** of global rare earth refining capacity (Reuters, November 2025)\n- **94%** of permanent magnet manufacturing (OilPrice, November 2025)\n- Controls critical heavy rare earth supply essential for military applications\n- Near-monopoly on separation and processing technologies",
    );
    expect(session.analysis).toContain('**Timeline Challenges:**\n\n- Building complete mine-to-magnet supply chain requires **10-15+ years**\n');
    expect(session.analysis).toContain(
      '1. **USA Rare Earth (Oklahoma)**\n   - **$1.6 billion federal investment** announced (AP News, MSN January 2026)\n   - Government taking minority equity stake\n',
    );
  });

  it('splits the run of numbered gaps written on one line', () => {
    expect(session.analysis).toContain(
      '1. **Quantitative Import Data**: Obtain precise tonnage and dollar value of rare earth imports from China by element type and application\n2. **Defense Stockpile Assessment**: Evaluate',
    );
    expect(session.analysis).toContain('\n4. **Technology Alternatives**: Assess viability');
  });

  it('repairs the "R&D;" entity artefact and says so', () => {
    expect(session.analysis).toContain('Fund R&D for heavy rare earth separation technologies');
    expect(session.analysis).not.toContain('R&D;');
    expect(session.provenance?.notes?.some((n) => n.includes('"R&D;" → "R&D"'))).toBe(true);
  });

  it('lists every kind of repair in the provenance notes', () => {
    const notes = (session.provenance?.notes ?? []).join('\n');
    for (const word of ['Generated time', 'Summary:', '"\\$" escapes', 'bold markers', 'heading markers', 'bullet lists', 'numbered items', 'R&D', 'backslash escapes']) {
      expect(notes).toContain(word);
    }
  });

  it('imports a CRLF copy of the seed to the same session', () => {
    const crlf = parseMicaReport(text.replace(/\n/g, '\r\n'), SEED);
    expect({ ...crlf, provenance: undefined }).toEqual({ ...session, provenance: undefined });
  });
});

describe('a MICA report export shaped like the seed, written for these tests (rare-earth magnets)', () => {
  let session: Session;
  let text: string;
  beforeAll(async () => {
    text = readFileSync(MAGNETS, 'utf8');
    [session] = await importFile(MAGNETS);
  });

  it('reads the header and reconciles the two Generated lines to one UTC time with seconds', () => {
    expect(session.id).toBe('5d2b7e90-4c1a-4f3e-8a6b-2c9d0e1f3a47');
    expect(session.query).toBe('How dependent is the US on China for rare-earth permanent magnets?');
    expect(session.generatedAt).toBe('2026-02-10T14:20:31Z');
    expect(session.provenance?.otherTimestamps).toEqual(['Generated: 2026-02-10 14:20 UTC', 'Generated: 2026-02-10 08:20:31']);
  });

  it('finds five steps with 6, 0, 6, 6 and 2 complete results, 22 urls and three cut-off steps', () => {
    expect(session.steps.map((s) => complete(s.results))).toEqual([6, 0, 6, 6, 2]);
    expect(urls(session)).toBe(22);
    expect(session.steps.map((s) => s.truncated)).toEqual([undefined, undefined, true, true, true]);
    expect(session.steps[2].results[6]).toEqual({ title: 'How U.S.', partial: true });
    expect(session.steps[1].note).toBe('The export listed no results for this step and gave no reason.');
    expect(session.status).toBe('partial');
  });

  it('keeps the multi-line snippet and turns "\\$" back into "$" in result values', () => {
    expect(session.steps[3].results[1].snippet).toContain('federal package would fund its separation and magnet plants.\n\nThe company is one of several');
    expect(session.steps[3].results[1].title).toBe('Texas Magnet Works jumps 18% after $1.6 billion federal package');
    expect(JSON.stringify(session.steps)).not.toContain('\\\\$');
  });

  it('leaves no "\\$" and no run of three or more asterisks in the summary and the analysis, and loses no letter or digit', () => {
    for (const part of [session.summary ?? '', session.analysis]) {
      expect(part).not.toContain('\\$');
      expect(part).not.toMatch(/\*{3,}/);
    }
    expect(session.summary).toContain('**94%** of the world');
    expect(session.analysis).toContain('**$1.6 billion federal package** announced');
    const raw = between(text, '2. Analysis', '3. Results: step_0');
    expect(letters([session.title, 'Executive Summary', session.summary, session.analysis].join('\n'))).toBe(letters(raw));
  });
});

describe('a MICA report export written for these tests (lithium chemicals)', () => {
  let session: Session;
  let text: string;
  beforeAll(async () => {
    text = readFileSync(LITHIUM, 'utf8');
    [session] = await importFile(LITHIUM);
  });

  it('reads the header', () => {
    expect(session.id).toBe('3f9a2c71-5b8e-4d02-9c6a-1e7f44b0d5a2');
    expect(session.query).toBe('How dependent is European battery production on imported lithium chemicals?');
    expect(session.querySlug).toBe('how-dependent-is-european-battery-production-on-imported-lithium-chemicals');
    expect(session.title).toBe("Comprehensive Analysis: Europe's Reliance on Imported Lithium Chemicals");
    expect(session.provenance).toMatchObject({ format: 'mica-report', file: 'lithium-report.txt', sha256: sha256(LITHIUM), generator: 'MICA' });
  });

  it('takes the seconds from the zoneless time at a half-hour offset (UTC+05:30, the next day)', () => {
    expect(session.generatedAt).toBe('2025-11-03T21:47:09Z');
    expect(session.provenance?.otherTimestamps).toEqual(['Generated: 2025-11-03 21:47 UTC', 'Generated: 2025-11-04 03:17:09']);
    expect(session.provenance?.notes?.[0]).toContain('UTC+05:30');
  });

  it('finds 3, 0, 2, 2 and 1 complete results, 9 urls and the two cut-off steps', () => {
    expect(session.steps.map((s) => complete(s.results))).toEqual([3, 0, 2, 2, 1]);
    expect(urls(session)).toBe(9);
    expect(session.steps.map((s) => s.truncated)).toEqual([undefined, undefined, true, undefined, true]);
    expect(session.status).toBe('partial');
    expect(session.steps[1].note).toBe('The export listed no results for this step and gave no reason.');
  });

  it('keeps every field of the record cut off mid-snippet in step 2', () => {
    expect(session.steps[2].results[2]).toEqual({
      title: 'Battery passport rules will expose supply chains',
      url: 'https://news.example.com/battery-passport',
      snippet: 'From February 2027 every EV battery sold in the EU must carry a digital passport that lists where its lithi',
      partial: true,
    });
    expect(session.steps[2].note).toBe('The export was cut off after 2 complete results; a 3rd arrived only in part.');
  });

  it('keeps the half title that ends the file, apostrophe included', () => {
    expect(session.steps[4].results[1]).toEqual({ title: "Germany's first lithium refin", partial: true });
    expect(session.steps[4].note).toBe('The export was cut off after 1 complete result; a 2nd arrived only in part.');
  });

  it('reads double quotes, escaped apostrophes, unescaped apostrophes, braces and backslashes exactly', () => {
    const [a, b, c] = session.steps[0].results;
    expect(a.title).toBe("Why Europe's cathode makers still buy lithium hydroxide abroad");
    expect(a.snippet).toBe(
      "European cathode plants source most of their lithium hydroxide from refiners in China. The bloc's first conversion plants won't reach scale before 2027, according to two analysts ...",
    );
    expect(b.title).toBe("Portugal's northern lithium mine clears its final permit");
    expect(b.snippet).toBe("The project's owners expect about $400 million of spodumene concentrate a year once it runs; opponents say the water plan isn't finished ...");
    expect(c).toEqual({
      title: 'Refining, not mining, is Europe\'s "real" lithium problem',
      url: 'https://analysis.example.net/refining-gap',
      snippet: "Converters say a plant needs {stable} feedstock and 'bankable' contracts; C:\\plants\\plan.xlsx lists six sites.",
      source: 'analysis.example.net',
    });
    expect(session.steps[2].results[0].snippet).toContain("Chile — the 'lithium triangle' — hold more than half");
  });

  it('keeps the blank line inside a snippet and maps published_date to publishedAt', () => {
    expect(session.steps[3].results[0]).toEqual({
      title: "Sodium-ion cells won't replace lithium soon, makers say",
      url: 'https://tech.example.net/sodium-ion-outlook',
      snippet: 'Sodium cells suit stationary storage and small cars.\n\nPremium EVs will stay with lithium chemistries for at least a decade, according to three cell makers.',
      source: 'tech.example.net',
      publishedAt: '2025-10-14',
    });
  });

  it('uses the Executive Summary part as the summary, exactly', () => {
    expect(session.summary).toBe(
      [
        'Key Findings:',
        '1. **Refining Is the Choke Point**: Europe mines almost no lithium today, but the sharper gap is chemical conversion: roughly **80%** of the lithium hydroxide used by European cathode plants is refined in China.',
        '2. **Public Money Is Arriving**: Governments and the EU have pledged more than **$3.2 billion** for local conversion plants, with the first German and Finnish refineries due to start between 2026 and 2027.',
        '3. **Prices Undercut New Projects**: The 2024 price collapse left spot lithium carbonate below **$10,000 per tonne**, so several European projects have paused until offtake contracts are signed.',
      ].join('\n\n'),
    );
  });

  it('restores headings but leaves a short sentence, a label line and bold labels alone', () => {
    expect(headingLines(session.analysis)).toEqual([
      '## Detailed Findings',
      '### Where the Lithium Comes From',
      '### Industry Response',
      '## Limitations and Caveats',
      '### Data Gaps',
      '## Recommendations',
      '### For Policy Makers',
      '### Open Questions for Further Work',
      '## Conclusion',
    ]);
    expect(session.analysis).toContain('\n\nPrices fell sharply after 2023\n\n');
    expect(session.analysis).toContain('\n\n**Announced Conversion Plants:**\n\n');
  });

  it('splits only the unambiguous flattened lists', () => {
    expect(session.analysis).toContain(
      'Current Supply Picture:\n\n- Australia supplies most spodumene concentrate\n- Chile and Argentina supply brine-based carbonate\n- China converts the bulk of both into battery-grade chemicals\n- Europe\'s own output is below 1% of demand',
    );
    expect(session.analysis).toContain('**Offtake Contracts:**\n\n- Cathode makers are signing **five-to-ten-year supply agreements** with refiners\n- Automakers');
    expect(session.analysis).toContain('2. **Kokkola Plant (Finland)**\n   - Built by a mining group\'s battery arm\n   - Target output worth **$450 million** of hydroxide a year\n');
    // Dashes in prose, a label with a single dash and a numbered term with one dash clause stay.
    expect(session.analysis).toContain('\n\nRefining capacity - not mining - is the binding constraint for cathode makers (spodumene → hydroxide).\n\n');
    expect(session.analysis).toContain('\n\nNote: some announced plants remain at feasibility stage - one was cancelled in 2025.\n\n');
    expect(session.analysis).toContain('\n\n3. **Term** - a single dash clause that must stay on its line\n\n');
    expect(session.analysis).toContain('1. **Recycling Yields**: Estimate how much lithium end-of-life batteries return by 2035\n2. **Sodium-Ion Substitution**');
    expect(session.analysis).toContain('Expand R&D for direct lithium extraction');
  });

  it('loses no letter or digit of the analysis section', () => {
    const raw = between(text, '2. Analysis', '3. Results: step_0');
    const rebuilt = [session.title, 'Executive Summary', session.summary, session.analysis].join('\n');
    expect(letters(rebuilt)).toBe(letters(raw));
    expect(session.analysis).not.toMatch(/\*{3,}|\\\$/);
  });

  it('keeps a step the table of contents lists but the export never reached', () => {
    const cut = text.slice(0, text.lastIndexOf('\n7. Results: step_4'));
    const s = parseMicaReport(cut, 'cut.txt');
    expect(s.steps.map((st) => st.id)).toEqual(['step_0', 'step_1', 'step_2', 'step_3', 'step_4']);
    expect(s.steps[3].truncated).toBeUndefined();
    expect(s.steps[4]).toEqual({
      id: 'step_4',
      results: [],
      truncated: true,
      note: 'The table of contents lists this step, but the export ended before its results.',
    });
  });

  it('keeps result fields the schema has no place for in the notes', () => {
    const edited = text.replace("'source': 'news.example.com'}, {'title': 'Portugal", "'source': 'news.example.com', 'score': 0.82}, {'title': 'Portugal");
    const s = parseMicaReport(edited, 'scored.txt');
    expect(s.steps[0].results[0].source).toBe('news.example.com');
    expect(s.provenance?.notes?.some((n) => n.includes('step_0[0].score = "0.82"'))).toBe(true);
  });

  it('tells the format from the content, not the file name', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kb-import-'));
    try {
      const renamed = path.join(dir, 'report.json');
      await copyFile(LITHIUM, renamed);
      const [s] = await importFile(renamed);
      expect(s.provenance?.format).toBe('mica-report');
      expect(s.provenance?.file).toBe('report.json');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the generated time', () => {
  const text = readFileSync(LITHIUM, 'utf8');
  const withTimes = (...lines: string[]): string =>
    text.replace('Generated: 2025-11-03 21:47 UTC\n\nGenerated: 2025-11-04 03:17:09\n', lines.map((l) => `${l}\n`).join('\n'));

  it('keeps minute precision when the zoneless time is not a whole quarter-hour away', () => {
    const s = parseMicaReport(withTimes('Generated: 2025-11-03 21:47 UTC', 'Generated: 2025-11-04 03:18:09'), 'odd.txt');
    expect(s.generatedAt).toBe('2025-11-03T21:47:00Z');
    expect(s.provenance?.otherTimestamps).toEqual(['Generated: 2025-11-03 21:47 UTC', 'Generated: 2025-11-04 03:18:09']);
    expect(s.provenance?.notes?.[0]).toContain('to the minute only');
  });

  it('keeps minute precision when the zoneless time is more than 14 hours away', () => {
    const s = parseMicaReport(withTimes('Generated: 2025-11-03 21:47 UTC', 'Generated: 2025-11-04 12:47:09'), 'far.txt');
    expect(s.generatedAt).toBe('2025-11-03T21:47:00Z');
  });

  it('converts an offset to UTC and still takes the seconds', () => {
    const s = parseMicaReport(withTimes('Generated: 2025-11-03 23:47 +02:00', 'Generated: 2025-11-04 03:17:09'), 'offset.txt');
    expect(s.generatedAt).toBe('2025-11-03T21:47:09Z');
  });

  it('uses the seconds of a zoned time that has them', () => {
    const s = parseMicaReport(withTimes('Generated: 2025-11-03 21:47:31 UTC'), 'seconds.txt');
    expect(s.generatedAt).toBe('2025-11-03T21:47:31Z');
    expect(s.provenance?.otherTimestamps).toEqual(['Generated: 2025-11-03 21:47:31 UTC']);
  });

  it('refuses a report whose only time has no time zone', async () => {
    const error = await refusal(() => parseMicaReport(withTimes('Generated: 2025-11-04 03:17:09'), 'zoneless.txt'));
    expect(error.message).toMatch(/^zoneless\.txt: no usable "Generated:" time — "2025-11-04 03:17:09" gives no time zone/);
    expect(error.message).toContain('Add " UTC"');
  });

  it('refuses a report with no Generated line or an impossible date', async () => {
    expect((await refusal(() => parseMicaReport(withTimes(), 'none.txt'))).message).toMatch(/^none\.txt: no "Generated:" line/);
    expect((await refusal(() => parseMicaReport(withTimes('Generated: 2025-13-40 21:47 UTC'), 'bad.txt'))).message).toMatch(/^bad\.txt: no usable "Generated:" time/);
  });
});

describe('refused inputs', () => {
  const text = readFileSync(LITHIUM, 'utf8');
  const fixture = (name: string): string => path.join(FIXTURES, name);

  it('refuses a file that is not a report at all', async () => {
    const file = fixture('not-a-report.txt');
    const error = await refusal(() => importFile(file));
    expect(error.message).toBe(
      `${file}: not a MICA report export — no "Session ID:" line found. kb import takes MICA report exports (.txt) and session JSON files.`,
    );
  });

  it('refuses a report with no Session ID', async () => {
    const file = fixture('no-session-id.txt');
    const error = await refusal(() => importFile(file));
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: looks like a MICA report export but has no "Session ID:" line`));
  });

  it('refuses a report whose analysis is missing', async () => {
    const file = fixture('no-analysis.txt');
    const error = await refusal(() => importFile(file));
    expect(error.message).toContain(`${file}: has no analysis — its table of contents lists "Analysis" but the section never appears`);
  });

  it('refuses binary junk and an empty file', async () => {
    const bin = fixture('binary-junk.bin');
    expect((await refusal(() => importFile(bin))).message).toBe(
      `${bin}: is not a text file (it holds binary data). kb import takes MICA report exports (.txt) and session JSON files.`,
    );
    const empty = fixture('empty.txt');
    expect((await refusal(() => importFile(empty))).message).toMatch(new RegExp(`^${empty.replace(/[.]/g, '\\.')}: is empty — there is nothing to import`));
  });

  it('refuses a missing file and a folder', async () => {
    expect((await refusal(() => importFile(fixture('nope.txt')))).message).toBe(`${fixture('nope.txt')}: no such file. Check the path and import again.`);
    expect((await refusal(() => importFile(FIXTURES))).message).toContain(`${FIXTURES}: is a folder, not a file.`);
  });

  it('refuses a report with no query', async () => {
    const edited = text.replace('Query: How dependent is European battery production on imported lithium chemicals?\n', '');
    expect((await refusal(() => parseMicaReport(edited, 'noquery.txt'))).message).toMatch(/^noquery\.txt: no "Query:" line — a session needs the question/);
  });

  it('refuses a session id that cannot be a file name, naming the field', async () => {
    const edited = text.replace('Session ID: 3f9a2c71-5b8e-4d02-9c6a-1e7f44b0d5a2', 'Session ID: ../../etc/passwd');
    const error = await refusal(() => parseMicaReport(edited, 'badid.txt'));
    expect(error.message).toMatch(/^badid\.txt: the report does not make a valid session:\n {2}id: must be/);
  });

  it('refuses a step whose list is broken in the middle, naming the step and the line', async () => {
    const edited = text.replace("'source': 'tech.example.net', 'published_date': '2025-10-14'}, {", "'source': 'tech.example.net', 'published_date': '2025-10-14'} {");
    const error = await refusal(() => parseMicaReport(edited, 'broken.txt'));
    expect(error.message).toMatch(/^broken\.txt: step step_3's result list cannot be read: at line 112, column \d+/);
    expect(error.message).toContain('fix the list by hand or re-export the report');
  });

  it('refuses a step that is not a list at all', async () => {
    const edited = text.replace('4. Results: step_1\n\n[]', '4. Results: step_1\n\nSearch failed: quota exceeded');
    const error = await refusal(() => parseMicaReport(edited, 'notalist.txt'));
    expect(error.message).toMatch(/^notalist\.txt: step step_1's result list cannot be read: at line 102, column 1 .* expected a list starting with "\["/);
  });
});

// ---------------------------------------------------------------------------------------------
// Round trips through the export format.

interface Rec {
  title: string;
  url: string;
  snippet?: string;
  source?: string;
}

type Quoting = 'repr' | 'buggy';

/**
 * Writes a value the way the export does: Python's repr (single quotes, or double quotes when
 * the value holds an apostrophe and no double quote) — or, like the export's bug, single quotes
 * with apostrophes left unescaped. Backslashes are doubled, `$` becomes `\$`, tabs and carriage
 * returns are escaped as Python does, and newlines are written raw (as in the export) or as `\n`.
 */
function pyValue(value: string, quoting: Quoting, rawNewlines: boolean): string {
  let body = value.replace(/\\/g, '\\\\').replace(/\$/g, '\\$').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
  if (!rawNewlines) body = body.replace(/\n/g, '\\n');
  if (quoting === 'buggy' && safeUnescaped(value)) return `'${body}'`;
  if (value.includes("'") && !value.includes('"')) return `"${body}"`;
  return `'${body.replace(/'/g, "\\'")}'`;
}

/**
 * Whether a value can be written with its apostrophes unescaped and still be read back. The buggy
 * format is ambiguous where an unescaped apostrophe is followed by what ends a value (`,` / `}`)
 * or by another quote: `'a', 'url': 'b'` could be one value or two fields. No reader can tell
 * those apart, so such values are written the correct way (escaped) instead.
 */
function safeUnescaped(value: string): boolean {
  return !/'\s*[,}'"]/.test(value);
}

interface RenderedField {
  key: string;
  value: string;
  quoting: Quoting;
  rawNewlines: boolean;
}

function renderRecord(fields: RenderedField[], newlineAfterFirst: boolean): string {
  return `{${fields.map((f, k) => `${k === 1 && newlineAfterFirst ? ',\n' : k > 0 ? ', ' : ''}'${f.key}': ${pyValue(f.value, f.quoting, f.rawNewlines)}`).join('')}}`;
}

function renderReport(steps: { records: { fields: RenderedField[]; newlineAfterFirst: boolean }[]; fenced: boolean }[]): string {
  const toc = ['1. Executive Summary', '2. Analysis', ...steps.map((_, k) => `${k + 3}. Results: step_${k}`)];
  const parts = [
    '',
    'MICA Analysis: A generated question...',
    'Session ID: prop-test-0001',
    'Query: A generated question?',
    'Generated: 2026-02-01 10:00 UTC',
    'Generated by MICA',
    `Table of Contents\n\n${toc.join('\n')}`,
    '1. Executive Summary',
    'Generated Title',
    '2. Analysis',
    'Generated Title',
    'Executive Summary',
    'A summary sentence.',
    'Conclusion',
    'A closing sentence.',
  ];
  steps.forEach((step, k) => {
    parts.push(`${k + 3}. Results: step_${k}`);
    const list = `[${step.records.map((r) => renderRecord(r.fields, r.newlineAfterFirst)).join(', ')}]`;
    parts.push(step.fenced ? `\`\`\`\n${list}\n\`\`\`` : list);
  });
  return parts.join('\n\n');
}

const normalise = (s: string): string => s.toWellFormed().replace(/\r\n/g, '\n');

const tricky = (pieces: string[]): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...pieces), { maxLength: 16 }).map((p) => p.join(''));

const PIECES = ['a', 'Z', '0', ' ', ' ', "'", "'", '"', '{', '}', '[', ']', ',', ':', '\\', '\n', '\t', '$', '*', '-', 'é', '😀', "', '", "'}", '\\$', "'url': '", '\r\n', '\\n', 'step_1', '```', '\uD800', "Trump's"];
// Carriage returns and lone surrogates are left out where values are cut: a cut between "\r" and
// "\n", or inside a surrogate pair, changes what normalisation makes of the rest.
const CUT_PIECES = PIECES.filter((p) => !p.includes('\r') && p !== '\uD800');

const fieldArb = (key: string, pieces: string[]): fc.Arbitrary<RenderedField> =>
  fc.record({ key: fc.constant(key), value: tricky(pieces), quoting: fc.constantFrom<Quoting>('repr', 'buggy'), rawNewlines: fc.boolean() });

const recordArb = (pieces: string[]) =>
  fc.record({
    fields: fc
      .tuple(fieldArb('title', pieces), fieldArb('url', pieces), fc.option(fieldArb('snippet', pieces), { nil: undefined }), fc.option(fieldArb('source', pieces), { nil: undefined }))
      .map((fs) => fs.filter((f): f is RenderedField => f !== undefined)),
    newlineAfterFirst: fc.boolean(),
  });

const expectedResult = (fields: RenderedField[]): Rec =>
  Object.fromEntries(fields.map((f) => [f.key, normalise(f.value)])) as unknown as Rec;

// No generated value can contain a line that looks like a section heading ("4. Results: step_1"):
// the pieces hold no "Results:", so section boundaries stay where the renderer put them.
describe('reading the export format back', () => {
  it('gives back every value written in the export format, whatever quotes, braces, newlines or backslashes it holds', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ records: fc.array(recordArb(PIECES), { maxLength: 4 }), fenced: fc.boolean() }), { minLength: 1, maxLength: 3 }), (steps) => {
        const session = parseMicaReport(renderReport(steps), 'generated.txt');
        expect(session.steps).toHaveLength(steps.length);
        steps.forEach((step, k) => {
          expect(session.steps[k].truncated).toBeUndefined();
          expect(session.steps[k].results).toEqual(step.records.map((r) => expectedResult(r.fields)));
        });
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('keeps every complete record and a prefix of every field of the cut-off one, wherever the export stops', () => {
    fc.assert(
      fc.property(fc.array(recordArb(CUT_PIECES), { minLength: 1, maxLength: 3 }), fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true }), (records, fenced, where) => {
        const full = renderReport([{ records, fenced: false }]);
        const listStart = full.lastIndexOf('3. Results: step_0\n\n[') + '3. Results: step_0\n\n['.length;
        let cut = listStart + Math.floor(where * (full.length - 1 - listStart));
        if (/[\uD800-\uDBFF]/.test(full[cut - 1] ?? '')) cut--;
        const text = fenced ? full.slice(0, cut).replace('3. Results: step_0\n\n[', '3. Results: step_0\n\n```\n[') : full.slice(0, cut);
        const step = parseMicaReport(text, 'cut.txt').steps[0];
        expect(step.truncated).toBe(true);
        const expected = records.map((r) => expectedResult(r.fields));
        step.results.forEach((result, k) => {
          if (!result.partial) {
            expect(result).toEqual(expected[k]);
            return;
          }
          expect(k).toBe(step.results.length - 1);
          for (const [key, value] of Object.entries(result)) {
            if (key === 'partial') continue;
            expect(expected[k][key as keyof Rec]?.startsWith(value as string)).toBe(true);
          }
        });
        expect(step.results.filter((r) => !r.partial).length).toBeLessThanOrEqual(records.length);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('the tolerant reading of ambiguous-looking values', () => {
  const report = (list: string): string =>
    [
      'Session ID: amb-1',
      'Query: q?',
      'Generated: 2026-02-01 10:00 UTC',
      'Table of Contents\n\n1. Executive Summary\n2. Analysis\n3. Results: step_0',
      '1. Executive Summary',
      'T',
      '2. Analysis',
      'T',
      'Body text.',
      '3. Results: step_0',
      list,
    ].join('\n\n');

  it('reads past an apostrophe followed by a comma when a key does not follow', () => {
    const s = parseMicaReport(report("[{'title': 'Rock 'n', roll', 'url': 'https://a.example.com/'}]"), 'amb.txt');
    expect(s.steps[0].results).toEqual([{ title: "Rock 'n', roll", url: 'https://a.example.com/' }]);
  });

  it('refuses rather than swallow a record boundary into a value', async () => {
    const error = await refusal(() => parseMicaReport(report("[{'title': 'a', 'url': 'b'} {'title': 'c', 'url': 'd'}]"), 'amb.txt'));
    expect(error.message).toMatch(/^amb\.txt: step step_0's result list cannot be read: .*the value of "url" to end with a quote/);
  });

  it('reads None as an absent field and keeps unknown keys in the notes', () => {
    const s = parseMicaReport(report("[{'title': 'a', 'url': None, 'source': 'x.example.com', 'rank': 3}]"), 'amb.txt');
    expect(s.steps[0].results).toEqual([{ title: 'a', source: 'x.example.com' }]);
    expect(s.provenance?.notes?.some((n) => n.includes('step_0[0].rank = "3"'))).toBe(true);
  });
});

