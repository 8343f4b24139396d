import { describe, expect, it } from 'vitest';
import { normaliseDomain, searchFacets } from './facets.ts';

describe('searchFacets', () => {
  it('gives the UTC year and each source domain once', () => {
    const f = searchFacets({
      generatedAt: '2025-12-31T23:30:00-02:00',
      steps: [
        { id: 's0', results: [{ title: 'a', source: 'www.CNN.com' }, { title: 'b', url: 'https://cnn.com/x' }, { title: 'c', url: 'javascript:alert(1)' }] },
        { id: 's1', results: [{ title: 'd', url: 'https://www.reuters.com/y' }, { title: 'e' }, { title: 'f', source: 'a, b: c' }] },
      ],
    });
    expect(f).toEqual({ year: '2026', sources: ['a, b: c', 'cnn.com', 'reuters.com'] });
  });

  it('normalises domains', () => {
    expect(normaliseDomain(' WWW.Example.ORG. ')).toBe('example.org');
  });
});
