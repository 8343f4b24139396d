// The corpus document model: a file read as a title, its metadata and plain-text blocks, and
// the helpers every format's parser (markdown, text, HTML) shares.
import path from 'node:path';
import { squash } from '#core/text-analysis.ts';

/** A parsed corpus document before it is cut into passages. */
export interface CorpusDocument {
  /** Path relative to the corpus folder, with `/` separators. */
  file: string;
  title: string;
  url?: string;
  source?: string;
  publishedAt?: string;
  blocks: Block[];
}

export interface Block {
  kind: 'heading' | 'text';
  text: string;
}

/** YAML reads `2025-03-01` as a Date; either way the result is an ISO date (or date-time). */
export function normaliseDate(value: unknown): string | undefined {
  let date: Date | undefined;
  if (value instanceof Date) date = value;
  else if (typeof value === 'string' && value.trim()) {
    const trimmed = value.trim();
    if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed) && !Number.isNaN(Date.parse(trimmed))) return trimmed;
    date = new Date(trimmed);
  }
  if (!date || Number.isNaN(date.getTime())) return undefined;
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('.000Z', 'Z');
}

/** A title made from the file name: `rare-earths.md` → "Rare earths". */
export function titleFromFile(file: string): string {
  const base = path.posix.basename(file).replace(/\.[^.]+$/, '').replace(/[-_]+/g, ' ').trim();
  return base ? base.charAt(0).toUpperCase() + base.slice(1) : file;
}

/** Adds a block of squashed text, unless it is empty. */
export function pushBlock(blocks: Block[], kind: Block['kind'], text: string) {
  const clean = squash(text);
  if (clean) blocks.push({ kind, text: clean });
}
