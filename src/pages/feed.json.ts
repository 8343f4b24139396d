// JSON Feed 1.1: the same items as /rss.xml. URLs are absolute when KB_SITE is set, else
// root-relative.
import type { APIContext } from 'astro';
import { allBriefings } from '#lib/sessions.ts';
import { absolute, feedItems, jsonFeed } from '#lib/feeds.ts';
import { feedSource, FEED_SIZE, SITE_DESCRIPTION } from '#lib/discovery.ts';
import { SITE_NAME } from '#lib/site.ts';
import { href } from '#lib/url.ts';

export async function GET(context: APIContext) {
  const site = context.site;
  const items = feedItems((await allBriefings()).map(feedSource), site, FEED_SIZE);
  const feed = jsonFeed(items, {
    title: SITE_NAME,
    description: SITE_DESCRIPTION,
    homePageUrl: absolute(href(''), site),
    feedUrl: absolute(href('feed.json'), site),
  });
  return new Response(JSON.stringify(feed, null, 2) + '\n', { headers: { 'Content-Type': 'application/feed+json; charset=utf-8' } });
}
