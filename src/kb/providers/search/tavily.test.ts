import { afterEach, describe, expect, it } from 'vitest';
import { sendJson, startLoopback, type Loopback } from '#tests/support/loopback.ts';
import { fastHttp, searchProviderContract } from '#tests/support/search-contract.ts';
import { ProviderError } from '#kb/providers/types.ts';
import { createTavilySearch, ENV } from './tavily.ts';

const KEY = 'tvly-dev-1a2b3c4d5e6f7a8b9c0d';

/** A Tavily /search answer as documented (general topic; one news-style result with a date). */
const ANSWER = {
  query: 'US rare earth import dependency on China',
  follow_up_questions: null,
  answer: null,
  images: [],
  results: [
    {
      url: 'https://pubs.usgs.gov/periodicals/mcs2024/mcs2024-rare-earths.pdf',
      title: 'Rare Earths - USGS Mineral Commodity Summaries 2024',
      content: 'Import sources (2019–22): China, 72%; Malaysia, 11%; Japan, 6%; Estonia, 5%; and other, 6%.',
      score: 0.98376,
      raw_content: null,
    },
    {
      url: 'https://www.reuters.com/markets/commodities/china-rare-earths-2024-03-05/',
      title: 'China tightens grip on rare earths',
      content: 'China accounted for   about 70% of   US rare earth imports.\n',
      score: 0.91,
      published_date: 'Tue, 05 Mar 2024 10:00:00 GMT',
      raw_content: null,
    },
    { url: 'https://example.com/untitled', title: '', content: 'no title', score: 0.5 },
    { title: 'No url', content: 'dropped', score: 0.4 },
  ],
  response_time: 1.67,
  request_id: '123e4567-e89b-12d3-a456-426614174111',
};

searchProviderContract({
  name: 'tavily',
  key: KEY,
  create: (url, http) => createTavilySearch({ apiKey: KEY, baseUrl: url, http }),
  success: ANSWER,
  successCount: 2,
  empty: { query: 'x', follow_up_questions: null, answer: null, images: [], results: [], response_time: 0.4 },
  wrongShape: { detail: 'Not Found' },
  missing: '`results` list',
  refused: { status: 401, body: (key) => ({ detail: { error: `Unauthorized: missing or invalid API key ${key}.` } }) },
  rateLimited: { detail: { error: 'Your request has been blocked due to excessive requests. Please reduce rate of requests.' } },
});

describe('tavily', () => {
  let server: Loopback | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('asks for the page text and a start date, and hands the text over with the result to be read, not stored', async () => {
    const withRaw = { ...ANSWER, results: [{ ...ANSWER.results[0], raw_content: 'Net import reliance: 80% in 2024.' }, ANSWER.results[1]] };
    server = await startLoopback((_req, res) => sendJson(res, 200, withRaw));
    const hits = await createTavilySearch({ apiKey: KEY, baseUrl: server.url, http: fastHttp() }).search('q', { maxResults: 5, since: '2026-11-01' });
    expect(server.requests[0]!.json).toMatchObject({ include_raw_content: 'text', start_date: '2026-11-01' });
    expect(hits.map((h) => h.content)).toEqual(['Net import reliance: 80% in 2024.', undefined]);
    const plain = await createTavilySearch({ apiKey: KEY, baseUrl: server.url, http: fastHttp() }).search('q', { maxResults: 5 });
    expect(server.requests[1]!.json).not.toHaveProperty('start_date');
    expect(plain).toHaveLength(2);
  });

  it('POSTs {query, max_results, search_depth} to /search with a Bearer key, and normalises the results', async () => {
    server = await startLoopback((_req, res) => sendJson(res, 200, ANSWER));
    const results = await createTavilySearch({ apiKey: KEY, baseUrl: `${server.url}/`, http: fastHttp() }).search('US rare earth import dependency on China', { maxResults: 5 });
    const [request] = server.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/search');
    expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.json).toMatchObject({ query: 'US rare earth import dependency on China', max_results: 5, search_depth: 'basic' });
    expect(request.body).not.toContain(KEY); // the key travels only in the header
    expect(results).toEqual([
      {
        title: 'Rare Earths - USGS Mineral Commodity Summaries 2024',
        url: 'https://pubs.usgs.gov/periodicals/mcs2024/mcs2024-rare-earths.pdf',
        snippet: 'Import sources (2019–22): China, 72%; Malaysia, 11%; Japan, 6%; Estonia, 5%; and other, 6%.',
        source: 'pubs.usgs.gov',
      },
      {
        title: 'China tightens grip on rare earths',
        url: 'https://www.reuters.com/markets/commodities/china-rare-earths-2024-03-05/',
        snippet: 'China accounted for about 70% of US rare earth imports.',
        source: 'www.reuters.com',
        publishedAt: '2024-03-05',
      },
    ]);
  });

  it('asks for at most 20 results, the API limit', async () => {
    server = await startLoopback((_req, res) => sendJson(res, 200, ANSWER));
    await createTavilySearch({ apiKey: KEY, baseUrl: server.url, http: fastHttp() }).search('q', { maxResults: 50 });
    expect(server.requests[0].json).toMatchObject({ max_results: 20 });
  });

  it('defaults to the documented base URL', () => {
    expect(ENV).toEqual({ key: 'TAVILY_API_KEY', base: 'TAVILY_BASE_URL', defaultBase: 'https://api.tavily.com' });
  });

  it('refuses to start without a key, naming the variable to set', () => {
    for (const apiKey of [undefined, '', '   ']) {
      expect(() => createTavilySearch({ apiKey })).toThrow(new ProviderError('tavily', 'no API key. Set TAVILY_API_KEY in the environment.'));
    }
  });

  it('refuses a base URL that is not an http(s) URL', () => {
    expect(() => createTavilySearch({ apiKey: KEY, baseUrl: 'api.tavily.com' })).toThrow('tavily: TAVILY_BASE_URL is not a URL');
    expect(() => createTavilySearch({ apiKey: KEY, baseUrl: 'ftp://api.tavily.com' })).toThrow('must be an http(s) URL');
  });

  it('shows Tavily’s own error text for a refused request (plan limits, bad parameters)', async () => {
    server = await startLoopback((_req, res) => sendJson(res, 432, { detail: { error: 'This request exceeds your plan\'s set usage limit.' } }));
    const search = createTavilySearch({ apiKey: KEY, baseUrl: server.url, http: fastHttp() }).search('q', { maxResults: 5 });
    await expect(search).rejects.toThrow("tavily: the request was refused (HTTP 432): This request exceeds your plan's set usage limit.");
    expect(server.requests).toHaveLength(1);
  });
});
