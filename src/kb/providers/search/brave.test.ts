import { afterEach, describe, expect, it } from 'vitest';
import { sendJson, startLoopback, type Loopback } from '#tests/support/loopback.ts';
import { fastHttp, searchProviderContract } from '#tests/support/search-contract.ts';
import { ProviderError } from '#kb/providers/types.ts';
import { createBraveSearch, ENV } from './brave.ts';

const KEY = 'BSAx9Qm2Lr7Tz4Wv8Ny3Kp6Hj1Fd5Gc';

function webResult(fields: Record<string, unknown>) {
  const url = new URL(String(fields.url));
  return {
    type: 'search_result',
    subtype: 'generic',
    is_source_local: false,
    is_source_both: false,
    language: 'en',
    family_friendly: true,
    profile: { name: url.hostname.replace(/^www\./, ''), url: url.origin, long_name: url.hostname, img: 'https://imgs.search.brave.com/x.png' },
    meta_url: { scheme: 'https', netloc: url.hostname, hostname: url.hostname, favicon: 'https://imgs.search.brave.com/f.png', path: '› rare-earths' },
    ...fields,
  };
}

/** A Brave web search answer as documented: highlights in <strong>, entities escaped. */
const ANSWER = {
  type: 'search',
  query: { original: 'us rare earth imports china', show_strict_warning: false, is_navigational: false, spellcheck_off: true, country: 'us', more_results_available: true },
  mixed: { type: 'mixed', main: [{ type: 'web', index: 0, all: false }], top: [], side: [] },
  web: {
    type: 'search',
    family_friendly: true,
    results: [
      webResult({
        title: 'US <strong>rare earth</strong> imports &amp; China&#x27;s share',
        url: 'https://www.usgs.gov/centers/national-minerals-information-center/rare-earths-statistics-and-information',
        description: 'The United States imported <strong>72%</strong> of its <strong>rare earth</strong> compounds and metals from China &quot;by value&quot;.',
        page_age: '2024-01-31T00:00:00',
        age: 'January 31, 2024',
      }),
      webResult({
        title: 'Rare earths explained',
        url: 'https://www.cnn.com/2025/04/rare-earths-explained',
        description: 'What are <strong>rare earths</strong>?',
        age: 'April 14, 2025',
      }),
      webResult({ title: 'Recent coverage', url: 'https://news.example.org/rare', description: 'Updated', age: '3 days ago' }),
      webResult({ title: '<strong></strong>', url: 'https://empty-title.example.com/', description: 'dropped: no title once tags go' }),
    ],
  },
};

searchProviderContract({
  name: 'brave',
  key: KEY,
  create: (url, http) => createBraveSearch({ apiKey: KEY, baseUrl: url, http }),
  success: ANSWER,
  successCount: 3,
  empty: { type: 'search', query: { original: 'zzqxv nothing', more_results_available: false }, mixed: { type: 'mixed', main: [], top: [], side: [] } },
  wrongShape: { status: 'ok', items: [] },
  missing: '`web.results` list',
  refused: {
    status: 401,
    body: (key) => ({ type: 'ErrorResponse', error: { id: 'e1', status: 401, code: 'UNAUTHORIZED', detail: `Token ${key} not recognised.`, meta: { component: 'authentication' } }, time: 1 }),
  },
  rateLimited: {
    type: 'ErrorResponse',
    error: { id: 'e2', status: 429, code: 'RATE_LIMITED', detail: 'Request rate limit exceeded for plan', meta: { plan: 'Free', rate_limit: 1, rate_current: 1, quota_limit: 2000, quota_current: 15, component: 'rate_limiter' } },
    time: 1773685964,
  },
});

describe('brave', () => {
  let server: Loopback | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('GETs /res/v1/web/search?q=…&count=… with X-Subscription-Token, and normalises the results', async () => {
    server = await startLoopback((_req, res) => sendJson(res, 200, ANSWER));
    const query = 'US rare earth imports & "China"';
    const results = await createBraveSearch({ apiKey: KEY, baseUrl: server.url, http: fastHttp() }).search(query, { maxResults: 8 });
    const [request] = server.requests;
    expect(request.method).toBe('GET');
    expect(request.url.pathname).toBe('/res/v1/web/search');
    expect([...request.url.searchParams]).toEqual([
      ['q', query],
      ['count', '8'],
    ]);
    expect(request.headers['x-subscription-token']).toBe(KEY);
    expect(request.headers.accept).toBe('application/json');
    expect(request.path).not.toContain(KEY);
    expect(results).toEqual([
      {
        title: "US rare earth imports & China's share",
        url: 'https://www.usgs.gov/centers/national-minerals-information-center/rare-earths-statistics-and-information',
        snippet: 'The United States imported 72% of its rare earth compounds and metals from China "by value".',
        source: 'www.usgs.gov',
        publishedAt: '2024-01-31',
      },
      { title: 'Rare earths explained', url: 'https://www.cnn.com/2025/04/rare-earths-explained', snippet: 'What are rare earths?', source: 'www.cnn.com', publishedAt: '2025-04-14' },
      // A relative age ("3 days ago") is no date: left out rather than guessed.
      { title: 'Recent coverage', url: 'https://news.example.org/rare', snippet: 'Updated', source: 'news.example.org' },
    ]);
  });

  it('limits a search to what was published since a date with a freshness range', async () => {
    server = await startLoopback((_req, res) => sendJson(res, 200, ANSWER));
    const brave = createBraveSearch({ apiKey: KEY, baseUrl: server.url, http: fastHttp() });
    await brave.search('q', { maxResults: 5, since: '2026-11-01' });
    expect(server.requests[0].url.searchParams.get('freshness')).toMatch(/^2026-11-01to\d{4}-\d\d-\d\d$/);
    await brave.search('q2', { maxResults: 5 });
    expect(server.requests[1].url.searchParams.has('freshness')).toBe(false);
  });

  it('asks for at most 20 results, the API limit', async () => {
    server = await startLoopback((_req, res) => sendJson(res, 200, ANSWER));
    await createBraveSearch({ apiKey: KEY, baseUrl: server.url, http: fastHttp() }).search('q', { maxResults: 100 });
    expect(server.requests[0].url.searchParams.get('count')).toBe('20');
  });

  it('an invalid subscription token (Brave answers 422) says the key was refused', async () => {
    server = await startLoopback((_req, res) =>
      sendJson(res, 422, {
        type: 'ErrorResponse',
        error: { id: 'e3', status: 422, code: 'SUBSCRIPTION_TOKEN_INVALID', detail: 'The provided subscription token is invalid.', meta: { component: 'authentication' } },
        time: 1,
      }),
    );
    const search = createBraveSearch({ apiKey: KEY, baseUrl: server.url, http: fastHttp() }).search('q', { maxResults: 5 });
    await expect(search).rejects.toThrow('brave: the API key was refused (HTTP 422, invalid subscription token). Check BRAVE_API_KEY in the environment');
    expect(server.requests).toHaveLength(1);
  });

  it('other 422s show Brave’s own detail', async () => {
    server = await startLoopback((_req, res) =>
      sendJson(res, 422, { type: 'ErrorResponse', error: { id: 'e4', status: 422, code: 'VALIDATION', detail: 'Unable to validate request parameter(s).', meta: { errors: [{ loc: ['query', 'q'], msg: 'ensure this value has at most 400 characters' }] } }, time: 1 }),
    );
    const search = createBraveSearch({ apiKey: KEY, baseUrl: server.url, http: fastHttp() }).search('q'.repeat(500), { maxResults: 5 });
    await expect(search).rejects.toThrow('brave: the request was refused (HTTP 422): Unable to validate request parameter(s).');
  });

  it('an answer that is not a search answer and has no web section is an error', async () => {
    server = await startLoopback((_req, res) => sendJson(res, 200, { type: 'summarizer', status: 'complete' }));
    const search = createBraveSearch({ apiKey: KEY, baseUrl: server.url, http: fastHttp() }).search('q', { maxResults: 5 });
    await expect(search).rejects.toThrow('brave: answer had no `web.results` list (got an object with `type`, `status`)');
  });

  it('defaults to the documented base URL', () => {
    expect(ENV).toEqual({ key: 'BRAVE_API_KEY', base: 'BRAVE_BASE_URL', defaultBase: 'https://api.search.brave.com' });
  });

  it('refuses to start without a key, naming the variable to set', () => {
    expect(() => createBraveSearch({})).toThrow(new ProviderError('brave', 'no API key. Set BRAVE_API_KEY in the environment.'));
  });
});
