// RSS 2.0: the newest sessions. Links are absolute when the site's origin is configured
// (KB_SITE); without it they are root-relative (RSS readers need an origin, so set KB_SITE).
import type { APIContext } from 'astro';
import { allBriefings } from '#lib/sessions.ts';
import { feedItems, rssXml } from '#lib/feeds.ts';
import { feedSource, FEED_SIZE, SITE_DESCRIPTION } from '#lib/discovery.ts';
import { SITE_NAME } from '#lib/site.ts';
import { BASE } from '#lib/url.ts';

export async function GET(context: APIContext) {
  const site = context.site;
  const items = feedItems((await allBriefings()).map(feedSource), site, FEED_SIZE);
  const xml = await rssXml(items, { title: SITE_NAME, description: SITE_DESCRIPTION, site, base: BASE });
  return new Response(xml, { headers: { 'Content-Type': 'application/rss+xml; charset=utf-8' } });
}
