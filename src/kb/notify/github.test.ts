// The GitHub-issues channel against a GitHub REST API on 127.0.0.1 (tests/support/github.ts):
// end to end through `kb run` (one issue per question, commented on and reopened, never
// duplicated; nothing when nothing changed; every failure recorded in the run log without the
// token), then the channel alone (pagination, pull requests, rate limits, hostile text).
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDue, type RunOptions } from '#kb/commands/run.ts';
import { readRunHistory } from '#kb/store/runlog.ts';
import { rulePlanner } from '#kb/pipeline/planners/rule.ts';
import type { Analysis, Analyst } from '#kb/pipeline/types.ts';
import type { SearchProvider } from '#kb/providers/types.ts';
import { compareSessions } from '#core/ledger/index.ts';
import type { Session } from '#core/session.ts';
import { startGithub, type GithubFailure, type LoopbackGithub } from '#tests/support/github.ts';
import { startLoopback, sendJson, type Loopback } from '#tests/support/loopback.ts';
import { alertMessage, githubIssues, issueText, markdownInline, notifyWarning, questionMarker } from './index.ts';

const TOKEN = 'ghs_KBTEST-SECRET-github-8d7c6b5a4f';
const REPO = 'acme/briefings';

const fig = (label: string, value: number, cite: number) => ({ label, value, unit: '%', text: `${value}%`, asOf: '2024', cite });

/** Each question's answer on each run: a figure that moves when `value` moves, and a claim per extra line. */
function analysis(id: string, value: number, extra: string[] = []): Analysis {
  const label = id === 'cobalt' ? 'DRC share of world cobalt mining' : 'US net import reliance on rare earth compounds';
  return {
    answer: { text: `${label} was ${value}% [1].`, figures: [fig(label, value, 1)] },
    summary: [`1. **The share is ${value}%.** ${label} was ${value}% in 2024 [1].`, ...extra.map((e, i) => `${i + 2}. ${e}`)].join('\n'),
    analysis: 'Analysis.',
  };
}

describe('GitHub issues, through kb run', () => {
  let content: string;
  let github: LoopbackGithub;
  let clock: Date;
  /** What each question answers on the next run. */
  let answers: Record<string, Analysis>;

  const stages: RunOptions['stages'] = async (query) => {
    const search: SearchProvider = { name: 'fixed', search: async () => Array.from({ length: 4 }, (_, i) => ({ title: `${query.id} ${i + 1}`, url: `https://example.org/${query.id}/${clock.getTime()}/${i + 1}`, snippet: 'Figures.' })) };
    const analyst: Analyst = { name: 'fixed', analyse: async () => answers[query.id]! };
    return { planner: rulePlanner, search, analyst, providers: { search: 'fixed', llm: 'fixed' } };
  };
  const env = () => ({ KB_NOTIFY_GITHUB: '1', GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: REPO, GITHUB_API_URL: github.url, KB_SITE: 'https://acme.github.io', KB_BASE: '/briefings' });
  /** A run a week after the last one, with these answers. */
  const runWith = async (next: Record<string, Analysis>, options: Partial<RunOptions> = {}) => {
    answers = next;
    clock = new Date(clock.getTime() + 7 * 86_400_000);
    return runDue({ contentDir: content, env: env(), now: () => clock, stages, notify: { timeoutMs: 1000, github: { sleep: async () => {} } }, ...options });
  };

  beforeEach(async () => {
    content = await mkdtemp(path.join(os.tmpdir(), 'kb-github-'));
    await writeFile(
      path.join(content, 'queries.yaml'),
      'defaults:\n  schedule: 7d\n  steps: 1\n  depth: 1\n  read: 0\nqueries:\n' +
        '  - id: rare-earths\n    question: What is the import dependency of the US on China for rare earths?\n' +
        '  - id: cobalt\n    question: How concentrated is cobalt supply in the Congo?\n',
    );
    clock = new Date('2026-03-02T06:00:00Z');
    github = await startGithub({ token: TOKEN, repository: REPO });
    // The first sessions: nothing to compare with, so no alert and no request.
    await runWith({ 'rare-earths': analysis('rare-earths', 74), cobalt: analysis('cobalt', 74) });
    expect(github.requests).toHaveLength(0);
  });
  afterEach(async () => {
    await github.close();
    await rm(content, { recursive: true, force: true });
  });

  it('the first alert of a question opens one labelled issue, marked with the question, in the REST API’s headers', async () => {
    const summary = await runWith({ 'rare-earths': analysis('rare-earths', 80), cobalt: analysis('cobalt', 74) });
    expect(summary.notifications).toEqual([{ query: 'rare-earths', channel: 'github', outcome: 'sent' }]);
    expect(github.issues).toHaveLength(1);
    const [issue] = github.issues;
    expect(issue).toMatchObject({ number: 1, state: 'open', labels: ['kb-alert'], comments: [], title: 'Briefing changed: What is the import dependency of the US on China for rare earths?' });
    expect(issue!.body).toContain(questionMarker('rare-earths'));
    expect(issue!.body).toContain('74% (2024) \\[1\\] → 80% (2024) \\[1\\], +6 points');
    expect(issue!.body).toMatch(/\[Read the briefing\]\(https:\/\/acme\.github\.io\/briefings\/q\/rare-earths\/2026-03-16-[0-9a-f]{8}\/\)/);
    // One search of the label (every state, the biggest pages), then the issue.
    expect(github.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([`GET /repos/${REPO}/issues`, `POST /repos/${REPO}/issues`]);
    expect(Object.fromEntries(github.requests[0]!.url.searchParams)).toMatchObject({ labels: 'kb-alert', state: 'all', per_page: '100' });
    for (const r of github.requests) {
      expect(r.headers.accept).toBe('application/vnd.github+json');
      expect(r.headers['x-github-api-version']).toBe('2022-11-28');
      expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(r.headers['user-agent']).toMatch(/^kb /);
    }
  });

  it('a second alert for the same question comments on the same issue and reopens it: no duplicate', async () => {
    await runWith({ 'rare-earths': analysis('rare-earths', 80), cobalt: analysis('cobalt', 74) });
    github.issues[0]!.state = 'closed'; // someone read it and closed it
    const summary = await runWith({ 'rare-earths': analysis('rare-earths', 90), cobalt: analysis('cobalt', 74) });
    expect(summary.notifications).toEqual([{ query: 'rare-earths', channel: 'github', outcome: 'sent' }]);
    expect(github.issues).toHaveLength(1);
    const [issue] = github.issues;
    expect(issue!.state).toBe('open');
    expect(issue!.comments).toHaveLength(1);
    expect(issue!.comments[0]).toContain('80% (2024) \\[1\\] → 90% (2024) \\[1\\], +10 points');
    // The body says the latest change, still with its marker.
    expect(issue!.body).toContain(questionMarker('rare-earths'));
    expect(issue!.body).toContain('→ 90% (2024)');
    expect(issue!.body).not.toContain('→ 80% (2024)');
    expect(github.writes.slice(1).map((r) => `${r.method} ${r.url.pathname} ${JSON.stringify((r.json as { state?: string }).state ?? null)}`)).toEqual([`PATCH /repos/${REPO}/issues/1 "open"`, `POST /repos/${REPO}/issues/1/comments null`]);
  });

  it('two questions that changed get two issues, each found again by its own marker', async () => {
    await runWith({ 'rare-earths': analysis('rare-earths', 80), cobalt: analysis('cobalt', 60) });
    expect(github.issues.map((i) => i.number)).toEqual([1, 2]);
    expect(new Set(github.issues.map((i) => i.body!.match(/kb-question: ([a-z-]+)/)![1]))).toEqual(new Set(['rare-earths', 'cobalt']));
    const listed = github.requests.filter((r) => r.method === 'GET').length;
    expect(listed).toBe(1); // the label is searched once per run, not once per question

    await runWith({ 'rare-earths': analysis('rare-earths', 90), cobalt: analysis('cobalt', 50) });
    expect(github.issues).toHaveLength(2);
    expect(github.issues.map((i) => i.comments.length)).toEqual([1, 1]);
    const cobalt = github.issues.find((i) => i.body!.includes(questionMarker('cobalt')))!;
    expect(cobalt.comments[0]).toContain('60% (2024) \\[1\\] → 50% (2024) \\[1\\]');
  });

  it('a run with no material change makes no request at all', async () => {
    const summary = await runWith({ 'rare-earths': analysis('rare-earths', 74), cobalt: analysis('cobalt', 74) });
    expect(summary.outcomes.map((o) => o.outcome)).toEqual(['published', 'published']);
    expect(summary.notifications).toBeUndefined();
    expect(github.requests).toHaveLength(0);
  });

  it('--no-notify (notify: false) makes no request though the answer changed', async () => {
    await runWith({ 'rare-earths': analysis('rare-earths', 80), cobalt: analysis('cobalt', 74) }, { notify: false });
    expect(github.requests).toHaveLength(0);
  });

  it.each<[GithubFailure, string]>([
    ['unauthorized', 'listing the kb-alert issues: GITHUB_TOKEN was refused (HTTP 401)'],
    ['forbidden', 'listing the kb-alert issues: the token may not do this (HTTP 403): the workflow job needs `permissions: issues: write`'],
    ['not-found', 'listing the kb-alert issues: no such repository, or the token cannot see it (HTTP 404): check GITHUB_REPOSITORY'],
    ['invalid', 'listing the kb-alert issues: GitHub refused the request as invalid (HTTP 422)'],
    ['server-error', 'listing the kb-alert issues: answered HTTP 500'],
    ['malformed', 'listing the kb-alert issues: answered HTTP 200 with something other than JSON'],
    ['hang', 'listing the kb-alert issues: no answer within 1 s'],
  ])('GitHub answering %s: the run publishes, and the run log records the failure without the token', async (failure, expected) => {
    github.fail = () => failure;
    const summary = await runWith({ 'rare-earths': analysis('rare-earths', 80), cobalt: analysis('cobalt', 60) });
    expect(summary.outcomes.map((o) => o.outcome)).toEqual(['published', 'published']);
    const host = new URL(github.url).host;
    const error = `GitHub at ${host} (${REPO}): ${expected}`;
    expect(summary.notifications).toEqual([
      { query: 'rare-earths', channel: 'github', outcome: 'failed', error },
      { query: 'cobalt', channel: 'github', outcome: 'failed', error },
    ]);
    // The issue list is asked for once: both questions share its failure.
    expect(github.requests).toHaveLength(1);
    const { runs, entries } = await readRunHistory(content);
    expect(runs.at(-1)).toMatchObject({ outcome: 'ok', notifications: summary.notifications });
    expect(entries.filter((e) => e.outcome === 'published')).toHaveLength(4);
    await expectNoToken(content);
  });

  it('a primary rate limit that resets in an hour is not waited for: recorded, and the rest of the run asks nothing more', async () => {
    github.fail = (r) => (r.method === 'POST' ? 'rate-limit' : undefined);
    const summary = await runWith({ 'rare-earths': analysis('rare-earths', 80), cobalt: analysis('cobalt', 60) });
    const records = summary.notifications!;
    expect(records.map((r) => [r.query, r.outcome])).toEqual([
      ['rare-earths', 'failed'],
      ['cobalt', 'failed'],
    ]);
    // Whichever question came first met the limit; the other was not tried.
    const errors = records.map((r) => r.error!).sort((a, b) => Number(a.includes('not tried')) - Number(b.includes('not tried')));
    expect(errors[0]).toMatch(/: opening the issue for (rare-earths|cobalt): rate limited \(HTTP 403; it resets at \d\d:\d\d UTC\); not retried \(a wait of \d+(\.\d)? s\)$/);
    expect(errors[1]).toMatch(/: opening the issue for (rare-earths|cobalt): not tried: GitHub's rate limit was reached \(HTTP 403\) earlier in this run$/);
    expect(github.requests.map((r) => r.method)).toEqual(['GET', 'POST']);
    expect(JSON.stringify(records)).not.toContain(TOKEN);
    await expectNoToken(content);
  });

  it('a short rate limit (retry-after) is waited out once, and the request retried', async () => {
    const waits: number[] = [];
    let refused = 0;
    github.fail = (r) => (r.method === 'POST' && refused++ === 0 ? 'retry-after' : undefined);
    const summary = await runWith({ 'rare-earths': analysis('rare-earths', 80), cobalt: analysis('cobalt', 74) }, { notify: { github: { sleep: async (ms) => void waits.push(ms) } } });
    expect(summary.notifications).toEqual([{ query: 'rare-earths', channel: 'github', outcome: 'sent' }]);
    expect(waits).toEqual([1000]);
    expect(github.issues).toHaveLength(1);
  });

  it('a secondary rate limit without headers asks for a minute: longer than the allowed wait, so a failure rather than a stall', async () => {
    github.fail = (r, n) => (r.method === 'POST' && n < 3 ? 'secondary-rate-limit' : undefined);
    const summary = await runWith({ 'rare-earths': analysis('rare-earths', 80), cobalt: analysis('cobalt', 74) }, { notify: { github: { maxWaitMs: 30_000, sleep: async () => {} } } });
    expect(summary.notifications![0]!.error).toMatch(/opening the issue for rare-earths: rate limited \(HTTP 403\); not retried \(a wait of 60 s\)$/);
    expect(github.issues).toHaveLength(0);
  });
});

describe('the GitHub channel alone', () => {
  let github: LoopbackGithub | undefined;
  afterEach(async () => {
    await github?.close();
    github = undefined;
  });

  const before = session('s-before', '2026-03-02T06:00:00.000Z', 'The US relied on imports for 74% of its rare earths [1].', 74);
  const after = session(
    's-after',
    '2026-03-09T06:00:00.000Z',
    'The US relied on imports for 80% of its rare earths [1].\n2. **Ask @octocat and @acme/team about #12 and acme/kb#3.** It cost $5 to $6 [1].',
    80,
  );
  const ledger = compareSessions(before, after);
  const message = alertMessage(after, ledger, 'https://acme.github.io/q/rare-earths/2026-03-09-aaaaaaaa/');

  it('finds the question’s issue on a later page by following the Link header, and skips pull requests', async () => {
    const noise = Array.from({ length: 7 }, (_, i) => ({ title: `old ${i}`, body: `${questionMarker(`other-${i}`)}\n`, state: 'closed' as const, labels: ['kb-alert'] }));
    github = await startGithub({
      token: TOKEN,
      repository: REPO,
      maxPerPage: 3,
      issues: [
        ...noise,
        { title: 'A pull request quoting the marker', body: questionMarker('rare-earths'), state: 'open', labels: ['kb-alert'], pullRequest: true },
        { title: 'Unlabelled', body: questionMarker('rare-earths'), state: 'open', labels: [] },
        { title: 'Ours', body: `${questionMarker('rare-earths')}\nold text`, state: 'closed', labels: ['kb-alert'] },
      ],
    });
    const outcome = await githubIssues({ token: TOKEN, repository: REPO, apiUrl: github.url }).alert('rare-earths', message);
    expect(outcome).toEqual({ number: 10, created: false, reopened: true });
    expect(github.requests.filter((r) => r.method === 'GET').map((r) => `${r.url.pathname}?page=${r.url.searchParams.get('page') ?? 1}`)).toEqual([`/repos/${REPO}/issues?page=1`, '/repositories/4242/issues?page=2', '/repositories/4242/issues?page=3']);
    expect(github.issues[9]).toMatchObject({ state: 'open', comments: [expect.stringContaining('74% (2024) \\[1\\] → 80% (2024) \\[1\\]')] });
    expect(github.issues[7]!.comments).toEqual([]);
    expect(github.issues).toHaveLength(10);
  });

  it('writes what a briefing says as inert text: no mention pings, no issue is referenced, no HTML, link, image or maths', async () => {
    github = await startGithub({ token: TOKEN, repository: REPO });
    // The ledger already reduces claims to text; a change's words are escaped again here all the same.
    const hostile = { ...message, changes: [...message.changes, '<img src=x onerror=alert(1)> [click](javascript:alert(1)) ![p](https://t.example/p.png) `code` *em* ~~s~~ a|b'] };
    await githubIssues({ token: TOKEN, repository: REPO, apiUrl: github.url }).alert('rare-earths', hostile);
    const body = github.issues[0]!.body!;
    expect(body).toContain('Ask @\u200boctocat and @\u200bacme/team about #\u200b12 and acme/kb#\u200b3');
    expect(body).not.toMatch(/@[A-Za-z0-9]/);
    expect(body).not.toMatch(/#\d/);
    expect(body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(body).not.toMatch(/<img|<(?!!-- kb-question|https:\/\/|\/?sub>)/);
    expect(body).toContain('\\[click\\](javascript:alert(1))');
    expect(body).toContain('\\!\\[p\\](https://t.example/p.png)');
    expect(body).toContain('\\`code\\` \\*em\\* \\~\\~s\\~\\~ a\\|b');
    expect(body).toContain('cost \\$5 to \\$6');
    // The only HTML is kb's own: the marker, and the footnote's <sub>.
    expect(body.split('\n')[0]).toBe(questionMarker('rare-earths'));
  });

  it('keeps a line of untrusted text from starting a heading, list or quote, or breaking out of its line', () => {
    expect(markdownInline('# Heading')).toBe('\\# Heading');
    expect(markdownInline('- item')).toBe('\\- item');
    expect(markdownInline('1. first')).toBe('1\\. first');
    expect(markdownInline('> quote')).toBe('&gt; quote');
    expect(markdownInline('a\n\n# b\n---')).toBe('a # b ---');
    expect(markdownInline('mail me@example.org, GH-12')).toBe('mail me@\u200bexample.org, GH-\u200b12');
    expect(markdownInline('x'.repeat(600)).length).toBe(500);
    const { title } = issueText('q', { ...message, subject: 'Briefing changed: ping @octocat\nnow' });
    expect(title).toBe('Briefing changed: ping @\u200boctocat now');
  });

  it('without KB_SITE the briefing is named by its path, not linked to GitHub’s own site', () => {
    const { body } = issueText('rare-earths', alertMessage(after, ledger, '/q/rare-earths/2026-03-09-aaaaaaaa/'));
    expect(body).toContain('The briefing is at `/q/rare-earths/2026-03-09-aaaaaaaa/` on the site');
    expect(body).not.toContain('](/q/');
  });

  it('kb run warns of a failed issue alert by the channel’s name', () => {
    expect(notifyWarning({ query: 'cobalt', channel: 'github', outcome: 'failed', error: 'GitHub at api.github.com (acme/kb): listing the kb-alert issues: answered HTTP 502' })).toBe(
      'warning: the GitHub issue alert for cobalt was not sent: GitHub at api.github.com (acme/kb): listing the kb-alert issues: answered HTTP 502. The briefing is published; the run log records the failure.',
    );
  });

  it('refuses settings it cannot use, naming the variable and never the token', async () => {
    const failure = (settings: Parameters<typeof githubIssues>[0]) => githubIssues(settings).alert('q', message).then(() => 'sent', (e: Error) => e.message);
    expect(await failure({ repository: REPO, apiUrl: 'https://api.github.com' })).toBe('GitHub: KB_NOTIFY_GITHUB is on but GITHUB_TOKEN is not set');
    expect(await failure({ token: TOKEN, apiUrl: 'https://api.github.com' })).toBe('GitHub: KB_NOTIFY_GITHUB is on but GITHUB_REPOSITORY is not set');
    expect(await failure({ token: TOKEN, repository: 'not a repo', apiUrl: 'https://api.github.com' })).toBe('GitHub: GITHUB_REPOSITORY is not owner/name');
    expect(await failure({ token: TOKEN, repository: REPO, apiUrl: 'http://api.example.com' })).toBe('GITHUB_API_URL must be an https:// URL (http:// only on this machine)');
    expect(await failure({ token: TOKEN, repository: REPO, apiUrl: `ftp://x/${TOKEN}` })).toBe('GITHUB_API_URL is not an https:// or an http:// URL');
  });

  it('does not follow a pagination link to another host, so the token stays with GitHub', async () => {
    const elsewhere: Loopback = await startLoopback((_req, res) => sendJson(res, 200, []));
    try {
      const evil = await startLoopback((_req, res) => sendJson(res, 200, [], { link: `<${elsewhere.url.replace('127.0.0.1', 'localhost')}/steal?page=2>; rel="next"` }));
      try {
        const error = await githubIssues({ token: TOKEN, repository: REPO, apiUrl: evil.url }).alert('q', message).then(() => 'sent', (e: Error) => e.message);
        expect(error).toBe(`GitHub at ${new URL(evil.url).host} (${REPO}): listing the kb-alert issues: the next page's link points to another host; not followed`);
        expect(elsewhere.requests).toHaveLength(0);
      } finally {
        await evil.close();
      }
    } finally {
      await elsewhere.close();
    }
  });
});

function session(id: string, generatedAt: string, text: string, value: number): Session {
  const [answer, ...more] = text.split('\n');
  return {
    id,
    query: 'What is the import dependency of the US on China for rare earths?',
    querySlug: 'rare-earths',
    generatedAt,
    summary: [`1. **Imports.** ${answer}`, ...more].join('\n'),
    analysis: 'Analysis.',
    tags: [],
    steps: [{ id: 's1', results: [{ title: 'USGS', url: `https://example.org/${id}` }] }],
    status: 'complete',
    schemaVersion: 2,
    answer: { text: answer!, figures: [{ label: 'US net import reliance on rare earth compounds', value, unit: '%', text: `${value}%`, asOf: '2024', cite: 1 }] },
  };
}

async function expectNoToken(content: string) {
  const names = (await readdir(content, { recursive: true })) as string[];
  for (const name of names) {
    const text = await readFile(path.join(content, name), 'utf8').catch(() => '');
    expect(text.includes(TOKEN), name).toBe(false);
  }
}
