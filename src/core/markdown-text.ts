// Markdown → the text a reader sees, block by block. The tree comes from Sätteri, the native parser
// that renders the pages (as in grounding/claims.ts): it is fast enough for every session of a
// large knowledge base, and links with parentheses, reference links, footnotes, `_em_`, `~~del~~`,
// entities and a literal `2*3` come out exactly as the page shows them.
import type { Nodes, Parents } from 'mdast';
import { toString } from 'mdast-util-to-string';
import { markdownToMdast } from 'satteri';
import { squash } from './text-analysis.ts';

export interface TextBlock {
  /** `footnote` is a paragraph of a footnote's text, which is not part of the running prose. */
  type: 'heading' | 'paragraph' | 'tableRow' | 'code' | 'footnote';
  /** White space collapsed; a table row's cells are joined with ` | `. */
  text: string;
  /** On the first block of a list item or footnote: `3.`, `-`, `[1]`. */
  marker?: string;
}

const PARSE = { features: { gfm: true, frontmatter: false }, position: false } as const;
const SKIP = new Set(['html', 'definition', 'thematicBreak', 'yaml', 'math']);

/** The blocks of a markdown text that hold text, in reading order. */
export function textBlocks(markdown: string): TextBlock[] {
  const tree = markdownToMdast(markdown, PARSE) as Nodes;
  spaceBreaks(tree);
  const blocks: TextBlock[] = [];
  const push = (type: TextBlock['type'], text: string) => {
    if (text) blocks.push({ type, text });
  };
  const walk = (node: Nodes, inNote: boolean) => {
    if (SKIP.has(node.type)) return;
    switch (node.type) {
      case 'heading':
        return push('heading', inline(node));
      case 'paragraph':
        return push(inNote ? 'footnote' : 'paragraph', inline(node));
      case 'code':
        return push('code', squash(node.value));
      case 'tableRow':
        return push('tableRow', node.children.map(inline).filter(Boolean).join(' | '));
      case 'list':
        node.children.forEach((item, i) => marked(blocks, node.ordered ? `${(node.start ?? 1) + i}.` : '-', () => walk(item, inNote)));
        return;
      case 'footnoteDefinition':
        marked(blocks, `[${node.label ?? node.identifier}]`, () => node.children.forEach((c) => walk(c, true)));
        return;
    }
    if ('children' in node) for (const child of (node as Parents).children) walk(child as Nodes, inNote);
  };
  walk(tree, false);
  return blocks;
}

function marked(blocks: TextBlock[], marker: string, walk: () => void) {
  const first = blocks.length;
  walk();
  if (blocks[first]) blocks[first].marker = marker;
}

// Inline HTML is markup, not text; an image reads as its alt text, as on the page.
function inline(node: Nodes): string {
  return squash(toString(node, { includeHtml: false }));
}

// mdast-util-to-string gives a hard line break no text, which would glue the words either side.
function spaceBreaks(node: Nodes) {
  if (!('children' in node)) return;
  const children = node.children as Nodes[];
  children.forEach((child, i) => (child.type === 'break' ? (children[i] = { type: 'text', value: ' ' }) : spaceBreaks(child)));
}

/**
 * The text of inline content as the page shows it: alt text for an image, a space for a hard
 * break. Raw HTML is shown by the page as literal text (`literal`, what claims are checked
 * against), or is markup to leave out (`drop`, for documents read as sources).
 */
export function phrasingText(node: Nodes, html: 'literal' | 'drop' = 'drop'): string {
  if (node.type === 'text' || node.type === 'inlineCode') return node.value;
  if (node.type === 'break') return ' ';
  if (node.type === 'image') return node.alt ?? '';
  if (node.type === 'html') return html === 'literal' ? node.value : '';
  if ('children' in node) return (node as Parents).children.map((c) => phrasingText(c as Nodes, html)).join('');
  return '';
}
