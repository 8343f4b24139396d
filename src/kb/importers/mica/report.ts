// MICA report export (text) → Session.
//
// The export's layout: a header (title line, Session ID, Query, two Generated lines, Generated
// by), a table of contents, "1. Executive Summary" (which holds only a title), "2. Analysis"
// (markdown that lost its heading markers and had its bullet lists flattened onto one line),
// and one "N. Results: step_K" section per step holding a Python-literal list of results.
// Everything the export holds ends up in the session; what had to be repaired or inferred is
// listed in `provenance.notes`.
//
// The work is split by what it does: header.ts (id, query), generated-time.ts, sections.ts,
// markdown-repair.ts, analysis.ts (title, summary, analysis) and steps.ts; this file puts the
// parts together and checks the session.
import { Session, deriveStatus, sessionProblems } from '#core/session.ts';
import { ImportError, baseName, normaliseText, querySlugFor, sha256Hex } from '#kb/importers/common.ts';
import { withGrounding } from '#core/grounding/index.ts';
import { readProse } from './analysis.ts';
import { chooseGeneratedAt } from './generated-time.ts';
import { headerNotes, parseHeader, readIdentity, refuseNotAReport } from './header.ts';
import { findSections } from './sections.ts';
import { readSteps } from './steps.ts';

export interface ImportOptions {
  /** sha256 of the file's bytes; when absent, of the UTF-8 encoding of `text`. */
  sha256?: string;
}

export function parseMicaReport(text: string, file: string, options: ImportOptions = {}): Session {
  const sha256 = options.sha256 ?? sha256Hex(text);
  const normalised = normaliseText(text).replace(/^\uFEFF/, '');
  const lines = normalised.split('\n');

  if (!lines.some((l) => /^\s*Session ID:/.test(l))) refuseNotAReport(file, lines);
  const { headerEnd, toc, sections } = findSections(lines);
  const header = parseHeader(lines, headerEnd);
  const notes: string[] = [];
  const { id, query } = readIdentity(file, lines, header);
  const generatedAt = chooseGeneratedAt(file, header.generated, notes);
  const { title, summary, analysis } = readProse(file, sections, toc, notes);
  const steps = readSteps(file, sections, toc, notes);
  notes.push(...headerNotes(header, query));

  const session = {
    id,
    query,
    querySlug: querySlugFor(query, id),
    ...(title !== undefined ? { title } : {}),
    generatedAt,
    ...(summary !== undefined ? { summary } : {}),
    analysis,
    tags: [],
    steps,
    status: deriveStatus(steps),
    provenance: {
      format: 'mica-report' as const,
      file: baseName(file),
      sha256,
      ...(header.generator ? { generator: header.generator } : {}),
      otherTimestamps: header.generated.map((g) => g.raw),
      notes,
    },
  };
  const checked = Session.safeParse(session);
  if (!checked.success) {
    const problems = sessionProblems(checked.error, session);
    throw new ImportError(file, `the report does not make a valid session:\n  ${problems.join('\n  ')}\nFix these in the export, or write the session as JSON.`, problems);
  }
  // Grounding (issue 8): how much of the prose rests on the export's own results.
  return withGrounding(checked.data);
}
