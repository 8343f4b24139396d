// Markdown repair: restores the headings, lists, bold markers and escapes the export broke, and notes each kind.
import { isBlank } from './sections.ts';

const TOP_LEVEL_SECTIONS = [
  'Executive Summary',
  'Summary',
  'Detailed Findings',
  'Detailed Analysis',
  'Background',
  'Introduction',
  'Overview',
  'Methodology',
  'Limitations',
  'Limitations and Caveats',
  'Caveats',
  'Recommendations',
  'Conclusion',
  'Conclusions',
  'Next Steps',
  'Sources',
  'References',
];
const TOP_LEVEL = new Map(TOP_LEVEL_SECTIONS.map((name) => [name.toLowerCase(), name]));

const SMALL_WORDS = new Set(
  'a an the and or nor but of for in on at to by from with without into onto over under as per via vs vs. versus than its'.split(' '),
);

/** Upper-case-only named HTML entities: `&X;` with one of these is real text, not an artefact. */
const UPPERCASE_ENTITIES = new Set(['AMP', 'LT', 'GT', 'QUOT', 'COPY', 'REG', 'TRADE', 'ETH', 'THORN', 'ENG', 'DD']);

export interface Repairs {
  dollar: number;
  bold: number;
  entity: string[];
  h2: string[];
  h3: number;
  labelLists: number;
  numberedWithItems: number;
  numberedRuns: number;
}

export function newRepairs(): Repairs {
  return { dollar: 0, bold: 0, entity: [], h2: [], h3: 0, labelLists: 0, numberedWithItems: 0, numberedRuns: 0 };
}

/** `\$` → `$`, `****x****` / `*****x****` → `**x**`, `R&D;` → `R&D`. */
function repairInline(text: string, repairs: Repairs): string {
  let out = text.replace(/\\\$/g, () => {
    repairs.dollar++;
    return '$';
  });
  out = out.replace(/\*{4,5}(?=[^\s*])([^*\n]*?[^\s*])\*{4}(?!\*)/g, (_whole, inner: string) => {
    repairs.bold++;
    return `**${inner}**`;
  });
  // An HTML-entity pass turned "R&D" into "R&D;" (it read "&D" as an entity and closed it). Only
  // an acronym joined by "&", whose "&X;" is no real entity, followed by a lower-case word, is
  // taken for that artefact.
  out = out.replace(/\b([A-Z]{1,4})&([A-Z]{1,4});(?=[ \t]+[a-z])/g, (whole, a: string, b: string) => {
    if (UPPERCASE_ENTITIES.has(b)) return whole;
    repairs.entity.push(`${a}&${b};`);
    return `${a}&${b}`;
  });
  return out;
}

/** A short Title Case line standing alone: a heading whose "###" the export dropped. */
function isTitleLike(line: string): boolean {
  const t = line.trim();
  if (t.length < 3 || t.length > 90) return false;
  if (!/^[\p{Lu}\p{N}]/u.test(t)) return false;
  if (/^\d+[.)](\s|$)/.test(t)) return false;
  if (/[.:;,!]$/.test(t)) return false;
  if (/\*\*|__|`|\]\(|https?:|<|>|\|/.test(t)) return false;
  const words = t.split(/\s+/);
  if (words.length > 12) return false;
  if ((t.match(/\p{L}/gu) ?? []).length < 2) return false;
  return words.every((word, k) => {
    const bare = word.replace(/^[("'“‘[]+/, '');
    if (!/\p{L}/u.test(bare)) return true;
    if (k > 0 && SMALL_WORDS.has(bare.toLowerCase())) return true;
    return /^[\p{Lu}\p{N}]/u.test(bare);
  });
}

function splitDashItems(rest: string): string[] | undefined {
  const items = rest.split(' - ').map((x) => x.trim());
  return items.length >= 2 && items.every((x) => x.length > 0) ? items : undefined;
}

interface LineOut {
  text: string;
  /** Ends with a bullet list that a following plain line must not run into. */
  list: boolean;
}

/**
 * Splits the export's flattened lists, only where the pattern is unambiguous:
 * - `N. **Title** - a - b` (two or more items) → the numbered item with a nested `-` list;
 * - `**Label:** - a - b` (two or more items) → the label, then a `-` list;
 * - `Label: a - b - c` (a short Title-ish label, three or more items) → the label, then a list.
 */
function splitFlattenedList(line: string, repairs: Repairs): LineOut {
  let m = /^(\d+[.)])\s+(\*\*[^*\n]+?\*\*:?)\s+-\s+(.+)$/.exec(line);
  if (m) {
    const items = splitDashItems(m[3]);
    if (items) {
      repairs.numberedWithItems++;
      const indent = ' '.repeat(m[1].length + 1);
      return { text: [`${m[1]} ${m[2]}`, ...items.map((x) => `${indent}- ${x}`)].join('\n'), list: true };
    }
  }
  m = /^(\*\*[^*\n]+?:\*\*|\*\*[^*\n]+?\*\*:)\s+-\s+(.+)$/.exec(line);
  if (m) {
    const items = splitDashItems(m[2]);
    if (items) {
      repairs.labelLists++;
      return { text: `${m[1]}\n\n${items.map((x) => `- ${x}`).join('\n')}`, list: true };
    }
  }
  m = /^([\p{Lu}\p{N}][^*:\n]{0,60}):\s+(.+)$/u.exec(line);
  if (m && !/^\d+[.)]\s/.test(m[1]) && !/\.\s/.test(m[1]) && m[1].split(/\s+/).length <= 8) {
    const items = splitDashItems(m[2]);
    if (items && items.length >= 3) {
      repairs.labelLists++;
      return { text: `${m[1]}:\n\n${items.map((x) => `- ${x}`).join('\n')}`, list: true };
    }
  }
  return { text: line, list: false };
}

/** `1. **A**: … 2. **B**: … 3. **C**: …` on one line → one numbered item per line. */
function splitNumberedRun(line: string, repairs: Repairs): string[] {
  if (!/^1\.\s+\*\*/.test(line)) return [line];
  const items: string[] = [];
  let start = 0;
  let n = 2;
  for (;;) {
    const re = new RegExp(`\\s${n}\\.\\s+(?=\\*\\*)`, 'g');
    re.lastIndex = start;
    const m = re.exec(line);
    if (!m) break;
    items.push(line.slice(start, m.index).trim());
    start = m.index + 1;
    n++;
  }
  if (items.length === 0) return [line];
  items.push(line.slice(start).trim());
  repairs.numberedRuns++;
  return items;
}

export interface Block {
  text: string;
  /** Set for headings: the level and the heading's text. */
  heading?: { level: 2 | 3; name: string };
}

/** Turns the export's analysis text into markdown blocks, repairing what the export broke. */
export function restoreMarkdown(lines: string[], repairs: Repairs): Block[] {
  const raw: string[][] = [];
  let current: string[] = [];
  for (const line of lines) {
    if (isBlank(line)) {
      if (current.length) raw.push(current);
      current = [];
    } else current.push(line);
  }
  if (current.length) raw.push(current);

  return raw.map((blockLines): Block => {
    const repaired = blockLines.map((l) => repairInline(l, repairs));
    if (repaired.length === 1) {
      const only = repaired[0].trim();
      if (/^#{1,6}\s/.test(only)) {
        const level = /^#+/.exec(only)![0].length;
        return { text: only, heading: { level: level <= 2 ? 2 : 3, name: only.replace(/^#+\s*/, '') } };
      }
      const known = TOP_LEVEL.get(only.toLowerCase());
      if (known) {
        repairs.h2.push(only);
        return { text: `## ${only}`, heading: { level: 2, name: only } };
      }
      if (isTitleLike(only)) {
        repairs.h3++;
        return { text: `### ${only}`, heading: { level: 3, name: only } };
      }
    }
    const outs = repaired.flatMap((l) => splitNumberedRun(l, repairs)).map((l) => splitFlattenedList(l, repairs));
    let text = '';
    outs.forEach((o, k) => {
      if (k > 0) text += outs[k - 1].list && !/^\s*(\d+[.)]|[-*+])\s/.test(o.text) ? '\n\n' : '\n';
      text += o.text;
    });
    return { text };
  });
}

export function mergeRepairs(into: Repairs, from: Repairs): void {
  into.dollar += from.dollar;
  into.bold += from.bold;
  into.entity.push(...from.entity);
  into.h2.push(...from.h2);
  into.h3 += from.h3;
  into.labelLists += from.labelLists;
  into.numberedWithItems += from.numberedWithItems;
  into.numberedRuns += from.numberedRuns;
}

export function repairNotes(repairs: Repairs): string[] {
  const notes: string[] = [];
  const times = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  if (repairs.dollar) notes.push(`Markdown: ${times(repairs.dollar, '"\\$" escape', '"\\$" escapes')} turned back into "$".`);
  if (repairs.bold) {
    notes.push(
      `Markdown: ${times(repairs.bold, 'bold marker', 'bold markers')} written as "****text****" or "*****text****" repaired to "**text**".`,
    );
  }
  if (repairs.h2.length || repairs.h3) {
    const parts: string[] = [];
    if (repairs.h2.length) parts.push(`"##" on ${times(repairs.h2.length, 'known section name', 'known section names')} (${repairs.h2.join(', ')})`);
    if (repairs.h3) parts.push(`"###" on ${times(repairs.h3, 'short Title Case line', 'short Title Case lines')} standing alone between blank lines`);
    notes.push(`Markdown: heading markers the export dropped were restored — ${parts.join(' and ')}.`);
  }
  const lists = repairs.labelLists + repairs.numberedWithItems;
  if (lists) {
    notes.push(
      `Markdown: ${times(lists, 'bullet list', 'bullet lists')} the export had flattened onto one line ("Label: item - item - item") split into "-" items.`,
    );
  }
  if (repairs.numberedRuns) {
    notes.push(
      `Markdown: ${times(repairs.numberedRuns, 'run', 'runs')} of numbered items written on one line ("1. **A**: … 2. **B**: …") split into one item per line.`,
    );
  }
  if (repairs.entity.length) {
    const kinds = [...new Set(repairs.entity)].map((e) => `"${e}" → "${e.slice(0, -1)}"`).join(', ');
    notes.push(
      `Markdown: ${kinds} (${times(repairs.entity.length, 'place', 'places')}) — a stray ";" an HTML-entity pass had appended to an ampersand acronym.`,
    );
  }
  return notes;
}

export const joinBlocks = (blocks: Block[]): string => blocks.map((b) => b.text).join('\n\n');
