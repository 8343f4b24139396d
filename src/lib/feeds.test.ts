import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { sessionMeta } from '#kb/store/catalog.ts';
import { absolute, feedItem, feedItems, jsonFeed, plainText, rssXml, sessionFile, sessionIndexEntry, type FeedItem, type FeedSource } from './feeds.ts';
import type { Session } from '#core/session.ts';

function session(id: string, generatedAt: string, extra: Partial<Session> = {}): Session {
  return {
    id, query: `Question ${id}?`, querySlug: `q-${id}`, generatedAt, analysis: 'x', tags: ['t'], status: 'complete',
    steps: [{ id: 'step_0', results: [{ title: 'a', url: 'https://a.example/' }, { title: 'b' }] }, { id: 'step_1', results: [] }],
    ...extra,
  };
}
const src = (s: Session): FeedSource => ({ data: s, url: `/kb/q/${s.querySlug}/x/`, teaser: `Teaser ${s.id}` });

describe('feed items', () => {
  it('builds title, absolute link, date and plain description', () => {
    const item = feedItem(src(session('a1', '2026-01-27T05:52:47Z')), 'https://example.org');
    expect(item).toEqual({
      id: 'a1', title: 'Question a1? (2026-01-27)', link: 'https://example.org/kb/q/q-a1/x/',
      pubDate: new Date('2026-01-27T05:52:47Z'), description: 'Teaser a1', categories: ['t'],
    });
  });

  it('keeps root-relative links without a site', () => {
    expect(feedItem(src(session('a1', '2026-01-27T05:52:47Z')), undefined).link).toBe('/kb/q/q-a1/x/');
    expect(absolute('/kb/', undefined)).toBe('/kb/');
  });

  it('falls back to the question when there is no teaser', () => {
    expect(feedItem({ ...src(session('a1', '2026-01-27T05:52:47Z')), teaser: '' }, undefined).description).toBe('Question a1?');
  });

  it('sorts newest first and limits', () => {
    const list = ['2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z', '2026-02-01T00:00:00Z'].map((d, i) => src(session(`s${i}`, d)));
    expect(feedItems(list, undefined, 2).map((i) => i.id)).toEqual(['s1', 's2']);
  });

  it('drops characters XML cannot carry, keeps everything else as text', () => {
    expect(plainText('a\u0000b\u0007c <b>&amp; 😀 \uD800')).toBe('abc <b>&amp; 😀 ');
  });

  it('makes a JSON Feed 1.1 document', () => {
    const feed = jsonFeed(feedItems([src(session('a1', '2026-01-27T05:52:47Z'))], 'https://example.org'), {
      title: 'T', description: 'D', homePageUrl: 'https://example.org/kb/', feedUrl: 'https://example.org/kb/feed.json',
    });
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.items[0]).toEqual({
      id: 'a1', url: 'https://example.org/kb/q/q-a1/x/', title: 'Question a1? (2026-01-27)', content_text: 'Teaser a1',
      date_published: '2026-01-27T05:52:47.000Z', tags: ['t'],
    });
  });
});

describe('sessions.json rows', () => {
  it('lists what scripts need', () => {
    const row = sessionIndexEntry({ data: sessionMeta(session('a1', '2026-01-27T05:52:47Z', { providers: { search: 'corpus' } })), url: '/kb/q/q-a1/x/', entryId: 'q-a1/2026-01-27-a1' }, 'https://example.org');
    expect(row).toMatchObject({ id: 'a1', querySlug: 'q-a1', status: 'complete', url: 'https://example.org/kb/q/q-a1/x/', resultCount: 2, stepCount: 2, providers: { search: 'corpus' }, file: 'briefings/q-a1/2026-01-27-a1.mdx' });
  });

  it('derives the file path from the entry id, checked against entry.filePath', () => {
    expect(sessionFile('x/2026-01-01-abc', '../../tmp/c/briefings/x/2026-01-01-abc.mdx')).toBe('briefings/x/2026-01-01-abc.mdx');
    expect(sessionFile('x/2026-01-01-abc', 'C:\\c\\briefings\\x\\2026-01-01-abc.md')).toBe('briefings/x/2026-01-01-abc.md');
    expect(sessionFile('x/2026-01-01-abc')).toBe('briefings/x/2026-01-01-abc.mdx');
  });
});

describe('RSS documents (rssXml, behind /rss.xml and /digest.xml)', () => {
  const HOSTILE = `<script>alert(1)</script> ]]> & <![CDATA[x]]> "q" 'a'`;
  const item = (id: string, day: string, title = `Title ${id}`): FeedItem => ({
    id, title, link: `/kb/q/x/${id}/`, pubDate: new Date(`${day}T06:00:00Z`), description: `Text ${id}`, categories: ['t'],
  });
  const parse = (xml: string) => new XMLParser({ ignoreAttributes: false, processEntities: true, htmlEntities: false }).parse(xml);

  it('is RSS 2.0 with the items in the order given, absolute links and a guid each', async () => {
    const xml = await rssXml([item('b', '2026-04-06'), item('a', '2026-04-01')], { title: 'T', description: 'D', site: 'https://example.org', base: '/kb/digest/' });
    const rss = parse(xml).rss;
    expect(rss['@_version']).toBe('2.0');
    expect(rss.channel.link).toBe('https://example.org/kb/digest/');
    const items = [rss.channel.item].flat();
    expect(items.map((i: { link: string }) => i.link)).toEqual(['https://example.org/kb/q/x/b/', 'https://example.org/kb/q/x/a/']);
    expect(items.map((i: { guid: { '#text': string } }) => i.guid['#text'])).toEqual(['b', 'a']);
    expect(Date.parse(items[0].pubDate)).toBe(Date.parse('2026-04-06T06:00:00Z'));
    expect(xml).not.toContain('kb-site-not-configured');
  });

  it('escapes hostile titles, descriptions and categories: they parse back as the same text, and no tag of theirs is in the XML', async () => {
    const xml = await rssXml([{ ...item('a', '2026-04-01', `Q ${HOSTILE}`), description: `D ${HOSTILE}`, categories: [HOSTILE] }], { title: `C ${HOSTILE}`, description: 'D', site: 'https://example.org', base: '/' });
    expect(xml).not.toContain('<script>');
    expect(xml).not.toContain('<![CDATA[x]]>');
    const rss = parse(xml).rss;
    expect(rss.channel.title).toBe(`C ${HOSTILE}`);
    expect(rss.channel.item.title).toBe(`Q ${HOSTILE}`);
    expect(rss.channel.item.description).toBe(`D ${HOSTILE}`);
    expect(rss.channel.item.category).toBe(HOSTILE);
  });

  it('keeps only the characters a guid may hold', async () => {
    const xml = await rssXml([item('changes-a1</guid><x>', '2026-04-01')], { title: 'T', description: 'D', site: 'https://example.org', base: '/' });
    expect(parse(xml).rss.channel.item.guid['#text']).toBe('changes-a1guidx');
  });

  it('without a site, keeps links root-relative and says so in a comment', async () => {
    const xml = await rssXml([item('a', '2026-04-01')], { title: 'T', description: 'D', site: undefined, base: '/kb/' });
    expect(xml).toContain('<!-- KB_SITE is not set');
    expect(xml).not.toContain('kb-site-not-configured');
    const rss = parse(xml).rss;
    expect(rss.channel.link).toBe('/kb/');
    expect(rss.channel.item.link).toBe('/kb/q/x/a/');
  });

  it('with no items is still a valid channel', async () => {
    const rss = parse(await rssXml([], { title: 'T', description: 'Nothing changed.', site: 'https://example.org', base: '/' })).rss;
    expect(rss.channel.description).toBe('Nothing changed.');
    expect(rss.channel.item).toBeUndefined();
  });
});
