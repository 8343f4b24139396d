import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sendJson, startLoopback, type Loopback } from '#tests/support/loopback.ts';
import { fastHttp } from '#tests/support/search-contract.ts';
import { createSearchProvider, SEARCH_PROVIDERS } from './index.ts';

describe('createSearchProvider', () => {
  let server: Loopback | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('lists the valid names when the name is unknown', async () => {
    await expect(createSearchProvider('google', {}, { contentDir: 'content' })).rejects.toThrow('search: unknown provider "google". Valid names: corpus, tavily, brave, searxng, serper');
    expect(SEARCH_PROVIDERS).toEqual(['corpus', 'tavily', 'brave', 'searxng', 'serper']);
  });

  it('names the missing variable for each keyed provider', async () => {
    await expect(createSearchProvider('tavily', {}, { contentDir: 'content' })).rejects.toThrow('tavily: no API key. Set TAVILY_API_KEY in the environment.');
    await expect(createSearchProvider('brave', {}, { contentDir: 'content' })).rejects.toThrow('brave: no API key. Set BRAVE_API_KEY in the environment.');
    await expect(createSearchProvider('serper', {}, { contentDir: 'content' })).rejects.toThrow('serper: no API key. Set SERPER_API_KEY in the environment.');
    await expect(createSearchProvider('searxng', {}, { contentDir: 'content' })).rejects.toThrow('searxng: no instance URL. Set SEARXNG_URL');
  });

  it.each([
    ['tavily', 'TAVILY_API_KEY', 'TAVILY_BASE_URL', { results: [] }],
    ['brave', 'BRAVE_API_KEY', 'BRAVE_BASE_URL', { type: 'search', web: { results: [] } }],
    ['serper', 'SERPER_API_KEY', 'SERPER_BASE_URL', { organic: [] }],
  ])('%s reads its key and base URL from the environment', async (name, keyVar, baseVar, answer) => {
    server = await startLoopback((_req, res) => sendJson(res, 200, answer));
    const provider = await createSearchProvider(` ${name.toUpperCase()} `, { [keyVar]: 'k-123456', [baseVar]: server.url }, { contentDir: 'content', http: fastHttp() });
    expect(provider.name).toBe(name);
    expect(await provider.search('q', { maxResults: 3 })).toEqual([]);
    expect(JSON.stringify(server.requests[0].headers)).toContain('k-123456');
  });

  it('searxng reads SEARXNG_URL', async () => {
    server = await startLoopback((_req, res) => sendJson(res, 200, { results: [] }));
    const provider = await createSearchProvider('searxng', { SEARXNG_URL: server.url }, { contentDir: 'content', http: fastHttp() });
    expect(await provider.search('q', { maxResults: 3 })).toEqual([]);
    expect(server.requests[0].url.searchParams.get('format')).toBe('json');
  });

  it('corpus needs no key and no network', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-search-index-'));
    const provider = await createSearchProvider('corpus', {}, { contentDir: dir });
    expect(provider.name).toBe('corpus');
  });
});
