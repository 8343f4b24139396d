// Figures in prose — percentages, money with a scale, tonnages, energy and power, multiples,
// years, durations, ranges and plain counts — read into a canonical value and unit, so that
// "90%", "90 percent" and "ninety per cent" are one figure, and "$1.6 billion", "$1.6bn" and
// "US$ 1.6 bn" another. Comparison is numeric with a tolerance for rounding, never on strings.
// Pure and allocation-light: it runs over every claim and every search result at build time.
import { parseNumberWords, NUMBER_WORD } from './number-words.ts';

export type FigureKind = 'percent' | 'points' | 'money' | 'mass' | 'energy' | 'power' | 'multiple' | 'year' | 'duration' | 'count';

export interface Figure {
  kind: FigureKind;
  /** Canonical unit: `%`, `pp`, a currency code, `t`, `Wh`, `W`, `x`, `year`, `years`, `months`, or `` for a count. */
  unit: string;
  /** The value in the canonical unit (tonnes, watt-hours, currency units, …); a range's low end. */
  value: number;
  /** A range's high end ("50–75%"). */
  high?: number;
  /** Half of the last stated digit, in the canonical unit: how far rounding can move the value. */
  precision: number;
  /** Said with "about", "~", "nearly", "over"… */
  approx: boolean;
  /** The text as written, and where it is in the text that was scanned. */
  raw: string;
  start: number;
  end: number;
}

const SCALES: Record<string, number> = {
  thousand: 1e3,
  k: 1e3,
  million: 1e6,
  millions: 1e6,
  mn: 1e6,
  mln: 1e6,
  m: 1e6,
  billion: 1e9,
  billions: 1e9,
  bn: 1e9,
  b: 1e9,
  trillion: 1e12,
  tn: 1e12,
  trn: 1e12,
};

// A currency written before the number: "$", "US$ ", "USD ", "€", "A$"…
const CURRENCY_BEFORE = /(?<![\p{L}])(US\s?\$|AU?\s?\$|CA?\s?\$|USD|EUR|GBP|CNY|RMB|AUD|CAD|\$|€|£|¥)\s?$/u;

function currencyCode(symbol: string): string {
  const s = symbol.replace(/\s/g, '');
  if (s === '$' || s === 'US$' || s === 'USD') return 'USD';
  if (s === 'A$' || s === 'AU$' || s === 'AUD') return 'AUD';
  if (s === 'C$' || s === 'CA$' || s === 'CAD') return 'CAD';
  if (s === '€' || s === 'EUR') return 'EUR';
  if (s === '£' || s === 'GBP') return 'GBP';
  return 'CNY';
}

const CURRENCY_WORD: Record<string, string> = {
  dollar: 'USD',
  dollars: 'USD',
  usd: 'USD',
  euro: 'EUR',
  euros: 'EUR',
  eur: 'EUR',
  pound: 'GBP',
  pounds: 'GBP',
  gbp: 'GBP',
  yuan: 'CNY',
  renminbi: 'CNY',
  rmb: 'CNY',
  cny: 'CNY',
  aud: 'AUD',
  cad: 'CAD',
};

const MASS: Record<string, number> = {
  t: 1,
  tonne: 1,
  tonnes: 1,
  ton: 1,
  tons: 1,
  mt: 1e6,
  kt: 1e3,
  kilotonnes: 1e3,
  kilotons: 1e3,
  megatonnes: 1e6,
  kg: 1e-3,
};

const SI: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

const APPROX = /(?:~|≈|\b(?:about|around|approximately|approx\.?|roughly|nearly|almost|some|over|more than|less than|under|up to|at least|close to|an estimated|estimated)\s*)$/i;

// A number in digits: 12,000 / 1.6 / 0.5 / .5 — not part of a word or an identifier ("F-35",
// "step_0", "CO2"), and not the second half of a date like 2024-05.
const DIGITS = /(?<![\p{L}\p{N}_.,]|[\p{L}]-)(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)/gu;

// What may follow a number: a scale, then a unit. Tried in order on the text right after it.
const AFTER =
  /^(?:\s?(?<scale>thousand|millions?|billions?|trillion|mn|mln|bn|trn|tn|[kmb])(?![\p{L}\d]))?(?:\s?(?<unit>%|percentage points?|pp(?![\p{L}])|per\s?cent|percent|pct|GWh|MWh|TWh|kWh|Wh|GW|MW|TW|kW|kilotonnes|kilotons|megatonnes|metric tons|tonnes|tonne|tons|ton|kt|Mt|t(?![\p{L}\d])|kg|[xX×](?![\p{L}\d])|times|fold|-fold|years?|yrs?|months?|dollars?|euros?|pounds?|yuan|renminbi|USD|EUR|GBP|CNY|RMB|AUD|CAD)(?![\p{L}]))?/u;

interface NumberToken {
  value: number;
  decimals: number;
  start: number;
  end: number;
  /** Written as words ("ninety"). */
  words: boolean;
}

/** Every figure in `text`, in reading order. Positions are UTF-16 offsets into `text`. */
export function extractFigures(text: string): Figure[] {
  const tokens = numberTokens(text);
  const figures: Figure[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const figure = readFigure(text, token);
    if (!figure) continue;
    // A range: "50–75%", "10-15 years", "$1–2 billion", "between 50% and 75%", "2035-2040".
    const next = tokens[i + 1];
    if (next) {
      const between = text.slice(figure.end, next.start);
      const gap = text.slice(token.end, next.start);
      const joined = /^\s?(?:–|—|-|to)\s?(?:US\s?\$|\$|€|£|¥)?$/.test(between) || /^\s?(?:–|—|-|to)\s?(?:US\s?\$|\$|€|£|¥)?$/.test(gap);
      const betweenAnd = /\bbetween\s+(?:US\s?\$|\$|€|£|¥)?$/i.test(text.slice(Math.max(0, figure.start - 12), figure.start)) && /^\s?(?:%|percent|per cent)?\s?and\s?(?:US\s?\$|\$|€|£|¥)?$/.test(gap);
      if (joined || betweenAnd) {
        let second = readFigure(text, next);
        // "$1–2 billion": the currency is written once, before the first number.
        if (second && figure.kind === 'money' && second.kind === 'count') second = { ...second, kind: 'money', unit: figure.unit };
        if (second && (second.kind === figure.kind || figure.kind === 'count' || figure.kind === 'year')) {
          // The unit and scale written once, after the second number, apply to both ("1–2 billion").
          const low = rescale(token, second, figure);
          if (low <= second.value) {
            figures.push({
              kind: second.kind,
              unit: second.unit,
              value: low,
              high: second.value,
              precision: Math.max(second.precision, figure.kind === second.kind ? figure.precision : second.precision),
              approx: figure.approx || second.approx,
              raw: text.slice(figure.start, second.end),
              start: figure.start,
              end: second.end,
            });
            i++;
            continue;
          }
        }
      }
    }
    figures.push(figure);
  }
  for (const f of fractions(text)) if (!figures.some((g) => f.start < g.end && f.end > g.start)) figures.push(f);
  return figures.sort((a, b) => a.start - b.start);
}

const DENOMINATORS: Record<string, number> = { half: 2, halves: 2, third: 3, thirds: 3, quarter: 4, quarters: 4, fifth: 5, fifths: 5, tenth: 10, tenths: 10 };
const NUMERATORS: Record<string, number> = { a: 1, one: 1, two: 2, three: 3, four: 4, nine: 9 };
// "a third", "two-thirds", "three quarters", "half of": a share in words. Ordinals ("the third
// largest") need the article or numerator in front, which they never have.
const FRACTION = /\b(a|one|two|three|four|nine)[\s-]+(half|thirds?|quarters?|fifths?|tenths?)\b|\b(half)(?=\s+(?:of|the)\b)|(?<=\b(?:nearly|almost|about|around|over|under|roughly|than|by)\s)(half)\b/gi;

/** Shares written as fractions, as rough percentages: within a tenth of their value. */
function fractions(text: string): Figure[] {
  const out: Figure[] = [];
  // Most texts have none of these words, and looking for the words alone takes half the time of
  // the patterns (every result of every briefing is read at build time).
  if (FRACTION_WORD.test(text)) for (const m of text.matchAll(FRACTION)) {
    const numerator = m[1] ? NUMERATORS[m[1].toLowerCase()]! : 1;
    const denominator = DENOMINATORS[(m[2] ?? m[3] ?? m[4])!.toLowerCase()]!;
    const value = Math.round((numerator / denominator) * 1000) / 10;
    if (value > 100) continue;
    out.push({ kind: 'percent', unit: '%', value, precision: value * 0.1, approx: true, raw: m[0], start: m.index, end: m.index + m[0].length });
  }
  if (MULTIPLE_STEM.test(text)) for (const m of text.matchAll(MULTIPLE_WORD)) {
    const word = m[0].toLowerCase();
    const value = word.endsWith('fold') ? parseNumberWords(word.slice(0, -4))! : word.startsWith('doubl') ? 2 : word.startsWith('tripl') ? 3 : 4;
    out.push({ kind: 'multiple', unit: 'x', value, precision: 0.5, approx: false, raw: m[0], start: m.index, end: m.index + m[0].length });
  }
  return out;
}

// "fivefold", "doubled", "triple": multiples in words.
const MULTIPLE_WORD = /\b(?:two|three|four|five|six|seven|eight|nine|ten|twenty|hundred)fold\b|\b(?:doubl|tripl|quadrupl)(?:e|ed|es|ing)\b/gi;
/** What every match of FRACTION and of MULTIPLE_WORD holds. */
const FRACTION_WORD = /half|third|quarter|fifth|tenth/i;
const MULTIPLE_STEM = /fold|doubl|tripl|quadrupl/i;

function rescale(token: NumberToken, second: Figure, first: Figure): number {
  // "1–2 billion", "10-15 year": a first number written bare takes the second's unit and scale.
  const bare = first.end === token.end || first.kind === 'count';
  if (!bare && first.kind === second.kind && first.unit === second.unit) return first.value;
  const factor = second.value / secondBase(second);
  return token.value * factor;
}

function secondBase(f: Figure): number {
  const number = Number(f.raw.replace(/^[^\d]*/, '').match(/^\d[\d,]*(?:\.\d+)?/)?.[0]?.replace(/,/g, '') ?? NaN);
  return Number.isFinite(number) && number !== 0 ? number : f.value || 1;
}

// ISO dates ("2025-05-06", "2025-05-06T10:00Z") are one year, not a range and two counts.
const ISO_DATE = /\b(\d{4})-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\b/g;

function numberTokens(text: string): NumberToken[] {
  const tokens: NumberToken[] = [];
  const dates: Array<[number, number]> = [];
  for (const m of text.matchAll(ISO_DATE)) {
    dates.push([m.index, m.index + m[0].length]);
    tokens.push({ value: Number(m[1]), decimals: 0, start: m.index, end: m.index + 4, words: false });
  }
  for (const m of text.matchAll(DIGITS)) {
    const digits = m[1]!;
    const start = m.index;
    const end = start + digits.length;
    if (dates.some(([a, b]) => start >= a && start < b)) continue;
    // Digits glued to a letter, "%" or "_" before them are part of a name or an encoded URL
    // ("A320", "%6d", "v_2"), not a figure.
    if (start > 0 && /[\p{L}%_]/u.test(text[start - 1]!)) continue;
    // "F-35", "Q3", "H2": letters glued to the number name something; so do "2nd", "5G", "3D".
    if (/^(?:st|nd|rd|th|G|D)\b/.test(text.slice(end))) continue;
    const plain = digits.replace(/,/g, '');
    const decimals = plain.includes('.') ? plain.length - plain.indexOf('.') - 1 : 0;
    tokens.push({ value: Number(plain), decimals, start, end, words: false });
  }
  for (const m of text.matchAll(NUMBER_WORD)) {
    const value = parseNumberWords(m[0]);
    if (value === undefined) continue;
    tokens.push({ value, decimals: 0, start: m.index, end: m.index + m[0].length, words: true });
  }
  return tokens.sort((a, b) => a.start - b.start);
}

function readFigure(text: string, token: NumberToken): Figure | undefined {
  const before = text.slice(Math.max(0, token.start - 24), token.start);
  const rest = text.slice(token.end, token.end + 40);
  const after = AFTER.exec(rest.replace(/^-(?=year|month|fold)/, ' '))!;
  let scaleWord = after.groups?.scale;
  let unitWord = after.groups?.unit;
  let consumed = after[0].length;

  const symbol = CURRENCY_BEFORE.exec(before);
  let currency = symbol ? currencyCode(symbol[1]!) : undefined;
  // "m" and "b" mean million and billion after a currency ("$5m") or before a unit ("5m
  // tonnes"), never alone ("5 m" may be metres).
  if (scaleWord && /^[mb]$/.test(scaleWord) && !currency && !unitWord) {
    scaleWord = undefined;
    consumed = 0;
  }
  const scale = scaleWord ? (SCALES[scaleWord.toLowerCase()] ?? 1) : 1;
  const unitLower = unitWord?.toLowerCase().replace(/\s+/g, ' ');
  const approx = APPROX.test(symbol ? before.slice(0, before.length - symbol[0].length) : before);
  const half = 0.5 * 10 ** -token.decimals;
  const start = symbol ? token.start - symbol[0].length : token.start;
  const end = token.end + consumed;
  const base = { approx, raw: text.slice(start, end), start, end };

  if (unitLower && CURRENCY_WORD[unitLower]) currency ??= CURRENCY_WORD[unitLower];
  // Number words stand for a figure only with a unit or scale ("ninety per cent", "two million"):
  // "one of the largest" is not a figure.
  if (token.words && !unitWord && !scaleWord && !currency) return undefined;

  if (currency) return { kind: 'money', unit: currency, value: token.value * scale, precision: half * scale, ...base };
  if (unitLower) {
    if (unitLower.startsWith('percentage point') || unitLower === 'pp') return { kind: 'points', unit: 'pp', value: token.value, precision: half, ...base };
    if (unitLower === '%' || unitLower.startsWith('per') || unitLower === 'pct') return { kind: 'percent', unit: '%', value: token.value, precision: half, ...base };
    const massKey = unitLower === 'metric tons' ? 'tons' : unitWord === 'Mt' ? 'mt' : unitLower;
    if (MASS[massKey] !== undefined && !(unitWord === 't' && scaleWord && /^t/i.test(scaleWord))) {
      const f = MASS[massKey]! * scale;
      return { kind: 'mass', unit: 't', value: token.value * f, precision: half * f, ...base };
    }
    const energy = /^([kMGT]?)(Wh|W)$/.exec(unitWord!);
    if (energy) {
      const f = SI[energy[1]!]! * scale;
      return { kind: energy[2] === 'Wh' ? 'energy' : 'power', unit: energy[2]!, value: token.value * f, precision: half * f, ...base };
    }
    if (/^(?:x|×|times|fold|-fold)$/.test(unitLower)) return { kind: 'multiple', unit: 'x', value: token.value, precision: half, ...base };
    if (/^(?:years?|yrs?)$/.test(unitLower)) return { kind: 'duration', unit: 'years', value: token.value, precision: half, ...base };
    if (/^months?$/.test(unitLower)) return { kind: 'duration', unit: 'months', value: token.value, precision: half, ...base };
  }
  if (scaleWord) return { kind: 'count', unit: '', value: token.value * scale, precision: half * scale, ...base };
  return plainFigure(text, token, before);
}

/** A bare number: a year when it looks like one, else a count. */
function plainFigure(text: string, token: NumberToken, before: string): Figure | undefined {
  if (token.words) return undefined;
  const raw = text.slice(token.start, token.end);
  const base = { approx: APPROX.test(before), start: token.start, end: token.end, raw };
  if (token.decimals === 0 && !raw.includes(',') && token.value >= 1800 && token.value <= 2100) {
    // "2030+" is still the year 2030.
    return { kind: 'year', unit: 'year', value: token.value, precision: 0, ...base };
  }
  return { kind: 'count', unit: '', value: token.value, precision: 0.5 * 10 ** -token.decimals, ...base };
}

/** How far apart two values may be and still count as the same figure. */
function tolerance(a: Figure, b: Figure): number {
  let tol = Math.max(a.precision, b.precision, 1e-9 * Math.max(Math.abs(a.value), 1));
  // "about 90%" also covers a source's 88.5%: an approximate figure claims less precision.
  if (a.approx || b.approx) tol = Math.max(tol, 0.02 * Math.abs(a.value));
  return tol;
}

const close = (x: number, y: number, tol: number) => Math.abs(x - y) <= tol;

/**
 * Whether a figure in a claim is the same figure as one in a source. Units must agree (a bare
 * count matches any unit but a year: "45,000" is in "45,000 t"); values must agree within
 * rounding. A single value matches either end of a source range; a range needs both ends.
 */
export function sameFigure(claim: Figure, source: Figure): boolean {
  if ((claim.kind === 'year') !== (source.kind === 'year')) return false;
  if (claim.unit !== source.unit && claim.unit !== '' && source.unit !== '') return false;
  if (claim.kind === 'percent' && source.kind === 'count') return false;
  const tol = tolerance(claim, source);
  if (claim.high !== undefined) {
    return source.high !== undefined && close(claim.value, source.value, tol) && close(claim.high, source.high, tolerance({ ...claim, value: claim.high }, { ...source, value: source.high }));
  }
  if (close(claim.value, source.value, tol)) return true;
  return source.high !== undefined && close(claim.value, source.high, tolerance(claim, { ...source, value: source.high }));
}

/** A figure as a reader would say it, for explanations: "94%", "$1.6 billion", "12,000 t". */
export function describeFigure(f: Figure): string {
  return f.raw.replace(/\s+/g, ' ').trim();
}
