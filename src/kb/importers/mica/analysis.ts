// The session's title, summary and analysis: the repaired Analysis section, split at its Executive Summary part.
import { ImportError } from '#kb/importers/common.ts';
import { joinBlocks, mergeRepairs, newRepairs, repairNotes, restoreMarkdown } from './markdown-repair.ts';
import type { Section, TocEntry } from './sections.ts';

export interface Prose {
  title?: string;
  summary?: string;
  analysis: string;
}

/** Reads the prose sections; notes on what was repaired or moved go to `notes`. */
export function readProse(file: string, sections: Section[], toc: TocEntry[], notes: string[]): Prose {
  const analysisSection = sections.find((s) => s.title === 'Analysis');
  if (!analysisSection || analysisSection.lines.length === 0) {
    const why = !analysisSection
      ? toc.length && toc.some((t) => t.title === 'Analysis')
        ? 'its table of contents lists "Analysis" but the section never appears'
        : 'it has no "Analysis" section'
      : 'its "Analysis" section is empty';
    throw new ImportError(file, `has no analysis — ${why}, so there is nothing to publish. Re-export the report from MICA (the export may have been cut off).`);
  }

  const repairs = newRepairs();
  const analysisBlocks = restoreMarkdown(analysisSection.lines, repairs);
  // Repairs in the export's own summary section count only if its text is kept.
  const summaryRepairs = newRepairs();
  const exportSummaryBlocks = sections
    .filter((s) => s.title === 'Executive Summary')
    .flatMap((s) => restoreMarkdown(s.lines, summaryRepairs));

  // Title: the analysis's first line when it stands alone as a title; else the export's own
  // "Executive Summary" section when that holds a single line.
  let title: string | undefined;
  const first = analysisBlocks[0];
  if (first && !first.heading && !first.text.includes('\n') && first.text.length <= 200 && !/[.:;]$/.test(first.text) && !/^(\d+[.)]|[-*+>])\s/.test(first.text)) {
    title = first.text;
    analysisBlocks.shift();
  } else if (first?.heading && first.heading.level === 3 && analysisBlocks.length > 1) {
    // A title that looked like a sub-heading.
    title = first.heading.name;
    analysisBlocks.shift();
    repairs.h3--;
  }
  let exportSummary = exportSummaryBlocks.map((b) => (b.heading ? b.heading.name : b.text));
  if (title !== undefined) exportSummary = exportSummary.filter((t) => t !== title);
  else if (exportSummary.length === 1 && !exportSummary[0].includes('\n')) {
    title = exportSummary[0];
    exportSummary = [];
    mergeRepairs(repairs, summaryRepairs);
  }

  // Summary: the analysis's "Executive Summary" part, up to the next top-level section.
  let summary: string | undefined;
  let analysisRest = analysisBlocks;
  const summaryAt = analysisBlocks.findIndex((b) => b.heading?.level === 2 && /^(executive )?summary$/i.test(b.heading.name));
  if (summaryAt >= 0) {
    const endAt = analysisBlocks.findIndex((b, k) => k > summaryAt && b.heading?.level === 2);
    if (endAt > summaryAt) {
      const part = analysisBlocks.slice(summaryAt + 1, endAt);
      if (part.length > 0) {
        summary = joinBlocks(part);
        analysisRest = [...analysisBlocks.slice(0, summaryAt), ...analysisBlocks.slice(endAt)];
        notes.push(
          `Summary: the export's own "Executive Summary" section held ${exportSummary.length ? 'more than' : 'only'} the title; the summary is the analysis's "${analysisBlocks[summaryAt].heading!.name}" part (up to "${analysisBlocks[endAt].heading!.name}"), and the analysis is the rest.`,
        );
      }
    }
  }
  if (exportSummary.length) {
    mergeRepairs(repairs, summaryRepairs);
    const extra = exportSummary.join('\n\n');
    summary = summary === undefined ? extra : `${extra}\n\n${summary}`;
    notes.push('Summary: the export\'s "Executive Summary" section held text besides the title; it opens the summary.');
  }

  // Sections the importer has no place for are kept at the end of the analysis.
  for (const section of sections) {
    if (section.title === 'Analysis' || section.title === 'Executive Summary' || /^Results:/.test(section.title)) continue;
    const blocks = restoreMarkdown(section.lines, repairs);
    analysisRest = [...analysisRest, { text: `## ${section.title}`, heading: { level: 2, name: section.title } }, ...blocks];
    notes.push(`Analysis: the export's section "${section.title}" was kept at the end of the analysis.`);
  }
  const analysis = joinBlocks(analysisRest);
  if (!analysis.trim() && summary === undefined) {
    throw new ImportError(file, 'has no analysis — its "Analysis" section holds only a title, so there is nothing to publish. Re-export the report from MICA.');
  }
  notes.push(...repairNotes(repairs));
  return { title, summary, analysis };
}
