import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.ts';
import type { Query } from '#kb/config/queries.ts';

const query = { id: 'cobalt' } as Query;

describe('kb run progress', () => {
  it('prints one plain line per event when the output is not a terminal (CI logs)', () => {
    const lines: string[] = [];
    const progress = createProgress({ isTTY: false } as NodeJS.WriteStream, (l) => lines.push(l));
    progress({ type: 'begin', total: 2, dryRun: false });
    progress({ type: 'query', id: 'cobalt' });
    progress({ type: 'plan', id: 'cobalt', query, subQueries: ['a', 'b'] });
    progress({ type: 'search', id: 'cobalt', query, step: 1, of: 2, results: 6 });
    progress({ type: 'search', id: 'cobalt', query, step: 2, of: 2, results: 0, error: 'tavily: rate limited (HTTP 429)' });
    progress({ type: 'done', outcome: { id: 'cobalt', question: 'Q?', outcome: 'published', providers: 'corpus + extractive', session: 'briefings/cobalt/x.mdx' } });
    progress({ type: 'done', outcome: { id: 'nickel', question: 'Q?', outcome: 'failed', providers: 'corpus + extractive', error: 'every search failed' } });
    expect(lines).toEqual([
      'running 2 queries',
      'cobalt: planned 2 sub-queries',
      'cobalt: step 1/2 6 results',
      'cobalt: step 2/2 failed: tavily: rate limited (HTTP 429)',
      'cobalt: published briefings/cobalt/x.mdx',
      'nickel: FAILED: every search failed',
    ]);
  });

  it('redraws a live display on a terminal: done/total, each query in flight, and failures', () => {
    let screen = '';
    const tty = { isTTY: true, columns: 100, rows: 40, write: (s: string) => ((screen += s), true), on: () => tty, off: () => tty, once: () => tty, removeListener: () => tty } as unknown as NodeJS.WriteStream;
    const progress = createProgress(tty, () => {});
    progress({ type: 'begin', total: 2, dryRun: false });
    progress({ type: 'query', id: 'cobalt' });
    progress({ type: 'plan', id: 'cobalt', query, subQueries: ['a', 'b', 'c'] });
    expect(screen).toContain('kb run  0/2 done');
    expect(screen).toContain('cobalt: searching 0/3');
    progress({ type: 'done', outcome: { id: 'cobalt', question: 'Q?', outcome: 'failed', providers: 'x', error: 'every search failed' } });
    expect(screen).toContain('1/2 done, 1 failed');
    expect(screen).toContain('✗ cobalt: every search failed');
  });
});
