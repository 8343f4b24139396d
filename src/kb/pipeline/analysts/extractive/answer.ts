// The answer: the one or two quoted sentences that answer the question most directly. A direct
// answer names what the question asks about (its terms, or words for the same measure:
// "reliance" answers "dependency"), carries a figure of the kind the question asks for (a share
// for "how dependent", an amount for "what does it cost"), and states what is rather than what
// may be, unless the question asks about the future. A second sentence joins only when it adds
// something the question asks about that the first leaves out ("…from China").
import { contentTerms } from '#core/text-analysis.ts';
import type { FigureKind } from '#core/grounding/figures.ts';
import { round } from './ranking.ts';
import { jaccard, type Candidate } from './sentences.ts';
import { figuresIn } from './key-figures.ts';

/** Words that name the same measure, as match keys: any one of a group covers the others. */
const SAME_MEASURE: string[][] = [
  // A dependency, a concentration and a share are all measured as a share of something.
  `dependency dependence dependent depend depends depended reliance reliant rely relies relied share proportion percentage portion fraction
  concentrated concentration dominance dominant dominate dominates`,
  'production output produce produced produces producing',
  'price prices cost costs',
].map((group) => [...new Set(contentTerms(group))]);

/** The figure kinds a question asks for, by its words; the first rule that matches decides. */
const EXPECTED_KINDS: [RegExp, FigureKind[]][] = [
  [/\b(?:shares?|dependen\w*|relian\w*|rely|relies|proportion|percent\w*|fraction|concentrat\w*|dominan\w*|self-sufficien\w*|how much of)\b/i, ['percent']],
  [/\b(?:costs?|prices?|pricing|value|worth|spend\w*|invest\w*|revenues?|fund\w*|subsid\w*|budgets?|profits?|margins?)\b/i, ['money', 'percent']],
  [/\b(?:production|produc\w*|output|capacity|tonnes?|volumes?|reserves|mined|mining)\b/i, ['mass', 'percent']],
  [/\bhow many\b/i, ['count']],
];

/** A sentence about what may happen (lower case: "May 2025" is a month). */
const FORECAST = /\b(?:will|would|could|might|may|expects?|expected|expecting|forecasts?|forecast|projected|projects|projection|likely|outlook|plans? to|aims? to|is set to|are set to)\b/;
/** A question that asks about what may happen. */
const ASKS_FUTURE = /\b(?:will|would|forecast\w*|outlook|expect\w*|future|project\w*|enough|meet|by 20\d\d|20[3-9]\d)\b/i;

/** Sentences about what may happen weigh this much when the question asks what is. */
const FORECAST_WEIGHT = 0.5;
/** A sentence that names the measure the question asks for and gives it as a figure of the kind asked. */
const MEASURE_BONUS = 1.3;

/** A second sentence must reach this share of the first's answer score. */
const SECOND_MIN_SHARE = 0.25;
/** And differ from it: shared terms below this Jaccard similarity. */
const SECOND_MAX_SIMILARITY = 0.5;

/**
 * The answer's sentences, best first: none when no sentence bears on the question. `candidates`
 * are ranked (rankCandidates); `idf` weighs the question's terms.
 */
export function chooseAnswer(question: string, candidates: Candidate[], idf: Map<string, number>, topic: Set<string> = new Set()): Candidate[] {
  const best = candidates.reduce((max, c) => Math.max(max, c.score), 0);
  if (best === 0) return [];
  const { concepts, measures } = questionConcepts(question);
  const unseen = Math.log(1 + Math.max(1, candidates.length) / 0.5);
  const weight = (concept: Set<string>) => Math.max(...[...concept].map((term) => idf.get(term) ?? 0), 0) || unseen;
  const totalWeight = concepts.reduce((sum, concept) => sum + weight(concept), 0);
  const covers = (c: Candidate, concept: Set<string>) => [...concept].some((term) => c.terms.has(term));
  const coverage = (c: Candidate) => (totalWeight > 0 ? concepts.reduce((sum, concept) => sum + (covers(c, concept) ? weight(concept) : 0), 0) / totalWeight : 1);
  const namesMeasure = (c: Candidate) => measures.some((concept) => covers(c, concept));

  const expected = EXPECTED_KINDS.find(([cue]) => cue.test(question))?.[1] ?? [];
  const future = ASKS_FUTURE.test(question);
  const kinds = new Map(candidates.map((c) => [c, figuresIn(c.text).map((f) => f.kind)] as const));
  const hasFigure = (c: Candidate) => (kinds.get(c) ?? []).length > 0;
  const hasExpected = (c: Candidate) => (kinds.get(c) ?? []).some((kind) => expected.includes(kind));
  const score = (c: Candidate) => {
    // A question that asks how much is answered by a figure; one that does not, by any sentence.
    // When the question names its measure ("how dependent"), a figure of that kind counts as the
    // answer only beside the measure's name ("…raise the cost by 1% to 3%" is a percentage, not a dependence).
    const answersMeasure = hasExpected(c) && (measures.length === 0 || namesMeasure(c));
    const figure = answersMeasure ? 1.5 * (measures.length ? MEASURE_BONUS : 1) : hasFigure(c) ? 1.2 : expected.length ? 0.8 : 1;
    const tense = !future && FORECAST.test(c.text) ? FORECAST_WEIGHT : 1;
    // The question's topic ("nickel", "Indonesia") is what an answer is about, however common its words are.
    const onTopic = topic.size ? 0.5 + (0.5 * [...topic].filter((term) => c.terms.has(term)).length) / topic.size : 1;
    return round(c.score * (0.5 + coverage(c)) * figure * tense * onTopic);
  };
  const pool = candidates.filter((c) => c.score > 0 && c.score >= best * 0.1);
  const scored = pool.map((c) => ({ c, value: score(c) })).sort((a, b) => b.value - a.value || a.c.n - b.c.n || a.c.position - b.c.position);
  const first = scored[0]!;

  // A second sentence joins when it carries a figure and adds what the first leaves out: a term
  // of the question (the "China" of "dependency on China"), or, when the first has no figure and
  // the question asks how much, the figure.
  const missing = concepts.filter((concept) => !covers(first.c, concept));
  const missingWeight = missing.reduce((sum, concept) => sum + weight(concept), 0);
  // A figure to answer "how dependent": it must be about the measure asked for ("dependence", "share").
  const wantsFigure = !hasFigure(first.c) && expected.length > 0;
  if (missingWeight === 0 && !wantsFigure) return [first.c];
  let second: { c: Candidate; value: number } | undefined;
  for (const { c, value } of scored.slice(1)) {
    if (value < first.value * SECOND_MIN_SHARE || !hasFigure(c)) continue;
    if (!future && FORECAST.test(c.text)) continue;
    if (jaccard(first.c.terms, c.terms) >= SECOND_MAX_SIMILARITY) continue;
    const gain = missing.reduce((sum, concept) => sum + (covers(c, concept) ? weight(concept) : 0), 0);
    const expectedFigure = wantsFigure && hasExpected(c) && (measures.length === 0 || namesMeasure(c));
    if (wantsFigure && !expectedFigure) continue;
    if (gain === 0 && !expectedFigure) continue;
    const combined = round(value * (missingWeight > 0 ? 0.5 + gain / missingWeight : 1));
    if (!second || combined > second.value) second = { c, value: combined };
  }
  return second ? [first.c, second.c] : [first.c];
}

/** The question's terms, each with the words for the same measure; `measures` are those that name a measure. */
function questionConcepts(question: string): { concepts: Set<string>[]; measures: Set<string>[] } {
  const concepts: Set<string>[] = [];
  const measures: Set<string>[] = [];
  const seen = new Set<string>();
  for (const term of contentTerms(question)) {
    if (seen.has(term)) continue;
    const group = SAME_MEASURE.find((g) => g.includes(term));
    const concept = new Set(group ?? [term]);
    for (const member of concept) seen.add(member);
    concepts.push(concept);
    if (group) measures.push(concept);
  }
  return { concepts, measures };
}
