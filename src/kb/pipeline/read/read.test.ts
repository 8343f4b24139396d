// Reading pages from a web of our own on 127.0.0.1 (tests/support/web.ts): real sockets, real
// compression, real timeouts. No request ever leaves this machine: addresses that are not
// loopback are refused before any connection, and the tests check that no socket was opened.
import diagnostics from 'node:diagnostics_channel';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createResponseCache } from '#kb/providers/http.ts';
import { bomb, drip, fixture, makePdf, redirect, sendPage, startWeb, type Web } from '#tests/support/web.ts';
import { createReader, privateHostsAllowed, READ_DEFAULTS, readPages, USER_AGENT, type ReaderOptions, type ReadItem, type ReadRequest } from './index.ts';

const QUESTION = 'How much lithium did the Kestrel Valley mine produce in 2024?';
const SNIPPET = 'Northern Mining Ledger on the Kestrel Valley mine.';

const open: Web[] = [];
const temps: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function web(routes: Parameters<typeof startWeb>[0]): Promise<Web> {
  const w = await startWeb(routes);
  open.push(w);
  return w;
}

/** Reads with the loopback web allowed (and nothing else private). */
function read(w: Web, items: ReadItem[], options: Partial<ReaderOptions & ReadRequest> = {}) {
  return readPages(items, { question: QUESTION, maxPages: 10, allowPrivateHosts: [w.host], ...options });
}

const item = (w: Web, p: string, extra: Partial<ReadItem> = {}): ReadItem => ({ url: `${w.url}${p}`, snippet: SNIPPET, ...extra });

/** Client sockets opened (net.connect) while `run` runs: the proof that nothing was sent. */
async function socketsOpenedDuring<T>(run: () => Promise<T>): Promise<{ result: T; sockets: number }> {
  let sockets = 0;
  const count = () => void sockets++;
  diagnostics.subscribe('net.client.socket', count);
  try {
    const result = await run();
    return { result, sockets };
  } finally {
    diagnostics.unsubscribe('net.client.socket', count);
  }
}

describe('reading the pages behind search results', () => {
  it('reads an article behind a menu, a cookie banner and a footer, and keeps only facts from its body', async () => {
    const w = await web({ '/kestrel': (_req, res) => sendPage(res, fixture('article.html')) });
    const { pages, stats } = await read(w, [item(w, '/kestrel')], { subQuery: 'Kestrel Valley lithium output tonnes 2024' });
    const [page] = pages;
    expect(page).toMatchObject({ status: 'read', kind: 'html', title: expect.stringContaining('Kestrel Valley lifts lithium output') });
    expect(page!.note).toBeUndefined();
    expect(page!.passages.length).toBeGreaterThan(0);
    expect(page!.passages.length).toBeLessThanOrEqual(READ_DEFAULTS.passagesPerSource);
    expect(page!.passages[0]!.text).toContain('41,300 tonnes of lithium carbonate equivalent in 2024');
    // Readability drops the headline (it repeats the title), so the lead has no heading above it.
    expect(page!.passages[0]!.where).toBe('paragraph 1');
    const all = page!.passages.map((p) => p.text).join('\n');
    expect(all).not.toMatch(/cookie|Accept all|Subscribe|newsletter|©|All rights reserved|Privacy policy|Home|Facebook|Copper prices/i);
    expect(w.requests.find((r) => r.path === '/kestrel')!.headers['user-agent']).toBe(USER_AGENT);
    expect(stats).toMatchObject({ pagesFetched: 1, fromCache: 0, robotsFetched: 1, requests: 2 });
    expect(stats.bytes).toBeGreaterThan(1000);
  });

  it('reads the text layer of a PDF and locates passages by page', async () => {
    const pdf = makePdf(
      [
        ['Kestrel Valley Lithium: Annual Report 2024', 'The Kestrel Valley mine produced 41,300 tonnes of lithium carbonate', 'equivalent in 2024, up from 35,900 tonnes in 2023, as the second line ran.'],
        ['Outlook', 'Capacity is to reach 60,000 tonnes a year by 2027 once the expansion', 'approved in January is built and the larger tailings dam is approved.'],
      ],
      'Kestrel Valley Annual Report 2024',
    );
    const w = await web({ '/report.pdf': (_req, res) => sendPage(res, pdf, { type: 'application/pdf' }) });
    const { pages } = await read(w, [item(w, '/report.pdf')]);
    expect(pages[0]).toMatchObject({ status: 'read', kind: 'pdf', title: 'Kestrel Valley Annual Report 2024' });
    expect(pages[0]!.passages[0]).toMatchObject({ where: 'page 1, paragraph 1', text: expect.stringContaining('41,300 tonnes') });
  });

  it('reads text/plain as it is', async () => {
    const text = 'Kestrel Valley production note\n\nThe Kestrel Valley mine produced 41,300 tonnes of lithium carbonate equivalent in 2024, the operator said in a filing.\n\nCosts fell to 5,200 dollars per tonne over the year.';
    const w = await web({ '/note.txt': (_req, res) => sendPage(res, text, { type: 'text/plain; charset=utf-8' }) });
    const { pages } = await read(w, [item(w, '/note.txt')]);
    expect(pages[0]).toMatchObject({ status: 'read', kind: 'text' });
    expect(pages[0]!.passages[0]!.text).toContain('41,300 tonnes');
  });

  it('uses page text the search provider already gave, and fetches nothing for it', async () => {
    const w = await web({});
    const content =
      '## Output\n\nThe Kestrel Valley mine produced 41,300 tonnes of lithium carbonate equivalent in 2024, up from 35,900 tonnes in 2023, the annual report said. The rise came from the second processing line, which ran at full capacity from April.';
    const { pages, stats } = await read(w, [item(w, '/never', { content })]);
    expect(pages[0]).toMatchObject({ status: 'read', kind: 'provided', passages: [{ where: 'Output, paragraph 1', text: expect.stringContaining('41,300') }] });
    expect(w.requests).toEqual([]);
    expect(stats.requests).toBe(0);
  });

  it('follows a short chain of redirects and says where the text came from', async () => {
    const w = await web({
      '/old': (_req, res) => redirect(res, '/moved', 301),
      '/moved': (_req, res) => redirect(res, '/kestrel', 302),
      '/kestrel': (_req, res) => sendPage(res, fixture('article.html')),
    });
    const { pages } = await read(w, [item(w, '/old')]);
    expect(pages[0]).toMatchObject({ status: 'read', finalUrl: `${w.url}/kestrel` });
  });

  it('gives up after the redirect limit, with a note', async () => {
    const w = await web({ '/loop': (req, res) => redirect(res, `/loop?n=${Number(new URL(req.url!, w.url).searchParams.get('n') ?? 0) + 1}`) });
    const { pages } = await read(w, [item(w, '/loop')], { maxRedirects: 3 });
    expect(pages[0]).toMatchObject({ status: 'snippet', note: 'The page could not be read (more than 3 redirects); the search snippet is used.' });
    expect(pages[0]!.passages).toEqual([{ text: SNIPPET, where: 'search snippet', score: expect.any(Number) }]);
    expect(w.hits('/loop')).toBe(4);
  });

  it('refuses a redirect to a private address or to something not on the web, and never requests it', async () => {
    const inside = await web({ '/admin': (_req, res) => sendPage(res, fixture('article.html')) });
    const w = await web({
      '/to-inside': (_req, res) => redirect(res, `${inside.url}/admin`),
      '/to-metadata': (_req, res) => redirect(res, 'http://169.254.169.254/latest/meta-data/'),
      '/to-localhost': (_req, res) => redirect(res, `http://localhost:${new URL(inside.url).port}/admin`),
      '/to-file': (_req, res) => redirect(res, 'file:///etc/passwd'),
    });
    const { pages } = await read(w, [item(w, '/to-inside'), item(w, '/to-metadata'), item(w, '/to-localhost'), item(w, '/to-file')]);
    expect(pages.map((p) => p.note)).toEqual([
      'The page was not fetched (it redirected to 127.0.0.1, a private network address); the search snippet is used.',
      'The page was not fetched (it redirected to 169.254.169.254, a private network address); the search snippet is used.',
      'The page was not fetched (it redirected to localhost, this machine); the search snippet is used.',
      'The page could not be read (it redirected to something that is not a web address); the search snippet is used.',
    ]);
    expect(inside.requests).toEqual([]);
  });

  it('tells a 404 from a 500 in the notes', async () => {
    const w = await web({ '/boom': (_req, res) => sendPage(res, 'oops', { status: 500 }) });
    const { pages } = await read(w, [item(w, '/missing'), item(w, '/boom')]);
    expect(pages.map((p) => p.note)).toEqual([
      'The page could not be read (HTTP 404, not found); the search snippet is used.',
      'The page could not be read (HTTP 500, the server failed); the search snippet is used.',
    ]);
  });

  it.each([
    ['gzip', 'gzip'],
    ['brotli', 'br'],
  ] as const)('stops a %s bomb at the byte cap, in bounded memory and time', async (_name, encoding) => {
    const gigabyte = 1024 ** 3;
    const served = bomb(encoding, gigabyte);
    const w = await web({ '/bomb': served, '/kestrel': (_req, res) => sendPage(res, fixture('article.html')) });
    const before = process.memoryUsage();
    const started = Date.now();
    const { pages, stats } = await read(w, [item(w, '/bomb'), item(w, '/kestrel')], { maxBytes: 2 * 1024 * 1024 });
    const after = process.memoryUsage();
    expect(pages[0]).toMatchObject({ status: 'snippet', note: 'The page could not be read (larger than the 2 MB limit); the search snippet is used.' });
    expect(pages[1]!.status).toBe('read');
    expect(Date.now() - started).toBeLessThan(10_000);
    // Read: at most the cap and one chunk. Inflated on the server side before the hang-up: a sliver of the gigabyte.
    expect(stats.bytes).toBeLessThan(2 * 1024 * 1024 + 256 * 1024 + 20_000);
    expect(served.produced()).toBeLessThan(gigabyte / 4);
    expect(after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers)).toBeLessThan(200 * 1024 * 1024);
  });

  it('ends a page that drips bytes for ever at the total timeout', async () => {
    const w = await web({ '/drip': drip(20) });
    const started = Date.now();
    const { pages } = await read(w, [item(w, '/drip')], { timeoutMs: 800 });
    expect(pages[0]!.note).toBe('The page could not be read (timed out after 0.8 s); the search snippet is used.');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('gives up on a connection that never opens at the connect timeout', async () => {
    // A name whose resolution never answers holds the connection in its connecting state.
    const started = Date.now();
    const { pages } = await readPages([{ url: 'http://stuck.test/', snippet: SNIPPET }], {
      question: QUESTION,
      maxPages: 1,
      connectTimeoutMs: 300,
      timeoutMs: 5_000,
      resolve: () => new Promise(() => {}),
    });
    expect(pages[0]!.note).toBe('The page could not be read (could not connect within 0.3 s); the search snippet is used.');
    // robots.txt and the page each wait for their connection (undici's timers are coarse, to about 1 s): well inside the total timeout.
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('refuses a page that declares more bytes than the cap without reading its body', async () => {
    const w = await web({ '/huge': (_req, res) => sendPage(res, Buffer.alloc(3 * 1024 * 1024, 0x61)) });
    const { pages, stats } = await read(w, [item(w, '/huge')], { maxBytes: 1024 * 1024 });
    expect(pages[0]!.note).toBe('The page could not be read (larger than the 1 MB limit); the search snippet is used.');
    expect(stats.bytes).toBe(0);
  });

  it('stops when the run is cancelled, and says so', async () => {
    const w = await web({ '/drip': drip(20), '/later': (_req, res) => sendPage(res, fixture('article.html')) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const { pages } = await read(w, [item(w, '/drip')], { signal: controller.signal, timeoutMs: 10_000 });
    expect(pages[0]!.note).toBe('The page could not be read (the run was cancelled); the search snippet is used.');
    expect(Date.now() - started).toBeLessThan(3_000);
    const after = await read(w, [item(w, '/later')], { signal: controller.signal });
    expect(after.pages[0]).toMatchObject({ status: 'skipped', note: 'Not read: the run was cancelled.' });
    expect(w.hits('/later')).toBe(0);
  });

  it('refuses content types it cannot read without downloading their bodies', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 1);
    const w = await web({
      '/image': (_req, res) => sendPage(res, big, { type: 'image/png' }),
      '/blob': (_req, res) => sendPage(res, big, { type: 'application/octet-stream' }),
    });
    const { pages, stats } = await read(w, [item(w, '/image'), item(w, '/blob')]);
    expect(pages.map((p) => p.note)).toEqual([
      'The page could not be read (it is image/png, not a web page, a PDF or plain text); the search snippet is used.',
      'The page could not be read (it is application/octet-stream, not a web page, a PDF or plain text); the search snippet is used.',
    ]);
    expect(stats.bytes).toBe(0);
  });

  it('keeps scripts, handlers and MDX-looking text inert: nothing runs, and the text stays text', async () => {
    const canary = globalThis as { __kbReadCanary?: string };
    delete canary.__kbReadCanary;
    const w = await web({ '/tender': (_req, res) => sendPage(res, fixture('hostile.html')) });
    const { pages } = await read(w, [item(w, '/tender')], { question: 'grid battery tender appendix process import Component' });
    expect(canary.__kbReadCanary).toBeUndefined();
    const text = pages[0]!.passages.map((p) => p.text).join('\n');
    expect(text).toContain("{process.exit()} and import x from 'y'");
    expect(text).toContain('<Component/>');
    expect(text).not.toMatch(/__kbReadCanary|javascript:/);
    // The page's own script URL was never fetched (it would have failed anyway: .invalid).
    expect(w.requests.map((r) => r.path).sort()).toEqual(['/robots.txt', '/tender']);
  });

  it('falls back to the snippet for a JavaScript-only shell and for a paywall stub, and says why', async () => {
    const w = await web({
      '/app': (_req, res) => sendPage(res, fixture('shell.html')),
      '/premium': (_req, res) => sendPage(res, fixture('paywall.html')),
    });
    const { pages } = await read(w, [item(w, '/app'), item(w, '/premium', { snippet: '' })]);
    expect(pages.map((p) => [p.status, p.note])).toEqual([
      ['snippet', 'The page could not be read (it needs JavaScript to show its text, and scripts are never run here); the search snippet is used.'],
      ['snippet', 'The page could not be read (it is behind a paywall: only a teaser and a subscription prompt); nothing from it is used.'],
    ]);
    expect(pages[1]!.passages).toEqual([]);
  });

  it('respects robots.txt: a disallowed path is never requested, and robots.txt is asked once per site', async () => {
    const w = await web({
      '/robots.txt': (_req, res) => sendPage(res, 'User-agent: *\nDisallow: /private/\n\nUser-agent: briefing-kb\nDisallow: /drafts/\n', { type: 'text/plain' }),
      '/private/report': (_req, res) => sendPage(res, fixture('article.html')),
      '/drafts/report': (_req, res) => sendPage(res, fixture('article.html')),
      '/kestrel': (_req, res) => sendPage(res, fixture('article.html')),
    });
    const { pages, stats } = await read(w, [item(w, '/drafts/report'), item(w, '/kestrel'), item(w, '/private/report')]);
    expect(pages.map((p) => p.status)).toEqual(['snippet', 'read', 'read']);
    expect(pages[0]!.note).toBe("The page was not fetched (the site's robots.txt asks crawlers not to read /drafts/report); the search snippet is used.");
    // The group naming this reader replaces the `*` group for it (RFC 9309 §2.2.1).
    expect(w.hits('/drafts/report')).toBe(0);
    expect(w.hits('/robots.txt')).toBe(1);
    expect(stats.robotsFetched).toBe(1);
  });

  it('reads robots.txt answers as RFC 9309 says: 4xx allows all, 5xx allows nothing, an unreachable one allows', async () => {
    const gone = await web({ '/robots.txt': (_req, res) => sendPage(res, 'gone', { status: 410 }), '/a': (_req, res) => sendPage(res, fixture('article.html')) });
    const failing = await web({ '/robots.txt': (_req, res) => sendPage(res, 'down', { status: 503 }), '/a': (_req, res) => sendPage(res, fixture('article.html')) });
    const broken = await web({ '/robots.txt': (req) => void req.socket.destroy(), '/a': (_req, res) => sendPage(res, fixture('article.html')) });
    const { pages } = await readPages([item(gone, '/a'), item(failing, '/a'), item(broken, '/a')], {
      question: QUESTION,
      maxPages: 3,
      allowPrivateHosts: [gone.host, failing.host, broken.host],
    });
    expect(pages.map((p) => p.status)).toEqual(['read', 'snippet', 'read']);
    expect(pages[1]!.note).toBe("The page was not fetched (the site's robots.txt failed with HTTP 503, which means no crawling for now); the search snippet is used.");
    expect(failing.hits('/a')).toBe(0);
  });

  it('never has more than perHost requests in flight to one site', async () => {
    const slow = (_req: unknown, res: Parameters<typeof sendPage>[0]) => void setTimeout(() => sendPage(res, fixture('article.html')), 150);
    const routes = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`/p${i}`, slow]));
    const w = await web(routes);
    const other = await web(routes);
    const items = [...Array.from({ length: 6 }, (_, i) => item(w, `/p${i}`)), ...Array.from({ length: 6 }, (_, i) => item(other, `/p${i}`))];
    const { pages } = await readPages(items, { question: QUESTION, maxPages: 12, perHost: 2, allowPrivateHosts: [w.host, other.host] });
    expect(pages.every((p) => p.status === 'read')).toBe(true);
    expect(w.maxInFlight).toBe(2);
    expect(other.maxInFlight).toBe(2);
  });

  it('reads only maxPages pages, best results first, and says so for the rest', async () => {
    const w = await web({ '/a': (_req, res) => sendPage(res, fixture('article.html')), '/b': (_req, res) => sendPage(res, fixture('article.html')) });
    const { pages } = await read(w, [item(w, '/a'), item(w, '/b')], { maxPages: 1 });
    expect(pages.map((p) => p.status)).toEqual(['read', 'skipped']);
    expect(pages[1]).toMatchObject({ note: 'Not read: only the first page of this step is read.', passages: [{ where: 'search snippet' }] });
    expect(w.hits('/b')).toBe(0);
  });

  it('refuses a loopback URL without the allow option, and no request reaches the server', async () => {
    const w = await web({ '/kestrel': (_req, res) => sendPage(res, fixture('article.html')) });
    const { result } = await socketsOpenedDuring(() => readPages([item(w, '/kestrel')], { question: QUESTION, maxPages: 1, allowPrivateHosts: false }));
    expect(result.pages[0]!.note).toBe('The page was not fetched (127.0.0.1 is a private network address); the search snippet is used.');
    expect(w.requests).toEqual([]);
  });

  it('allows private addresses from the environment only with KB_ALLOW_PRIVATE_HOSTS=1', () => {
    expect(privateHostsAllowed({ KB_ALLOW_PRIVATE_HOSTS: '1' })).toBe(true);
    expect(privateHostsAllowed({ KB_ALLOW_PRIVATE_HOSTS: 'true' })).toBe(false);
    expect(privateHostsAllowed({})).toBe(false);
  });

  it('refuses private literals (10.x, 169.254.x, IPv6) before opening any connection', async () => {
    const urls = ['http://10.20.30.40/report', 'http://169.254.169.254/latest/meta-data/', 'http://[fd00::1]/', 'http://[fe80::1]/', 'http://[::ffff:10.0.0.1]/', 'http://localhost/'];
    const started = Date.now();
    const { result, sockets } = await socketsOpenedDuring(() => readPages(urls.map((url) => ({ url, snippet: SNIPPET })), { question: QUESTION, maxPages: 10 }));
    expect(sockets).toBe(0);
    expect(result.stats.requests).toBe(0);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(result.pages.map((p) => p.note)).toEqual([
      'The page was not fetched (10.20.30.40 is a private network address); the search snippet is used.',
      'The page was not fetched (169.254.169.254 is a private network address); the search snippet is used.',
      'The page was not fetched (fd00::1 is a private network address); the search snippet is used.',
      'The page was not fetched (fe80::1 is a private network address); the search snippet is used.',
      'The page was not fetched (::ffff:a00:1 is a private network address); the search snippet is used.',
      'The page was not fetched (localhost is this machine); the search snippet is used.',
    ]);
  });

  it('refuses a name that resolves to a private address when connecting, so DNS rebinding gets nothing', async () => {
    const w = await web({ '/kestrel': (_req, res) => sendPage(res, fixture('article.html')) });
    const port = new URL(w.url).port;
    let connected = 0;
    const onConnect = () => void connected++;
    diagnostics.subscribe('undici:client:connected', onConnect);
    try {
      const { pages } = await readPages([{ url: `http://news.rebind.test:${port}/kestrel`, snippet: SNIPPET }, { url: `http://intranet.test:${port}/`, snippet: SNIPPET }], {
        question: QUESTION,
        maxPages: 2,
        resolve: async (name) => [{ address: name === 'news.rebind.test' ? '127.0.0.1' : '10.0.0.8', family: 4 }],
      });
      expect(pages.map((p) => p.note)).toEqual([
        'The page was not fetched (news.rebind.test resolves to 127.0.0.1, a private network address); the search snippet is used.',
        'The page was not fetched (intranet.test resolves to 10.0.0.8, a private network address); the search snippet is used.',
      ]);
    } finally {
      diagnostics.unsubscribe('undici:client:connected', onConnect);
    }
    expect(connected).toBe(0);
    expect(w.requests).toEqual([]);
  });

  it('serves a second read of the same page from the response cache, with no request at all', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kb-read-'));
    temps.push(dir);
    const w = await web({ '/kestrel': (_req, res) => sendPage(res, fixture('article.html')), '/gone': (_req, res) => sendPage(res, 'gone', { status: 410 }) });
    const items = [item(w, '/kestrel'), item(w, '/gone')];
    const first = await read(w, items, { cache: createResponseCache(dir) });
    const seen = w.requests.length;
    const second = await read(w, items, { cache: createResponseCache(dir) });
    expect(w.requests.length).toBe(seen);
    expect(second.stats).toMatchObject({ pagesFetched: 0, fromCache: 2, requests: 0, robotsFetched: 0 });
    expect(second.pages[0]).toEqual({ ...first.pages[0], fromCache: true });
    expect(second.pages[1]!.note).toBe(first.pages[1]!.note);
  });

  it('reads a page two steps cite once per run, and shares robots.txt across steps', async () => {
    const w = await web({ '/kestrel': (_req, res) => sendPage(res, fixture('article.html')) });
    const reader = createReader({ allowPrivateHosts: [w.host] });
    try {
      const one = await reader.read([item(w, '/kestrel')], { question: QUESTION, maxPages: 3 });
      const two = await reader.read([item(w, '/kestrel')], { question: 'What did Kestrel Valley costs do?', subQuery: 'Kestrel Valley costs per tonne', maxPages: 3 });
      expect(one[0]!.passages[0]!.text).toContain('41,300');
      expect(two[0]!.passages[0]!.text).toContain('5,200');
      expect(w.hits('/kestrel')).toBe(1);
      expect(w.hits('/robots.txt')).toBe(1);
    } finally {
      await reader.close();
    }
  });

  it('ends every hostile case in bounded time with a note, and still reads the good page', async () => {
    const w = await web({
      '/kestrel': (_req, res) => sendPage(res, fixture('article.html')),
      '/bomb': bomb('gzip', 1024 ** 3),
      '/drip': drip(20),
      '/hang': () => {},
      '/image': (_req, res) => sendPage(res, Buffer.alloc(1024), { type: 'image/png' }),
      '/app': (_req, res) => sendPage(res, fixture('shell.html')),
      '/premium': (_req, res) => sendPage(res, fixture('paywall.html')),
      '/reset': (req) => void req.socket.destroy(),
    });
    const paths = ['/bomb', '/drip', '/hang', '/image', '/app', '/premium', '/reset', '/missing', '/kestrel'];
    const started = Date.now();
    const { pages } = await read(w, paths.map((p) => item(w, p)), { timeoutMs: 1_500, maxBytes: 1024 * 1024, perHost: 9 });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(pages.at(-1)!.status).toBe('read');
    for (const page of pages.slice(0, -1)) {
      expect(page.status).toBe('snippet');
      expect(page.note).toMatch(/^The page could not be read \(.+\); the search snippet is used\.$/);
    }
    expect(pages.map((p) => p.note?.match(/\((.+)\)/)?.[1])).toEqual([
      'larger than the 1 MB limit',
      'timed out after 1.5 s',
      'timed out after 1.5 s',
      'it is image/png, not a web page, a PDF or plain text',
      'it needs JavaScript to show its text, and scripts are never run here',
      'it is behind a paywall: only a teaser and a subscription prompt',
      'the connection broke',
      'HTTP 404, not found',
      undefined,
    ]);
  });
});
