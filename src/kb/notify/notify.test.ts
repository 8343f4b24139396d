// The two channels against real servers on 127.0.0.1: a webhook (node:http) and an SMTP server
// (tests/support/smtp.ts) that nodemailer talks to as it would to any relay.
import { afterEach, describe, expect, it } from 'vitest';
import { sendJson, startLoopback, type Loopback } from '#tests/support/loopback.ts';
import { startSmtp, type LoopbackSmtp } from '#tests/support/smtp.ts';
import { compareSessions } from '#core/ledger/index.ts';
import type { Session } from '#core/session.ts';
import { alertMessage, briefingUrl, postWebhook, sendEmail } from './index.ts';

const TOKEN = 'T0KEN-hooks-SECRET-9f8e7d';
const PASSWORD = 'pa:ss/w0rd@SECRET';

function session(id: string, answer: string, value: number, cite: number, summary = ''): Session {
  return {
    id,
    query: 'What is the import dependency of the US on China for rare earths?',
    querySlug: 'us-china-rare-earths',
    generatedAt: id === 'new' ? '2026-03-09T06:00:00.000Z' : '2026-03-02T06:00:00.000Z',
    summary,
    analysis: 'Analysis.',
    tags: [],
    steps: [{ id: 's1', results: Array.from({ length: 6 }, (_, i) => ({ title: `R${i + 1}`, url: `https://example.org/${id}/${i + 1}` })) }],
    status: 'complete',
    answer: { text: answer, figures: [{ label: 'US net import reliance on rare earth compounds', value, unit: '%', text: `${value}%`, asOf: '2024', cite }] },
  };
}

const before = session('old', 'The US relies on imports for 74% of its rare earth compounds [2].', 74, 2);
const after = session('new', 'The US relies on imports for 80% of its rare earth compounds [4]. A magnet plant opened in Texas in 2026 [5].', 80, 4);
const ledger = compareSessions(before, after);

describe('the alert message', () => {
  it('names the question, the old and new values with both citations, the new claim, and links the briefing', () => {
    const url = briefingUrl('us-china-rare-earths', 'briefings/us-china-rare-earths/2026-03-09-abcdef12.mdx', { site: 'https://acme.github.io/', base: '/kb/' });
    expect(url).toBe('https://acme.github.io/kb/q/us-china-rare-earths/2026-03-09-abcdef12/');
    expect(briefingUrl('a', 'x/2026-03-09-abc.mdx', { base: '/' })).toBe('/q/a/2026-03-09-abc/');
    const { payload, subject, body } = alertMessage(after, ledger, url);
    expect(payload).toMatchObject({ kind: 'kb.material-change', query: 'us-china-rare-earths', session: 'new', previous: 'old', url });
    expect(payload.figures).toEqual([
      expect.objectContaining({ status: 'changed', before: expect.objectContaining({ value: 74, cite: 2, url: 'https://example.org/old/2' }), after: expect.objectContaining({ value: 80, cite: 4, url: 'https://example.org/new/4' }) }),
    ]);
    expect(payload.claims.map((c) => c.status)).toEqual(['changed', 'new']);
    expect(payload.text).toContain('US net import reliance on rare earth compounds: 74% (2024) [2] → 80% (2024) [4], +6 points');
    expect(payload.text).toContain('New claim: “A magnet plant opened in Texas in 2026 [5].”');
    expect(payload.text.endsWith(url)).toBe(true);
    expect(subject).toBe('Briefing changed: What is the import dependency of the US on China for rare earths?');
    expect(body).toContain('was 74% [2] https://example.org/old/2');
    expect(body).toContain('now 80% [4] https://example.org/new/4');
    expect(body).toContain(`Read the briefing: ${url}`);
  });
});

describe('an alert whose run was made another way', () => {
  it('says first that the method changed, and carries what changed in the payload', () => {
    const stamp = { pipeline: 1, package: '0.1.0', prompts: {}, analyst: 'extractive' as const, corpus: 'aaaaaaaaaaaaaaaa' };
    const older = { ...before, method: stamp };
    const newer = { ...after, method: { ...stamp, pipeline: 2 } };
    const { payload, body } = alertMessage(newer, compareSessions(older, newer), '/q/x/y/');
    expect(payload.method).toEqual({ status: 'changed', changes: ['pipeline 1 → 2'] });
    expect(payload.reasons[0]).toMatch(/^The method changed since the previous session \(pipeline 1 → 2\)/);
    expect(body.indexOf('The method changed')).toBeGreaterThanOrEqual(0);
    expect(body.indexOf('The method changed')).toBeLessThan(body.indexOf('74%'));
    // The same run made the same way says nothing of the method.
    expect(alertMessage(after, ledger, '/q/x/y/').payload.method).toEqual({ status: 'unknown', changes: [] });
  });
});

describe('postWebhook', () => {
  let server: Loopback | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('POSTs the payload as JSON', async () => {
    server = await startLoopback((_req, res) => sendJson(res, 200, { ok: true }));
    await postWebhook(`${server.url}/hooks/${TOKEN}`, { text: 'hi', n: 1 });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: `/hooks/${TOKEN}`, json: { text: 'hi', n: 1 } });
    expect(server.requests[0]!.headers['content-type']).toMatch(/^application\/json/);
  });

  it('a 500, a hang or a refused connection is an error that names the host, never the token', async () => {
    server = await startLoopback((_req, res) => sendJson(res, 500, { error: `bad hook ${TOKEN}` }));
    const host = new URL(server.url).host;
    const failure = (p: Promise<unknown>) => p.then(() => 'sent', (e: Error) => e.message);
    expect(await failure(postWebhook(`${server.url}/hooks/${TOKEN}?key=${TOKEN}`, {}))).toBe(`webhook at ${host}: answered HTTP 500`);
    await server.close();

    server = await startLoopback(() => new Promise(() => {})); // never answers
    const hung = new URL(server.url).host;
    expect(await failure(postWebhook(`${server.url}/hooks/${TOKEN}`, {}, { timeoutMs: 200 }))).toBe(`webhook at ${hung}: no answer within 0.2 s`);
    await server.close();
    server = undefined;

    expect(await failure(postWebhook(`http://user:${TOKEN}@${hung}/hooks/${TOKEN}`, {}, { timeoutMs: 2000 }))).toMatch(new RegExp(`^webhook at ${hung.replace('.', '\\.')}: could not connect`));
    expect(await failure(postWebhook(`ftp://example.org/${TOKEN}`, {}))).toBe('KB_NOTIFY_URL is not an http:// or an https:// URL');
    expect(await failure(postWebhook(`not a url ${TOKEN}`, {}))).toBe('KB_NOTIFY_URL is not a URL');
  });
});

describe('sendEmail', () => {
  let smtp: LoopbackSmtp | undefined;
  afterEach(async () => {
    await smtp?.close();
    smtp = undefined;
  });

  it('sends one plain-text message through SMTP_URL, logging in with its user and password', async () => {
    smtp = await startSmtp();
    const url = `smtp://alerts%40example.org:${encodeURIComponent(PASSWORD)}@127.0.0.1:${smtp.port}`;
    const { subject, body } = alertMessage(after, ledger, 'https://acme.github.io/kb/q/x/y/');
    await sendEmail(url, 'analyst@example.org, desk@example.org', { subject, text: body });
    expect(smtp.messages).toHaveLength(1);
    const [message] = smtp.messages;
    expect(message!.auth).toEqual({ user: 'alerts@example.org', pass: PASSWORD });
    expect(message!.from).toBe('alerts@example.org');
    expect(message!.to).toEqual(['analyst@example.org', 'desk@example.org']);
    expect(message!.subject).toBe(subject);
    expect(message!.text).toContain('US net import reliance on rare earth compounds: 74% (2024) [2] → 80% (2024) [4], +6 points');
    expect(message!.text).toContain('was 74% [2] https://example.org/old/2');
  });

  it('without a login, the message comes from the first recipient', async () => {
    smtp = await startSmtp();
    await sendEmail(`smtp://127.0.0.1:${smtp.port}`, 'analyst@example.org', { subject: 'S', text: 'T' });
    expect(smtp.messages.map((m) => [m.from, m.to, m.auth])).toEqual([['analyst@example.org', ['analyst@example.org'], undefined]]);
  });

  it('a refused login, a refused recipient or a silent server is an error that names the host, never the login', async () => {
    const failure = (p: Promise<unknown>) => p.then(() => 'sent', (e: Error) => e.message);
    for (const [fail, expected] of [
      ['auth', 'the server refused the login (EAUTH, SMTP 535)'],
      ['rcpt', 'the server refused the sender or a recipient (EENVELOPE, SMTP 550)'],
      ['data', 'the server refused the message (EMESSAGE, SMTP 554)'],
    ] as const) {
      smtp = await startSmtp({ fail });
      const url = `smtp://alerts%40example.org:${encodeURIComponent(PASSWORD)}@127.0.0.1:${smtp.port}`;
      const message = await failure(sendEmail(url, 'analyst@example.org', { subject: 'S', text: 'T' }));
      expect(message).toBe(`e-mail via 127.0.0.1:${smtp.port}: ${expected}`);
      await smtp.close();
    }
    smtp = await startSmtp({ hang: true });
    const silent = await failure(sendEmail(`smtp://u:${encodeURIComponent(PASSWORD)}@127.0.0.1:${smtp.port}`, 'a@example.org', { subject: 'S', text: 'T' }, { timeoutMs: 300 }));
    expect(silent).toBe(`e-mail via 127.0.0.1:${smtp.port}: no answer within 0.3 s (ETIMEDOUT)`);
    expect(await failure(sendEmail(`https://example.org/${PASSWORD}`, 'a@example.org', { subject: 'S', text: 'T' }))).toBe('SMTP_URL is not an smtp:// or an smtps:// URL');
  });
});
