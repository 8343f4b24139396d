import { describe, expect, it } from 'vitest';
import { lastSuccessByQuery } from './session.ts';

describe('lastSuccessByQuery', () => {
  it('takes each question’s newest session that did not fail, in any order', () => {
    const last = lastSuccessByQuery([
      { querySlug: 'a', status: 'complete', generatedAt: '2026-03-01T05:00:00Z' },
      { querySlug: 'a', status: 'failed', generatedAt: '2026-03-09T05:00:00Z' },
      { querySlug: 'a', status: 'partial', generatedAt: '2026-03-05T05:00:00Z' },
      { querySlug: 'b', status: 'failed', generatedAt: '2026-03-02T05:00:00Z' },
      { querySlug: 'c', status: 'complete', generatedAt: '2026-03-04T05:00:00Z' },
      { querySlug: 'c', status: 'complete', generatedAt: '2026-03-03T05:00:00Z' },
    ]);
    expect(Object.fromEntries([...last].map(([k, d]) => [k, d.toISOString()]))).toEqual({
      a: '2026-03-05T05:00:00.000Z',
      c: '2026-03-04T05:00:00.000Z',
    });
  });
});
