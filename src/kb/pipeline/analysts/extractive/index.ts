// The offline analyst: no model. It quotes the search snippets' most relevant sentences,
// grouped into themes, with every sentence cited `[n]`, a table of the figures they contain,
// and limitations computed from the data. Nothing is paraphrased and nothing is invented; the
// same steps always give byte-identical text.
// sentences.ts finds what may be quoted, ranking.ts chooses, themes.ts groups, writing.ts writes.
import type { Step } from '#core/session.ts';
import { contentTerms } from '#core/text-analysis.ts';
import { numberResults } from '#core/citations.ts';
import type { Analysis, Analyst } from '#kb/pipeline/types.ts';
import { byScore, inverseDocumentFrequency, pickDiverse, rankCandidates } from './ranking.ts';
import { extractCandidates } from './sentences.ts';
import { buildThemes } from './themes.ts';
import { noResults, nothingQuotable, writeBriefing } from './writing.ts';

export { extractCandidates, findFigures, type Candidate } from './sentences.ts';
export { pickDiverse, rankCandidates, topicTerms } from './ranking.ts';

/** Key findings in the summary. */
const KEY_FINDINGS = 3;

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
  const picked = pickDiverse(candidates, steps.length);
  if (picked.length === 0) return nothingQuotable(steps, numbered, candidates.length);

  const questionTerms = new Set(contentTerms(question));
  const idf = inverseDocumentFrequency(candidates);
  const themes = buildThemes(steps, picked, questionTerms, idf);

  const strongest = [...picked].sort(byScore).slice(0, KEY_FINDINGS);
  return writeBriefing(steps, numbered, themes, strongest, { picked: picked.length, usable: candidates.length });
}
