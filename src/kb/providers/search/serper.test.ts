import { afterEach, describe, expect, it } from 'vitest';
import { sendJson, startLoopback, type Loopback } from '#tests/support/loopback.ts';
import { fastHttp, searchProviderContract } from '#tests/support/search-contract.ts';
import { ProviderError } from '#kb/providers/types.ts';
import { createSerperSearch, ENV } from './serper.ts';

const KEY = '3f9e2c7a1b5d8e4f6a0c2b9d7e1f3a5c8b6d4e2f';

/** A Serper /search answer as documented: Google's organic results, dates as Google shows them. */
const ANSWER = {
  searchParameters: { q: 'us rare earth imports china', type: 'search', engine: 'google', num: 10 },
  knowledgeGraph: { title: 'Rare-earth element', type: 'Chemical elements', description: 'The rare-earth elements…' },
  organic: [
    {
      title: 'Rare Earths Statistics and Information | U.S. Geological Survey',
      link: 'https://www.usgs.gov/centers/national-minerals-information-center/rare-earths-statistics-and-information',
      snippet: 'Rare earths are a group of 17 elements &mdash; the US imports most of them from China.',
      sitelinks: [{ title: 'Mineral Commodity Summaries', link: 'https://www.usgs.gov/mcs' }],
      date: 'Mar 5, 2024',
      position: 1,
    },
    { title: 'China&#39;s rare earth dominance', link: 'https://www.csis.org/analysis/rare-earths', snippet: 'Analysis of export controls.', date: '12 Feb 2025', position: 2 },
    { title: 'Rare earth prices this week', link: 'https://www.mining.com/rare-earths', snippet: 'Prices rose.', date: '2 days ago', position: 3 },
    { title: 'Not a web link', link: 'javascript:alert(1)', snippet: 'dropped', position: 4 },
  ],
  peopleAlsoAsk: [{ question: 'Where does the US get rare earths?', snippet: '…', title: '…', link: 'https://example.com/paa' }],
  relatedSearches: [{ query: 'rare earth elements list' }],
  credits: 1,
};

searchProviderContract({
  name: 'serper',
  key: KEY,
  create: (url, http) => createSerperSearch({ apiKey: KEY, baseUrl: url, http }),
  success: ANSWER,
  successCount: 3,
  empty: { searchParameters: { q: 'zzqxv', type: 'search', engine: 'google' }, organic: [], credits: 1 },
  wrongShape: { message: 'ok', statusCode: 200 },
  missing: '`organic` list',
  // Serper answers a bad key with 403 {"message":"Unauthorized.","statusCode":403}.
  refused: { status: 403, body: (key) => ({ message: `Unauthorized. (${key})`, statusCode: 403 }) },
  rateLimited: { message: 'Too many requests', statusCode: 429 },
});

describe('serper', () => {
  let server: Loopback | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('limits a search to what was published since a date with Google’s custom date range', async () => {
    server = await startLoopback((_req, res) => sendJson(res, 200, ANSWER));
    await createSerperSearch({ apiKey: KEY, baseUrl: server.url, http: fastHttp() }).search('q', { maxResults: 5, since: '2026-03-07' });
    expect(server.requests[0].json).toMatchObject({ q: 'q', tbs: 'cdr:1,cd_min:3/7/2026' });
  });

  it('POSTs {q, num} to /search with X-API-KEY, and normalises the results', async () => {
    server = await startLoopback((_req, res) => sendJson(res, 200, ANSWER));
    const results = await createSerperSearch({ apiKey: KEY, baseUrl: server.url, http: fastHttp() }).search('us rare earth imports china', { maxResults: 10 });
    const [request] = server.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/search');
    expect(request.headers['x-api-key']).toBe(KEY);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.json).toEqual({ q: 'us rare earth imports china', num: 10 });
    expect(request.body).not.toContain(KEY);
    expect(results).toEqual([
      {
        title: 'Rare Earths Statistics and Information | U.S. Geological Survey',
        url: 'https://www.usgs.gov/centers/national-minerals-information-center/rare-earths-statistics-and-information',
        snippet: 'Rare earths are a group of 17 elements — the US imports most of them from China.',
        source: 'www.usgs.gov',
        publishedAt: '2024-03-05',
      },
      { title: "China's rare earth dominance", url: 'https://www.csis.org/analysis/rare-earths', snippet: 'Analysis of export controls.', source: 'www.csis.org', publishedAt: '2025-02-12' },
      { title: 'Rare earth prices this week', url: 'https://www.mining.com/rare-earths', snippet: 'Prices rose.', source: 'www.mining.com' },
    ]);
  });

  it('treats an answer without `organic` (Google found nothing) as no results', async () => {
    server = await startLoopback((_req, res) => sendJson(res, 200, { searchParameters: { q: 'zzqxv', type: 'search', engine: 'google' }, credits: 1 }));
    expect(await createSerperSearch({ apiKey: KEY, baseUrl: server.url, http: fastHttp() }).search('zzqxv', { maxResults: 5 })).toEqual([]);
  });

  it('defaults to the documented base URL', () => {
    expect(ENV).toEqual({ key: 'SERPER_API_KEY', base: 'SERPER_BASE_URL', defaultBase: 'https://google.serper.dev' });
  });

  it('refuses to start without a key, naming the variable to set', () => {
    expect(() => createSerperSearch({ apiKey: '' })).toThrow(new ProviderError('serper', 'no API key. Set SERPER_API_KEY in the environment.'));
  });
});
