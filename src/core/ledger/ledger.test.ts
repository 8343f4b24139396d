import { describe, expect, it } from 'vitest';
import { Session, type KeyFigure } from '#core/session.ts';
import { compareSessions, formatMove, isMaterialMove, unitKey } from './index.ts';
import { Ledger } from './schema.ts';

/** A session side with `n` results, result i at https://example.org/<tag>/i. */
function side(id: string, tag: string, answer: string | undefined, figures: KeyFigure[], summary?: string, n = 8) {
  return {
    id,
    summary,
    answer: answer ? { text: answer, figures } : undefined,
    steps: [{ id: 's1', results: Array.from({ length: n }, (_, i) => ({ title: `Result ${i + 1}`, url: `https://example.org/${tag}/${i + 1}` })) }],
  };
}

const RELIANCE: KeyFigure = { label: 'US net import reliance on rare earth compounds', value: 74, unit: '%', text: '74%', asOf: '2023', cite: 2 };
const CHINA_SHARE: KeyFigure = { label: 'China share of US rare earth imports', value: 70, unit: '%', text: '70%', asOf: '2023', cite: 3 };
const IMPORTS: KeyFigure = { label: 'US rare earth imports by value', value: 190, unit: 'USD m', asOf: '2023', cite: 4 };

const BEFORE_ANSWER = 'The United States relies on imports for 74% of its rare earth compounds [2], and China supplies 70% of those imports [3].';
const BEFORE_SUMMARY = [
  'Dependence on China remains high. Three findings stand out:',
  '',
  '1. **Imports cover most of US demand.** Net import reliance on rare earth compounds was 74% in 2023 [2].',
  '2. **China dominates supply.** China supplied 70% of US rare earth imports between 2020 and 2023 [3].',
  '3. **Domestic processing is small.** The only US mine ships most of its concentrate abroad for separation [5].',
].join('\n');

describe('compareSessions: the ledger of a question', () => {
  it('a figure changed and a claim added: says exactly that, with the old and new values and both citations', () => {
    const before = side('old-1', 'old', BEFORE_ANSWER, [RELIANCE, CHINA_SHARE, IMPORTS], BEFORE_SUMMARY);
    const after = side(
      'new-1',
      'new',
      'The United States relies on imports for 80% of its rare earth compounds [4], and China supplies 70% of those imports [3].',
      [{ ...RELIANCE, value: 80, text: '80%', asOf: '2024', cite: 4 }, { ...CHINA_SHARE, cite: 3 }, { ...IMPORTS, value: 192, cite: 6 }],
      BEFORE_SUMMARY.replace('74% in 2023 [2]', '80% in 2024 [4]') + '\n4. **A new magnet plant opened in Texas.** It will make 1,000 t of magnets a year from 2026 [7].',
    );
    const ledger = compareSessions(before, after);
    expect(Ledger.safeParse(ledger).success).toBe(true);
    expect(ledger.previous).toBe('old-1');
    expect(ledger.material).toBe(true);

    expect(ledger.figures.map((f) => [f.label, f.status, f.material])).toEqual([
      [RELIANCE.label, 'changed', true],
      [CHINA_SHARE.label, 'unchanged', false],
      [IMPORTS.label, 'changed', false], // 190 → 192 USD m is +1.1%: below 5%
    ]);
    const reliance = ledger.figures[0]!;
    expect(reliance.before).toEqual({ value: 74, text: '74%', asOf: '2023', cite: 2, url: 'https://example.org/old/2' });
    expect(reliance.after).toEqual({ value: 80, text: '80%', asOf: '2024', cite: 4, url: 'https://example.org/new/4' });
    expect(reliance.delta).toBe(6);
    expect(formatMove(reliance)).toBe('+6 points');

    const byStatus = (status: string) => ledger.claims.filter((c) => c.status === status).map((c) => c.text);
    expect(byStatus('new')).toEqual(['A new magnet plant opened in Texas. It will make 1,000 t of magnets a year from 2026 [7].']);
    expect(byStatus('dropped')).toEqual([]);
    // The answer's sentence and the summary's finding with 74% → 80% are the same claims, changed.
    const changed = ledger.claims.filter((c) => c.status === 'changed');
    expect(changed.map((c) => [c.before?.text, c.text, c.before?.cites, c.cites, c.material])).toEqual([
      [BEFORE_ANSWER, expect.stringContaining('80% of its rare earth compounds [4]'), [2, 3], [4, 3], true],
      ['Imports cover most of US demand. Net import reliance on rare earth compounds was 74% in 2023 [2].', 'Imports cover most of US demand. Net import reliance on rare earth compounds was 80% in 2024 [4].', [2], [4], true],
    ]);
    expect(ledger.reasons).toEqual([
      'US net import reliance on rare earth compounds: 74% (2023) [2] → 80% (2024) [4], +6 points',
      expect.stringMatching(/^Claim changed: “The United States relies on imports for 80%.*\(was “The United States relies on imports for 74%/),
      'Claim changed: “Imports cover most of US demand. Net import reliance on rare earth compounds was 80% in 2024 [4].” (was “Imports cover most of US demand. Net import reliance on rare earth compounds was 74% in 2023 [2].”)',
      'New claim: “A new magnet plant opened in Texas. It will make 1,000 t of magnets a year from 2026 [7].”',
    ]);
    // Stored in a session, the ledger is valid there too.
    expect(() => Session.shape.ledger.parse(ledger)).not.toThrow();
  });

  it('rewording alone (the same figures, sentences rephrased, labels reworded) is nothing material', () => {
    const before = side('old-2', 'old', BEFORE_ANSWER, [RELIANCE, CHINA_SHARE, IMPORTS], BEFORE_SUMMARY);
    const after = side(
      'new-2',
      'new',
      'Imports meet 74% of US needs for rare earth compounds [2]; 70% of those imports come from China [3].',
      [
        { ...RELIANCE, label: 'Net import reliance, rare earth compounds (US)', text: 'about 74 percent', unit: 'percent' },
        { ...CHINA_SHARE, label: 'Share of US rare-earth imports from China' },
        { ...IMPORTS, label: 'Value of rare earth imports into the US' },
      ],
      [
        'The dependence on China is still high. These are the main findings:',
        '',
        '- **Most US demand is met by imports.** In 2023, the net import reliance on rare earth compounds stood at 74% [2].',
        '- **Supply is dominated by China.** Between 2020 and 2023, 70% of rare earth imports into the US came from China [3].',
        '- **Little processing happens at home.** Most concentrate from the single US mine is shipped abroad for separation [5].',
      ].join('\n'),
    );
    const ledger = compareSessions(before, after);
    expect(ledger.figures.map((f) => f.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(ledger.claims.filter((c) => c.status !== 'unchanged')).toEqual([]);
    expect(ledger.material).toBe(false);
    expect(ledger.reasons).toEqual([]);
    // The rewording is kept: each claim with its earlier wording.
    expect(ledger.claims.find((c) => c.text.startsWith('Imports meet 74%'))?.before?.text).toBe(BEFORE_ANSWER);
  });

  it('a claim dropped is material; a figure that appears or disappears is listed but not material by itself', () => {
    const before = side('old-3', 'old', BEFORE_ANSWER, [RELIANCE, IMPORTS], BEFORE_SUMMARY);
    const after = side('new-3', 'new', BEFORE_ANSWER, [RELIANCE, CHINA_SHARE], BEFORE_SUMMARY.split('\n').slice(0, 4).join('\n'));
    const ledger = compareSessions(before, after);
    expect(ledger.figures.map((f) => [f.status, f.label, f.material])).toEqual([
      ['unchanged', RELIANCE.label, false],
      ['new', CHINA_SHARE.label, false],
      ['dropped', IMPORTS.label, false],
    ]);
    const dropped = 'Domestic processing is small. The only US mine ships most of its concentrate abroad for separation [5].';
    expect(ledger.claims.filter((c) => c.status !== 'unchanged').map((c) => [c.status, c.text, c.cites])).toEqual([['dropped', dropped, [5]]]);
    expect(ledger.material).toBe(true);
    expect(ledger.reasons).toEqual([`Dropped claim: “${dropped}”`]);
  });

  it('a claim whose figures moved is changed and material; a range is not its low end; a year alone moves nothing', () => {
    const claims = (answer: string) => compareSessions(side('o', 'o', 'The outlook reaches 120 GWh of grid-scale capacity by 2030 [3].', []), side('n', 'n', answer, [])).claims;
    expect(claims('The central outlook was raised from 120 GWh to 135 GWh of grid-scale capacity by 2030 [3].').map((c) => [c.status, c.material])).toEqual([['changed', true]]);
    expect(claims('The outlook reaches 122 GWh of grid-scale capacity by 2030 [3].').map((c) => [c.status, c.material])).toEqual([['changed', false]]); // +1.7%
    expect(claims('The outlook reaches 120 GWh of grid-scale capacity by 2031 [3].').map((c) => [c.status, c.material])).toEqual([['changed', false]]);
    expect(claims('By 2030, grid-scale capacity reaches 120 GWh in the outlook [4].').map((c) => [c.status, c.material, c.cites, c.before?.cites])).toEqual([['unchanged', false, [4], [3]]]);
  });

  it('the threshold: 5% of the old value, or 1 percentage point for figures in %; per query', () => {
    expect(isMaterialMove(100, 105, false)).toBe(true);
    expect(isMaterialMove(100, 104.9, false)).toBe(false);
    expect(isMaterialMove(100, 95, false)).toBe(true);
    expect(isMaterialMove(0, 1, false)).toBe(true);
    expect(isMaterialMove(74, 75, true)).toBe(true);
    expect(isMaterialMove(74, 74.9, true)).toBe(false);
    expect(isMaterialMove(2, 2.5, true)).toBe(false); // +25% of the value, but half a point
    const before = side('old-4', 'old', BEFORE_ANSWER, [RELIANCE, IMPORTS]);
    const after = side('new-4', 'new', BEFORE_ANSWER, [{ ...RELIANCE, value: 75.5 }, { ...IMPORTS, value: 200 }]);
    expect(compareSessions(before, after).figures.map((f) => f.material)).toEqual([true, true]);
    const loose = compareSessions(before, after, { relative: 0.1, points: 2 });
    expect(loose.figures.map((f) => [f.status, f.material])).toEqual([
      ['changed', false],
      ['changed', false],
    ]);
    expect(loose.threshold).toEqual({ relative: 0.1, points: 2 });
    expect(loose.material).toBe(false);
  });

  it('periods: a later asOf is a new point of the same series; an earlier one is new, not a change', () => {
    const before = side('old-5', 'old', BEFORE_ANSWER, [RELIANCE]);
    // The 2023 point kept and a 2024 point added: the 2024 point is compared with 2023's.
    const added = compareSessions(before, side('new-5', 'new', BEFORE_ANSWER, [RELIANCE, { ...RELIANCE, value: 78, asOf: '2024', cite: 5 }]));
    expect(added.figures.map((f) => [f.status, f.before?.asOf, f.after?.asOf, f.before?.value, f.after?.value, f.material])).toEqual([
      ['unchanged', '2023', '2023', 74, 74, false],
      ['changed', '2023', '2024', 74, 78, true],
    ]);
    // An older point the new run happened to find is no move of the series.
    const older = compareSessions(before, side('new-6', 'new', BEFORE_ANSWER, [{ ...RELIANCE, value: 60, asOf: '2019' }]));
    expect(older.figures.map((f) => [f.status, f.material])).toEqual([
      ['new', false],
      ['dropped', false],
    ]);
    // A year in the label stands for asOf; a different unit is another series.
    const byLabel = compareSessions(side('o', 'o', BEFORE_ANSWER, [{ label: 'Import reliance 2023', value: 74, unit: '%' }]), side('n', 'n', BEFORE_ANSWER, [{ label: 'Import reliance 2024', value: 76, unit: '%' }, { label: 'Import reliance 2024', value: 9, unit: 't' }]));
    expect(byLabel.figures.map((f) => [f.status, f.unit, f.before?.value])).toEqual([
      ['changed', '%', 74],
      ['new', 't', undefined],
    ]);
  });

  it('a previous session with no answer or summary gives nothing to alert on', () => {
    const ledger = compareSessions(side('old-7', 'old', undefined, []), side('new-7', 'new', BEFORE_ANSWER, [RELIANCE], BEFORE_SUMMARY));
    expect(ledger.material).toBe(false);
    expect(ledger.note).toBe('The previous session has no answer or summary to compare with.');
    expect(ledger.claims.every((c) => c.status === 'new' && !c.material)).toBe(true);
  });

  it('is deterministic, and units are normalised', () => {
    const before = side('old-8', 'old', BEFORE_ANSWER, [RELIANCE, CHINA_SHARE, IMPORTS], BEFORE_SUMMARY);
    const after = side('new-8', 'new', BEFORE_ANSWER, [IMPORTS, CHINA_SHARE, RELIANCE], BEFORE_SUMMARY);
    expect(JSON.stringify(compareSessions(before, after))).toBe(JSON.stringify(compareSessions(before, after)));
    expect(compareSessions(before, after).figures.every((f) => f.status === 'unchanged')).toBe(true);
    expect(['%', 'percent', 'per cent', ' Percent '].map(unitKey)).toEqual(['%', '%', '%', '%']);
    expect(['$', 'US$', 'usd'].map(unitKey)).toEqual(['usd', 'usd', 'usd']);
  });
});
