import { describe, expect, it } from 'vitest';
import { citeId, sourceId } from './citations.ts';

describe('citation ids', () => {
  it('names ids the same way on both sides', () => {
    expect(sourceId(4)).toBe('kb-source-4');
    expect(citeId(4, 2)).toBe('kb-cite-4-2');
  });
});
