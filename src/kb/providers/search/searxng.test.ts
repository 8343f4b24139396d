import { afterEach, describe, expect, it } from 'vitest';
import { sendJson, startLoopback, type Loopback } from '#tests/support/loopback.ts';
import { fastHttp, searchProviderContract } from '#tests/support/search-contract.ts';
import { ProviderError } from '#kb/providers/types.ts';
import { createSearxngSearch, ENV } from './searxng.ts';

function hit(fields: Record<string, unknown>) {
  const url = new URL(String(fields.url));
  return {
    template: 'default.html',
    parsed_url: [url.protocol.slice(0, -1), url.host, url.pathname, '', url.search.slice(1), ''],
    engines: [fields.engine],
    positions: [1],
    score: 1,
    category: 'general',
    publishedDate: null,
    ...fields,
  };
}

/** A SearXNG format=json answer as documented (results merged from several engines). */
const ANSWER = {
  query: 'rare earth imports china',
  number_of_results: 0,
  results: [
    hit({ url: 'https://en.wikipedia.org/wiki/Rare-earth_element', title: 'Rare-earth element - Wikipedia', content: 'The rare-earth elements (REE) are a set of 17 <b>metallic</b> elements.', engine: 'wikipedia' }),
    hit({ url: 'https://www.reuters.com/markets/commodities/china-rare-earths/', title: 'China tightens grip on rare earths', content: 'Exports fell …', engine: 'bing news', category: 'news', publishedDate: '2024-03-05T10:00:00' }),
    hit({ url: 'https://www.bbc.co.uk/news/rare-earths', title: 'What are rare earths?', content: '', engine: 'duckduckgo', publishedDate: 'not a date' }),
  ],
  answers: [],
  corrections: [],
  infoboxes: [],
  suggestions: ['rare earth elements list'],
  unresponsive_engines: [['brave', 'too many requests']],
};

searchProviderContract({
  name: 'searxng',
  create: (url, http) => createSearxngSearch({ url, http }),
  success: ANSWER,
  successCount: 3,
  empty: { query: 'zzqxv', number_of_results: 0, results: [], answers: [], corrections: [], infoboxes: [], suggestions: [], unresponsive_engines: [] },
  wrongShape: { query: 'x', answers: [] },
  missing: '`results` list',
  rateLimited: '429 Too Many Requests',
});

describe('searxng', () => {
  let server: Loopback | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('GETs /search?q=…&format=json with no key, and normalises the results', async () => {
    server = await startLoopback((_req, res) => sendJson(res, 200, ANSWER));
    const results = await createSearxngSearch({ url: server.url, http: fastHttp() }).search('rare earth imports china', { maxResults: 10 });
    const [request] = server.requests;
    expect(request.method).toBe('GET');
    expect(request.url.pathname).toBe('/search');
    expect([...request.url.searchParams]).toEqual([
      ['q', 'rare earth imports china'],
      ['format', 'json'],
    ]);
    expect(request.headers.authorization).toBeUndefined();
    expect(results).toEqual([
      { title: 'Rare-earth element - Wikipedia', url: 'https://en.wikipedia.org/wiki/Rare-earth_element', snippet: 'The rare-earth elements (REE) are a set of 17 metallic elements.', source: 'en.wikipedia.org' },
      { title: 'China tightens grip on rare earths', url: 'https://www.reuters.com/markets/commodities/china-rare-earths/', snippet: 'Exports fell …', source: 'www.reuters.com', publishedAt: '2024-03-05' },
      { title: 'What are rare earths?', url: 'https://www.bbc.co.uk/news/rare-earths', source: 'www.bbc.co.uk' },
    ]);
  });

  it('limits a search to the smallest time range that covers a since date', async () => {
    server = await startLoopback((_req, res) => sendJson(res, 200, ANSWER));
    const searx = createSearxngSearch({ url: server.url, http: fastHttp() });
    const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
    await searx.search('a', { maxResults: 3, since: daysAgo(10) });
    await searx.search('b', { maxResults: 3, since: daysAgo(200) });
    expect(server.requests.map((r) => r.url.searchParams.get('time_range'))).toEqual(['month', 'year']);
  });

  it('keeps the path of an instance that lives under one', async () => {
    server = await startLoopback((_req, res) => sendJson(res, 200, ANSWER));
    await createSearxngSearch({ url: `${server.url}/searx/`, http: fastHttp() }).search('q', { maxResults: 3 });
    expect(server.requests[0].url.pathname).toBe('/searx/search');
  });

  it('a 403 says the JSON format is probably not enabled, and how to enable it', async () => {
    server = await startLoopback((_req, res) => {
      res.writeHead(403, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>403 Forbidden</title><h1>Forbidden</h1>');
    });
    const search = createSearxngSearch({ url: server.url, http: fastHttp() }).search('q', { maxResults: 3 });
    await expect(search).rejects.toThrow(`searxng: ${server.url} refused format=json (HTTP 403): the JSON format is probably not enabled on this instance. Add \`json\` to \`search.formats\` in its settings.yml`);
    expect(server.requests).toHaveLength(1);
  });

  it('a 429 that persists points at the instance’s bot limiter', async () => {
    server = await startLoopback((_req, res) => {
      res.writeHead(429, { 'content-type': 'text/plain' });
      res.end('Too Many Requests');
    });
    const search = createSearxngSearch({ url: server.url, http: fastHttp({ retries: 1 }) }).search('q', { maxResults: 3 });
    await expect(search).rejects.toThrow('searxng: rate limited (HTTP 429) by ' + server.url + ': its bot limiter may be blocking programmatic requests');
    expect(server.requests).toHaveLength(2);
  });

  it('needs an instance URL, named by its variable', () => {
    expect(ENV).toEqual({ base: 'SEARXNG_URL' });
    expect(() => createSearxngSearch({})).toThrow(new ProviderError('searxng', 'no instance URL. Set SEARXNG_URL in the environment (the instance must have the JSON format enabled).'));
    expect(() => createSearxngSearch({ url: 'localhost:8080' })).toThrow('searxng: SEARXNG_URL must be an http(s) URL, not localhost:');
    expect(() => createSearxngSearch({ url: 'not a url' })).toThrow('searxng: SEARXNG_URL is not a URL');
  });
});
