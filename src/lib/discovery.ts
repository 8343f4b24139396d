// Site-side glue for the discovery pages (tags, archive, feeds): reads the collection through
// src/lib/sessions.ts and hands plain data to the pure helpers in tags.ts and feeds.ts.
import { allBriefings, type Briefing } from './sessions.ts';
import { groupByTag, type TagGroup } from './tags.ts';
import type { FeedSource } from './feeds.ts';

export const SITE_DESCRIPTION = 'Research briefings: the latest answer to every question, its history, and full-text search.';
/** How many sessions the RSS and JSON feeds carry. */
export const FEED_SIZE = 50;

/** Every tag with the briefings that carry it (newest first), most used tag first. */
export async function tagGroups(): Promise<TagGroup<Briefing>[]> {
  return groupByTag(await allBriefings(), (b) => b.meta.tags);
}

export function feedSource(b: Briefing): FeedSource {
  return { data: b.meta, url: b.url, teaser: b.meta.longTeaser };
}
