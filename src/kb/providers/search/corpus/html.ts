// HTML → a corpus document: visible text as blocks, and title, url, source and date from the head,
// parsed with a real (HTML5-conformant, forgiving) parser.
import { htmlToHast } from 'satteri';
import { squash } from '#core/text-analysis.ts';
import { normaliseDate, pushBlock, titleFromFile, type Block, type CorpusDocument } from './document.ts';

interface HastLike {
  type: string;
  tagName?: string;
  value?: string;
  properties?: Record<string, unknown>;
  children?: HastLike[];
}

/** Never visible text: scripts, styles, embedded objects, forms, page furniture. */
const SKIP_TAGS = new Set([
  'script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'embed', 'canvas', 'head', 'nav', 'form', 'button', 'select',
  'textarea', 'input', 'dialog', 'header', 'footer',
]);
const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'caption', 'dd', 'details', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure', 'footer',
  'header', 'hr', 'li', 'main', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'tbody', 'tfoot', 'thead', 'tr', 'ul', 'br',
]);
const HEADING_TAGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);

export function parseHtml(file: string, text: string): CorpusDocument {
  const root = htmlToHast(text) as unknown as HastLike;
  const find = (node: HastLike, tag: string): HastLike | undefined => {
    if (node.tagName === tag) return node;
    if (node.type === 'element' && tag !== 'head' && tag !== 'body' && SKIP_TAGS.has(node.tagName ?? '') && !['head', 'header'].includes(node.tagName ?? '')) return undefined;
    for (const child of node.children ?? []) {
      const found = find(child, tag);
      if (found) return found;
    }
    return undefined;
  };
  const head = find(root, 'head');
  const body = find(root, 'body') ?? root;

  const meta: Record<string, string> = {};
  let canonical: string | undefined;
  for (const node of head?.children ?? []) {
    const props = node.properties ?? {};
    if (node.tagName === 'meta') {
      const name = String(props.name ?? props.property ?? '').toLowerCase();
      if (name && typeof props.content === 'string' && !(name in meta)) meta[name] = props.content;
    } else if (node.tagName === 'link' && Array.isArray(props.rel) && props.rel.includes('canonical') && typeof props.href === 'string') {
      canonical = props.href;
    }
  }
  const titleNode = head ? find(head, 'title') : undefined;
  const h1 = find(body, 'h1');
  const blocks = htmlBlocks(body);
  const title = squash(textOf(titleNode)) || meta['og:title'] || squash(textOf(h1)) || undefined;
  // The page's own title repeated as a heading is not content.
  const repeated = blocks.findIndex((b) => b.kind === 'heading' && b.text === title);
  if (repeated >= 0) blocks.splice(repeated, 1);
  const timeNode = find(body, 'time');
  const url = canonical ?? meta['og:url'] ?? meta.url;
  return {
    file,
    title: title ? squash(title) : titleFromFile(file),
    url: url ? squash(url) : undefined,
    source: meta.source ?? meta['og:site_name'],
    publishedAt: normaliseDate(meta.publishedat ?? meta['article:published_time'] ?? meta.date ?? timeNode?.properties?.dateTime),
    blocks,
  };
}

function textOf(node: HastLike | undefined): string {
  if (!node) return '';
  if (node.type === 'text') return node.value ?? '';
  if (node.type === 'element' && SKIP_TAGS.has(node.tagName ?? '') && !['head', 'header'].includes(node.tagName ?? '')) return '';
  return (node.children ?? []).map(textOf).join('');
}

/** Visible text as blocks: block-level elements end a block; headings are their own blocks. */
export function htmlBlocks(root: HastLike): Block[] {
  const blocks: Block[] = [];
  let buffer = '';
  const flush = () => {
    pushBlock(blocks, 'text', buffer);
    buffer = '';
  };
  const visit = (node: HastLike) => {
    if (node.type === 'text') {
      buffer += node.value ?? '';
      return;
    }
    if (node.type !== 'element' && node.type !== 'root') return;
    const tag = node.tagName ?? '';
    if (SKIP_TAGS.has(tag)) return;
    if (HEADING_TAGS.has(tag)) {
      flush();
      pushBlock(blocks, 'heading', textOf(node));
      return;
    }
    const block = BLOCK_TAGS.has(tag);
    if (block) flush();
    if (tag === 'td' || tag === 'th') buffer += ' ';
    for (const child of node.children ?? []) visit(child);
    if (tag === 'td' || tag === 'th') buffer += ';';
    if (block) flush();
  };
  visit(root);
  flush();
  // Table rows arrive as "a; b; c;" — tidy the trailing separator.
  return blocks.map((b) => ({ ...b, text: b.text.replace(/\s*;\s*$/, '').replace(/\s+;/g, ';') }));
}
