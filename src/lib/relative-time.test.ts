import { describe, expect, it } from 'vitest';
import { relativeToBuild } from './relative-time.ts';

const now = '2026-11-30T12:00:00Z';

describe('relativeToBuild', () => {
  it('says how long before the build, in the largest whole unit', () => {
    expect(relativeToBuild('2026-11-27T12:00:00Z', now)).toBe('3 days before this build');
    expect(relativeToBuild('2026-11-30T11:00:00Z', now)).toBe('1 hour before this build');
    expect(relativeToBuild('2026-11-30T11:58:30Z', now)).toBe('1 minute before this build');
    expect(relativeToBuild('2026-11-30T11:59:30Z', now)).toBe('less than a minute before this build');
    expect(relativeToBuild('2026-11-16T12:00:00Z', now)).toBe('2 weeks before this build');
    expect(relativeToBuild('2026-08-30T12:00:00Z', now)).toBe('3 months before this build');
    expect(relativeToBuild('2024-10-30T12:00:00Z', now)).toBe('2 years before this build');
  });
  it('says "after" for a time later than the build', () => {
    expect(relativeToBuild('2026-11-30T14:00:00Z', now)).toBe('2 hours after this build');
  });
  it('is undefined for a date it cannot read', () => {
    expect(relativeToBuild('not a date', now)).toBeUndefined();
  });
});
