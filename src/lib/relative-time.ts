// "3 days before this build": how long before the build a briefing was generated. The site is
// static, so the phrase is fixed when the page is built and says so, rather than "3 days ago".

/** The moment this build started; every page of one build measures from the same instant. */
export const BUILD_TIME = new Date();

const UNITS: Array<[unit: string, ms: number]> = [
  ['year', 365.25 * 24 * 3600_000],
  ['month', 30.44 * 24 * 3600_000],
  ['week', 7 * 24 * 3600_000],
  ['day', 24 * 3600_000],
  ['hour', 3600_000],
  ['minute', 60_000],
];

/**
 * `then` relative to `now` (the build), in the largest whole unit: "3 days before this build",
 * "1 hour before this build", "less than a minute before this build"; a time after the build
 * (a clock ahead of the builder's) is "2 hours after this build". Undefined for a bad date.
 */
export function relativeToBuild(then: string | number | Date, now: string | number | Date = BUILD_TIME): string | undefined {
  const a = new Date(then).getTime();
  const b = new Date(now).getTime();
  if (!Number.isFinite(a) || !Number.isFinite(b)) return undefined;
  const diff = Math.abs(b - a);
  const side = a <= b ? 'before' : 'after';
  for (const [unit, ms] of UNITS) {
    const count = Math.floor(diff / ms);
    if (count >= 1) return `${count} ${unit}${count === 1 ? '' : 's'} ${side} this build`;
  }
  return `less than a minute ${side} this build`;
}
