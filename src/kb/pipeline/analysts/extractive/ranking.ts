// Scoring and selection: how relevant each sentence is to the question, and which ones to quote.
import type { Step } from '#core/session.ts';
import { contentTerms, wordCount } from '#core/text-analysis.ts';
import { numberResults } from '#core/citations.ts';
import { jaccard, type Candidate } from './sentences.ts';

/** Sentences from one result that may be quoted… */
const PER_RESULT_CAP = 2;
/** …and how many when they carry figures: a page read whole often holds several the question needs. */
const PER_RESULT_FIGURE_CAP = 4;
/** Sentences quoted at most: pages read give more to quote than snippets did (16 then). */
const MAX_QUOTED = 24;
/** Sentences scoring below this share of the best one are left out. */
const MIN_RELATIVE_SCORE = 0.1;

/** How rare each term is among the candidate sentences: log(1 + sentences / sentences using it). */
export function inverseDocumentFrequency(candidates: Candidate[]): Map<string, number> {
  const df = new Map<string, number>();
  for (const c of candidates) for (const term of c.terms) df.set(term, (df.get(term) ?? 0) + 1);
  const idf = new Map<string, number>();
  for (const [term, count] of df) idf.set(term, Math.log(1 + candidates.length / count));
  return idf;
}

/**
 * Scores each sentence by the IDF-weighted overlap of its terms with the question (full weight)
 * and with its step's sub-query (half weight), scaled by how much of the question its result
 * covers as a whole (title, snippet and passages read: a passage about gallium that happens to say "China"
 * and "imports" is not about rare earths), with a bonus for figures, a small one for results
 * the search ranked higher, and a mild penalty for long sentences.
 */
export function rankCandidates(question: string, steps: Step[], candidates: Candidate[]): Candidate[] {
  const idf = inverseDocumentFrequency(candidates);
  const maxIdf = Math.log(1 + Math.max(1, candidates.length) / 0.5);
  const weightOf = (term: string) => idf.get(term) ?? maxIdf;
  const questionTerms = new Set(contentTerms(question));
  const questionWeight = [...questionTerms].reduce((sum, term) => sum + weightOf(term), 0);
  const stepTerms = steps.map((step) => new Set(contentTerms(step.query ?? '')));
  const resultCoverage = new Map<number, number>();
  for (const { n, result } of numberResults(steps)) {
    const terms = new Set(contentTerms([result.title, result.snippet ?? '', ...(result.passages ?? []).map((p) => p.text)].join(' ')));
    const covered = [...questionTerms].reduce((sum, term) => sum + (terms.has(term) ? weightOf(term) : 0), 0);
    resultCoverage.set(n, questionWeight > 0 ? covered / questionWeight : 1);
  }
  const topic = topicTerms(steps, questionTerms);
  const titleOnTopic = new Set<number>();
  for (const { n, result } of numberResults(steps)) {
    const terms = new Set(contentTerms(result.title));
    if (topic.size === 0 || [...topic].some((term) => terms.has(term))) titleOnTopic.add(n);
  }
  // A page that was read and names the topic vouches for its figures: the reader kept their
  // passage for this question, though the sentence itself may not repeat the question's words.
  const pageOnTopic = new Set<number>();
  for (const { n, result } of numberResults(steps)) {
    const terms = new Set(contentTerms([result.title, ...(result.passages ?? []).map((p) => p.text)].join(' ')));
    if (topic.size === 0 || [...topic].some((term) => terms.has(term))) pageOnTopic.add(n);
  }
  const vouched = (c: Candidate) => c.from === 'passage' && c.figures.length > 0 && pageOnTopic.has(c.n);
  // On topic: the sentence or its result's title names the topic, or its page vouches for it.
  const onTopic = (c: Candidate) => titleOnTopic.has(c.n) || [...topic].some((term) => c.terms.has(term)) || vouched(c);
  const firstN = new Map<number, number>();
  for (const c of candidates) if (!firstN.has(c.stepIndex) || c.n < firstN.get(c.stepIndex)!) firstN.set(c.stepIndex, c.n);

  return candidates.map((c) => {
    let relevance = 0;
    for (const term of c.terms) {
      const weight = idf.get(term) ?? 0;
      if (questionTerms.has(term)) relevance += weight;
      else if (stepTerms[c.stepIndex]?.has(term)) relevance += weight * 0.5;
    }
    if (relevance === 0) {
      if (!vouched(c)) return { ...c, score: 0 };
      relevance = VOUCHED_RELEVANCE;
    }
    const words = wordCount(c.text);
    const lengthFactor = words <= 30 ? 1 : 30 / words + (1 - 30 / words) * 0.6;
    const rankInStep = c.n - (firstN.get(c.stepIndex) ?? c.n);
    const coverage = resultCoverage.get(c.n) ?? 1;
    // A sentence that never names the question's topic, from a result whose title does not
    // either, is off topic, whatever other words it shares with the question.
    if (!onTopic(c)) return { ...c, score: 0 };
    // "They", "This", "Together they"…: the sentence leans on one the reader does not see.
    const standsAlone = ANAPHORIC_START.test(c.text) ? 0.6 : 1;
    const score =
      relevance *
      (0.2 + 0.8 * coverage) *
      lengthFactor *
      standsAlone *
      (c.figures.length ? 1.3 : 1) *
      (1 + 0.1 / (1 + rankInStep)) *
      (c.position === 0 ? 1.05 : 1);
    return { ...c, score: round(score) };
  });
}

/** What a vouched-for figure sentence that shares no word with the question counts as: about one rare term. */
const VOUCHED_RELEVANCE = 1;

const ANAPHORIC_START = /^(?:This|These|That|Those|It|Its|They|Their|Them|He|She|His|Her|Such|Both|Together|The latter|The former|The rest|Here|There)\b/;

/**
 * The question's topic words: of the question's words, those the best-ranked result titles
 * (the top three of each step) use most — at least half of the titles, and at least 80% as
 * often as the most used one. "anode" for a question about graphite anode material, where
 * "US" and "material" are context; both "gallium" and "germanium" for a question about both.
 * Empty when no word qualifies (then no result is ruled off topic).
 */
export function topicTerms(steps: Step[], questionTerms: Set<string>): Set<string> {
  const titles = steps.flatMap((step) => step.results.slice(0, 3).map((result) => new Set(contentTerms(result.title))));
  if (titles.length === 0) return new Set();
  const frequency = new Map([...questionTerms].map((term) => [term, titles.filter((title) => title.has(term)).length]));
  const top = Math.max(0, ...frequency.values());
  return new Set([...frequency].filter(([, count]) => count * 2 >= titles.length && count >= top * 0.8).map(([term]) => term));
}

/** Rounded so that scores compare equal on every platform (no last-bit float surprises). */
export function round(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}

/** Strongest first; ties go to the lower citation number, then the earlier sentence. */
export function byScore(a: Candidate, b: Candidate): number {
  return b.score - a.score || a.n - b.n || a.position - b.position;
}

/**
 * Maximal marginal relevance: each pick maximises 0.7·relevance − 0.3·similarity to what is
 * already picked, with at most two sentences per result (four that carry figures) and a fair share per step.
 */
export function pickDiverse(candidates: Candidate[], stepCount: number): Candidate[] {
  const best = candidates.reduce((max, c) => Math.max(max, c.score), 0);
  if (best === 0) return [];
  // Sentences far weaker than the best are not findings, however many slots are free.
  const pool = candidates.filter((c) => c.score > 0 && c.score >= best * MIN_RELATIVE_SCORE).sort(byScore);
  const stepsWithCandidates = new Set(pool.map((c) => c.stepIndex)).size;
  const target = Math.min(pool.length, Math.max(6, Math.min(MAX_QUOTED, 4 * Math.max(stepCount, stepsWithCandidates))));
  const perStep = Math.max(2, Math.ceil(target / stepsWithCandidates) + 1);
  const top = pool[0]!.score;

  const picked: Candidate[] = [];
  const perResult = new Map<number, number>();
  const fromStep = new Map<number, number>();
  const remaining = [...pool];
  // The per-step share only holds while other steps have sentences to offer.
  let stepCap = perStep;
  while (picked.length < target && remaining.length > 0) {
    let bestIndex = -1;
    let bestValue = -Infinity;
    remaining.forEach((c, index) => {
      if ((perResult.get(c.n) ?? 0) >= (c.figures.length ? PER_RESULT_FIGURE_CAP : PER_RESULT_CAP) || (fromStep.get(c.stepIndex) ?? 0) >= stepCap) return;
      const similarity = picked.reduce((max, p) => Math.max(max, jaccard(p.terms, c.terms)), 0);
      const value = round(0.7 * (c.score / top) - 0.3 * similarity);
      // `remaining` is in score order, so on a tie the earlier (stronger, lower-cited) one wins.
      if (value > bestValue) {
        bestValue = value;
        bestIndex = index;
      }
    });
    if (bestIndex < 0) {
      if (stepCap === Infinity) break;
      stepCap = Infinity;
      continue;
    }
    const [chosen] = remaining.splice(bestIndex, 1);
    picked.push(chosen!);
    perResult.set(chosen!.n, (perResult.get(chosen!.n) ?? 0) + 1);
    fromStep.set(chosen!.stepIndex, (fromStep.get(chosen!.stepIndex) ?? 0) + 1);
  }
  return picked;
}
