// Tags → tag pages. Tags are untrusted text, so their URL segment comes from slugify, with a
// stable hash fallback for tags that slugify to nothing (e.g. "日本" or "!!!") or to something
// too long. Tags that slugify alike ("Rare earths", "rare-earths") share one page.
import slugify from '@sindresorhus/slugify';
import { href } from './url.ts';

const MAX_SLUG = 60;

/** FNV-1a, 32 bit, as 8 hex digits: small, stable across runs and platforms. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (const ch of text.normalize('NFC')) {
    const cp = ch.codePointAt(0)!;
    h ^= cp & 0xff;
    h = Math.imul(h, 0x01000193);
    if (cp > 0xff) {
      h ^= cp >>> 8;
      h = Math.imul(h, 0x01000193);
    }
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The URL segment of a tag's page: `Rare earths` → `rare-earths`; `!!!` → `tag-1a2b3c4d`. */
export function tagSlug(tag: string): string {
  const text = tag.trim();
  const slug = slugify(text);
  if (!slug) return `tag-${shortHash(text.toLowerCase())}`;
  if (slug.length > MAX_SLUG) return `${slug.slice(0, MAX_SLUG - 9).replace(/-+$/, '')}-${shortHash(slug)}`;
  return slug;
}

export const tagsHref = () => href('tags/');
export const tagHref = (tag: string) => href(`tags/${tagSlug(tag)}/`);

export interface TagGroup<T> {
  slug: string;
  /** The tag as written; when several spellings share the page, the most used one. */
  label: string;
  /** Every spelling that maps to this page, most used first. */
  spellings: string[];
  /** Items carrying the tag, in the order given (callers pass newest first). */
  items: T[];
}

/**
 * Groups items by tag slug. An item that carries two spellings of one tag appears once.
 * Sorted by item count (most first), then label.
 */
export function groupByTag<T>(items: T[], tagsOf: (item: T) => string[]): TagGroup<T>[] {
  const groups = new Map<string, { items: T[]; counts: Map<string, number> }>();
  for (const item of items) {
    const seen = new Set<string>();
    for (const raw of tagsOf(item)) {
      const tag = raw.trim();
      if (!tag) continue;
      const slug = tagSlug(tag);
      let g = groups.get(slug);
      if (!g) groups.set(slug, (g = { items: [], counts: new Map() }));
      g.counts.set(tag, (g.counts.get(tag) ?? 0) + 1);
      if (seen.has(slug)) continue;
      seen.add(slug);
      g.items.push(item);
    }
  }
  return [...groups.entries()]
    .map(([slug, g]) => {
      const spellings = [...g.counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t]) => t);
      return { slug, label: spellings[0], spellings, items: g.items };
    })
    .sort((a, b) => b.items.length - a.items.length || a.label.localeCompare(b.label) || a.slug.localeCompare(b.slug));
}
