// English number words → numbers: "ninety" → 90, "twenty-five" → 25, "one hundred and ten" →
// 110, "two million" → 2,000,000. Hand-written on purpose: the npm package people reach for
// (`words-to-numbers`) was last released years ago, depends on babel-runtime 6 and a fuzzy
// matcher that turns unrelated words into numbers; this is a few lines with no such surprises.

const UNITS: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
const MULTIPLIERS: Record<string, number> = { hundred: 100, thousand: 1e3, million: 1e6, billion: 1e9, trillion: 1e12 };

const WORD = `(?:${[...Object.keys(UNITS), 'hundred'].join('|')})`;

/**
 * A run of number words, e.g. "ninety", "twenty-five", "one hundred and ten". The scales
 * thousand/million/billion are left to the figure reader, which treats them as a scale after any
 * number ("two million", "1.6 million").
 */
export const NUMBER_WORD = new RegExp(`\\b${WORD}(?:(?:[\\s-]+|\\s+and\\s+)${WORD})*\\b`, 'gi');

/** The value of a run of number words, or undefined when the words do not make one number. */
export function parseNumberWords(text: string): number | undefined {
  const words = text.toLowerCase().split(/[\s-]+/).filter((w) => w && w !== 'and');
  if (words.length === 0) return undefined;
  let total = 0;
  let current = 0;
  let last: 'unit' | 'ten' | 'mult' | undefined;
  for (const word of words) {
    if (word in UNITS) {
      const v = UNITS[word]!;
      // "twenty five" is 25, but "five twenty" and "one two" are not numbers.
      if (last === 'unit' || (last === 'ten' && (v >= 10 || current % 10 !== 0))) return undefined;
      current += v;
      last = v >= 20 ? 'ten' : 'unit';
    } else if (word in MULTIPLIERS) {
      const m = MULTIPLIERS[word]!;
      if (m === 100) current = (current || 1) * 100;
      else {
        total += (current || 1) * m;
        current = 0;
      }
      last = 'mult';
    } else return undefined;
  }
  return total + current;
}
