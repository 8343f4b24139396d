// robots.txt, asked once per site (origin) per run and kept in the response cache, so a rerun asks
// nothing. What an answer means follows RFC 9309 §2.3.1 for status codes: 2xx is the rules; 4xx
// means there are none (everything allowed); 5xx means the site is in trouble, so nothing is read
// (complete disallow). Where this reader differs from the RFC: a robots.txt that cannot be fetched
// at all (timeout, refused connection) counts as allowed, because the page request that follows
// would meet the same fault and end as a note; and a 5xx is not kept on disk, so a later run asks again.
import { createHash } from 'node:crypto';
import robotsParser from 'robots-parser';
import type { ResponseCache } from '#kb/providers/http.ts';
import type { Fetcher } from './fetch.ts';
import { ReadFailure } from './failure.ts';

/** RFC 9309 asks crawlers to read at least 500 KiB of a robots.txt. */
const ROBOTS_MAX_BYTES = 512 * 1024;

/** Why robots.txt keeps the reader from a URL, or undefined when it does not. */
type Rules = (url: string) => string | undefined;

interface RobotsAnswer {
  status: number;
  text: string;
}

export interface Robots {
  /** Throws a ReadFailure when the site's robots.txt keeps this reader from `url`. */
  check(url: URL, signal?: AbortSignal): Promise<void>;
  /** robots.txt files requested over the network in this run. */
  readonly fetched: number;
}

export function createRobots(fetcher: Fetcher, options: { userAgent: string; cache?: ResponseCache }): Robots {
  // One promise per origin: concurrent pages of a site wait for the same robots.txt.
  const perOrigin = new Map<string, Promise<Rules>>();
  let fetched = 0;

  async function rulesFor(origin: string, signal?: AbortSignal): Promise<Rules> {
    const robotsUrl = `${origin}/robots.txt`;
    const key = createHash('sha256').update(JSON.stringify(['read/robots.txt/v1', robotsUrl])).digest('hex');
    let answer = (await options.cache?.get(key)) as RobotsAnswer | undefined;
    if (!answer) {
      fetched++;
      answer = await fetcher.get(robotsUrl, { signal, maxBytes: ROBOTS_MAX_BYTES, accept: () => true }).then(
        (r) => ({ status: r.status, text: new TextDecoder('utf-8').decode(r.body) }),
        (error: unknown) => {
          const status = error instanceof ReadFailure ? Number(/^HTTP (\d{3})/.exec(error.reason)?.[1]) : NaN;
          return Number.isNaN(status) ? undefined : { status, text: '' };
        },
      );
      if (answer && answer.status < 500) await options.cache?.set(key, answer);
    }
    if (!answer || (answer.status >= 400 && answer.status < 500)) return () => undefined;
    const status = answer.status;
    if (status >= 500) return () => `the site's robots.txt failed with HTTP ${status}, which means no crawling for now`;
    const robots = robotsParser(robotsUrl, answer.text);
    return (url) => (robots.isAllowed(url, options.userAgent) === false ? `the site's robots.txt asks crawlers not to read ${new URL(url).pathname}` : undefined);
  }

  return {
    async check(url, signal) {
      const origin = url.origin;
      let rules = perOrigin.get(origin);
      if (!rules) perOrigin.set(origin, (rules = rulesFor(origin, signal)));
      const refusal = (await rules)(url.href);
      if (refusal) throw new ReadFailure(refusal, { refused: true });
    },
    get fetched() {
      return fetched;
    },
  };
}
