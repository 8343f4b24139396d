import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractFigures, sameFigure, type Figure } from './figures.ts';
import { parseNumberWords } from './number-words.ts';

const one = (text: string): Figure => {
  const figures = extractFigures(text);
  expect(figures, text).toHaveLength(1);
  return figures[0]!;
};
const canon = (text: string) => {
  const f = one(text);
  return { kind: f.kind, unit: f.unit, value: f.value, ...(f.high !== undefined ? { high: f.high } : {}) };
};

describe('figure normalisation', () => {
  it.each([
    ['90%', { kind: 'percent', unit: '%', value: 90 }],
    ['90 percent', { kind: 'percent', unit: '%', value: 90 }],
    ['90 per cent', { kind: 'percent', unit: '%', value: 90 }],
    ['ninety per cent', { kind: 'percent', unit: '%', value: 90 }],
    ['twenty-five percent', { kind: 'percent', unit: '%', value: 25 }],
    ['3 percentage points', { kind: 'points', unit: 'pp', value: 3 }],
    ['$1.6 billion', { kind: 'money', unit: 'USD', value: 1.6e9 }],
    ['$1.6bn', { kind: 'money', unit: 'USD', value: 1.6e9 }],
    ['US$ 1.6 bn', { kind: 'money', unit: 'USD', value: 1.6e9 }],
    ['USD 1.6 billion', { kind: 'money', unit: 'USD', value: 1.6e9 }],
    ['1.6 billion dollars', { kind: 'money', unit: 'USD', value: 1.6e9 }],
    ['$5m', { kind: 'money', unit: 'USD', value: 5e6 }],
    ['€3.2bn', { kind: 'money', unit: 'EUR', value: 3.2e9 }],
    ['A$ 200 million', { kind: 'money', unit: 'AUD', value: 2e8 }],
    ['$1–2 billion', { kind: 'money', unit: 'USD', value: 1e9, high: 2e9 }],
    ['12,000 t', { kind: 'mass', unit: 't', value: 12000 }],
    ['12 kt', { kind: 'mass', unit: 't', value: 12000 }],
    ['12 thousand tonnes', { kind: 'mass', unit: 't', value: 12000 }],
    ['5m tonnes', { kind: 'mass', unit: 't', value: 5e6 }],
    ['2 Mt', { kind: 'mass', unit: 't', value: 2e6 }],
    ['656 tons', { kind: 'mass', unit: 't', value: 656 }],
    ['12 GWh', { kind: 'energy', unit: 'Wh', value: 12e9 }],
    ['2.3 TWh', { kind: 'energy', unit: 'Wh', value: 2.3e12 }],
    ['1.5 GW', { kind: 'power', unit: 'W', value: 1.5e9 }],
    ['22.93X', { kind: 'multiple', unit: 'x', value: 22.93 }],
    ['3 times', { kind: 'multiple', unit: 'x', value: 3 }],
    ['fivefold', { kind: 'multiple', unit: 'x', value: 5 }],
    ['doubled', { kind: 'multiple', unit: 'x', value: 2 }],
    ['50–75%', { kind: 'percent', unit: '%', value: 50, high: 75 }],
    ['between 50% and 75%', { kind: 'percent', unit: '%', value: 50, high: 75 }],
    ['10-15 years', { kind: 'duration', unit: 'years', value: 10, high: 15 }],
    ['a one-year pause', { kind: 'duration', unit: 'years', value: 1 }],
    ['2025', { kind: 'year', unit: 'year', value: 2025 }],
    ['2035-2040', { kind: 'year', unit: 'year', value: 2035, high: 2040 }],
    ['2025-05-06', { kind: 'year', unit: 'year', value: 2025 }],
    ['two-thirds of output', { kind: 'percent', unit: '%', value: 66.7 }],
    ['half of supply', { kind: 'percent', unit: '%', value: 50 }],
    ['17 elements', { kind: 'count', unit: '', value: 17 }],
  ] as const)('reads %j', (text, expected) => {
    expect(canon(text)).toEqual(expected);
  });

  it('keeps where each figure is and what it said', () => {
    const text = 'China controls ~90% of refining and \u00a394m of “stuff” in 2025.';
    const figures = extractFigures(text);
    expect(figures.map((f) => [f.raw, text.slice(f.start, f.end), f.approx])).toEqual([
      ['90%', '90%', true],
      ['£94m', '£94m', false],
      ['2025', '2025', false],
    ]);
  });

  it.each(['F-35 fighter jets', 'step_0', 'CO2', 'the 2nd largest', '5G networks', 'one of the largest', 'the third largest producer'])('finds no figure in %j', (text) => {
    expect(extractFigures(text)).toEqual([]);
  });

  it.each([
    ['90%', 'ninety per cent', true],
    ['$1.6 billion', '$1.6bn', true],
    ['$1.6 billion', 'US$ 1.6 bn', true],
    ['$1.6 billion', '$1.63 billion', true],
    ['$1.6 billion', '$1.7 billion', false],
    ['$1.6 billion', '€1.6 billion', false],
    ['12 kt', '12,000 tonnes', true],
    ['3 GWh', '3,000 MWh', true],
    ['3 GW', '3 GWh', false],
    ['about 23 times', '22.93X', true],
    ['1.4X', '1.44X', true],
    ['94%', '90%', false],
    ['~90%', '89%', true],
    ['nearly half', '47%', true],
    ['a quarter', '15%', false],
    ['10–15%', 'between 10% and 15%', true],
    ['75%', '50–75%', true],
    ['50–75%', '75%', false],
    ['2025', '2025', true],
    ['2025', '2,025 t', false],
    ['45,000', '45,000 t', true],
  ])('%j and %j are the same figure: %s', (a, b, same) => {
    expect(sameFigure(one(a), one(b))).toBe(same);
  });

  it('reads number words', () => {
    expect(parseNumberWords('ninety')).toBe(90);
    expect(parseNumberWords('twenty-five')).toBe(25);
    expect(parseNumberWords('one hundred and ten')).toBe(110);
    expect(parseNumberWords('two thousand')).toBe(2000);
    expect(parseNumberWords('five twenty')).toBeUndefined();
    expect(parseNumberWords('one two')).toBeUndefined();
  });

  it('reads any percentage written as digits back to its value, however it is written (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 2 }), fc.constantFrom('%', ' percent', ' per cent', ' pct'), (n, decimals, unit) => {
        const value = n / 10 ** decimals;
        const written = value.toFixed(decimals) + unit;
        const f = one(`rose ${written} last year`);
        expect(f.kind).toBe('percent');
        expect(f.value).toBeCloseTo(value, 6);
        expect(sameFigure(f, one(`${value.toFixed(decimals)}%`))).toBe(true);
      }),
    );
  });

  it('treats a money amount the same in every scale spelling, and never as another amount (property)', () => {
    const scales = [
      ['million', 1e6, ['million', 'mn', 'm']],
      ['billion', 1e9, ['billion', 'bn', 'b']],
    ] as const;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 }), fc.constantFrom(...scales), fc.nat(2), fc.nat(2), (tenths, [, factor, spellings], i, j) => {
        const amount = (tenths / 10).toFixed(1);
        const a = one(`$${amount} ${spellings[i % spellings.length]!}`.replace(/ (m|b)$/, '$1'));
        const b = one(`US$ ${amount}${spellings[j % spellings.length]!}`);
        expect(a.value).toBeCloseTo(Number(amount) * factor, 0);
        expect(sameFigure(a, b)).toBe(true);
        expect(sameFigure(a, one(`$${(Number(amount) + 0.2).toFixed(1)} ${spellings[0]}`))).toBe(false);
      }),
    );
  });

  it('scans any text quickly and only ever returns figures inside it (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        for (const f of extractFigures(text)) {
          expect(f.start).toBeGreaterThanOrEqual(0);
          expect(f.end).toBeLessThanOrEqual(text.length);
          expect(text.slice(f.start, f.end)).toBe(f.raw);
          expect(Number.isFinite(f.value)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('digits that belong to a name', () => {
  it('are not figures when glued to a letter, "%" or "_" before them (encoded URLs, model names)', () => {
    expect(extractFigures('see filesyste%6d:https://x.example and the A320 fleet, v_2, and 45% of it').map((f) => f.value)).toEqual([45]);
  });
});
