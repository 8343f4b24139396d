import { describe, expect, it } from 'vitest';
import { sectionsToShow } from './render.ts';

const section = (id: string, scores: number[]) => ({ title: id, url: `/q/a/b/#${id}`, excerpt: '', weighted_locations: scores.map((balanced_score, location) => ({ weight: 1, balanced_score, location })) });

describe('the sections listed under a search result', () => {
  it('lists the best-matching sections first, ties in page order, and at most three', () => {
    const data = { url: '/q/a/b/', sub_results: [section('kb-answer', [1]), section('kb-step-1', [0.2]), section('kb-source-4', [0.2]), section('kb-passage-9-1', [3, 0.5]), section('kb-source-5', [1])] };
    expect(sectionsToShow(data).map((s) => s.title)).toEqual(['kb-passage-9-1', 'kb-answer', 'kb-source-5']);
  });

  it('leaves out the page itself and sections without a title', () => {
    const data = { url: '/q/a/b/', sub_results: [{ title: 'Page', url: '/q/a/b/', excerpt: '' }, { url: '/q/a/b/#x', excerpt: '' } as never, section('kb-summary', [1])] };
    expect(sectionsToShow(data).map((s) => s.title)).toEqual(['kb-summary']);
  });

  it('keeps page order when the index gives no scores, and takes malformed ones as no score', () => {
    const data = {
      url: '/q/a/b/',
      sub_results: [
        { title: 'one', url: '/q/a/b/#one', excerpt: '' },
        { title: 'two', url: '/q/a/b/#two', excerpt: '', weighted_locations: 'nonsense' as never },
        { title: 'three', url: '/q/a/b/#three', excerpt: '', weighted_locations: [{ balanced_score: Number.NaN }, null as never] },
        { title: 'four', url: '/q/a/b/#four', excerpt: '', weighted_locations: [{ balanced_score: 2 }] },
      ],
    };
    expect(sectionsToShow(data).map((s) => s.title)).toEqual(['four', 'one', 'two']);
    expect(sectionsToShow({ url: '/q/a/b/', sub_results: 'x' as never })).toEqual([]);
    expect(sectionsToShow({ url: '/q/a/b/' })).toEqual([]);
  });
});
