// A fetched body → the page's main text, as blocks (paragraphs) under their nearest heading.
//
// HTML goes through Mozilla's Readability (the Firefox Reader View engine) on a linkedom DOM.
// linkedom builds a DOM and nothing else: it has no script engine, loads no resources and fires no
// events, so `<script>`, `onerror=` and the like stay inert nodes that are dropped, and text that
// looks like code or MDX (`{process.exit()}`, `<Component/>`) is only ever a string. PDFs go through
// unpdf (PDF.js), with eval off. Plain text is split at blank lines.
//
// A page can arrive whole and still have nothing to read: an app shell that needs JavaScript, a
// paywall stub. Those are told apart here and end as a ReadFailure, so the snippet is used instead.
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { squash } from '#core/text-analysis.ts';
import { ReadFailure } from './failure.ts';
import type { PageKind } from './fetch.ts';

export interface Block {
  text: string;
  /** The nearest heading above it (for a PDF, `page N`). */
  heading?: string;
}

export interface PageDocument {
  kind: PageKind | 'provided';
  title?: string;
  blocks: Block[];
  /** Characters of main text. */
  chars: number;
}

/** Less main text than this is not an article (a stub, an error page, a shell). */
export const MIN_TEXT_CHARS = 200;
/** An app shell shows less than this without its scripts. */
const SHELL_MAX_CHARS = 500;
/** A paywalled page shows at most a teaser this long. */
const PAYWALL_MAX_CHARS = 1500;
/** Readability gives up (throws) past this many elements, which bounds its time on a huge page. */
const MAX_ELEMENTS = 40_000;
/** Pages of a PDF read at most: the text layer of a long report's first pages is plenty. */
const MAX_PDF_PAGES = 60;

export async function extract(body: Uint8Array, mediaType: string, charset?: string): Promise<PageDocument> {
  const kind = pageKindOf(body, mediaType);
  if (kind === 'pdf') return extractPdf(body);
  const text = decode(body, charset ?? (kind === 'html' ? metaCharset(body) : undefined));
  return kind === 'html' ? extractHtml(text) : extractPlain(text, 'text');
}

/** The kind from the media type; an unlabelled body is sniffed (PDF magic number, else markup or text). */
function pageKindOf(body: Uint8Array, mediaType: string): PageKind {
  if (mediaType === 'application/pdf') return 'pdf';
  if (mediaType === 'text/plain') return 'text';
  if (mediaType) return 'html';
  const head = Buffer.from(body.subarray(0, 512)).toString('latin1');
  if (head.startsWith('%PDF-')) return 'pdf';
  return /^\s*(?:<!doctype html|<html|<head|<body|<!--)/i.test(head) ? 'html' : 'text';
}

function decode(body: Uint8Array, charset?: string): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(body);
  } catch {
    // An unknown charset label: UTF-8 with replacement characters beats no text.
    return new TextDecoder('utf-8').decode(body);
  }
}

/** `<meta charset>` or its http-equiv form, from the first bytes, as browsers look for it. */
function metaCharset(body: Uint8Array): string | undefined {
  const head = Buffer.from(body.subarray(0, 2048)).toString('latin1');
  return /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1];
}

// ── HTML ─────────────────────────────────────────────────────────────────────────────────────────

/** Never the text a reader came for. */
const SKIP_ALWAYS = new Set(['script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'embed', 'canvas', 'form', 'button', 'select', 'textarea', 'input', 'dialog']);
/** Page furniture, skipped when Readability found no article and the whole body is walked. */
const SKIP_FURNITURE = new Set([...SKIP_ALWAYS, 'nav', 'header', 'footer', 'aside', 'menu']);
const BLOCK_TAGS = new Set([
  'address', 'article', 'blockquote', 'body', 'caption', 'dd', 'details', 'div', 'dl', 'dt', 'figcaption', 'figure', 'footer', 'header', 'hr', 'li', 'main',
  'ol', 'p', 'pre', 'section', 'summary', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul', 'br', 'aside', 'nav',
]);
/** A block mostly made of link text is a menu or a list of other stories. */
const MAX_LINK_DENSITY = 0.6;

const JS_REQUIRED = /enable javascript|javascript (?:is )?(?:required|disabled|needed|must be enabled)|requires? javascript|turn on javascript|without javascript|javascript to run this app|browser (?:does not|doesn't) support javascript/i;
const APP_ROOTS = ['#root', '#app', '#__next', '#__nuxt', '#svelte', '[data-reactroot]', 'app-root'];
const PAYWALL =
  /subscribe (?:now )?to (?:continue|keep|read)|subscribers? only|for (?:paid |premium )?subscribers|already a (?:subscriber|member)|to continue reading|continue reading with a|sign in to (?:continue|read)|create a free account to (?:continue|read)|this (?:article|story|content) is (?:for|available to|exclusive to) (?:paid |premium )?(?:subscribers|members)|unlock (?:this|full) (?:article|story|access)|class=["'][^"']*\bpaywall|"isAccessibleForFree"\s*:\s*"?false/i;

export function extractHtml(html: string): PageDocument {
  const { document } = parseHTML(html);
  const doc = document as unknown as Document;
  // The signals of a shell or a paywall are read before Readability, which rewrites the tree.
  const body = doc.body ?? doc.documentElement;
  const visible = visibleText(body);
  const pageTitle = squash(doc.title ?? '') || undefined;
  const scriptCount = doc.querySelectorAll('script').length;
  const emptyRoot = APP_ROOTS.some((selector) => {
    const el = doc.querySelector(selector);
    return el !== null && squash(el.textContent ?? '').length === 0;
  });
  const noscript = [...doc.querySelectorAll('noscript')].map((n) => n.textContent ?? '').join(' ');

  let article: ReturnType<Readability<Node>['parse']> = null;
  try {
    article = new Readability<Node>(doc, { serializer: (node) => node, maxElemsToParse: MAX_ELEMENTS }).parse();
  } catch {
    // Too many elements, or a tree Readability cannot score: walk the body instead (below).
  }
  let blocks = article?.content ? blocksOf(article.content, SKIP_ALWAYS) : [];
  if (chars(blocks) < MIN_TEXT_CHARS) blocks = blocksOf(parseHTML(html).document.body as unknown as Node, SKIP_FURNITURE);
  const title = squash(article?.title ?? '') || pageTitle;
  const total = chars(blocks);

  if (total < PAYWALL_MAX_CHARS && PAYWALL.test(html)) {
    throw new ReadFailure('it is behind a paywall: only a teaser and a subscription prompt', { lasting: true });
  }
  if (visible.length < SHELL_MAX_CHARS && total < SHELL_MAX_CHARS && (JS_REQUIRED.test(`${noscript} ${visible}`) || emptyRoot || scriptCount >= 3)) {
    throw new ReadFailure('it needs JavaScript to show its text, and scripts are never run here', { lasting: true });
  }
  if (total < MIN_TEXT_CHARS) throw new ReadFailure(`it has almost no readable text, ${total} characters`, { lasting: true });
  return { kind: 'html', title, blocks, chars: total };
}

/** The text a reader would see in `root`, without scripts, styles and hidden nodes. */
function visibleText(root: Node | null): string {
  return root ? squash(blocksOf(root, SKIP_ALWAYS, false).map((b) => b.text).join(' ')) : '';
}

/**
 * Paragraph-level blocks in document order, each with the heading above it. Inline text is
 * gathered until the next block boundary; a heading starts a new section.
 */
function blocksOf(root: Node, skip: ReadonlySet<string>, dropLinkLists = true): Block[] {
  const blocks: Block[] = [];
  let heading: string | undefined;
  let buffer = '';
  let linkChars = 0;
  const flush = () => {
    const text = squash(buffer);
    const links = linkChars;
    buffer = '';
    linkChars = 0;
    if (!text) return;
    if (dropLinkLists && links / text.length > MAX_LINK_DENSITY) return;
    blocks.push(heading ? { text, heading } : { text });
  };
  const walk = (node: Node, inLink: boolean) => {
    if (node.nodeType === 3) {
      const text = node.textContent ?? '';
      buffer += text;
      if (inLink) linkChars += squash(text).length;
      return;
    }
    if (node.nodeType !== 1 && node.nodeType !== 9 && node.nodeType !== 11) return;
    const el = node as Element;
    const tag = (el.localName ?? el.tagName ?? '').toLowerCase();
    if (skip.has(tag) || (node.nodeType === 1 && hidden(el))) return;
    if (/^h[1-6]$/.test(tag)) {
      flush();
      heading = squash(el.textContent ?? '') || heading;
      return;
    }
    const block = BLOCK_TAGS.has(tag);
    if (block) flush();
    else buffer += ' ';
    for (const child of Array.from(node.childNodes)) walk(child, inLink || tag === 'a');
    if (block) flush();
    else buffer += ' ';
  };
  walk(root, false);
  flush();
  return blocks;
}

function hidden(el: Element): boolean {
  if (el.hasAttribute?.('hidden') || el.getAttribute?.('aria-hidden') === 'true') return true;
  return /display\s*:\s*none|visibility\s*:\s*hidden/i.test(el.getAttribute?.('style') ?? '');
}

function chars(blocks: Block[]): number {
  return blocks.reduce((sum, b) => sum + b.text.length, 0);
}

// ── PDF ──────────────────────────────────────────────────────────────────────────────────────────

async function extractPdf(body: Uint8Array): Promise<PageDocument> {
  // Loaded on the first PDF only: PDF.js is large and most runs read none.
  const { getDocumentProxy } = await import('unpdf');
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // isEvalSupported off: PDF.js would otherwise compile font programs into functions at run time
    // (the path of CVE-2024-4367). A copy, because PDF.js takes ownership of the buffer it gets.
    // Verbosity 0: errors only; a hostile file's warnings are not worth the run log's lines.
    pdf = await getDocumentProxy(new Uint8Array(body), { isEvalSupported: false, useSystemFonts: false, disableFontFace: true, stopAtErrors: false, verbosity: 0 });
  } catch (error) {
    throw new ReadFailure('it is not a PDF that can be opened', { lasting: true, cause: error });
  }
  try {
    const blocks: Block[] = [];
    for (let n = 1; n <= Math.min(pdf.numPages, MAX_PDF_PAGES); n++) {
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items) if ('str' in item) text += item.str + (item.hasEOL ? '\n' : '');
      // Words hyphenated across lines are joined again; the page's paragraphs come from passages.ts.
      const clean = squash(text.replace(/(\p{L})-\n(\p{L})/gu, '$1$2'));
      if (clean) blocks.push({ text: clean, heading: `page ${n}` });
    }
    const info = (await pdf.getMetadata().catch(() => undefined))?.info as { Title?: unknown } | undefined;
    const title = typeof info?.Title === 'string' ? squash(info.Title) || undefined : undefined;
    const total = chars(blocks);
    if (total < MIN_TEXT_CHARS) throw new ReadFailure(`it is a PDF with almost no text, ${total} characters: perhaps scanned pages`, { lasting: true });
    return { kind: 'pdf', title, blocks, chars: total };
  } finally {
    await pdf.destroy().catch(() => {});
  }
}

// ── Plain text (and page text a search provider already gave) ────────────────────────────────────

/** Text split at blank lines; a Markdown heading line (`## Costs`) heads what follows it. */
export function extractPlain(text: string, kind: 'text' | 'provided'): PageDocument {
  const blocks: Block[] = [];
  let heading: string | undefined;
  for (const part of text.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    const lines = part.split('\n');
    const rest: string[] = [];
    for (const line of lines) {
      const m = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
      if (m) {
        if (rest.length) blocks.push(blockOf(rest.join(' '), heading));
        rest.length = 0;
        heading = squash(m[1]!);
      } else rest.push(line);
    }
    if (squash(rest.join(' '))) blocks.push(blockOf(rest.join(' '), heading));
  }
  const total = chars(blocks);
  if (total < MIN_TEXT_CHARS) throw new ReadFailure(`it has almost no readable text, ${total} characters`, { lasting: true });
  return { kind, blocks, chars: total };
}

function blockOf(text: string, heading?: string): Block {
  return heading ? { text: squash(text), heading } : { text: squash(text) };
}
