// Quotable sentences: the sentences of the passages read and of the search snippets fit to quote,
// cleaned and de-duplicated, with their figures.
import type { Result } from '#core/session.ts';
import { compareStrings, contentTerms, splitSentences, squash, STOP_WORDS, wordCount } from '#core/text-analysis.ts';
import type { NumberedResult } from '#core/citations.ts';

/** Sentences shorter than this are fragments, longer ones are run-ons (tables, lists). */
const MIN_WORDS = 6;
const MAX_WORDS = 70;

/** One quotable sentence from one result. */
export interface Candidate {
  /** The result's citation number. */
  n: number;
  stepIndex: number;
  /** Position among the result's sentences (its passages', best passage first, then its snippet's), for stable ordering. */
  position: number;
  /** The sentence as the passage or snippet gives it (ellipsis and mark-up stripped). */
  text: string;
  /** Where it was quoted from: a passage of the page that was read, or the search snippet. */
  from: 'passage' | 'snippet';
  terms: Set<string>;
  figures: string[];
  /** The result's outlet, lowercased, without `www.`. */
  domain: string;
  score: number;
}

/** Conservative: only things that look like tags (`<b>`, `</p>`, `<br/>`), never "a < b". */
const TAG_LIKE = /<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>/g;
/** `[12]`-style reference marks from the source page would read as our citations. */
const FOREIGN_REFERENCE = /\s*\[\d+(?:\s*[,–-]\s*\d+)*\]/g;
const ELLIPSIS_END = /\s*(?:\.{3}|…)\s*$/;
const ELLIPSIS_START = /^\s*(?:\.{3}|…)\s*/;
const TERMINAL = /[.!?]["'”’)\]]*$/;

/**
 * The quotable sentences of every result: those of the passages read from its page first (best
 * passage first; they are the page's own text), then those of its search snippet. A snippet
 * sentence that repeats a passage's is dropped by the de-duplication, which keeps the first.
 */
export function extractCandidates(numbered: NumberedResult[]): Candidate[] {
  const candidates: Candidate[] = [];
  for (const { n, stepIndex, result } of numbered) {
    const texts: { text: string; from: Candidate['from'] }[] = [
      ...(result.passages ?? []).map((passage) => ({ text: passage.text, from: 'passage' as const })),
      { text: result.snippet ?? '', from: 'snippet' as const },
    ];
    let offset = 0;
    for (const { text: source, from } of texts) {
      const raw = squash(source.replace(TAG_LIKE, ' ').replace(FOREIGN_REFERENCE, ''));
      if (!raw) continue;
      const startsMid = ELLIPSIS_START.test(raw);
      const sentences = splitSentences(raw.replace(ELLIPSIS_START, ''));
      sentences.forEach((sentence, index) => {
        const text = cleanSentence(sentence, index === 0 && startsMid);
        if (!text) return;
        candidates.push({ n, stepIndex, position: offset + index, text, from, terms: new Set(contentTerms(text)), figures: findFigures(text), domain: domainOf(result), score: 0 });
      });
      offset += sentences.length;
    }
  }
  return dedupe(candidates);
}

/**
 * The sentence fit to quote, or undefined for a fragment. A sentence cut off with an ellipsis
 * is kept (ellipsis stripped, full stop added) only when what remains reads as complete.
 */
function cleanSentence(sentence: string, startsMidSentence: boolean): string | undefined {
  let text = squash(sentence.replace(ELLIPSIS_START, ''));
  if (!text) return undefined;
  // A sentence that starts in lower case (or after a leading ellipsis, mid-way) is a tail.
  if (/^\p{Ll}/u.test(text) || (startsMidSentence && !/^[\p{Lu}\p{N}"“'‘(]/u.test(text))) return undefined;
  if (ELLIPSIS_END.test(text)) {
    text = text.replace(ELLIPSIS_END, '');
    if (!TERMINAL.test(text)) {
      // Without a full stop, only a long clause ending in a content word (not a stop word, verb
      // or adverb: "…and prices fell", not "…as prices" or "…were placed on") passes as complete.
      const last = /([\p{L}\p{N}%)]+)$/u.exec(text)?.[1] ?? '';
      const looksComplete =
        last !== '' &&
        wordCount(text) >= 8 &&
        !STOP_WORDS.has(last.toLowerCase()) &&
        !looksLikeVerbOrAdverb(last) &&
        !/ing$/.test(last) &&
        (last.length >= 4 || /\d|%/.test(last));
      if (!looksComplete) return undefined;
      text = `${text}.`;
    }
  }
  const words = wordCount(text);
  if (words < MIN_WORDS || words > MAX_WORDS) return undefined;
  if (looksLikeTableRow(text)) return undefined;
  if (!/\p{L}{3}/u.test(text)) return undefined;
  return text;
}

/** Rows of a table flattened into text ("Year; Supply; 2023; 250; …") are data, not sentences. */
function looksLikeTableRow(text: string): boolean {
  if ((text.match(/;/g) ?? []).length >= 3) return true;
  const words = text.split(/\s+/).filter(Boolean);
  const numeric = words.filter((w) => /^[^\p{L}]*\d[^\p{L}]*$/u.test(w)).length;
  return numeric / words.length > 0.4;
}

/**
 * Drops near-identical sentences, keeping the first cited (a page's passage before its snippet):
 * the same content words, 85% overlap, or one that says nothing the other does not (a snippet's
 * "…was about $170 million in 2024." beside the page's "…was about $170 million in 2024, up
 * from about $160 million in 2023.").
 */
function dedupe(candidates: Candidate[]): Candidate[] {
  const kept: Candidate[] = [];
  const exact = new Set<string>();
  for (const candidate of candidates) {
    const key = [...candidate.terms].sort(compareStrings).join(' ');
    if (exact.has(key)) continue;
    if (kept.some((other) => jaccard(other.terms, candidate.terms) >= 0.85 || contained(other.terms, candidate.terms))) continue;
    exact.add(key);
    kept.push(candidate);
  }
  return kept;
}

/** One sentence's terms (five or more) are almost all (90%) among the other's. */
function contained(a: Set<string>, b: Set<string>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  if (small.size < 5) return false;
  let shared = 0;
  for (const term of small) if (large.has(term)) shared++;
  return shared / small.size >= 0.9;
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const term of a) if (b.has(term)) shared++;
  return shared / (a.size + b.size - shared);
}

// An amount: optional currency, a number (with thousands separators or decimals), an optional
// range, scale word, percent sign or unit. Not part of a name such as "F-35" or "COVID-19".
const FIGURE =
  /(?<![\p{L}\p{N}\-_/.])(?:(?:US|A|C|AU|HK)?[$€£¥]\s?)?\d+(?:[.,]\d+)*(?:\s?(?:–|-|to)\s?(?:[$€£¥])?\d+(?:[.,]\d+)*)?(?:\s?(?:million|billion|trillion|thousand|bn|mn|m|k)\b)?(?:\s?(?:%|percent\b|per cent\b|percentage points?\b))?(?:\s?(?:tonnes|tonne|tons|ton|t|kt|Mt|kg|lb|GWh|GW|MWh|MW|kWh|TWh|ounces|oz)\b)?(?![\p{L}\p{N}])/gu;
/** A year, or a span of years ("2024–2026", "2024 to 26"). */
const YEAR = /^(?:19|20)\d{2}(?:\s?(?:–|-|to)\s?(?:19|20)?\d{2})?$/;

/** The figures in a sentence; years count only when the sentence has no other figure. */
export function findFigures(text: string): string[] {
  const all = [...text.matchAll(FIGURE)].map((m) => m[0].trim()).filter((f) => /\d/.test(f));
  const amounts = all.filter((f) => !YEAR.test(f));
  return [...new Set(amounts.length ? amounts : all)];
}

/** Verbs that headline nothing. Words ending in -ed or -ly (as typed) are treated alike. */
const COMMON_VERBS = new Set(
  `fell rose grew cut made make makes take takes took say says expect expects reach reaches remain remains become becomes became need needs
  show shows hold holds put set keep keeps give gives began begin begins start starts told add adds find finds found run runs want wants help
  helps seek seeks sought plan plans face faces buy buys bought sell sells sold pay pays paid build builds built drew draw draws rise rises fall
  falls grow grows leave leaves left stay stays accounted account accounts suggest suggests allow allows agree agrees argue argues`.split(/\s+/),
);

export function looksLikeVerbOrAdverb(word: string): boolean {
  const lower = word.toLowerCase();
  return COMMON_VERBS.has(lower) || (word === lower && /(?:ed|ly)$/.test(lower));
}

/** The result's outlet: its host, lowercased, without `www.` (or its source or title). */
export function domainOf(result: Result): string {
  let host: string | undefined;
  if (result.url) {
    try {
      host = new URL(result.url).hostname;
    } catch {
      host = undefined;
    }
  }
  return (host || result.source || result.title || 'unknown').toLowerCase().replace(/^www\./, '');
}

