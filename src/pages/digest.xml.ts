// RSS 2.0 of the digest (/digest/): one item per briefing that changed its question's answer in
// the 7 days up to the newest briefing, newest first. Links are absolute when KB_SITE is set.
import type { APIContext } from 'astro';
import { allBriefings } from '#lib/sessions.ts';
import { rssXml } from '#lib/feeds.ts';
import { digestFeedItems, weekDigest, digestSummary } from '#lib/digest.ts';
import { SITE_NAME } from '#lib/site.ts';
import { BASE } from '#lib/url.ts';

export async function GET(context: APIContext) {
  const site = context.site;
  const digest = weekDigest(await allBriefings());
  const xml = await rssXml(digestFeedItems(digest, site), { title: `${SITE_NAME}: what changed this week`, description: digestSummary(digest), site, base: `${BASE}digest/` });
  return new Response(xml, { headers: { 'Content-Type': 'application/rss+xml; charset=utf-8' } });
}
