// Small pieces shared by the importers: the error they throw, text normalisation, slugs, hashes.
import { createHash } from 'node:crypto';
import path from 'node:path';
import slugify from '@sindresorhus/slugify';

/**
 * An import that was refused. The message always starts with the file's name, then says what is
 * wrong and what to do about it.
 */
export class ImportError extends Error {
  readonly file: string;
  readonly problems: string[];

  constructor(file: string, message: string, problems: string[] = []) {
    super(`${file}: ${message}`);
    this.name = 'ImportError';
    this.file = file;
    this.problems = problems;
  }
}

export const WHAT_KB_TAKES = 'kb import takes MICA report exports (.txt) and session JSON files.';

/** The only lossy change an import makes: lone surrogates become U+FFFD and CRLF becomes LF. */
export function normaliseText(text: string): string {
  return text.toWellFormed().replace(/\r\n/g, '\n');
}

/** Applies `normaliseText` to every string (keys included) in a JSON-like value. */
export function normaliseDeep(value: unknown): unknown {
  if (typeof value === 'string') return normaliseText(value);
  if (Array.isArray(value)) return value.map(normaliseDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[normaliseText(key)] = normaliseDeep(inner);
    return out;
  }
  return value;
}

export const QUERY_SLUG_MAX = 80;

/**
 * The folder name for a query's briefings: slugified, at most 80 characters, cut on a word
 * boundary. Queries with no Latin letters or digits (slugify drops them) fall back to the id.
 */
export function querySlugFor(query: string, fallbackId: string): string {
  let slug = slugify(query, { decamelize: false });
  if (slug.length > QUERY_SLUG_MAX) {
    const cut = slug.slice(0, QUERY_SLUG_MAX + 1);
    const lastHyphen = cut.lastIndexOf('-');
    slug = lastHyphen > 0 ? cut.slice(0, lastHyphen) : slug.slice(0, QUERY_SLUG_MAX);
    slug = slug.replace(/-+$/, '');
  }
  if (slug) return slug;
  const idSlug = slugify(fallbackId, { decamelize: false }).slice(0, QUERY_SLUG_MAX).replace(/-+$/, '');
  return idSlug ? `query-${idSlug}` : 'query';
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function baseName(file: string): string {
  return path.basename(file);
}
