import { describe, expect, it } from 'vitest';
import { sessionMeta } from '#kb/store/catalog.ts';
import { absolute, feedItem, feedItems, jsonFeed, plainText, sessionFile, sessionIndexEntry, type FeedSource } from './feeds.ts';
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
