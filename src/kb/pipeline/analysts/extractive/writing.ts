// Writing: the summary and analysis markdown, every quoted sentence cited `[n]`: the answer first,
// then the key findings, the other findings by theme, a table of the key figures and the limitations.
// No sentence is written twice.
import type { KeyFigure, Result, Step } from '#core/session.ts';
import { compareStrings, squash } from '#core/text-analysis.ts';
import type { NumberedResult } from '#core/citations.ts';
import type { Analysis } from '#kb/pipeline/types.ts';
import { domainOf, type Candidate } from './sentences.ts';
import type { Theme } from './themes.ts';

export interface Briefing {
  /** The sentences that answer the question, best first. */
  answer: Candidate[];
  /** The strongest of the other findings, for the summary. */
  keyFindings: Candidate[];
  /** The rest of the findings, grouped. */
  themes: Theme[];
  /** The key figures of the answer and the key findings. */
  figures: KeyFigure[];
  /** Every figure of the quoted sentences, for the analysis's table. */
  tableFigures: KeyFigure[];
  /** Sentences quoted, and sentences that could have been. */
  counts: { picked: number; usable: number };
}

/**
 * The briefing: the answer, a summary of the key findings beyond it, and an analysis
 * with the other findings by theme, a table of the figures and the limitations. A sentence is
 * quoted once: one already written (after normalising case, spacing and punctuation) is skipped.
 */
export function writeBriefing(steps: Step[], numbered: NumberedResult[], briefing: Briefing): Analysis {
  const used = new Set<string>();
  const fresh = (c: Candidate) => {
    const key = normalisedSentence(c.text);
    if (used.has(key)) return false;
    used.add(key);
    return true;
  };
  const answer = briefing.answer.filter(fresh);
  const keyFindings = briefing.keyFindings.filter(fresh);
  const themes = briefing.themes.map((theme) => ({ ...theme, sentences: theme.sentences.filter(fresh) })).filter((theme) => theme.sentences.length > 0);

  const answerText = answer.map(cite).join(' ');
  // The answer is its own field, shown first on the page: the summary holds what it does not say.
  const summary = keyFindings.length ? ['Key findings:', '', ...keyFindings.map((c, i) => `${i + 1}. ${cite(c)}`)].join('\n') : '';

  const quoted = [...answer, ...keyFindings, ...themes.flatMap((t) => t.sentences)];
  const analysis = [
    '## Findings',
    '',
    ...(themes.length
      ? themes.flatMap((theme) => [`### ${theme.heading}`, '', ...theme.sentences.map((c) => `- ${cite(c)}`), ''])
      : ['The sources say nothing on the question beyond what the summary quotes.', '']),
    '## Figures',
    '',
    ...figuresTable(briefing.tableFigures, numbered),
    '',
    '## Limitations',
    '',
    ...limitations(steps, numbered, briefing.counts, quoted).map((line) => `- ${line}`),
  ].join('\n');

  return {
    summary,
    analysis: `${analysis}\n`,
    ...(answerText ? { answer: { text: answerText, figures: briefing.figures } } : {}),
  };
}

/** A sentence as a key for "already written": lower case, letters and digits only. */
function normalisedSentence(text: string): string {
  return text
    .toLowerCase()
    .replace(/\s*\[\d+(?:\s*[,–-]\s*\d+)*\]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The sentence with its citation, placed before the closing full stop. */
function cite(c: Candidate): string {
  const match = /^(.*?)([.!?])$/su.exec(c.text);
  if (match) return `${match[1]} [${c.n}]${match[2]}`;
  return `${c.text} [${c.n}]`;
}

/** The figures, one a row: the figure as written, what it measures, when, and its source. */
function figuresTable(figures: KeyFigure[], numbered: NumberedResult[]): string[] {
  if (figures.length === 0) return ['No finding below the key findings states a figure; the key figures are listed with the answer.'];
  const domains = new Map(numbered.map((r) => [r.n, domainOf(r.result)]));
  return [
    '| Figure | What it measures | As of | Source |',
    '| --- | --- | --- | --- |',
    ...figures.map((f) => `| ${cell(f.text ?? String(f.value))} | ${cell(f.label)} | ${cell(f.asOf ?? '')} | ${f.cite ? `[${f.cite}] ${cell(domains.get(f.cite) ?? '')}` : ''} |`),
  ];
}

/** A table cell: one line, and a `|` in the text must not end the cell. */
function cell(text: string): string {
  return squash(text).replace(/\|/g, '\\|');
}

function limitations(steps: Step[], numbered: NumberedResult[], counts: { picked: number; usable: number }, quoted: Candidate[]): string[] {
  const lines: string[] = [];
  const domains = distinctDomains(numbered);
  if (domains.size === 1 && numbered.length > 1) lines.push(`Every result comes from one outlet, ${[...domains][0]}, so no finding here is borne out by a second one.`);
  lines.push(dateSpan(numbered.map((r) => r.result)));
  const nothing = numbered.filter((r) => !squash(r.result.snippet ?? '') && !(r.result.passages ?? []).some((p) => squash(p.text))).length;
  if (nothing) lines.push(`${plural(nothing, 'result')} had no snippet, so nothing could be quoted from ${nothing === 1 ? 'it' : 'them'}.`);
  lines.push(...stepProblems(steps));
  if (counts.usable > counts.picked) {
    lines.push(
      `Only ${counts.picked} of ${counts.usable} usable sentences are quoted, chosen by their overlap with the question's terms; relevant detail phrased in other words may have been left out.`,
    );
  }
  lines.push(
    quoted.some((c) => c.from === 'passage')
      ? 'The text is quoted from the pages read and the search snippets by a rule-based summariser, not written by a language model: sentences are quoted as the sources give them, and a snippet has not been checked against its full page.'
      : 'The text is extracted from search snippets by a rule-based summariser, not written by a language model: sentences are quoted as the snippets give them and have not been checked against the full sources.',
  );
  return lines;
}

function dateSpan(results: Result[]): string {
  const dates = results
    .map((r) => (r.publishedAt ? Date.parse(r.publishedAt) : Number.NaN))
    .filter((time) => Number.isFinite(time))
    .map((time) => new Date(time).toISOString().slice(0, 10))
    .sort(compareStrings);
  const undated = results.length - dates.length;
  if (dates.length === 0) return `None of the results carries a publication date, so how current they are cannot be judged.`;
  const span = dates[0] === dates.at(-1) ? `all dated ${dates[0]}` : `dated from ${dates[0]} to ${dates.at(-1)}`;
  const missing = undated ? `; ${plural(undated, 'result')} ${undated === 1 ? 'has' : 'have'} no date` : '';
  return `Publication dates are known for ${dates.length} of ${plural(results.length, 'result')}, ${span}${missing}.`;
}

function stepProblems(steps: Step[]): string[] {
  const lines: string[] = [];
  steps.forEach((step) => {
    const name = step.query ? `${step.id} (“${squash(step.query)}”)` : step.id;
    const note = step.note ? ` ${squash(step.note)}` : '';
    if (step.error) lines.push(`${name} failed: ${squash(step.error)}.${note}`.replace(/\.\.$/, '.'));
    // The pipeline drops results an earlier step already found, so an empty step may have
    // found only repeats; unless a note says which, the wording covers both.
    else if (step.results.length === 0) lines.push(note ? `${name} added no results.${note}` : `${name} added no results: none were found, or all repeated an earlier step's.`);
    if (step.truncated) lines.push(`${name} was cut off: more results existed than arrived.`);
  });
  return lines;
}

export function noResults(steps: Step[]): Analysis {
  const why =
    steps.length === 0
      ? 'No searches were run for this question.'
      : steps.every((s) => s.error)
        ? `Every search failed (${plural(steps.length, 'search', 'searches')}).`
        : `None of the ${plural(steps.length, 'search', 'searches')} returned a result.`;
  const summary = `No sources were found for this question, so this briefing has no findings. ${why}`;
  const analysis = [
    '## Findings',
    '',
    `No sources were found, so there is nothing to report: no finding here is drawn from evidence, and none has been made up. ${why}`,
    '',
    '## Limitations',
    '',
    ...stepProblems(steps).map((line) => `- ${line}`),
    '- The text is written by a rule-based summariser from search snippets, not by a language model.',
    '',
  ].join('\n');
  return { summary, analysis };
}

export function nothingQuotable(steps: Step[], numbered: NumberedResult[], usable: number): Analysis {
  const reason = usable
    ? `none of their ${plural(usable, 'usable sentence')} shares a key term with the question`
    : 'their snippets hold no complete sentence to quote';
  const summary = `The results found do not answer this question directly: ${reason}. The sources are listed for reading in full.`;
  const analysis = [
    '## Findings',
    '',
    `No findings could be extracted: ${reason}.`,
    '',
    '## Limitations',
    '',
    ...limitations(steps, numbered, { picked: 0, usable: 0 }, []).map((line) => `- ${line}`),
    '',
  ].join('\n');
  return { summary, analysis };
}

function distinctDomains(numbered: NumberedResult[]): Set<string> {
  return new Set(numbered.map((r) => domainOf(r.result)));
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

