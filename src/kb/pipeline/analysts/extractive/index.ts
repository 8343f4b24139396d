// The offline analyst: no model. It quotes the most relevant sentences of the passages read and
// the search snippets, every one cited `[n]`: first the one or two that answer the question, with
// their key figures as structured data, then the key findings, then the other findings grouped
// into themes, a table of the figures and limitations computed from the data. Nothing is
// paraphrased, nothing is invented, no sentence is quoted twice, and the same steps always give
// byte-identical text.
// sentences.ts finds what may be quoted, ranking.ts chooses, answer.ts answers, themes.ts groups,
// key-figures.ts reads the figures, writing.ts writes.
import type { KeyFigure, Step } from '#core/session.ts';
import { contentTerms } from '#core/text-analysis.ts';
import { numberResults } from '#core/citations.ts';
import type { Analysis, Analyst } from '#kb/pipeline/types.ts';
import { chooseAnswer } from './answer.ts';
import { keyFigures } from './key-figures.ts';
import { byScore, inverseDocumentFrequency, pickDiverse, rankCandidates, topicTerms } from './ranking.ts';
import { extractCandidates } from './sentences.ts';
import { buildThemes } from './themes.ts';
import { noResults, nothingQuotable, writeBriefing } from './writing.ts';

export { extractCandidates, findFigures, type Candidate } from './sentences.ts';
export { pickDiverse, rankCandidates, topicTerms } from './ranking.ts';
export { chooseAnswer } from './answer.ts';
export { keyFigures } from './key-figures.ts';

/** Key findings in the summary, when there are enough sentences to leave some for the analysis. */
const KEY_FINDINGS = 3;
/** Sentences the analysis's findings keep before the summary takes more than one key finding. */
const FINDINGS_KEPT = 5;

export const extractiveAnalyst: Analyst = {
  name: 'extractive',
  async analyse(question: string, steps: Step[], signal?: AbortSignal): Promise<Analysis> {
    signal?.throwIfAborted();
    return extractiveAnalysis(question, steps);
  },
};

export function extractiveAnalysis(question: string, steps: Step[]): Analysis {
  const numbered = numberResults(steps);
  if (numbered.length === 0) return noResults(steps);

  const candidates = rankCandidates(question, steps, extractCandidates(numbered));
  const idf = inverseDocumentFrequency(candidates);
  const questionTerms = new Set(contentTerms(question));
  const answer = chooseAnswer(question, candidates, idf, topicTerms(steps, questionTerms));
  if (answer.length === 0) return nothingQuotable(steps, numbered, candidates.length);

  // The findings: the best of the other sentences, the strongest of them in the summary.
  const picked = pickDiverse(
    candidates.filter((c) => !answer.includes(c)),
    steps.length,
  );
  // No sentence is quoted twice, so the summary's key findings leave the analysis fewer; with few
  // sentences the summary takes one and the analysis keeps the rest.
  const keyCount = Math.min(KEY_FINDINGS, Math.max(picked.length >= 2 ? 1 : 0, picked.length - FINDINGS_KEPT));
  const keyFindings = [...picked].sort(byScore).slice(0, keyCount);
  const rest = picked.filter((c) => !keyFindings.includes(c));
  const themes = buildThemes(steps, rest, questionTerms, idf);

  return writeBriefing(steps, numbered, {
    answer,
    keyFindings,
    themes,
    figures: keyFigures([...answer, ...keyFindings]),
    // The key figures are shown with the answer: the table lists the findings' other figures.
    tableFigures: otherFigures(keyFigures([...answer, ...keyFindings]), keyFigures(themes.flatMap((theme) => theme.sentences), 12)),
    counts: { picked: answer.length + picked.length, usable: candidates.length },
  });
}

/** Figures of `more` not already in `key` (same figure as written, same source). */
function otherFigures(key: KeyFigure[], more: KeyFigure[]): KeyFigure[] {
  const seen = new Set(key.map((f) => `${f.text ?? f.value}\u0000${f.cite ?? ''}`));
  return more.filter((f) => !seen.has(`${f.text ?? f.value}\u0000${f.cite ?? ''}`));
}
