import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '#kb/cli.ts';
import { commitMessage, markdownText, readSummaries, summaryMarkdown, type RunSummaryFile } from './summary.ts';

const shard1: RunSummaryFile = {
  run: 'r1',
  startedAt: '2026-12-14T05:17:02.000Z',
  finishedAt: '2026-12-14T05:19:40.000Z',
  outcomes: [
    { id: 'rare-earths', outcome: 'published', session: 'briefings/rare-earths/2026-12-14-0a1b2c3d.mdx', results: 24, inputTokens: 12000, outputTokens: 1800, costUsd: 0.0123 },
    { id: 'cobalt', outcome: 'failed', error: 'tavily: HTTP 429 | rate limited <b>slow down</b> [see](https://evil.example)\nretry later', inputTokens: 300, outputTokens: 0 },
    { id: 'nickel', outcome: 'not-due', nextDue: '2026-12-21T05:17:00.000Z' },
  ],
};
const shard2: RunSummaryFile = {
  run: 'r2',
  startedAt: '2026-12-14T05:17:00.000Z',
  finishedAt: '2026-12-14T05:18:10.000Z',
  outcomes: [{ id: 'lithium', outcome: 'published', session: 'briefings/lithium/2026-12-14-99aa88bb.mdx', results: 11 }],
};

describe('kb summary', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-summary-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('renders every shard as one job summary: totals, then a row per query, failures first', () => {
    const md = summaryMarkdown([{ file: 'a', summary: shard1 }, { file: 'b', summary: shard2 }]);
    const lines = md.split('\n');
    expect(lines[0]).toBe('## Briefings: run of 2026-12-14 05:17 UTC');
    expect(md).toContain('2 shards reported.');
    expect(md).toContain('| queries run | failed | skipped, not due | sources found | tokens (in / out) | cost |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n| 3 | 1 | 1 | 35 | 12,300 / 1,800 | $0.0123 |');
    const rows = lines.filter((l) => /^\| (rare|cobalt|nickel|lithium)/.test(l));
    expect(rows).toEqual([
      '| cobalt | ❌ failed |  | 300 / 0 | — | tavily\\: HTTP 429 \\| rate limited &lt;b&gt;slow down&lt;/b&gt; \\[see\\]\\(https\\://evil\\.example\\) retry later |',
      '| rare-earths | ✅ published | 24 | 12,000 / 1,800 | $0.0123 | `briefings/rare-earths/2026-12-14-0a1b2c3d.mdx` |',
      '| lithium | ✅ published | 11 | 0 / 0 | $0 | `briefings/lithium/2026-12-14-99aa88bb.mdx` |',
      '| nickel | ⏭️ not due |  |  |  | next due 2026-12-21 05:17 UTC |',
    ]);
    // Every row has the header's six cells: an error with a pipe cannot break the table.
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length - 2).toBe(6);
  });

  it('writes untrusted text as inert text: no tag, link, image or table cell break survives', () => {
    const text = markdownText('<script>x</script> ![i](http://x/y.png) [l](javascript:alert(1)) a|b *em* `c` www.example.com');
    expect(text).not.toMatch(/<|(?<!\\)\||(?<!\\)\[|(?<!\\)`|(?<!\\)\*/);
    expect(text).toContain('&lt;script&gt;');
    expect(markdownText('x'.repeat(500)).length).toBe(300);
    expect(markdownText('two\n\nlines')).toBe('two lines');
  });

  it('makes a commit message naming the queries that ran, and none when nothing ran', () => {
    const message = commitMessage([{ file: 'a', summary: shard1 }, { file: 'b', summary: shard2 }]);
    expect(message).toBe(
      [
        'Briefings: 2 new (rare-earths, lithium); 1 failed (cobalt)',
        '',
        'published rare-earths: briefings/rare-earths/2026-12-14-0a1b2c3d.mdx (24 sources)',
        'published lithium: briefings/lithium/2026-12-14-99aa88bb.mdx (11 sources)',
        'failed cobalt: tavily: HTTP 429 | rate limited <b>slow down</b> [see](https://evil.example) retry later',
        '',
      ].join('\n'),
    );
    expect(commitMessage([{ file: 'a', summary: { ...shard1, outcomes: [shard1.outcomes[2]!] } }])).toBe('');
    // Many queries: the subject stays short; the body still lists them all.
    const many = Array.from({ length: 30 }, (_, i) => ({ id: `question-number-${i}`, outcome: 'published' as const, session: `briefings/q${i}/x.mdx`, results: 1 }));
    const long = commitMessage([{ file: 'a', summary: { ...shard2, outcomes: many } }]);
    expect(long.split('\n')[0]).toBe('Briefings: 30 new');
    expect(long.split('\n').filter((l) => l.startsWith('published '))).toHaveLength(30);
  });

  it('counts the alerts every shard sent and lists the ones that failed, as inert text, in the job summary and the commit message', () => {
    const alerting: RunSummaryFile = {
      ...shard1,
      notifications: [
        { query: 'rare-earths', channel: 'webhook', outcome: 'sent' },
        { query: 'rare-earths', channel: 'github', outcome: 'failed', error: 'GitHub at api.github.com (acme/kb): opening the issue for rare-earths: the token may not do this (HTTP 403): the workflow job needs `permissions: issues: write`' },
      ],
    };
    const other: RunSummaryFile = { ...shard2, notifications: [{ query: 'lithium', channel: 'email', outcome: 'sent' }, { query: 'lithium', channel: 'pager', outcome: 'failed', error: 'a <b>new</b> | channel' }] };
    const inputs = [
      { file: 'a', summary: alerting },
      { file: 'b', summary: other },
    ];
    const md = summaryMarkdown(inputs);
    expect(md).toContain('**Alerts of material change**: 2 sent (rare-earths, lithium), 2 failed.');
    expect(md).toContain('| query | alert | why it was not sent |\n| --- | --- | --- |');
    const rows = md.split('\n').filter((l) => /^\| (rare-earths|lithium) \| (GitHub|pager)/.test(l));
    expect(rows).toEqual([
      '| rare-earths | GitHub issue | GitHub at api\\.github\\.com \\(acme/kb\\)\\: opening the issue for rare-earths\\: the token may not do this \\(HTTP 403\\)\\: the workflow job needs \\`permissions\\: issues\\: write\\` |',
      '| lithium | pager | a &lt;b&gt;new&lt;/b&gt; \\| channel |',
    ]);
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length - 2).toBe(3);

    const message = commitMessage(inputs);
    expect(message.split('\n').slice(-4)).toEqual([
      'alerts: 2 sent (rare-earths, lithium), 2 failed',
      'alert not sent for rare-earths (GitHub issue): GitHub at api.github.com (acme/kb): opening the issue for rare-earths: the token may not do this (HTTP 403): the workflow job needs `permissions: issues: write`',
      'alert not sent for lithium (pager): a <b>new</b> | channel',
      '',
    ]);
    // No alert, no word about alerts.
    expect(summaryMarkdown([{ file: 'a', summary: shard1 }])).not.toContain('Alerts');
    expect(commitMessage([{ file: 'a', summary: shard1 }])).not.toContain('alert');
  });

  it('reports a shard that left no summary (or a file that is not one) and still renders the rest', async () => {
    const good = path.join(dir, 'good.json');
    const empty = path.join(dir, 'empty.json');
    const wrong = path.join(dir, 'wrong.json');
    await writeFile(good, JSON.stringify({ ...shard2, networkCalls: 3, cacheHits: 1 }));
    await writeFile(empty, '');
    await writeFile(wrong, '{"run": 1}');
    const inputs = await readSummaries([good, empty, wrong, path.join(dir, 'missing.json')]);
    expect(inputs.map((i) => i.problem)).toEqual([
      undefined,
      'empty: kb run stopped before it could report (see its log)',
      expect.stringMatching(/^not the output of kb run --json \(run: /),
      'no such file: kb run stopped before it could report (see its log)',
    ]);

    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['summary', good, path.join(dir, 'missing.json')], (l) => out.push(l), (l) => err.push(l));
    expect(code).toBe(0);
    expect(out.join('\n')).toContain('| lithium | ✅ published | 11 |');
    expect(out.join('\n')).toContain('> [!WARNING]');
    expect(err).toEqual([`kb: ${path.join(dir, 'missing.json')}: no such file: kb run stopped before it could report (see its log)`]);

    out.length = 0;
    expect(await main(['summary', '--commit', good], (l) => out.push(l))).toBe(0);
    expect(out).toEqual(['Briefings: 1 new (lithium)\n\npublished lithium: briefings/lithium/2026-12-14-99aa88bb.mdx (11 sources)']);
    expect(await main(['summary'], () => {}, (l) => err.push(l))).toBe(1);
    expect(err.at(-1)).toBe('kb: kb summary needs at least one file written by kb run --json: kb summary FILE…');
  });

  it('reads what kb run --json really prints', async () => {
    const content = path.join(dir, 'content');
    await writeFile(path.join(dir, 'x'), '');
    const out: string[] = [];
    const { mkdir, cp } = await import('node:fs/promises');
    await mkdir(content);
    await cp(new URL('../../../content/corpus/', import.meta.url), path.join(content, 'corpus'), { recursive: true });
    await writeFile(path.join(content, 'queries.yaml'), 'defaults:\n  steps: 2\nqueries:\n  - id: rare-earths\n    question: What is the import dependency of the US on China for rare earths?\n');
    expect(await main(['run', '--json', '--content', content], (l) => out.push(l), () => {})).toBe(0);
    const file = path.join(dir, 'run.json');
    await writeFile(file, out.join('\n'));
    const [input] = await readSummaries([file]);
    expect(input!.problem).toBeUndefined();
    expect(commitMessage([input!])).toMatch(/^Briefings: 1 new \(rare-earths\)\n\npublished rare-earths: briefings\/rare-earths\/\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.mdx \(\d+ sources\)\n$/);
  });
});
