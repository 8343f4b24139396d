// The steps: each "Results: step_K" section's result list (read by result-list.ts) turned into a Step.
import type { Result, Step } from '#core/session.ts';
import { ImportError, normaliseText } from '#kb/importers/common.ts';
import { scanResultList, type ScannedRecord } from './result-list.ts';
import type { Section, TocEntry } from './sections.ts';

const ordinal = (n: number): string => {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
};

const RESULT_KEYS: Record<string, keyof Result> = {
  title: 'title',
  url: 'url',
  snippet: 'snippet',
  source: 'source',
  publishedAt: 'publishedAt',
  published_at: 'publishedAt',
  published_date: 'publishedAt',
  published: 'publishedAt',
};

interface StepContext {
  file: string;
  unplaced: string[];
  escapedValues: number;
}

function toResult(record: ScannedRecord, stepId: string, index: number, ctx: StepContext): Result | undefined {
  const out: Record<string, string | boolean> = {};
  for (const field of record.fields) {
    if (field.escaped) ctx.escapedValues++;
    const target = RESULT_KEYS[field.key];
    if (target && out[target] === undefined) {
      // Escapes such as "\r" or "\ud800" can bring back what normalisation removed.
      if (field.value !== null) out[target] = normaliseText(field.value);
    } else if (field.value !== null || !target) {
      ctx.unplaced.push(`${stepId}[${index}].${field.key} = ${JSON.stringify(field.value)}`);
    }
  }
  if (!record.complete) {
    if (Object.keys(out).length === 0) return undefined;
    out.partial = true;
  }
  if (typeof out.title !== 'string') out.title = '';
  return out as unknown as Result; // only string and boolean fields of Result are set here
}

function stripFences(lines: string[]): string[] {
  let out = lines;
  if (out.length && /^\s*```[\w-]*\s*$/.test(out[0])) {
    out = out.slice(1);
    if (out.length && /^\s*```\s*$/.test(out[out.length - 1])) out = out.slice(0, -1);
  }
  return out;
}

function parseStep(section: Section, stepId: string, isLast: boolean, ctx: StepContext): Step {
  const body = stripFences(section.lines);
  const fenceOffset = section.lines.length && body[0] !== section.lines[0] ? 1 : 0;
  const text = body.join('\n');
  if (text.trim() === '') {
    if (!isLast) {
      throw new ImportError(
        ctx.file,
        `step ${stepId} (line ${section.headingLine + 1}) has no result list at all — not even "[]" — so it cannot be read. Re-export the report from MICA, or write the session as JSON.`,
      );
    }
    return { id: stepId, results: [], truncated: true, note: 'The export ended before this step\u2019s results arrived.' };
  }
  const outcome = scanResultList(text);
  if (!outcome.ok) {
    const before = text.slice(0, outcome.pos);
    const lineNo = section.firstLine + fenceOffset + (before.match(/\n/g)?.length ?? 0) + 1;
    const column = outcome.pos - (before.lastIndexOf('\n') + 1) + 1;
    const near = JSON.stringify(text.slice(outcome.pos, outcome.pos + 30));
    throw new ImportError(
      ctx.file,
      `step ${stepId}'s result list cannot be read: at line ${lineNo}, column ${column} (near ${near}) it expected ${outcome.expected}. Only a list cut off at its end is taken as a truncated export; fix the list by hand or re-export the report.`,
    );
  }
  const results: Result[] = [];
  let complete = 0;
  let partialDropped = false;
  outcome.records.forEach((record, index) => {
    const result = toResult(record, stepId, index, ctx);
    if (record.complete) complete++;
    if (result) results.push(result);
    else partialDropped = true;
  });
  const step: Step = { id: stepId, results };
  if (outcome.truncated) {
    step.truncated = true;
    const completeText = `${complete} complete result${complete === 1 ? '' : 's'}`;
    const last = outcome.records.at(-1);
    if (last && !last.complete && !partialDropped) {
      step.note = `The export was cut off after ${completeText}; a ${ordinal(complete + 1)} arrived only in part.`;
    } else if (last && !last.complete) {
      step.note = `The export was cut off after ${completeText}, at the start of a ${ordinal(complete + 1)}; nothing of that one arrived.`;
    } else {
      step.note = `The export was cut off after ${completeText}; more may have followed.`;
    }
  } else if (results.length === 0) {
    step.note = 'The export listed no results for this step and gave no reason.';
  }
  return step;
}

/**
 * Steps, in the order the export gives them; steps the table of contents lists but the export
 * never reached are kept as cut-off steps. Notes on undone escapes and unplaced fields go to `notes`.
 */
export function readSteps(file: string, sections: Section[], toc: TocEntry[], notes: string[]): Step[] {
  const ctx: StepContext = { file, unplaced: [], escapedValues: 0 };
  const stepSections = sections.filter((s) => /^Results:/.test(s.title));
  const steps: Step[] = [];
  const seen = new Set<string>();
  const lastSection = sections.at(-1);
  for (const section of stepSections) {
    const stepId = section.title.replace(/^Results:\s*/, '').trim();
    if (seen.has(stepId)) {
      throw new ImportError(file, `lists step "${stepId}" twice (line ${section.headingLine + 1}); each step's results must appear once. Fix the export by hand or re-export it.`);
    }
    seen.add(stepId);
    steps.push(parseStep(section, stepId, section === lastSection, ctx));
  }
  for (const entry of toc.slice(sections.length)) {
    const m = /^Results:\s*(.+)$/.exec(entry.title);
    if (!m) continue;
    const stepId = m[1].trim();
    if (seen.has(stepId)) continue;
    seen.add(stepId);
    steps.push({ id: stepId, results: [], truncated: true, note: 'The table of contents lists this step, but the export ended before its results.' });
  }
  if (ctx.escapedValues) {
    notes.push(`Results: backslash escapes ("\\$", "\\'", "\\n" …) in ${ctx.escapedValues} result value${ctx.escapedValues === 1 ? '' : 's'} were undone.`);
  }
  if (ctx.unplaced.length) {
    notes.push(`Results: fields the session schema has no place for, kept here verbatim: ${ctx.unplaced.join('; ')}.`);
  }
  return steps;
}
