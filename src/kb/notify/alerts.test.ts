// `kb run` end to end with alerts: two questions run twice; the second run changes one answer
// materially and only rewords the other. Against a webhook and an SMTP server on 127.0.0.1:
// exactly the changed question notifies, with its old and new values; a webhook that fails or
// hangs costs no session and is recorded in the run log; --no-notify sends nothing.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runDue, type RunOptions } from '#kb/commands/run.ts';
import { main } from '#kb/cli.ts';
import { readRunHistory } from '#kb/store/runlog.ts';
import { listSessions, writeSession } from '#kb/store/store.ts';
import { rulePlanner } from '#kb/pipeline/planners/rule.ts';
import type { Analysis, Analyst } from '#kb/pipeline/types.ts';
import type { SearchProvider } from '#kb/providers/types.ts';
import type { Session } from '#core/session.ts';
import { sendJson, startLoopback, type Handler, type Loopback } from '#tests/support/loopback.ts';
import { startSmtp, type LoopbackSmtp } from '#tests/support/smtp.ts';
import type { AlertPayload } from './index.ts';

const EXAMPLE = fileURLToPath(new URL('../../../content/', import.meta.url));
const TOKEN = 'XOXB-hook-SECRET-5c4b3a29';
const PASSWORD = 'smtp-SECRET-pw-77aa';

// What each question's analyst says, run by run: rare earths moves a key figure and gains a
// claim on the second run; cobalt says the same thing in other words.
const ANSWERS: Record<string, [Analysis, Analysis]> = {
  'rare-earths': [
    {
      answer: { text: 'The US relies on imports for 74% of its rare earth compounds [2], and China supplies 70% of those imports [3].', figures: [fig('US net import reliance on rare earth compounds', 74, 2), fig('China share of US rare earth imports', 70, 3)] },
      summary: '1. **Imports cover most of US demand.** Net import reliance was 74% in 2024 [2].\n2. **China dominates supply.** China supplied 70% of US rare earth imports [3].',
      analysis: 'Analysis one.',
    },
    {
      answer: { text: 'The US relies on imports for 80% of its rare earth compounds [4], and China supplies 70% of those imports [3].', figures: [fig('US net import reliance on rare earth compounds', 80, 4), fig('China share of US rare earth imports', 70, 3)] },
      summary:
        '1. **Imports cover most of US demand.** Net import reliance was 80% in 2024 [4].\n2. **China dominates supply.** China supplied 70% of US rare earth imports [3].\n3. **A magnet plant opened in Texas.** It makes 1,000 t of magnets a year [5].',
      analysis: 'Analysis two.',
    },
  ],
  cobalt: [
    {
      answer: { text: 'The Congo mined 74% of the world’s cobalt [1].', figures: [fig('DRC share of world cobalt mining', 74, 1)] },
      summary: '- **Mining is concentrated in the Congo.** The Congo mined 74% of the world’s cobalt in 2024 [1].\n- **Refining is concentrated in China.** Chinese refiners processed most of it [2].',
      analysis: 'Analysis one.',
    },
    {
      answer: { text: 'Of the world’s cobalt, 74% was mined in the Congo [1].', figures: [{ ...fig('Share of world cobalt mined in the DRC', 74, 1), unit: 'percent' }] },
      summary: '- **The Congo concentrates mining.** In 2024, 74% of the world’s cobalt was mined in the Congo [1].\n- **China concentrates refining.** Most of it was processed by Chinese refiners [2].',
      analysis: 'Analysis two.',
    },
  ],
};

function fig(label: string, value: number, cite: number) {
  return { label, value, unit: '%', text: `${value}%`, asOf: '2024', cite };
}

function stagesFor(run: { n: 0 | 1 }): RunOptions['stages'] {
  return async (query) => {
    const search: SearchProvider = {
      name: 'fixed',
      search: async () => Array.from({ length: 6 }, (_, i) => ({ title: `${query.id} source ${i + 1}`, url: `https://example.org/${query.id}/run${run.n}/${i + 1}`, snippet: `Figures for ${query.id}.` })),
    };
    const analyst: Analyst = { name: 'fixed', analyse: async () => ANSWERS[query.id]![run.n] };
    return { planner: rulePlanner, search, analyst, providers: { search: 'fixed', llm: 'fixed' } };
  };
}

describe('kb run alerts on material change', () => {
  let content: string;
  let webhook: Loopback | undefined;
  let smtp: LoopbackSmtp | undefined;
  const run = { n: 0 as 0 | 1 };
  let clock = new Date('2026-03-02T06:00:00Z');

  beforeEach(async () => {
    content = await mkdtemp(path.join(os.tmpdir(), 'kb-alerts-'));
    await writeFile(
      path.join(content, 'queries.yaml'),
      'defaults:\n  schedule: 7d\n  steps: 1\n  depth: 1\n  read: 0\nqueries:\n' +
        '  - id: rare-earths\n    question: What is the import dependency of the US on China for rare earths?\n' +
        '  - id: cobalt\n    question: How concentrated is cobalt supply in the Congo?\n',
    );
    clock = new Date('2026-03-02T06:00:00Z');
    run.n = 0;
  });
  afterEach(async () => {
    await webhook?.close();
    await smtp?.close();
    webhook = smtp = undefined;
    await rm(content, { recursive: true, force: true });
  });

  /** The first run (nothing to compare with), then a week later the second. */
  async function twoRuns(env: NodeJS.ProcessEnv, options: Partial<RunOptions> = {}) {
    const first = await runDue({ contentDir: content, env, now: () => clock, stages: stagesFor(run), ...options });
    expect(first.notifications).toBeUndefined(); // a first session has no previous one: no ledger, no alert
    clock = new Date('2026-03-09T06:00:00Z');
    run.n = 1;
    return runDue({ contentDir: content, env, now: () => clock, stages: stagesFor(run), ...options });
  }

  const sessionsOf = async (id: string) =>
    (await listSessions(content)).map((s) => s.session).filter((s) => s.querySlug === id).sort((a, b) => a.generatedAt.localeCompare(b.generatedAt));

  it('exactly the changed question notifies, by webhook and e-mail, with the old and new values', async () => {
    webhook = await startLoopback((_req, res) => sendJson(res, 200, { ok: true }));
    smtp = await startSmtp();
    const env = {
      KB_NOTIFY_URL: `${webhook.url}/services/${TOKEN}`,
      SMTP_URL: `smtp://alerts%40example.org:${PASSWORD}@127.0.0.1:${smtp.port}`,
      KB_NOTIFY_EMAIL: 'desk@example.org',
      KB_SITE: 'https://acme.github.io',
      KB_BASE: '/briefings',
    };
    const summary = await twoRuns(env);
    expect(summary.outcomes.map((o) => [o.id, o.outcome])).toEqual([
      ['rare-earths', 'published'],
      ['cobalt', 'published'],
    ]);
    expect(summary.notifications).toEqual([
      { query: 'rare-earths', channel: 'webhook', outcome: 'sent' },
      { query: 'rare-earths', channel: 'email', outcome: 'sent' },
    ]);

    // The ledger in each new session says what happened.
    const [, rare] = await sessionsOf('rare-earths');
    const [oldCobalt, cobalt] = await sessionsOf('cobalt');
    expect(rare!.ledger).toMatchObject({ material: true, previous: expect.any(String) });
    expect(cobalt!.ledger).toMatchObject({ previous: oldCobalt!.id, material: false, reasons: [] });
    expect(cobalt!.ledger!.figures.map((f) => f.status)).toEqual(['unchanged']);
    expect(cobalt!.ledger!.claims.every((c) => c.status === 'unchanged')).toBe(true);

    // One POST, for rare earths, with the figure's old and new values and both citations.
    expect(webhook.requests).toHaveLength(1);
    const payload = webhook.requests[0]!.json as AlertPayload;
    expect(webhook.requests[0]!.path).toBe(`/services/${TOKEN}`);
    expect(payload).toMatchObject({ kind: 'kb.material-change', query: 'rare-earths', session: rare!.id, url: expect.stringMatching(/^https:\/\/acme\.github\.io\/briefings\/q\/rare-earths\/2026-03-09-[0-9a-f]{8}\/$/) });
    expect(payload.figures).toEqual([
      {
        status: 'changed',
        label: 'US net import reliance on rare earth compounds',
        unit: '%',
        before: { value: 74, text: '74%', asOf: '2024', cite: 2, url: 'https://example.org/rare-earths/run0/2' },
        after: { value: 80, text: '80%', asOf: '2024', cite: 4, url: 'https://example.org/rare-earths/run1/4' },
        delta: 6,
        relative: 0.081081081,
        material: true,
      },
    ]);
    expect(payload.claims.filter((c) => c.status === 'new').map((c) => c.text)).toEqual(['A magnet plant opened in Texas. It makes 1,000 t of magnets a year [5].']);
    expect(payload.text).toContain('74% (2024) [2] → 80% (2024) [4], +6 points');
    expect(payload.text).toContain(payload.url);

    // One e-mail, for rare earths.
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.to).toEqual(['desk@example.org']);
    expect(smtp.messages[0]!.subject).toBe('Briefing changed: What is the import dependency of the US on China for rare earths?');
    expect(smtp.messages[0]!.text).toContain('74% (2024) [2] → 80% (2024) [4], +6 points');
    expect(smtp.messages[0]!.text).toContain('was 74% [2] https://example.org/rare-earths/run0/2');
    expect(smtp.messages[0]!.text).toContain('now 80% [4] https://example.org/rare-earths/run1/4');

    // The run line records the alerts; no secret is written anywhere in content/.
    const { runs } = await readRunHistory(content);
    expect(runs.at(-1)!.notifications).toEqual(summary.notifications);
    await expectNoSecrets(content);
  });

  it('a run with no material change sends nothing', async () => {
    webhook = await startLoopback((_req, res) => sendJson(res, 200, {}));
    const env = { KB_NOTIFY_URL: `${webhook.url}/services/${TOKEN}` };
    await runDue({ contentDir: content, env, now: () => clock, stages: stagesFor(run) });
    clock = new Date('2026-03-09T06:00:00Z'); // the same answers again
    const summary = await runDue({ contentDir: content, env, now: () => clock, stages: stagesFor(run) });
    expect(summary.outcomes.every((o) => o.outcome === 'published')).toBe(true);
    expect(summary.notifications).toBeUndefined();
    expect(webhook.requests).toHaveLength(0);
    expect((await readRunHistory(content)).runs.at(-1)!.notifications).toBeUndefined();
  });

  it.each<[string, Handler]>([
    ['answers 500', (_req, res) => sendJson(res, 500, { error: `hook ${TOKEN} is broken` })],
    ['hangs', () => new Promise(() => {})],
  ])('a webhook that %s: the run still publishes, and the run log records the failure', async (what, handler) => {
    webhook = await startLoopback(handler);
    const host = new URL(webhook.url).host;
    const summary = await twoRuns({ KB_NOTIFY_URL: `${webhook.url}/services/${TOKEN}` }, { notify: { timeoutMs: 300 } });
    expect(summary.outcomes.map((o) => o.outcome)).toEqual(['published', 'published']);
    expect((await sessionsOf('rare-earths')).length).toBe(2);
    const error = what === 'hangs' ? `webhook at ${host}: no answer within 0.3 s` : `webhook at ${host}: answered HTTP 500`;
    expect(summary.notifications).toEqual([{ query: 'rare-earths', channel: 'webhook', outcome: 'failed', error }]);
    const { entries, runs } = await readRunHistory(content);
    expect(runs.at(-1)).toMatchObject({ outcome: 'ok', published: ['rare-earths', 'cobalt'], notifications: [{ query: 'rare-earths', channel: 'webhook', outcome: 'failed', error }] });
    expect(entries.filter((e) => e.outcome === 'published')).toHaveLength(4);
    await expectNoSecrets(content);
  });

  describe('the kb command', () => {
    let printed: string[];
    beforeEach(async () => {
      printed = [];
      // The offline pipeline over the example corpus, after a briefing that said something else.
      await cp(path.join(EXAMPLE, 'corpus'), path.join(content, 'corpus'), { recursive: true });
      await writeSession(content, earlierBriefing());
    });
    afterEach(() => vi.unstubAllEnvs());
    const kb = (...args: string[]) => main(['run', '--content', content, '--query', 'rare-earths', ...args], (l) => printed.push(l), (l) => printed.push(l));

    it('--no-notify sends nothing, though the answer changed materially', async () => {
      webhook = await startLoopback((_req, res) => sendJson(res, 200, {}));
      vi.stubEnv('KB_NOTIFY_URL', `${webhook.url}/services/${TOKEN}`);
      expect(await kb('--no-notify')).toBe(0);
      const [, latest] = await sessionsOf('rare-earths');
      expect(latest!.ledger?.material).toBe(true);
      expect(webhook.requests).toHaveLength(0);
      expect(printed.join('\n')).not.toContain('alert');
    });

    it('a failed alert is a warning naming the host; the run exits 0 and says what it published', async () => {
      webhook = await startLoopback((_req, res) => sendJson(res, 500, {}));
      vi.stubEnv('KB_NOTIFY_URL', `${webhook.url}/services/${TOKEN}`);
      expect(await kb()).toBe(0);
      expect(webhook.requests).toHaveLength(1);
      const out = printed.join('\n');
      expect(out).toContain(`kb: warning: the webhook alert for rare-earths was not sent: webhook at ${new URL(webhook.url).host}: answered HTTP 500.`);
      expect(out).toContain('published 1, failed 0');
      expect(out).not.toContain(TOKEN);
    });
  });
});

/** A briefing of rare earths a week earlier, with claims and a figure today's corpus does not give. */
function earlierBriefing(): Session {
  return {
    id: 'earlier-briefing-0001',
    query: 'What is the import dependency of the US on China for rare earths?',
    querySlug: 'rare-earths',
    generatedAt: '2026-02-23T06:00:00.000Z',
    summary: '1. **Zebra herds migrate north each spring.** Herds of 200,000 zebras crossed the river [1].',
    analysis: 'Analysis.',
    tags: [],
    steps: [{ id: 's1', results: [{ title: 'Zebras', url: 'https://example.org/zebras' }] }],
    status: 'complete',
    schemaVersion: 2,
    answer: { text: 'Zebra herds of 200,000 animals migrate north each spring [1].', figures: [{ label: 'Zebras crossing the river', value: 200000, unit: '', cite: 1 }] },
  };
}

async function expectNoSecrets(content: string) {
  const { readdir } = await import('node:fs/promises');
  const names = (await readdir(content, { recursive: true })) as string[];
  for (const name of names) {
    const text = await readFile(path.join(content, name), 'utf8').catch(() => '');
    expect(text.includes(TOKEN) || text.includes(PASSWORD), name).toBe(false);
  }
}
