// What was read → the evidence: passages of one to three sentences (about 200–700 characters),
// each with where it stands on the page, ranked against the question and the step's sub-query, the
// best few kept. Readability drops most page furniture; `isBoilerplate` catches what it leaves
// (a cookie notice inside the article's container, a share bar, a copyright line).
import MiniSearch from 'minisearch';
import { clip, isStopWord, normaliseTerm, splitSentences, squash, wordTokens } from '#core/text-analysis.ts';
import { extractFigures } from '#core/grounding/figures.ts';
import type { Block } from './extract.ts';

/** A long paragraph is cut into runs of sentences at least this long (where it can be)… */
export const PASSAGE_MIN_CHARS = 200;
/** …and at most this long. */
export const PASSAGE_MAX_CHARS = 700;
/**
 * A paragraph shorter than this (a one-liner) is joined to the next under the same heading. Longer
 * ones stand alone even under 200 characters: gluing two unrelated paragraphs dilutes both.
 */
const SHORT_PARAGRAPH_CHARS = 120;
/** Shorter leftovers (a caption, a byline) are not evidence on their own. */
const FRAGMENT_CHARS = 40;
/** Sentences per passage, once it is long enough. */
const MAX_SENTENCES = 3;
/** Boilerplate is short: a long block that mentions cookies is an article about cookies. */
const BOILERPLATE_MAX_CHARS = 320;

export interface Passage {
  text: string;
  /** The nearest heading above it (for a PDF, `page N`). */
  heading?: string;
  /** The paragraph's number under that heading (or on the page), from 1. */
  paragraph?: number;
  /** Where to find it, in words: `Costs, paragraph 2`, `page 3, paragraphs 1–2`, `search snippet`. */
  where: string;
  /** Relevance to the question and sub-query (BM25 via MiniSearch); 0 when nothing matched. */
  score: number;
}

// Each pattern names furniture in the words furniture uses ("we use cookies", "subscribe now"),
// not a topic: "cookie sales rose 4%" and "subscription prices went up" are facts and stay.
const BOILERPLATE: RegExp[] = [
  /\b(?:we|this (?:site|website)) uses? cookies\b|\bcookies?\b.*\b(?:accept|consent|settings|preferences|policy|experience|browsing)\b|\b(?:accept|reject|allow) (?:all|cookies)\b|manage (?:cookies|preferences|consent)/i,
  /^subscribe\b|\bsubscribe (?:now|today|to (?:our|get|read|continue))|\bsign up (?:now|today|for (?:our|free)|to (?:our|get|receive))|\bnewsletter\b|\bin your inbox\b/i,
  /^share(?: this| on| via|:|$)|\bshare (?:this (?:article|story|page)|on|via)\b|\b(?:facebook|twitter|linkedin|whatsapp|reddit|pinterest)\b.*\b(?:facebook|twitter|linkedin|whatsapp|reddit|pinterest|email)\b/i,
  /©|\bcopyright (?:\(c\)|\d{4})|all rights reserved|^(?:privacy (?:policy|notice)|terms (?:of (?:use|service)|and conditions)|contact us|about us)\b/i,
  /^(?:home|menu|skip to (?:main )?content|back to top|log ?in|sign in|search|advertisement|advert|sponsored|related (?:articles|stories|posts)|read more|more from|follow us|listen to this article|\d+ min(?:ute)?s? read)\b.{0,40}$/i,
];

/** A line of page furniture: short, and about cookies, subscribing, sharing, rights or navigation. */
export function isBoilerplate(text: string): boolean {
  const line = squash(text);
  if (line.length > BOILERPLATE_MAX_CHARS) return false;
  if (BOILERPLATE.some((pattern) => pattern.test(line))) return true;
  // A menu flattened into a line: several short items between separators ("Home | News | Sport").
  const items = line.split(/\s[|·•»›/]\s/);
  return items.length >= 4 && items.every((item) => item.length <= 25);
}

/** Blocks → passages in reading order, furniture dropped, long paragraphs cut at sentence ends. */
export function splitPassages(blocks: Block[]): Omit<Passage, 'score'>[] {
  const out: Omit<Passage, 'score'>[] = [];
  const paragraphs = new Map<string, number>();
  // Short paragraphs under one heading are gathered until they make a passage.
  let pending: { text: string; heading?: string; first: number; last: number } | undefined;
  const emit = (p: { text: string; heading?: string; first: number; last: number }) => {
    if (p.text.length < FRAGMENT_CHARS) return;
    const numbers = p.first === p.last ? `paragraph ${p.first}` : `paragraphs ${p.first}–${p.last}`;
    out.push({ text: p.text, ...(p.heading ? { heading: p.heading } : {}), paragraph: p.first, where: p.heading ? `${p.heading}, ${numbers}` : numbers });
  };
  for (const block of blocks) {
    const text = squash(block.text);
    if (!text || isBoilerplate(text)) continue;
    const key = block.heading ?? '';
    const n = (paragraphs.get(key) ?? 0) + 1;
    paragraphs.set(key, n);
    if (pending && (pending.heading !== block.heading || pending.text.length + 1 + text.length > PASSAGE_MAX_CHARS)) {
      emit(pending);
      pending = undefined;
    }
    if (text.length > PASSAGE_MAX_CHARS) {
      for (const piece of sentenceGroups(text)) emit({ text: piece, heading: block.heading, first: n, last: n });
      continue;
    }
    pending = pending ? { ...pending, text: `${pending.text} ${text}`, last: n } : { text, heading: block.heading, first: n, last: n };
    if (pending.text.length >= SHORT_PARAGRAPH_CHARS) {
      emit(pending);
      pending = undefined;
    }
  }
  if (pending) emit(pending);
  return out;
}

/** A long paragraph as runs of up to three sentences, each within the size limit. */
function sentenceGroups(text: string): string[] {
  const groups: string[] = [];
  let current: string[] = [];
  const push = () => {
    if (current.length) groups.push(current.join(' '));
    current = [];
  };
  for (const sentence of splitSentences(text).flatMap(cutLong)) {
    const joined = [...current, sentence].join(' ');
    if (current.length && joined.length > PASSAGE_MAX_CHARS) push();
    current.push(sentence);
    if (current.length >= MAX_SENTENCES && current.join(' ').length >= PASSAGE_MIN_CHARS) push();
  }
  push();
  return groups;
}

/** A "sentence" longer than a passage (a table flattened into text) is cut at word boundaries. */
function cutLong(sentence: string): string[] {
  const pieces: string[] = [];
  let rest = sentence;
  while (rest.length > PASSAGE_MAX_CHARS) {
    const piece = clip(rest, PASSAGE_MAX_CHARS - 1).replace(/…$/, '');
    pieces.push(piece);
    rest = rest.slice(piece.length).trim();
  }
  if (rest) pieces.push(rest);
  return pieces;
}

export interface RankQuery {
  question: string;
  subQuery?: string;
  /** The page's title: its words say what the whole page is about, so they tell its passages apart little. */
  title?: string;
}

/** How much a query term that is also in the page's title counts. */
const TITLE_TERM_WEIGHT = 0.25;
/** How much a figure lifts a passage that shares words with the query. */
const FIGURE_BOOST = 2.5;
/** Where a figure puts a passage that shares no word with the query: below every passage that does. */
const FIGURE_FILL = 0.01;

/** A figure that is not just a year: a share, an amount, a quantity. */
function hasFigure(text: string): boolean {
  return extractFigures(text).some((f) => f.kind !== 'year');
}

/**
 * The best `keep` passages for the query, best first (ties in reading order). The sub-query and
 * the question are scored separately and added, so a passage on the step's angle wins over one
 * that only echoes the question's words. Terms of the page's title count for less: on a page titled
 * "Kestrel Valley lifts lithium output", the question "What did Kestrel Valley's costs do?" is about
 * costs, not about whichever paragraph repeats the mine's name. When nothing matches, the first passage (the lead) is
 * kept with score 0: the search engine thought the page relevant, and the lead says what it is.
 */
export function rankPassages(passages: Omit<Passage, 'score'>[], query: RankQuery, keep = 3): Passage[] {
  if (passages.length === 0 || keep <= 0) return [];
  const index = new MiniSearch<{ id: number; text: string; heading: string }>({
    fields: ['text', 'heading'],
    tokenize: (text) => wordTokens(text),
    processTerm: (term) => (isStopWord(term) ? null : normaliseTerm(term) || null),
    searchOptions: { boost: { text: 2, heading: 1 }, combineWith: 'OR' },
  });
  index.addAll(passages.map((p, id) => ({ id, text: p.text, heading: p.heading ?? '' })));
  const titleTerms = new Set(query.title ? wordTokens(query.title).map(normaliseTerm) : []);
  const boostTerm = (term: string) => (titleTerms.has(term) ? TITLE_TERM_WEIGHT : 1);
  const scores = new Array<number>(passages.length).fill(0);
  for (const q of [query.subQuery, query.question]) {
    if (!q?.trim()) continue;
    for (const hit of index.search(q, { boostTerm })) scores[hit.id as number]! += hit.score;
  }
  // A figure is what a briefing most needs from a page: of the passages on the question, one
  // with a figure ranks higher than one without.
  passages.forEach((p, i) => {
    if (scores[i]! > 0 && hasFigure(p.text)) scores[i] = scores[i]! * FIGURE_BOOST;
  });
  const max = Math.max(0, ...scores);
  // Room left after the passages on the question goes to passages with figures, in page order:
  // a page the search found for this question rarely holds a number that has nothing to do with it.
  passages.forEach((p, i) => {
    if (scores[i] === 0 && max > 0 && hasFigure(p.text)) scores[i] = max * FIGURE_FILL;
  });
  const ranked = passages
    // Scores are relative to the page's best passage, 0–1, so they compare across pages.
    .map((p, i) => ({ ...p, score: max > 0 ? Math.round((scores[i]! / max) * 1000) / 1000 : 0 }))
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => p.score > 0)
    .sort((a, b) => b.p.score - a.p.score || a.i - b.i)
    .slice(0, keep)
    .map(({ p }) => p);
  return ranked.length ? ranked : [{ ...passages[0]!, score: 0 }];
}
