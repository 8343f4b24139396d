// Key figures: the figures of the quoted sentences as structured data. The value and unit are read
// by the grounding's figure reader (#core/grounding/figures.ts); what a figure measures is taken
// from the sentence's own words before it (and the "of …" phrase after it), and when, from a date
// in the same clause. Nothing is reworded beyond trimming, so a label's words are all in its sentence.
import type { KeyFigure } from '#core/session.ts';
import { extractFigures, type Figure } from '#core/grounding/figures.ts';
import { parseNumberWords } from '#core/grounding/number-words.ts';
import { squash } from '#core/text-analysis.ts';
import type { Candidate } from './sentences.ts';

/** At most this many figures in the answer (the session schema's limit). */
export const MAX_KEY_FIGURES = 12;
/** Labels longer than this are cut: "a few words saying what it measures". */
const MAX_LABEL_WORDS = 10;

const MONTH = String.raw`(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?`;
/** A day and month, or a quarter, written just before a year: "1 January 2027", "May 2025", "Q3 2024". */
const MONTH_BEFORE = new RegExp(String.raw`(?:\b\d{1,2}\s+)?\b${MONTH}\s+$|\b(?:Q[1-4]|H[12]|FY)\s?$`);
/** "1 January", "January 1": a day of a month is a date, not a count. */
const MONTH_AFTER = new RegExp(String.raw`^\s+${MONTH}(?![\p{L}])`, 'u');
const MONTH_BEFORE_DAY = new RegExp(String.raw`\b${MONTH}\s+$`);
/** "the second half of the decade": a time, not a share. */
const TIME_AFTER = /^\s+of\s+(?:the\s+|this\s+|next\s+|a\s+)?(?:decade|year|century|month|week|day|quarter|period)s?\b/i;
const ORDINAL_BEFORE = /\b(?:first|second|last|latter|former|other)\s+$/i;

/** Words that qualify a figure ("about 80%", "more than 90%"): part of the figure as written. */
const QUALIFIER =
  /(?:^|\s)(?:about|around|approximately|approx\.|roughly|nearly|almost|some|over|more than|less than|fewer than|under|up to|at least|at most|close to|an estimated|just|above|below|only|between|as much as|as many as|as little as|~|≈)\s*$/i;
/** "per kilogram", "a year": what an amount is counted in, written after it. */
const RATE_AFTER = /^\s+(?:per|a|an|each)\s+(?:kilogram|kg|tonne|ton|t|pound|lb|ounce|oz|barrel|year|month|week|day|unit|vehicle|car|person|head)\b/i;
/** Words between a subject and its figure that say nothing about what is measured ("was", "stood at", "is expected to reach"). */
const LINKING = new Set(
  `is are was were be been being has have had will would could should may might can stay stays stayed remain remains remained reach reached reaches
  stand stands stood totals totalled totaled amount amounts amounted come comes came hit hits account accounts accounted range ranges ranged hold holds held
  expected forecast projected estimated predicted set likely put
  at to of from with by for around`.split(/\s+/),
);
/** "fall to 55%" says the level, like "be 55%"; "fall by 55%" says a change, and keeps its verb. */
const CHANGE_TO = new Set('fall falls fell rise rises rose grow grows grew drop drops dropped decline declines declined climb climbs climbed increase increases increased decrease decreases decreased jump jumps jumped'.split(' '));
/** A clause that opens with one of these compares with the figure before it: "…80% in 2024, down from 95%". */
const COMPARISON = /^(?:down|up|compared|against|versus|vs\.?|from|than)$/i;
/** Words that open a clause without belonging to what it measures. */
const OPENER = /^(?:and|but|or|so|yet|while|whereas|although|though|if|when|because|since|as|unless|once|even|then|also|still|now|followed)$/i;
/** "Analysts expect …", "Most forecasters estimate …": who says it, not what is measured. */
const REPORTING = /^(?:expects?|expected|estimates?|estimated|says?|said|believes?|believed|thinks?|reckons?|predicts?|predicted|forecasts?|agrees?|argues?|suggests?|projects?|calculates?|calculated|counts?)$/i;
/** An auxiliary that starts a clause whose subject came before it ("miners, digging by hand, are estimated to…"). */
const AUXILIARY = /^(?:is|are|was|were|has|have|had|will|would|can|could|may|might)$/i;
/** Where a "…% of X" phrase ends. */
const PHRASE_END = /\s(?:in|by|over|from|since|during|between|until|through|at|on|to|for|as|compared|while|whereas|but|which|that|is|are|was|were|has|have|had|will|would|could|came|comes|come|went)\s|[,;:—–]|\s\d/;
const DANGLING = /^(?:the|a|an|and|or|of|for|in|on|to|by|with|from|at|as|its|their|this|that)$/i;

/**
 * The figures of one quoted sentence that say how much of something there is: amounts, shares,
 * tonnages, multiples and durations; not years (they date a figure) nor the day of a date.
 */
export function figuresIn(text: string): Figure[] {
  return extractFigures(text).filter((f) => {
    if (f.kind === 'year') return false;
    if (f.kind === 'count' && (MONTH_AFTER.test(text.slice(f.end)) || MONTH_BEFORE_DAY.test(text.slice(0, f.start)))) return false;
    if (!/\d/.test(f.raw) && (TIME_AFTER.test(text.slice(f.end)) || ORDINAL_BEFORE.test(text.slice(0, f.start)))) return false;
    return true;
  });
}

/** The key figures of one sentence, cited to its result, in reading order. */
export function keyFiguresOf(c: Candidate): KeyFigure[] {
  const text = c.text;
  const figures = figuresIn(text);
  const clauses = clausesOf(text);
  const out: KeyFigure[] = [];
  let last: Label | undefined;
  figures.forEach((figure, index) => {
    const clause = clauses.find((cl) => figure.start >= cl.start && figure.start < cl.end) ?? { start: 0, end: text.length };
    const previous = figures[index - 1];
    const sameClause = previous && previous.end > clause.start ? previous : undefined;
    const written = writtenAs(text, figure);
    const label = labelFor(text, figure, written.start, clause, clauses[0]!, sameClause, last);
    if (!label) return;
    last = label;
    const asOf = dateNear(text, figure, clause, figures);
    out.push({ label: label.text, value: figure.value, unit: figure.unit, text: written.text, ...(asOf ? { asOf } : {}), cite: c.n });
  });
  return out;
}

/**
 * The key figures of the given sentences, in their order: each figure once (the same value, unit
 * and date from a later sentence is a repeat), at most `max`.
 */
export function keyFigures(sentences: Candidate[], max = MAX_KEY_FIGURES): KeyFigure[] {
  const seen = new Set<string>();
  const out: KeyFigure[] = [];
  for (const c of sentences) {
    for (const figure of keyFiguresOf(c)) {
      const key = `${figure.value}|${figure.unit}|${figure.asOf ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(figure);
      if (out.length >= max) return out;
    }
  }
  return out;
}

/**
 * The figure as the sentence writes it: with its qualifier ("about 80%"), the low end of a range
 * written in words ("three to six months") and its rate ("$1,300 per kilogram").
 */
function writtenAs(text: string, figure: Figure): { text: string; start: number } {
  let start = figure.start;
  const lead = text.slice(Math.max(0, start - 24), start);
  const lowEnd = [/\b([a-z]+)\s?(?:to|–|-)\s?$/i, /\b([a-z]+[\s-][a-z]+)\s?(?:to|–|-)\s?$/i]
    .map((pattern) => pattern.exec(lead))
    .filter((m) => m && parseNumberWords(m[1]!) !== undefined)
    .at(-1);
  if (lowEnd) start -= lowEnd[0].length;
  const qualifier = QUALIFIER.exec(text.slice(Math.max(0, start - 24), start));
  if (qualifier) start -= qualifier[0].length - (qualifier[0].length - qualifier[0].trimStart().length);
  const rate = RATE_AFTER.exec(text.slice(figure.end));
  const end = figure.end + (rate ? rate[0].length : 0);
  return { text: squash(text.slice(start, end)), start };
}

interface Clause {
  start: number;
  end: number;
}

/**
 * The sentence's clauses: between semicolons, colons, spaced dashes and commas. A list's items
 * ("Russia, Canada, Australia and New Caledonia") and a name set off by commas stay in the
 * clause that follows them: a piece of two words or fewer is not a clause.
 */
function clausesOf(text: string): Clause[] {
  const clauses: Clause[] = [];
  let start = 0;
  for (const m of text.matchAll(/[;:]|,(?=\s)|\s[—–-]\s|\.(?=\s|$)/g)) {
    const end = m.index;
    const piece = text.slice(start, end);
    if (m[0] === ',' && piece.trim().split(/\s+/).length <= 2 && !/\d/.test(piece)) continue;
    clauses.push({ start, end });
    start = end + m[0].length;
  }
  if (start < text.length) clauses.push({ start, end: text.length });
  return clauses.length ? clauses : [{ start: 0, end: text.length }];
}

/** A label, and the words before its figure ("MP Materials produced"), which a later figure of the clause may share. */
interface Label {
  text: string;
  lead: string[];
}

/**
 * What the figure measures, in the sentence's own words:
 * - "US net import reliance for rare-earth compounds and metals was about 80%" → the subject;
 * - "China supplied about 70% of US imports of rare-earth compounds" → "Share of US imports of rare-earth compounds (China supplied)";
 * - "exports to the US fell by more than 90%" → "Exports to the US fell";
 * - "MP Materials produced 45,000 t of oxide and 1,300 t of NdPr oxide" → "NdPr oxide (MP Materials produced)" for the second;
 * - "rose from $1,300 to $2,800", "…80% in 2024, down from more than 95%" → the previous figure's label.
 */
function labelFor(text: string, figure: Figure, writtenStart: number, clause: Clause, firstClause: Clause, previous: Figure | undefined, last: Label | undefined): Label | undefined {
  let before = text.slice(previous ? previous.end : clause.start, writtenStart);
  // "six months of use" is a time, not a part of something.
  const of = figure.kind === 'duration' ? undefined : ofPhrase(text, figure, clause);
  if (previous && last) {
    // "from $1,300 … to $2,800", "between 50% and 75%": both ends measure the same thing.
    const span = squash(before);
    const openedWith = text.slice(Math.max(clause.start, previous.start - 30), previous.start);
    if ((/^(?:\S+\s){0,6}(?:to|and|or)(?:\s\S+)?$/i.test(span) && /\b(?:from|between)\s+(?:\S+\s)?$/i.test(openedWith)) || /^(?:to|and|or)$/i.test(span)) return last;
    // After another figure in the same clause, only what follows its last conjunction belongs to this one.
    before = before.split(/\s(?:and|or|while|whereas|but|compared with|against|out of|versus)\s/).at(-1) ?? '';
  }
  // "Analysts agree that US dependence … will fall below 60%": the figure's own clause starts after "that".
  before = before.split(/\s(?:that|which|who)\s/).at(-1) ?? '';
  const words = tokens(before);
  trimTail(words, /^(?:below|above|under|over)\b/i.test(text.slice(writtenStart, figure.start)));
  while (words.length && OPENER.test(words[0]!)) words.shift();
  // "Analysts expect Indonesia's share…": the reporting verb follows its subject ("estimates for 2030" is a noun, "are estimated" a passive).
  const reporting = words.slice(1, 4).findIndex((w) => REPORTING.test(w)) + 1;
  if (reporting > 0 && !AUXILIARY.test(words[reporting - 1]!) && words.length - reporting > 2) words.splice(0, reporting + 1);
  if (words.length === 1 && COMPARISON.test(words[0]!)) words.pop();

  if (words.length > 0) {
    // "…, are estimated to produce 10%": the subject is the sentence's first clause.
    if (AUXILIARY.test(words[0]!) && clause.start > firstClause.start) {
      const subject = tokens(text.slice(firstClause.start, firstClause.end));
      if (subject.length <= 6 && !figuresIn(subject.join(' ')).length) words.unshift(...subject);
    }
    const shown = finish(words, of, figure);
    return shown ? { text: shown, lead: words } : undefined;
  }
  // "…, down from 95%": the figure compares with the one before it and measures the same thing.
  const opensWithComparison = COMPARISON.test(tokens(text.slice(clause.start, figure.start))[0] ?? '');
  if (last && !previous && opensWithComparison) return last;
  // "…45,000 t of oxide and 1,300 t of NdPr oxide": the second shares the first's subject and verb.
  if (previous && last) {
    if (!of || last.lead.length === 0) return last;
    const shared = finish(last.lead, of, figure);
    return shared ? { text: shared, lead: last.lead } : undefined;
  }
  // A figure that opens its clause ("About 80% of the material…"): its of-phrase says what it is a share of.
  if (!of) return undefined;
  const opening = finish([], of, figure);
  return opening ? { text: opening, lead: [] } : undefined;
}

/**
 * Drops what stands between a subject and its figure: qualifiers, linking verbs, and a change
 * verb that leads to a level ("fall to 55%", "fall below 60%"; not "fell by 90%", a change).
 */
function trimTail(words: string[], toLevel: boolean): void {
  let level = toLevel;
  const strip = () => {
    for (let removed = stripQualifier(words); removed; removed = stripQualifier(words)) if (/^(?:below|above|under|over)$/i.test(removed)) level = true;
  };
  strip();
  for (;;) {
    const last = words.at(-1)?.toLowerCase();
    if (last === undefined) break;
    if (LINKING.has(last)) {
      words.pop();
      if (last === 'to') level = true;
      strip();
    } else if (level && CHANGE_TO.has(last)) {
      words.pop();
      level = false;
    } else break;
  }
}

/** Removes one qualifier from the end of the words and returns it; undefined when there is none. */
function stripQualifier(words: string[]): string | undefined {
  if (words.length === 0) return undefined;
  const joined = ` ${words.join(' ')}`;
  const m = QUALIFIER.exec(joined);
  if (!m) return undefined;
  words.splice(0, words.length, ...tokens(joined.slice(0, m.index)));
  return m[0].trim();
}

/** "of US imports of rare-earth compounds and metals" after "70%", up to a preposition, verb, date or punctuation. */
function ofPhrase(text: string, figure: Figure, clause: Clause): string | undefined {
  let after = text.slice(figure.end, clause.end);
  const rate = RATE_AFTER.exec(after);
  if (rate) after = after.slice(rate[0].length);
  if (!/^\s+of\s/i.test(after)) return undefined;
  const rest = after.trimStart();
  const stop = PHRASE_END.exec(rest.slice(2));
  const phrase = squash(stop ? rest.slice(0, 2 + stop.index) : rest).replace(/[.,;:]+$/, '');
  return phrase.split(' ').length >= 2 ? phrase : undefined;
}

function tokens(text: string): string[] {
  return squash(text).split(' ').filter(Boolean);
}

/**
 * The first words of a long label: at most ten, cut before a preposition or conjunction when one
 * comes late enough ("Demand for lithium from batteries made in Europe and North America" →
 * "Demand for lithium from batteries made").
 */
function clip(words: string[]): string[] {
  if (words.length <= MAX_LABEL_WORDS) return words;
  const head = words.slice(0, MAX_LABEL_WORDS + 1);
  for (let i = MAX_LABEL_WORDS; i >= 4; i--) if (/^(?:in|of|for|from|with|by|on|at|and|or|to|as)$/i.test(head[i]!)) return head.slice(0, i);
  return words.slice(0, MAX_LABEL_WORDS);
}

/**
 * The label as shown. With an of-phrase, what the figure is of comes first and who or what it
 * belongs to follows in brackets: "Share of US imports of rare-earth compounds (China supplied)",
 * "Rare-earth oxide (MP Materials produced)". Each part is clipped, without a dangling article or
 * preposition, and the label starts with a capital.
 */
function finish(lead: string[], of: string | undefined, figure: Figure): string | undefined {
  const leadText = trimmed(clip(lead));
  if (!of) return capitalise(leadText);
  const object = tokens(of);
  const main = trimmed(figure.kind === 'percent' ? ['Share', ...clip(object)] : clip(object.slice(1)));
  if (!main) return capitalise(leadText);
  return capitalise(leadText ? `${main} (${leadText})` : main);
}

/** The words joined, without dangling articles, prepositions, quotes or punctuation at either end. */
function trimmed(words: string[]): string | undefined {
  const kept = [...words];
  while (kept.length && DANGLING.test(kept[0]!.replace(/^["“'‘(]+/, ''))) kept.shift();
  while (kept.length && DANGLING.test(kept.at(-1)!.replace(/[,;:"”'’]+$/, ''))) kept.pop();
  const text = kept
    .join(' ')
    .replace(/[,;:]+$/, '')
    .replace(/^["“'‘]+|["”'’]+$/g, '');
  return /\p{L}{2}/u.test(text) ? text : undefined;
}

function capitalise(text: string | undefined): string | undefined {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : undefined;
}

/**
 * The date the figure describes: a year (or span of years) in its clause, the nearest one after it
 * with no other figure in between first ("80% in 2024"; not the 2025 of "from $1,300 to $2,800 in
 * 2025"), else the nearest before it, with a month or quarter written just before the year.
 */
function dateNear(text: string, figure: Figure, clause: Clause, figures: Figure[]): string | undefined {
  const years = extractFigures(text.slice(clause.start, clause.end))
    .filter((f) => f.kind === 'year')
    .map((f) => ({ ...f, start: f.start + clause.start, end: f.end + clause.start }));
  const between = (a: number, b: number) => figures.some((f) => f !== figure && f.start >= a && f.end <= b);
  const after = years.find((f) => f.start >= figure.end && !between(figure.end, f.start));
  // A year that comes first dates the clause ("In 2024, X was 5% and Y 10%"; "estimates for 2030 range from 50% to 75%").
  const chosen = after ?? years.filter((f) => f.end <= figure.start).at(-1);
  if (!chosen) return undefined;
  const month = MONTH_BEFORE.exec(text.slice(Math.max(clause.start, chosen.start - 20), chosen.start));
  // "from 2020 through 2023" is the span 2020–2023.
  const through = chosen.high === undefined ? /^\s+(?:through|until|to)\s+((?:19|20)\d{2})\b/.exec(text.slice(chosen.end, clause.end)) : null;
  const raw = through ? `${chosen.raw}–${through[1]}` : chosen.raw;
  return squash(month ? `${month[0]}${raw}` : raw);
}
