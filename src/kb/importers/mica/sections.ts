// Where the export's parts are: the table of contents and the numbered sections it lists.
export const isBlank = (line: string): boolean => line.trim() === '';

export interface Section {
  title: string;
  /** 0-based line index of the section's heading. */
  headingLine: number;
  /** The section's lines, heading excluded, with leading and trailing blank lines removed. */
  lines: string[];
  /** 0-based line index of `lines[0]`. */
  firstLine: number;
}

export interface TocEntry {
  n: number;
  title: string;
}

const SECTION_HEADING = /^(\d+)\.\s+(.*?)\s*$/;

function isKnownSectionTitle(title: string): boolean {
  return /^(Executive Summary|Analysis|Results:\s*\S.*)$/.test(title);
}

function trimBlankEdges(lines: string[], firstLine: number): { lines: string[]; firstLine: number } {
  let a = 0;
  let b = lines.length;
  while (a < b && isBlank(lines[a])) a++;
  while (b > a && isBlank(lines[b - 1])) b--;
  return { lines: lines.slice(a, b), firstLine: firstLine + a };
}

/**
 * Finds the table of contents and the numbered sections it lists. Sections are matched in
 * order, by number and title, so numbered lines inside the analysis are never taken for them.
 */
export function findSections(lines: string[]): { headerEnd: number; toc: TocEntry[]; sections: Section[] } {
  const tocLine = lines.findIndex((l) => l.trim() === 'Table of Contents');
  const toc: TocEntry[] = [];
  let bodyStart = 0;
  if (tocLine >= 0) {
    let i = tocLine + 1;
    while (i < lines.length && isBlank(lines[i])) i++;
    for (; i < lines.length; i++) {
      const m = SECTION_HEADING.exec(lines[i]);
      if (!m || !m[2]) break;
      toc.push({ n: Number(m[1]), title: m[2] });
    }
    bodyStart = i;
  }

  const headings: { line: number; title: string }[] = [];
  let next = 0;
  for (let i = bodyStart; i < lines.length; i++) {
    const m = SECTION_HEADING.exec(lines[i]);
    if (!m) continue;
    const n = Number(m[1]);
    if (toc.length > 0) {
      if (next < toc.length && n === toc[next].n && m[2] === toc[next].title) {
        headings.push({ line: i, title: m[2] });
        next++;
      }
    } else if (isKnownSectionTitle(m[2]) && n === headings.length + 1) {
      headings.push({ line: i, title: m[2] });
    }
  }

  const sections = headings.map((h, k): Section => {
    const end = k + 1 < headings.length ? headings[k + 1].line : lines.length;
    const trimmed = trimBlankEdges(lines.slice(h.line + 1, end), h.line + 1);
    return { title: h.title, headingLine: h.line, ...trimmed };
  });
  const headerEnd = tocLine >= 0 ? tocLine : headings.length > 0 ? headings[0].line : lines.length;
  return { headerEnd, toc, sections };
}
