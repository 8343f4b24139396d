// Every session, newest first, for scripts: what it asked, when, how it went, and where its
// page and its file are. `url` is absolute when KB_SITE is set, else root-relative (base included).
import type { APIContext } from 'astro';
import { allBriefings } from '#lib/sessions.ts';
import { sessionIndexEntry } from '#lib/feeds.ts';
import { absolute } from '#lib/feeds.ts';
import { href } from '#lib/url.ts';

export async function GET(context: APIContext) {
  const site = context.site;
  const briefings = await allBriefings();
  const body = {
    version: 1,
    site: absolute(href(''), site),
    count: briefings.length,
    sessions: briefings.map((b) => sessionIndexEntry({ data: b.meta, url: b.url, entryId: b.id, filePath: `briefings/${b.id}.mdx` }, site)),
  };
  return new Response(JSON.stringify(body, null, 2) + '\n', { headers: { 'Content-Type': 'application/json; charset=utf-8' } });
}
