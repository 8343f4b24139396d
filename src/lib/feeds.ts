// Feed and index entries built from sessions: pure functions, so the RSS, JSON Feed and
// sessions.json endpoints agree and can be unit-tested without Astro.
import { getRssString } from '@astrojs/rss';
import type { SessionMeta } from '#kb/store/catalog.ts';
import type { Session } from '#core/session.ts';

/** Plain text for feeds: no control characters XML 1.0 forbids, no markup interpretation. */
export function plainText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/g, '').replace(/[\uD800-\uDFFF]/g, (c, i, s) => {
    // keep valid surrogate pairs, drop lone halves
    const code = c.charCodeAt(0);
    if (code <= 0xdbff) return /[\uDC00-\uDFFF]/.test(s[i + 1] ?? '') ? c : '';
    return /[\uD800-\uDBFF]/.test(s[i - 1] ?? '') ? c : '';
  });
}

/** A root-relative path → an absolute URL when the site's origin is known, else unchanged. */
export function absolute(path: string, site: URL | string | undefined): string {
  return site ? new URL(path, site).href : path;
}

/** `2026-01-27` in UTC, or the input when it is not a date. */
function day(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 10);
}

export interface FeedSource {
  data: Pick<Session, 'id' | 'query' | 'generatedAt' | 'tags'>;
  /** Root-relative URL of the session page (base included). */
  url: string;
  /** Plain-text teaser of the summary (or analysis). */
  teaser: string;
}

export interface FeedItem {
  id: string;
  title: string;
  link: string;
  pubDate: Date;
  description: string;
  categories: string[];
}

export function feedItem(s: FeedSource, site: URL | string | undefined): FeedItem {
  return {
    id: s.data.id,
    title: plainText(`${s.data.query} (${day(s.data.generatedAt)})`),
    link: absolute(s.url, site),
    pubDate: new Date(s.data.generatedAt),
    description: plainText(s.teaser || s.data.query),
    categories: s.data.tags.map(plainText),
  };
}

/** Newest first, at most `limit`. */
export function feedItems(sources: FeedSource[], site: URL | string | undefined, limit = 50): FeedItem[] {
  return [...sources]
    .sort((a, b) => Date.parse(b.data.generatedAt) - Date.parse(a.data.generatedAt))
    .slice(0, limit)
    .map((s) => feedItem(s, site));
}

export interface JsonFeedOptions {
  title: string;
  description: string;
  homePageUrl: string;
  feedUrl: string;
}

/** A JSON Feed 1.1 document (https://jsonfeed.org/version/1.1). */
export function jsonFeed(items: FeedItem[], o: JsonFeedOptions) {
  return {
    version: 'https://jsonfeed.org/version/1.1',
    title: o.title,
    description: o.description,
    home_page_url: o.homePageUrl,
    feed_url: o.feedUrl,
    language: 'en',
    items: items.map((i) => ({
      id: i.id,
      url: i.link,
      title: i.title,
      content_text: i.description,
      date_published: i.pubDate.toISOString(),
      ...(i.categories.length ? { tags: i.categories } : {}),
    })),
  };
}

/** Stands in for the origin when none is configured, and is removed again afterwards. */
const PLACEHOLDER = 'https://kb-site-not-configured.invalid';

export interface RssOptions {
  title: string;
  description: string;
  /** The site's origin (`KB_SITE`), when configured. */
  site: URL | string | undefined;
  /** The site's base path, e.g. `/` or `/kb/`. */
  base: string;
}

/**
 * An RSS 2.0 document of these items (@astrojs/rss: its XML builder escapes every text). Links
 * are absolute when the site's origin is configured (KB_SITE); without it they are root-relative
 * and a comment says so (RSS readers need an origin). Build the items with the same `site`.
 */
export async function rssXml(items: FeedItem[], o: RssOptions): Promise<string> {
  const xml = await getRssString({
    title: o.title,
    description: o.description,
    site: new URL(o.base, o.site ?? PLACEHOLDER).href,
    trailingSlash: true,
    items: items.map((i) => ({
      title: i.title,
      link: absolute(i.link, o.site ?? PLACEHOLDER),
      pubDate: i.pubDate,
      description: i.description,
      categories: i.categories,
      // Ids are session ids (letters, digits, "-" and "_", checked by the schema), with a fixed prefix at most.
      customData: `<guid isPermaLink="false">${i.id.replace(/[^A-Za-z0-9_-]/g, '')}</guid>`,
    })),
    customData: '<language>en</language>',
  });
  if (o.site) return xml;
  return xml.replaceAll(PLACEHOLDER, '').replace('?>', '?>\n<!-- KB_SITE is not set: links are root-relative. Set KB_SITE for a feed readers can follow. -->');
}

export interface SessionIndexSource {
  /** The catalog's summary of the session (`sessionMeta`): the index needs no more. */
  data: Pick<SessionMeta, 'id' | 'query' | 'querySlug' | 'generatedAt' | 'status' | 'tags' | 'providers' | 'counts'>;
  url: string;
  /** The collection entry id: the file's path under `briefings/`, without `.mdx`. */
  entryId: string;
  /** The entry's file path as Astro gives it (`entry.filePath`, relative to the project root). */
  filePath?: string;
}

/**
 * The session file relative to the content folder, e.g. `briefings/x/2026-01-27-8e0c65b3.mdx`.
 * The collection's base is `<content>/briefings/` and ids are the path below it, so the id gives
 * the exact path; `entry.filePath` (relative to the project root, not the content folder) is used
 * to keep the real extension when it agrees.
 */
export function sessionFile(entryId: string, filePath?: string): string {
  const guess = `briefings/${entryId}`;
  const file = filePath?.replace(/\\/g, '/');
  const ext = file?.match(/\.(mdx|md)$/)?.[0] ?? '.mdx';
  return file && file.endsWith(`/${guess}${ext}`) ? `${guess}${ext}` : `${guess}.mdx`;
}

/** One row of `/sessions.json`. */
export function sessionIndexEntry(s: SessionIndexSource, site: URL | string | undefined) {
  const d = s.data;
  return {
    id: d.id,
    query: d.query,
    querySlug: d.querySlug,
    generatedAt: d.generatedAt,
    status: d.status,
    tags: d.tags,
    url: absolute(s.url, site),
    resultCount: d.counts.results,
    stepCount: d.counts.steps,
    providers: d.providers ?? {},
    file: sessionFile(s.entryId, s.filePath),
  };
}
