// Small, deterministic English text helpers shared by the offline pipeline: the corpus search
// provider, the rule planner and the extractive analyst. No model, no network, no randomness.

/**
 * English stop words: function words and question scaffolding that carry no topic. Matching is
 * on lowercased tokens, but an all-capitals token (`US`, `IT`) is an acronym, not a stop word.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above across after again against all almost along already also although always am among an and another any anybody anyone anything
  are aren't around as at be became because become been before being below between both but by can can't cannot could couldn't did didn't do
  does doesn't doing don't done down during each either else enough etc even ever every few for from further get gets getting give given
  go going got had hadn't has hasn't have haven't having he her here hers herself him himself his how however i if in into is isn't it it's
  its itself just least less let like made make makes many may me might mine more most much must my myself near need neither no nor not
  now of off often on once one only onto or other others otherwise our ours ourselves out over own per perhaps please quite rather really
  regarding same shall she should shouldn't since so some something such than that that's the their theirs them themselves then there
  there's these they this those though through thus to too toward towards under until up upon us very via was wasn't
  we were weren't what what's whatever when where whether which while who whom whose why will with within without won't would wouldn't
  yet you your yours yourself yourselves
  tell explain describe know current currently today status come comes coming mean means meaning affect affects affected`
    .split(/\s+/)
    .filter(Boolean),
);

/** Abbreviations after which a full stop does not end a sentence. */
const ABBREVIATIONS = new Set(
  'u.s u.s.a u.k u.n e.u e.g i.e etc vs approx inc co corp ltd no nos st mr mrs ms dr prof jan feb mar apr jun jul aug sep sept oct nov dec fig est'.split(' '),
);

/**
 * Word tokens in reading order, keeping the original spelling. `U.S.`, `U.S.A.` and the
 * capitalised `US`/`USA` become `USA`, so the country is never mistaken for the pronoun "us".
 */
export function wordTokens(text: string): string[] {
  const normalised = text
    .replace(/\bU\.S\.(?:A\.)?/g, ' USA ')
    .replace(/\bUSA?\b/g, ' USA ')
    .replace(/[’‘]/g, "'");
  return normalised.match(/[\p{L}\p{N}]+(?:['.][\p{L}\p{N}]+)*/gu) ?? [];
}

/** A token is a stop word when it is in the list and not written in capitals (an acronym). */
export function isStopWord(token: string): boolean {
  const lower = token.toLowerCase();
  if (!STOP_WORDS.has(lower)) return false;
  return !(token.length > 1 && token === token.toUpperCase() && /\p{Lu}/u.test(token));
}

/**
 * A light English suffix stripper, so that `imports`/`imported` match `import`, `refining`/
 * `refinery`/`refiners` match each other and `batteries` matches `battery`. It strips at most
 * one suffix and keeps stems of three or more letters with a vowel; the stems are match keys,
 * never shown to readers. Predictable beats clever here: it is applied the same way to the
 * index, the queries and the analyst's sentences.
 */
export function stem(term: string): string {
  if (term.length <= 3 || /\d/.test(term)) return term;
  let base = term;
  for (const [suffix, replacement] of SUFFIXES) {
    if (!term.endsWith(suffix)) continue;
    const candidate = term.slice(0, -suffix.length) + replacement;
    if (!acceptable(candidate, suffix)) continue;
    base = candidate;
    break;
  }
  // "controlled" → "controll" → "control"; "stopping" → "stopp" → "stop" (but "processing" keeps "ss").
  if (base !== term && /([b-df-hj-np-rtv-y])\1$/.test(base)) base = base.slice(0, -1);
  // "price"/"priced"/"pricing" → "pric"; "mine"/"mining" → "min".
  if (base.length > 3 && base.endsWith('e')) base = base.slice(0, -1);
  return base;
}

const SUFFIXES: [string, string][] = [
  ['eries', ''],
  ['ies', 'y'],
  ['ings', ''],
  ['ers', ''],
  ['ery', ''],
  ['ing', ''],
  ['ed', ''],
  ['er', ''],
  ['es', ''],
  ['s', ''],
];

function acceptable(stemmed: string, suffix: string): boolean {
  if (stemmed.length < 3 || !/[aeiouy]/.test(stemmed)) return false;
  if (suffix === 's') return !/(?:s|u|i)$/.test(stemmed); // "process", "status", "analysis"
  if (suffix === 'es') return /(?:ss|sh|ch|x|z)$/.test(stemmed); // "processes", "taxes"; "prices" takes -s
  if (suffix === 'ed') return !stemmed.endsWith('e'); // "need", "speed", "used" stay whole
  if (suffix === 'er' || suffix === 'ers') return stemmed.length >= 4; // "other", "power" stay apart from "pow"
  return true;
}

/** Normalises one token for matching: lowercase, apostrophes and dots dropped, stemmed. */
export function normaliseTerm(token: string): string {
  return stem(token.toLowerCase().replace(/'s$/, '').replace(/['.]/g, ''));
}

/** The content terms of a text: tokens without stop words, normalised, in reading order. */
export function contentTerms(text: string): string[] {
  const terms: string[] = [];
  for (const token of wordTokens(text)) {
    if (isStopWord(token)) continue;
    const term = normaliseTerm(token);
    if (term.length === 0) continue;
    // Single letters carry no topic, except digits ("5 years" keeps "5").
    if (term.length === 1 && !/\d/.test(term)) continue;
    terms.push(term);
  }
  return terms;
}

/** Collapses runs of whitespace to single spaces and trims. */
export function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/**
 * Splits text into sentences with `Intl.Segmenter`, then re-joins the splits ICU makes after
 * abbreviations such as "U.S." or "Nov." when the next part continues the sentence.
 */
export function splitSentences(text: string): string[] {
  const parts = [...segmenter.segment(squash(text))].map((s) => s.segment.trim()).filter(Boolean);
  const sentences: string[] = [];
  for (const part of parts) {
    const previous = sentences.at(-1);
    if (previous !== undefined && endsWithAbbreviation(previous)) {
      sentences[sentences.length - 1] = `${previous} ${part}`;
    } else sentences.push(part);
  }
  return sentences;
}

function endsWithAbbreviation(sentence: string): boolean {
  const match = /(?:^|[\s(])([\p{L}.]+)\.$/u.exec(sentence);
  if (!match) return false;
  const word = match[1]!.toLowerCase();
  // A single capital letter followed by a full stop is an initial ("J. Smith").
  return ABBREVIATIONS.has(word) || /^\p{Lu}$/u.test(match[1]!);
}

/** Word count, as a reader would count words. */
export function wordCount(text: string): number {
  return text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

/**
 * Cuts text to at most `max` characters at a word boundary, ending with "…" when anything was
 * cut. Text that fits is returned as it is.
 */
export function clip(text: string, max: number): string {
  const clean = squash(text);
  if (clean.length <= max) return clean;
  const room = clean.slice(0, max);
  const lastSpace = room.lastIndexOf(' ');
  const cut = (lastSpace > max * 0.5 ? room.slice(0, lastSpace) : room).replace(/[\s,;:.–—-]+$/u, '');
  return `${cut}…`;
}

/** A stable string comparison (code-unit order), independent of the machine's locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
