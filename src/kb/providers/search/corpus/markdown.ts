// Markdown and plain text → blocks: headings, paragraphs, list items and table rows as plain text.
import type { Nodes as MdastNodes } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import { htmlToHast } from 'satteri';
import { phrasingText } from '#core/markdown-text.ts';
import { squash } from '#core/text-analysis.ts';
import { pushBlock, type Block } from './document.ts';
import { htmlBlocks } from './html.ts';

/** Plain text → blocks, one per paragraph (text between blank lines). */
export function textBlocks(content: string): Block[] {
  return content
    .split(/\n\s*\n/)
    .map((part) => squash(part))
    .filter(Boolean)
    .map((text) => ({ kind: 'text' as const, text }));
}

/** Markdown → blocks of plain text: headings, paragraphs, list items, table rows. Code is left out. */
export function markdownBlocks(content: string): Block[] {
  const tree = fromMarkdown(content, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  const blocks: Block[] = [];
  const visit = (node: MdastNodes) => {
    switch (node.type) {
      case 'heading':
        pushBlock(blocks, 'heading', squash(phrasingText(node)));
        return;
      case 'paragraph':
        pushBlock(blocks, 'text', squash(phrasingText(node)));
        return;
      case 'tableRow':
        pushBlock(blocks, 'text', node.children.map((cell) => squash(phrasingText(cell))).filter(Boolean).join('; '));
        return;
      case 'html':
        for (const block of htmlBlocks(htmlToHast(node.value, { fragment: true }))) blocks.push(block);
        return;
      case 'code':
      case 'yaml':
      case 'definition':
      case 'thematicBreak':
        return;
      default:
        if ('children' in node) for (const child of node.children) visit(child as MdastNodes);
    }
  };
  visit(tree);
  return blocks;
}
