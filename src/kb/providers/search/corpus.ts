// The offline search provider: BM25 full-text search (MiniSearch) over a local corpus of
// documents (`<content>/corpus/`: .md, .txt, .html) and over the results already stored in
// earlier sessions. No key, no network, and the same answer for the same files every time.
import matter from 'gray-matter';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Nodes as MdastNodes } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import MiniSearch, { type SearchResult } from 'minisearch';
import { htmlToHast } from 'satteri';
import { listSessions } from '#kb/store/store.ts';
import type { Result } from '#core/session.ts';
import { clip, compareStrings, contentTerms, isStopWord, normaliseTerm, splitSentences, squash, wordCount, wordTokens } from '#core/text-analysis.ts';
import type { SearchOptions, SearchProvider } from '#kb/providers/types.ts';

export interface CorpusSearchOptions {
  /** The knowledge base folder: documents are read from `<contentDir>/corpus/`, stored sessions from `<contentDir>/briefings/`. */
  contentDir: string;
  /** Include the results of stored sessions in the index (default true). */
  includeSessions?: boolean;
  /** Told about files that were skipped (unreadable, too large, bad frontmatter). Default: console.warn. */
  onWarning?: (message: string) => void;
}

/** Snippets are cut to about this many characters. */
export const SNIPPET_MAX = 400;
/** Passages are paragraph groups of roughly this many words. */
const PASSAGE_MIN_WORDS = 60;
const PASSAGE_MAX_WORDS = 120;
/** Files larger than this are not indexed (a corpus is prose, not data dumps). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** Hits scoring below this share of the best hit are noise from single common words. */
const RELATIVE_SCORE_FLOOR = 0.05;
/** Hits must match query words carrying at least this share of the query's IDF weight. */
const MIN_COVERAGE = 0.35;

const EXTENSIONS = new Set(['.md', '.markdown', '.txt', '.html', '.htm']);

/** One indexed unit: a passage of a corpus document, or one stored session result. */
interface Passage {
  /** Insertion order: the index is built in a fixed order, so this breaks score ties stably. */
  id: number;
  kind: 'corpus' | 'session';
  /** Results with the same key are the same source: only the best one is returned. */
  key: string;
  title: string;
  heading: string;
  text: string;
  url?: string;
  source: string;
  publishedAt?: string;
}

/** A parsed corpus document before it is cut into passages. */
interface CorpusDocument {
  /** Path relative to the corpus folder, with `/` separators. */
  file: string;
  title: string;
  url?: string;
  source?: string;
  publishedAt?: string;
  blocks: Block[];
}

interface Block {
  kind: 'heading' | 'text';
  text: string;
}

export async function createCorpusSearch(options: CorpusSearchOptions): Promise<SearchProvider> {
  const warn = options.onWarning ?? ((message: string) => console.warn(`corpus search: ${message}`));
  const passages: Passage[] = [];
  const add = (passage: Omit<Passage, 'id'>) => passages.push({ ...passage, id: passages.length });

  for (const doc of await loadCorpus(path.join(options.contentDir, 'corpus'), warn)) {
    const source = doc.source ?? hostOf(doc.url) ?? `corpus/${doc.file}`;
    const key = doc.url ? urlKey(doc.url) : `corpus:${doc.file}`;
    for (const chunk of toPassages(doc.blocks)) {
      add({ kind: 'corpus', key, title: doc.title, heading: chunk.heading, text: chunk.text, url: doc.url, source, publishedAt: doc.publishedAt });
    }
  }

  if (options.includeSessions ?? true) {
    const seen = new Set<string>();
    for (const { session } of await listSessions(options.contentDir)) {
      for (const step of session.steps) {
        for (const result of step.results) {
          const snippet = squash(result.snippet ?? '');
          const title = squash(result.title);
          if (!snippet && !result.url) continue;
          const key = result.url ? urlKey(result.url) : `result:${title}\n${snippet}`;
          // The same result stored by several sessions is indexed once (the newest copy).
          const identity = `${key}\n${snippet.toLowerCase()}`;
          if (seen.has(identity)) continue;
          seen.add(identity);
          add({
            kind: 'session',
            key,
            title,
            heading: '',
            text: snippet,
            url: result.url,
            source: result.source ?? hostOf(result.url) ?? '',
            publishedAt: result.publishedAt,
          });
        }
      }
    }
  }

  const index = new MiniSearch<Passage>({
    idField: 'id',
    fields: ['title', 'heading', 'text'],
    tokenize: (text) => wordTokens(text),
    processTerm: (term) => (isStopWord(term) ? null : normaliseTerm(term) || null),
    searchOptions: {
      boost: { title: 2.5, heading: 1.5, text: 1 },
      // Light matching: prefix for words of 4+ letters, one edit for words of 6+ letters.
      prefix: (term) => term.length >= 4,
      fuzzy: (term) => (term.length >= 6 ? 0.2 : false),
      maxFuzzy: 2,
      weights: { fuzzy: 0.3, prefix: 0.5 },
      combineWith: 'OR',
    },
  });
  index.addAll(passages);

  // Document frequency of every indexed term, for the coverage test below.
  const documentFrequency = new Map<string, number>();
  for (const passage of passages) {
    for (const term of new Set(indexTerms(`${passage.title} ${passage.heading} ${passage.text}`))) {
      documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
    }
  }
  const idf = (term: string) => Math.log(1 + passages.length / ((documentFrequency.get(term) ?? 0) + 1));

  return {
    name: 'corpus',
    async search(query: string, searchOptions: SearchOptions): Promise<Result[]> {
      searchOptions.signal?.throwIfAborted();
      const max = Math.max(0, Math.trunc(searchOptions.maxResults));
      if (max === 0 || passages.length === 0) return [];
      const queryTerms = contentTerms(query);
      if (queryTerms.length === 0) return [];

      // A hit must cover enough of the query's weight: matching "US" and "China" but not
      // "rare earths" is a different topic. Words no passage contains do not count either way.
      const weighted = [...new Set(indexTerms(query))].filter((term) => documentFrequency.has(term));
      const totalWeight = weighted.reduce((sum, term) => sum + idf(term), 0);
      const coverage = (hit: SearchResult) => {
        if (totalWeight === 0) return 1;
        const matched = new Set(hit.queryTerms);
        return weighted.reduce((sum, term) => sum + (matched.has(term) ? idf(term) : 0), 0) / totalWeight;
      };
      // Ranking: BM25 scaled by coverage squared, so a passage that matches the topic words
      // beats one that matches many common words. Ties go to the earlier-indexed passage.
      const hits = index
        .search(query)
        .map((hit) => {
          const covered = coverage(hit);
          return { id: hit.id as number, coverage: covered, score: round(hit.score * covered ** 2) };
        })
        .filter((hit) => hit.coverage >= MIN_COVERAGE)
        .sort((a, b) => b.score - a.score || a.id - b.id);
      if (hits.length === 0) return [];
      const floor = hits[0]!.score * RELATIVE_SCORE_FLOOR;

      // Group hits by source (url, or document): the group ranks by its best hit; a corpus
      // passage stands for its group when there is one, so stored copies of the same page
      // never crowd out the corpus, and they still count when they bring a new source.
      const groups = new Map<string, { score: number; id: number; corpus?: Passage; session?: Passage }>();
      for (const hit of hits) {
        if (hit.score < floor) break;
        const passage = passages[hit.id]!;
        let group = groups.get(passage.key);
        if (!group) {
          group = { score: hit.score, id: passage.id };
          groups.set(passage.key, group);
        }
        if (passage.kind === 'corpus') group.corpus ??= passage;
        else group.session ??= passage;
      }

      const ranked = [...groups.values()].sort((a, b) => b.score - a.score || a.id - b.id);
      const results: Result[] = [];
      const snippets = new Set<string>();
      for (const group of ranked) {
        const passage = (group.corpus ?? group.session)!;
        const snippet = passage.kind === 'corpus' ? bestWindow(passage.text, queryTerms) : clip(passage.text, SNIPPET_MAX);
        const identity = squash(snippet).toLowerCase();
        if (identity && snippets.has(identity)) continue;
        snippets.add(identity);
        results.push(toResult(passage, snippet));
        if (results.length >= max) break;
      }
      return results;
    },
  };
}

/** The terms the index holds for a text (same tokenizer and term processing as MiniSearch). */
function indexTerms(text: string): string[] {
  const terms: string[] = [];
  for (const token of wordTokens(text)) {
    if (isStopWord(token)) continue;
    const term = normaliseTerm(token);
    if (term) terms.push(term);
  }
  return terms;
}

/** Scores are rounded so that ranking never depends on the last bits of a float. */
function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function toResult(passage: Passage, snippet: string): Result {
  const result: Result = { title: passage.title || passage.source || 'Untitled' };
  if (passage.url) result.url = passage.url;
  if (snippet) result.snippet = snippet;
  if (passage.source) result.source = passage.source;
  if (passage.publishedAt) result.publishedAt = passage.publishedAt;
  return result;
}

/**
 * The passage's best excerpt for the query: the run of whole sentences, at most SNIPPET_MAX
 * characters, that covers the most query terms (ties: the earliest). A single sentence longer
 * than that is cut at a word boundary.
 */
function bestWindow(text: string, queryTerms: string[]): string {
  const sentences = splitSentences(text);
  if (sentences.length === 0) return '';
  const wanted = new Set(queryTerms);
  const termsOf = sentences.map((s) => contentTerms(s));
  const matches = (term: string) => wanted.has(term) || queryTerms.some((q) => q.length >= 4 && term.startsWith(q));

  let best = { start: 0, end: 1, covered: -1, hits: -1 };
  for (let start = 0; start < sentences.length; start++) {
    let length = -1;
    const covered = new Set<string>();
    let hits = 0;
    for (let end = start; end < sentences.length; end++) {
      length += sentences[end]!.length + 1;
      if (end > start && length > SNIPPET_MAX) break;
      for (const term of termsOf[end]!) {
        if (!matches(term)) continue;
        hits++;
        covered.add(term);
      }
      if (covered.size > best.covered || (covered.size === best.covered && hits > best.hits)) {
        best = { start, end: end + 1, covered: covered.size, hits };
      }
    }
  }
  return clip(sentences.slice(best.start, best.end).join(' '), SNIPPET_MAX);
}

// ---------------------------------------------------------------------------------------------
// Passages

/** Groups a document's blocks into passages of about 60–120 words, each under its heading. */
function toPassages(blocks: Block[]): { heading: string; text: string }[] {
  const passages: { heading: string; text: string; words: number }[] = [];
  let heading = '';
  let current: string[] = [];
  let words = 0;
  const flush = () => {
    if (current.length) passages.push({ heading, text: current.join(' '), words });
    current = [];
    words = 0;
  };

  for (const block of blocks) {
    if (block.kind === 'heading') {
      // A heading starts a new passage unless the current one is only a line or two.
      if (words >= 25) flush();
      else if (words > 0) {
        current.push(block.text.endsWith('.') ? block.text : `${block.text}.`);
        continue;
      }
      heading = block.text;
      continue;
    }
    // A list item or table row without a full stop would run into the next block's first sentence.
    const text = /[.!?…:;]["'”’)\]]*$/u.test(block.text) ? block.text : `${block.text}.`;
    for (const piece of splitLongBlock(text)) {
      const n = wordCount(piece);
      if (words >= PASSAGE_MIN_WORDS && words + n > PASSAGE_MAX_WORDS) flush();
      current.push(piece);
      words += n;
      if (words >= PASSAGE_MAX_WORDS) flush();
    }
  }
  flush();

  // A short tail joins the passage before it when they share a heading and stay reasonable.
  const merged: typeof passages = [];
  for (const passage of passages) {
    const previous = merged.at(-1);
    if (previous && passage.words < 30 && previous.heading === passage.heading && previous.words + passage.words <= PASSAGE_MAX_WORDS + 40) {
      previous.text = `${previous.text} ${passage.text}`;
      previous.words += passage.words;
    } else merged.push({ ...passage });
  }
  return merged.map(({ heading: h, text }) => ({ heading: h, text }));
}

/** A paragraph longer than a passage is cut between sentences into passage-sized pieces. */
function splitLongBlock(text: string): string[] {
  if (wordCount(text) <= PASSAGE_MAX_WORDS) return [text];
  const pieces: string[] = [];
  let current: string[] = [];
  let words = 0;
  for (const sentence of splitSentences(text)) {
    const n = wordCount(sentence);
    if (words >= PASSAGE_MIN_WORDS && words + n > PASSAGE_MAX_WORDS) {
      pieces.push(current.join(' '));
      current = [];
      words = 0;
    }
    current.push(sentence);
    words += n;
  }
  if (current.length) pieces.push(current.join(' '));
  return pieces;
}

// ---------------------------------------------------------------------------------------------
// Loading the corpus

async function loadCorpus(dir: string, warn: (message: string) => void): Promise<CorpusDocument[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
  const files = entries
    .filter((entry) => entry.isFile() && EXTENSIONS.has(path.extname(entry.name).toLowerCase()))
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    // Dotfiles, dot-folders and READMEs (which describe the corpus) are not part of it.
    .filter((file) => !file.split('/').some((part) => part.startsWith('.')))
    .filter((file) => !/^readme\./i.test(path.posix.basename(file)))
    .sort(compareStrings);

  const documents: CorpusDocument[] = [];
  for (const file of files) {
    const full = path.join(dir, ...file.split('/'));
    try {
      const size = (await stat(full)).size;
      if (size > MAX_FILE_BYTES) {
        warn(`${file}: skipped, larger than ${MAX_FILE_BYTES} bytes`);
        continue;
      }
      const doc = parseDocument(file, await readFile(full, 'utf8'));
      if (doc.blocks.some((b) => b.kind === 'text')) documents.push(doc);
    } catch (error) {
      warn(`${file}: skipped, ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  return documents;
}

function parseDocument(file: string, raw: string): CorpusDocument {
  const text = raw.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const ext = path.extname(file).toLowerCase();
  if (ext === '.html' || ext === '.htm') return parseHtml(file, text);

  // gray-matter caches by input text and may return a shared object; `{}` as options disables that.
  const { data, content } = text.startsWith('---') ? matter(text, {}) : { data: {} as Record<string, unknown>, content: text };
  const meta = readMeta(data);
  const blocks = ext === '.txt' ? textBlocks(content) : markdownBlocks(content);
  let title = meta.title;
  if (!title) {
    const first = blocks[0];
    if (first && (first.kind === 'heading' || (ext === '.txt' && isTitleLine(first.text)))) {
      title = first.text;
      blocks.shift();
    }
  }
  return { file, title: title ?? titleFromFile(file), url: meta.url, source: meta.source, publishedAt: meta.publishedAt, blocks };
}

function readMeta(data: Record<string, unknown>): { title?: string; url?: string; source?: string; publishedAt?: string } {
  const str = (value: unknown) => (typeof value === 'string' && value.trim() ? squash(value) : undefined);
  return {
    title: str(data.title),
    url: str(data.url),
    source: str(data.source),
    publishedAt: normaliseDate(data.publishedAt ?? data.published ?? data.date),
  };
}

/** YAML reads `2025-03-01` as a Date; either way the result is an ISO date (or date-time). */
function normaliseDate(value: unknown): string | undefined {
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

function isTitleLine(text: string): boolean {
  return wordCount(text) <= 15 && !/[.!?:;]$/.test(text);
}

function titleFromFile(file: string): string {
  const base = path.posix.basename(file).replace(/\.[^.]+$/, '').replace(/[-_]+/g, ' ').trim();
  return base ? base.charAt(0).toUpperCase() + base.slice(1) : file;
}

function textBlocks(content: string): Block[] {
  return content
    .split(/\n\s*\n/)
    .map((part) => squash(part))
    .filter(Boolean)
    .map((text) => ({ kind: 'text' as const, text }));
}

/** Markdown → blocks of plain text: headings, paragraphs, list items, table rows. Code is left out. */
function markdownBlocks(content: string): Block[] {
  const tree = fromMarkdown(content, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  const blocks: Block[] = [];
  const visit = (node: MdastNodes) => {
    switch (node.type) {
      case 'heading':
        pushBlock(blocks, 'heading', phrasingText(node));
        return;
      case 'paragraph':
        pushBlock(blocks, 'text', phrasingText(node));
        return;
      case 'tableRow':
        pushBlock(blocks, 'text', node.children.map((cell) => phrasingText(cell)).filter(Boolean).join('; '));
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

function phrasingText(node: MdastNodes): string {
  if (node.type === 'text' || node.type === 'inlineCode') return node.value;
  if (node.type === 'break') return ' ';
  if (node.type === 'image') return node.alt ?? '';
  if (node.type === 'html' || node.type === 'footnoteReference') return '';
  if ('children' in node) return squash((node.children as MdastNodes[]).map(phrasingText).join(''));
  return '';
}

function pushBlock(blocks: Block[], kind: Block['kind'], text: string) {
  const clean = squash(text);
  if (clean) blocks.push({ kind, text: clean });
}

// ---------------------------------------------------------------------------------------------
// HTML, parsed with a real (HTML5-conformant, forgiving) parser

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

function parseHtml(file: string, text: string): CorpusDocument {
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
function htmlBlocks(root: HastLike): Block[] {
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

// ---------------------------------------------------------------------------------------------
// URLs

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

/** Two urls name the same page when they differ only in case of host, a fragment or a trailing slash. */
function urlKey(url: string): string {
  try {
    const parsed = new URL(url.trim());
    parsed.hash = '';
    return `url:${parsed.href.replace(/\/$/, '')}`;
  } catch {
    return `url:${url.trim()}`;
  }
}
