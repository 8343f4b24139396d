// Themes: the quoted sentences grouped under headings taken from the plan's steps and their shared terms.
import type { Step } from '#core/session.ts';
import { compareStrings, contentTerms, squash } from '#core/text-analysis.ts';
import { byScore, round } from './ranking.ts';
import { looksLikeVerbOrAdverb, type Candidate } from './sentences.ts';

/** Words too general to name a theme: quantities, time, units and vague qualifiers. */
const GENERIC_TERMS = new Set(
  contentTerms(
    `half third quarter total share part number level amount rest lot year years decade decades month months week weeks day days time period
    percent million billion trillion thousand tonne tonnes ton tons kilogram kilograms pound pounds dollar dollars
    first second third last next new large larger largest major main high higher low lower big small smaller little far early late recent
    including include includes according said says report reported estimate estimated estimates expected expect around roughly nearly almost
    end start based way kind case cases example point points least combination result results question view basis picture terms step side
    analyst analysts industry company companies source sources world global country countries full whole`,
  ),
);

function isAcronym(word: string): boolean {
  return word.length > 1 && word === word.toUpperCase() && /\p{Lu}/u.test(word);
}

/** At most this many themes; what the themes do not take goes under "Other findings". */
const MAX_THEMES = 5;
export const OTHER_FINDINGS = 'Other findings';

export interface Theme {
  heading: string;
  sentences: Candidate[];
}

/** A term or two-word phrase a sentence uses, with the spelling it used. */
interface KeyUse {
  id: string;
  parts: string[];
  form: string;
  /** Used at the very start of the sentence (its capital may not be its own). */
  initial: boolean;
}

interface TermLabel {
  id: string;
  parts: string[];
  label: string;
  score: number;
}

/**
 * The key terms and phrases of a sentence: content words of 3+ letters that are not numbers and
 * not question words, and two-word phrases of such words (phrases never run across punctuation).
 */
function keyUses(c: Candidate, questionTerms: Set<string>): KeyUse[] {
  const uses: KeyUse[] = [];
  c.text.split(/[,;:()[\]“”"—–]|\.(?:\s|$)/u).forEach((clause, clauseIndex) => {
    const words = clause.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? [];
    const tokens = words.map((word) => ({ word, key: contentTerms(word)[0] }));
    const usable = (key: string | undefined): key is string => key !== undefined && !/\d/.test(key) && key.length >= 3;
    tokens.forEach((token, i) => {
      if (!usable(token.key) || GENERIC_TERMS.has(token.key)) return;
      const initial = clauseIndex === 0 && i === 0;
      if (!questionTerms.has(token.key) && !(initial && !isAcronym(token.word)) && !looksLikeVerbOrAdverb(token.word)) {
        uses.push({ id: token.key, parts: [token.key], form: token.word, initial });
      }
      const next = tokens[i + 1];
      if (!usable(next?.key) || next.key === token.key || GENERIC_TERMS.has(next.key)) return;
      const third = tokens[i + 2];
      if (questionTerms.has(next.key) && usable(third?.key) && questionTerms.has(third.key) && !questionTerms.has(token.key)) {
        // "heavy rare earths", not "heavy rare".
        uses.push({ id: `${token.key} ${next.key} ${third.key}`, parts: [token.key, next.key, third.key], form: `${token.word} ${next.word} ${third.word}`, initial });
      } else if (!(questionTerms.has(token.key) && questionTerms.has(next.key))) {
        uses.push({ id: `${token.key} ${next.key}`, parts: [token.key, next.key], form: `${token.word} ${next.word}`, initial });
      }
    });
  });
  return uses;
}

/**
 * The terms and phrases that best characterise a group of sentences: how many of them use the
 * term times how rare it is overall (phrases count a little more than single words). Chosen
 * labels never overlap ("heavy rare earths" and "heavy" are not both picked).
 */
function topTerms(
  sentences: Candidate[],
  uses: Map<Candidate, KeyUse[]>,
  idf: Map<string, number>,
  count: number,
  minFrequency: number,
  exclude: Set<string> = new Set(),
): TermLabel[] {
  const stats = new Map<string, { parts: string[]; sentences: Set<number>; forms: Map<string, number>; initialForms: Map<string, number> }>();
  sentences.forEach((c, index) => {
    for (const use of uses.get(c) ?? []) {
      if (use.parts.some((part) => exclude.has(part))) continue;
      let entry = stats.get(use.id);
      if (!entry) {
        entry = { parts: use.parts, sentences: new Set(), forms: new Map(), initialForms: new Map() };
        stats.set(use.id, entry);
      }
      entry.sentences.add(index);
      const forms = use.initial ? entry.initialForms : entry.forms;
      forms.set(use.form, (forms.get(use.form) ?? 0) + 1);
    }
  });

  const scored: TermLabel[] = [];
  for (const [id, entry] of stats) {
    const frequency = entry.sentences.size;
    // A phrase must recur to count: a single use of a phrase is just prose.
    if (frequency < Math.max(minFrequency, entry.parts.length > 1 ? 2 : 1)) continue;
    const rarity = entry.parts.reduce((sum, part) => sum + (idf.get(part) ?? 0), 0) / entry.parts.length;
    const score = round(frequency * rarity * (entry.parts.length > 1 ? 1.6 : 1));
    scored.push({ id, parts: entry.parts, label: displayForm(entry.forms, entry.initialForms), score });
  }
  scored.sort((a, b) => b.score - a.score || compareStrings(a.id, b.id));

  const chosen: TermLabel[] = [];
  const covered = new Set<string>();
  for (const candidate of scored) {
    if (chosen.length >= count) break;
    if (candidate.parts.some((part) => covered.has(part))) continue;
    chosen.push(candidate);
    for (const part of candidate.parts) covered.add(part);
  }
  return chosen;
}

/**
 * Groups the picked sentences into themes, in two passes.
 *
 * 1. Facets of the plan: each step's sub-query minus the words every sub-query shares (the
 *    question's subject) names an aspect, such as "import share statistics" or "policy
 *    response". A sentence joins the aspect whose own words (not the question's) it uses most,
 *    weighted by rarity; the heading is the aspect's words.
 * 2. Shared key terms: among the sentences no aspect took, the term most of them share
 *    (weighted by rarity) defines a theme and takes every sentence that uses it; repeat. The
 *    heading is that term and the next one its sentences share.
 *
 * Whatever is left goes under "Other findings".
 */
export function buildThemes(steps: Step[], picked: Candidate[], questionTerms: Set<string>, idf: Map<string, number>): Theme[] {
  const themes: Theme[] = [];
  let remaining = [...picked].sort(byScore);

  const facets = stepFacets(steps, questionTerms);
  const byFacet = new Map<number, Candidate[]>();
  remaining = remaining.filter((c) => {
    let best = -1;
    let bestWeight = 0;
    facets.forEach((facet, index) => {
      const weight = round([...facet.terms].reduce((sum, term) => sum + (c.terms.has(term) ? (idf.get(term) ?? 0) : 0), 0));
      if (weight > bestWeight) {
        best = index;
        bestWeight = weight;
      }
    });
    if (best < 0) return true;
    byFacet.set(best, [...(byFacet.get(best) ?? []), c]);
    return false;
  });
  facets.forEach((facet, index) => {
    const sentences = byFacet.get(index);
    if (sentences?.length) themes.push({ heading: capitalise(facet.words), sentences });
  });

  const uses = new Map(remaining.map((c) => [c, keyUses(c, questionTerms)] as const));
  const usesId = (c: Candidate, id: string) => (uses.get(c) ?? []).some((use) => use.id === id);
  while (themes.length < MAX_THEMES && remaining.length >= 2) {
    const [term] = topTerms(remaining, uses, idf, 1, 2);
    if (!term) break;
    const members = remaining.filter((c) => usesId(c, term.id));
    const [second] = topTerms(members, uses, idf, 1, 2, new Set(term.parts));
    themes.push({ heading: capitalise(second ? `${term.label} and ${second.label}` : term.label), sentences: members });
    remaining = remaining.filter((c) => !members.includes(c));
  }
  if (remaining.length) {
    if (themes.length) themes.push({ heading: OTHER_FINDINGS, sentences: remaining });
    else {
      const labels = topTerms(remaining, uses, idf, 3, 1).map((t) => t.label);
      themes.push({ heading: labels.length ? capitalise(joinWords(labels)) : 'Findings', sentences: remaining });
    }
  }
  for (const theme of themes) theme.sentences.sort(byScore);
  return themes;
}

interface Facet {
  /** The aspect as words to show, e.g. "import share statistics". */
  words: string;
  /** The aspect's own terms: not the question's, not generic. */
  terms: Set<string>;
}

/** Words that name no aspect of their own in a sub-query ("latest data", "statistics by country"). */
const FACET_NOISE = new Set(contentTerms('latest data statistics overview analysis expert recent news report reports update trend trends forecast outlook'));

/**
 * Each step's aspect: its sub-query without the words all sub-queries share (with a single
 * step, without the question's words). Steps whose aspect has no terms of its own, or repeats
 * an earlier one, give none.
 */
function stepFacets(steps: Step[], questionTerms: Set<string>): Facet[] {
  const queries = steps.map((step) => squash(step.query ?? '')).filter(Boolean);
  if (queries.length === 0) return [];
  const termSets = queries.map((query) => new Set(contentTerms(query)));
  const subject = queries.length > 1 ? new Set([...termSets[0]!].filter((term) => termSets.every((set) => set.has(term)))) : questionTerms;
  // The question's own aspect words ("import dependency"): a step that only restates them is
  // the core query, not an aspect.
  const questionAspect = [...questionTerms]
    .filter((term) => !subject.has(term) && !FACET_NOISE.has(term) && !GENERIC_TERMS.has(term))
    .sort(compareStrings)
    .join(' ');
  const facets: Facet[] = [];
  const seen = new Set<string>();
  for (const query of queries) {
    const words = query.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? [];
    const kept = words.filter((word) => {
      const [term] = contentTerms(word);
      return term === undefined || !subject.has(term);
    });
    // Trim stop words left dangling at either end ("and prices after" → "prices").
    while (kept.length && contentTerms(kept[0]!).length === 0) kept.shift();
    while (kept.length && contentTerms(kept.at(-1)!).length === 0) kept.pop();
    const terms = new Set(contentTerms(kept.join(' ')).filter((term) => !subject.has(term) && !FACET_NOISE.has(term) && !GENERIC_TERMS.has(term)));
    const key = [...terms].sort(compareStrings).join(' ');
    if (terms.size === 0 || seen.has(key)) continue;
    seen.add(key);
    const restatesQuestion = [...terms].every((term) => questionTerms.has(term)) && key === questionAspect;
    if (restatesQuestion) continue;
    facets.push({ words: kept.join(' '), terms });
  }
  return facets;
}

/**
 * The most used spelling away from the start of a sentence (so names keep their capitals and
 * common words do not); a word only ever seen starting a sentence is lowercased unless it is
 * an acronym.
 */
function displayForm(forms: Map<string, number>, initialForms: Map<string, number>): string {
  const mostUsed = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1] || compareStrings(a[0], b[0]))[0]?.[0];
  const form = mostUsed(forms);
  if (form !== undefined) return form;
  const initial = mostUsed(initialForms) ?? '';
  const [first = '', ...rest] = initial.split(' ');
  const isAcronym = first.length > 1 && first === first.toUpperCase();
  return [isAcronym ? first : first.toLowerCase(), ...rest].join(' ');
}

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
