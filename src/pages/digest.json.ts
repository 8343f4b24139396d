// JSON Feed 1.1 of the digest (/digest/): the same items as /digest.xml. URLs are absolute when
// KB_SITE is set, else root-relative.
import type { APIContext } from 'astro';
import { allBriefings } from '#lib/sessions.ts';
import { absolute, jsonFeed } from '#lib/feeds.ts';
import { digestFeedItems, weekDigest, digestSummary } from '#lib/digest.ts';
import { SITE_NAME } from '#lib/site.ts';
import { href } from '#lib/url.ts';

export async function GET(context: APIContext) {
  const site = context.site;
  const digest = weekDigest(await allBriefings());
  const feed = jsonFeed(digestFeedItems(digest, site), {
    title: `${SITE_NAME}: what changed this week`,
    description: digestSummary(digest),
    homePageUrl: absolute(href('digest/'), site),
    feedUrl: absolute(href('digest.json'), site),
  });
  return new Response(JSON.stringify(feed, null, 2) + '\n', { headers: { 'Content-Type': 'application/feed+json; charset=utf-8' } });
}
