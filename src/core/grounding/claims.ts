// Markdown → claims. A claim is a sentence or a list item of the summary or the analysis; headings
// and code are never claims. The markdown is parsed into mdast (with GFM) by Sätteri, the same
// native parser that renders the page — fast enough for 10,000 sessions at build time, and it
// reads emphasis, links and escapes ("\$") exactly as the page will show them.
//
// Each block of prose (a paragraph, a tight list item's text, a table cell) is kept with its text,
// and each claim with its offsets into that text. The page needs both: the render-time plugin
// finds the same block in the rendered HTML by its text and marks figures at the same places.
import type { Nodes, Parents } from 'mdast';
import { markdownToMdast } from 'satteri';
import { phrasingText } from '#core/markdown-text.ts';
import { splitSentences, squash } from '#core/text-analysis.ts';

export type Part = 'summary' | 'analysis';

export interface Block {
  part: Part;
  /** The block's text as a reader sees it, white space collapsed. */
  text: string;
  claims: ClaimSpan[];
}

export interface ClaimSpan {
  /** Offsets into the block's `text`. */
  start: number;
  end: number;
  text: string;
}

const SKIP = new Set(['heading', 'code', 'html', 'definition', 'thematicBreak', 'yaml', 'math']);
const BLOCK = new Set(['paragraph', 'tableCell']);

const PARSE = { features: { gfm: true, frontmatter: false }, position: false } as const;

/** The prose blocks of a markdown text, in reading order, each with its claims. */
export function extractBlocks(markdown: string | undefined, part: Part): Block[] {
  if (!markdown?.trim()) return [];
  const tree = markdownToMdast(markdown, PARSE) as Nodes;
  const blocks: Block[] = [];
  const walk = (node: Nodes) => {
    if (SKIP.has(node.type)) return;
    if (BLOCK.has(node.type)) {
      const text = squash(phrasingText(node, 'literal'));
      if (text) blocks.push({ part, text, claims: splitClaims(text) });
      return;
    }
    if ('children' in node) for (const child of (node as Parents).children) walk(child as Nodes);
  };
  walk(tree);
  return blocks;
}

// A sentence that holds two or more " - " is a flattened list ("Market: ~90% of refining - 94% of
// magnets - controls heavy rare earths"), as report exports write them: each item is a claim.
const INLINE_ITEM = / - (?=\S)/g;

/** Splits a block's text into claims: sentences, and the items of a flattened list. */
export function splitClaims(text: string): ClaimSpan[] {
  const spans: ClaimSpan[] = [];
  let cursor = 0;
  for (const sentence of splitSentences(text)) {
    const at = text.indexOf(sentence, cursor);
    if (at < 0) continue;
    cursor = at + sentence.length;
    const separators = [...sentence.matchAll(INLINE_ITEM)];
    const pieces: Array<[number, number]> = [];
    if (separators.length >= 2) {
      let from = 0;
      for (const m of separators) {
        pieces.push([from, m.index]);
        from = m.index + 3;
      }
      pieces.push([from, sentence.length]);
    } else pieces.push([0, sentence.length]);
    for (const [from, to] of pieces) {
      const piece = sentence.slice(from, to);
      const lead = piece.length - piece.trimStart().length;
      const trimmed = piece.trim();
      if (!isClaim(trimmed)) continue;
      spans.push({ start: at + from + lead, end: at + from + lead + trimmed.length, text: trimmed });
    }
  }
  return spans;
}

/** Labels ("Data Constraints", "Three Key Findings:") and scraps are not claims. */
function isClaim(text: string): boolean {
  const words = text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
  if (words.length < 3) return false;
  if (/:$/.test(text) && words.length <= 6) return false;
  return true;
}
