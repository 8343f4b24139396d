import { describe, expect, it } from 'vitest';
import { groupByTag, shortHash, tagHref, tagSlug } from './tags.ts';

describe('tagSlug', () => {
  it('slugifies ordinary tags', () => {
    expect(tagSlug('Rare earths')).toBe('rare-earths');
    expect(tagSlug('  supply-risk ')).toBe('supply-risk');
    expect(tagSlug('Café')).toBe('cafe');
  });

  it('gives tags that slugify to nothing a stable hash fallback', () => {
    expect(tagSlug('!!!')).toMatch(/^tag-[0-9a-f]{8}$/);
    expect(tagSlug('!!!')).toBe(tagSlug('!!!'));
    expect(tagSlug('!!!')).not.toBe(tagSlug('???'));
    expect(tagSlug('<script>')).toBe('script');
    expect(tagSlug('日本')).toMatch(/^tag-[0-9a-f]{8}$/);
  });

  it('caps long slugs with a hash so they stay distinct', () => {
    const a = tagSlug('a'.repeat(200) + ' one');
    const b = tagSlug('a'.repeat(200) + ' two');
    expect(a.length).toBeLessThanOrEqual(60);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('only ever produces URL-safe segments', () => {
    for (const t of ['../../etc', 'a/b', '?x=1#y', '%2F', ' ', 'C++', 'a\u0000b']) expect(tagSlug(t)).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('hashes deterministically', () => {
    expect(shortHash('abc')).toBe(shortHash('abc'));
    expect(shortHash('abc')).toMatch(/^[0-9a-f]{8}$/);
  });

  it('links under the base path', () => {
    expect(tagHref('Rare earths')).toBe(`${import.meta.env.BASE_URL.replace(/\/?$/, '/')}tags/rare-earths/`);
  });
});

describe('groupByTag', () => {
  const items = [
    { id: 'c', tags: ['china', 'Rare earths'] },
    { id: 'b', tags: ['rare-earths', 'Rare Earths', 'lithium'] },
    { id: 'a', tags: ['rare-earths', '!!!'] },
  ];
  const groups = groupByTag(items, (i) => i.tags);

  it('merges tags that slugify alike, keeps item order, counts each item once', () => {
    const re = groups.find((g) => g.slug === 'rare-earths')!;
    expect(re.items.map((i) => i.id)).toEqual(['c', 'b', 'a']);
    expect(re.label).toBe('rare-earths');
    expect(re.spellings).toEqual(['rare-earths', 'Rare earths', 'Rare Earths']);
  });

  it('sorts by count, then label', () => {
    expect(groups.map((g) => g.label)).toEqual(['rare-earths', '!!!', 'china', 'lithium']);
    expect(groups.map((g) => g.items.length)).toEqual([3, 1, 1, 1]);
  });
});
