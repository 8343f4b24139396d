// RSS 2.0: the newest sessions. Links are absolute when the site's origin is configured
// (KB_SITE); without it they are root-relative (RSS readers need an origin, so set KB_SITE).
import type { APIContext } from 'astro';
import { getRssString } from '@astrojs/rss';
import { allBriefings } from '#lib/sessions.ts';
import { feedItems } from '#lib/feeds.ts';
import { feedSource, FEED_SIZE, SITE_DESCRIPTION } from '#lib/discovery.ts';
import { SITE_NAME } from '#lib/site.ts';
import { BASE } from '#lib/url.ts';

/** Stands in for the origin when none is configured, and is removed again afterwards. */
const PLACEHOLDER = 'https://kb-site-not-configured.invalid';

export async function GET(context: APIContext) {
  const site = context.site;
  const items = feedItems((await allBriefings()).map(feedSource), site ?? PLACEHOLDER, FEED_SIZE);
  let xml = await getRssString({
    title: SITE_NAME,
    description: SITE_DESCRIPTION,
    site: new URL(BASE, site ?? PLACEHOLDER).href,
    trailingSlash: true,
    items: items.map((i) => ({
      title: i.title,
      link: i.link,
      pubDate: i.pubDate,
      description: i.description,
      categories: i.categories,
      customData: `<guid isPermaLink="false">${i.id}</guid>`,
    })),
    customData: '<language>en</language>',
  });
  if (!site) {
    xml = xml.replaceAll(PLACEHOLDER, '').replace('?>', '?>\n<!-- KB_SITE is not set: links are root-relative. Set KB_SITE for a feed readers can follow. -->');
  }
  return new Response(xml, { headers: { 'Content-Type': 'application/rss+xml; charset=utf-8' } });
}
