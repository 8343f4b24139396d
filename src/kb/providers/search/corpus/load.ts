// Loading the corpus: the document files under the corpus folder, read and parsed by format, in a fixed order.
import matter from 'gray-matter';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { compareStrings, squash, wordCount } from '#core/text-analysis.ts';
import { normaliseDate, titleFromFile, type CorpusDocument } from './document.ts';
import { parseHtml } from './html.ts';
import { markdownBlocks, textBlocks } from './markdown.ts';

/** Files larger than this are not indexed (a corpus is prose, not data dumps). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

const EXTENSIONS = new Set(['.md', '.markdown', '.txt', '.html', '.htm']);

/** The corpus folder's documents (none when it does not exist); unreadable or oversized files are skipped with a warning. */
export async function loadCorpus(dir: string, warn: (message: string) => void, onRead?: (file: string, text: string) => void): Promise<CorpusDocument[]> {
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
      const raw = await readFile(full, 'utf8');
      onRead?.(file, raw);
      const doc = parseDocument(file, raw);
      if (doc.blocks.some((b) => b.kind === 'text')) documents.push(doc);
    } catch (error) {
      warn(`${file}: skipped, ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  return documents;
}

/**
 * The corpus's digest, as a session's `method.corpus` records it: the sha256 of the files read,
 * by relative path in sorted order, each path and its content; first 16 hex digits. Any edit,
 * addition or removal of a corpus file changes it; the order files were read in does not.
 */
export function corpusDigest(files: Iterable<{ file: string; text: string }>): string {
  const hash = createHash('sha256');
  for (const { file, text } of [...files].sort((a, b) => compareStrings(a.file, b.file))) hash.update(file).update('\u0000').update(text).update('\u0000');
  return hash.digest('hex').slice(0, 16);
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

function isTitleLine(text: string): boolean {
  return wordCount(text) <= 15 && !/[.!?:;]$/.test(text);
}
