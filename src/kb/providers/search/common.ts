// What every HTTP search provider shares: key and base-URL checks, the request options handed to
// fetchJson, and the normalisation of an API's result into the session's Result shape.
import { decodeHTMLStrict } from 'entities';
import type { HttpOptions } from '#kb/providers/http.ts';
import { Result } from '#core/session.ts';
import { ProviderError, type ProviderEnv } from '#kb/providers/types.ts';

/** The key, trimmed; a missing or blank key is a clear error naming the variable to set. */
export function requireKey(provider: string, apiKey: string | undefined, env: ProviderEnv): string {
  const key = apiKey?.trim();
  if (!key) throw new ProviderError(provider, `no API key. Set ${env.key} in the environment.`);
  return key;
}

/** An absolute http(s) base URL without a trailing slash, or a clear error naming the variable. */
export function resolveBase(provider: string, baseUrl: string | undefined, env: ProviderEnv): string {
  const raw = baseUrl?.trim() || env.defaultBase;
  if (!raw) throw new ProviderError(provider, `no URL. Set ${env.base} in the environment.`);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ProviderError(provider, `${env.base} is not a URL: ${JSON.stringify(raw.slice(0, 200))}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    const hint = raw.includes('//') ? '' : ` (did you mean http://${raw}?)`;
    throw new ProviderError(provider, `${env.base} must be an http(s) URL, not ${parsed.protocol}${hint}`);
  }
  if (parsed.username || parsed.password || parsed.search || parsed.hash) {
    // Credentials in a URL would end up in cache keys and messages; a query would be lost.
    throw new ProviderError(provider, `${env.base} must be a plain base URL (no credentials, query or fragment)`);
  }
  return parsed.href.replace(/\/+$/, '');
}

/** fetchJson options for one search: the caller's, plus this provider's name, key and signal. */
export function requestOptions(provider: string, http: Partial<HttpOptions> | undefined, secret: string | undefined, signal: AbortSignal | undefined): HttpOptions {
  const signals = [http?.signal, signal].filter((s): s is AbortSignal => s !== undefined);
  return {
    ...http,
    provider,
    secrets: [...(http?.secrets ?? []), ...(secret ? [secret] : [])],
    signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
  };
}

/** A whole number of results within the API's documented range. */
export function clampCount(n: number, max: number): number {
  return Math.max(1, Math.min(max, Number.isFinite(n) ? Math.floor(n) : max));
}

// One pass, left to right, so a `<script>` inside a comment stays inside it. Elements whose content
// is never shown go with their content, up to the end when an API cut the snippet before the
// closing tag. Not an HTML parser on purpose: one would decode `&para=2` in "a=1&para=2".
const MARKUP = /<!--[\s\S]*?-->|<(script|style|noscript|template)(?=[\s/>])[^>]*>[\s\S]*?(?:<\/\1\s*>|$)|<\/?[A-Za-z][^<>]*>/gi;

/** Plain text from an API string: HTML tags and scripts dropped, entities decoded, whitespace collapsed. */
export function cleanText(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const text = decodeHTMLStrict(raw.replace(MARKUP, '')).replace(/\s+/g, ' ').trim();
  return text || undefined;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * A publication date as an ISO date (`YYYY-MM-DD`), from the forms search APIs use: ISO dates and
 * date-times (`2024-03-05T10:00:00Z`, the day as written), RFC 2822 (`Tue, 05 Mar 2024 10:00:00
 * GMT`) and written dates (`Mar 5, 2024`, `5 March 2024`). Relative ages ("3 days ago") and
 * anything ambiguous give undefined: a wrong date is worse than none.
 */
export function normaliseDate(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const s = raw.trim();
  let y: number, m: number, d: number;
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(s);
  if (iso) {
    [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  } else {
    const words = s.replace(/\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?/g, ' ');
    const year = /\b(\d{4})\b/.exec(words);
    const month = /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?:uary|ruary|ch|il|e|y|ust|t|tember|ember|ober)?\b\.?/i.exec(words);
    const day = year ? /\b(\d{1,2})(?:st|nd|rd|th)?\b/.exec(words.replace(year[0], ' ')) : null;
    if (!year || !month || !day) return undefined;
    [y, m, d] = [Number(year[1]), MONTHS.indexOf(month[1].toLowerCase()) + 1, Number(day[1])];
  }
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || y > 2200 || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return date.toISOString().slice(0, 10);
}

/**
 * One API result as a session Result, or undefined when it has no title or no http(s) url (a
 * result that cannot be shown or followed is dropped). `source` is the url's host name.
 */
export function toResult(fields: { title: unknown; url: unknown; snippet?: unknown; publishedAt?: unknown }): Result | undefined {
  const title = cleanText(fields.title);
  const rawUrl = typeof fields.url === 'string' ? fields.url.trim() : '';
  if (!title || !rawUrl || !URL.canParse(rawUrl)) return undefined;
  const url = new URL(rawUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const candidate: Result = { title, url: rawUrl, source: url.hostname };
  const snippet = cleanText(fields.snippet);
  if (snippet) candidate.snippet = snippet;
  const publishedAt = normaliseDate(fields.publishedAt);
  if (publishedAt) candidate.publishedAt = publishedAt;
  const parsed = Result.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}

/** Maps an API's result list, dropping unusable entries, keeping at most `max`. */
export function toResults(items: unknown[], max: number, map: (item: Record<string, unknown>) => Result | undefined): Result[] {
  const results: Result[] = [];
  for (const item of items) {
    if (results.length >= max) break;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
    const result = map(item as Record<string, unknown>);
    if (result) results.push(result);
  }
  return results;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Names what an answer was instead of the expected shape, for error messages. */
export function describeAnswer(data: unknown): string {
  if (Array.isArray(data)) return 'a list';
  if (isRecord(data)) {
    const keys = Object.keys(data).slice(0, 8);
    return keys.length ? `an object with ${keys.map((k) => `\`${k.slice(0, 40)}\``).join(', ')}` : 'an empty object';
  }
  return data === null ? 'null' : `a ${typeof data}`;
}
