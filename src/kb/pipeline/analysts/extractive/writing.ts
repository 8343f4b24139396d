// Writing: the summary and analysis markdown, every quoted sentence cited `[n]`, with figures and limitations.
import type { Result, Step } from '#core/session.ts';
import { compareStrings, squash } from '#core/text-analysis.ts';
import type { NumberedResult } from '#core/citations.ts';
import type { Analysis } from '#kb/pipeline/types.ts';
import { domainOf, type Candidate } from './sentences.ts';
import { OTHER_FINDINGS, type Theme } from './themes.ts';

/**
 * The briefing: a summary that names the themes and lists the strongest sentences as key
 * findings, and an analysis with the themes' sentences, a table of their figures and the limitations.
 */
export function writeBriefing(
  steps: Step[],
  numbered: NumberedResult[],
  themes: Theme[],
  strongest: Candidate[],
  counts: { picked: number; usable: number },
): Analysis {
  const domains = distinctDomains(numbered);
  const named = themes.filter((theme) => theme.heading !== OTHER_FINDINGS).map((theme) => theme.heading.toLowerCase());
  const opening =
    `The ${plural(numbered.length, 'search result')} from ${plural(domains.size, 'distinct source')} ${numbered.length === 1 ? 'bears' : 'bear'} on this question ` +
    (named.length > 1
      ? `mainly through ${named.length > 4 ? 'these themes, among others' : `${named.length} themes`}: ${named.slice(0, 4).join('; ')}.`
      : named.length === 1
        ? `mainly through one theme: ${named[0]}.`
        : 'only loosely; the sentences most relevant to it are quoted below.');
  const summary = [opening, '', 'Key findings:', '', ...strongest.map((c, i) => `${i + 1}. ${cite(c)}`)].join('\n');

  const analysis = [
    '## Findings',
    '',
    ...themes.flatMap((theme) => [`### ${theme.heading}`, '', ...theme.sentences.map((c) => `- ${cite(c)}`), '']),
    '## Figures',
    '',
    ...figuresTable(themes.flatMap((t) => t.sentences)),
    '',
    '## Limitations',
    '',
    ...limitations(steps, numbered, counts).map((line) => `- ${line}`),
  ].join('\n');

  return { summary, analysis: `${analysis}\n` };
}

/** The sentence with its citation, placed before the closing full stop. */
function cite(c: Candidate): string {
  const match = /^(.*?)([.!?])$/su.exec(c.text);
  if (match) return `${match[1]} [${c.n}]${match[2]}`;
  return `${c.text} [${c.n}]`;
}

function figuresTable(sentences: Candidate[]): string[] {
  const rows = sentences.filter((c) => c.figures.length > 0);
  if (rows.length === 0) return ['None of the quoted sentences contains a figure.'];
  return [
    '| Figure | Context | Source |',
    '| --- | --- | --- |',
    ...rows.map((c) => `| ${cell(c.figures.join('; '))} | ${cell(c.text)} | [${c.n}] ${cell(c.domain)} |`),
  ];
}

/** A table cell: one line, and a `|` in the text must not end the cell. */
function cell(text: string): string {
  return squash(text).replace(/\|/g, '\\|');
}

function limitations(steps: Step[], numbered: NumberedResult[], counts: { picked: number; usable: number }): string[] {
  const lines: string[] = [];
  const domains = distinctDomains(numbered);
  lines.push(
    `This briefing draws on ${plural(numbered.length, 'result')} from ${plural(domains.size, 'distinct source')} (by domain) across ${plural(steps.length, 'search', 'searches')}.`,
  );
  lines.push(dateSpan(numbered.map((r) => r.result)));
  const noSnippet = numbered.filter((r) => !squash(r.result.snippet ?? '')).length;
  if (noSnippet) lines.push(`${plural(noSnippet, 'result')} had no snippet, so nothing could be quoted from ${noSnippet === 1 ? 'it' : 'them'}.`);
  lines.push(...stepProblems(steps));
  if (counts.usable > counts.picked) {
    lines.push(
      `Only ${counts.picked} of ${counts.usable} usable sentences are quoted, chosen by their overlap with the question's terms; relevant detail phrased in other words may have been left out.`,
    );
  }
  lines.push(
    'The text is extracted from search snippets by a rule-based summariser, not written by a language model: sentences are quoted as the snippets give them and have not been checked against the full sources.',
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
  const summary = `The ${plural(numbered.length, 'search result')} found do not answer this question directly: ${reason}. The sources are listed for reading in full.`;
  const analysis = [
    '## Findings',
    '',
    `No findings could be extracted: ${reason}.`,
    '',
    '## Limitations',
    '',
    ...limitations(steps, numbered, { picked: 0, usable: 0 }).map((line) => `- ${line}`),
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

