import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { sendJson, startLoopback, type Loopback } from '#tests/support/loopback.ts';
import { fastHttp } from '#tests/support/search-contract.ts';
import { KB_VARS } from '#kb/config/env.ts';
import { createLlmProvider, createSearchProvider, LLM_PROVIDERS, PROVIDERS, SEARCH_PROVIDERS } from './registry.ts';

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

const fast = { sleep: async () => {}, timeoutMs: 2000, retries: 0 };


const ask = { messages: [{ role: 'user' as const, content: 'Hi' }] };

describe('createLlmProvider', () => {
  let server: Loopback | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('builds the OpenAI-compatible provider from OPENAI_BASE_URL, OPENAI_API_KEY and KB_LLM_MODEL', async () => {
    server = await startLoopback((_req, res) => sendJson(res, 200, { model: 'llama3.1', choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }] }));
    const llm = createLlmProvider('openai', { OPENAI_BASE_URL: `${server.url}/v1`, OPENAI_API_KEY: 'local-key-123', KB_LLM_MODEL: 'llama3.1' }, { http: fast });
    expect([llm.name, llm.model]).toEqual(['openai', 'llama3.1']);
    await llm.complete(ask);
    expect(server.requests[0].path).toBe('/v1/chat/completions');
    expect(server.requests[0].headers.authorization).toBe('Bearer local-key-123');
    expect((server.requests[0].json as { model: string }).model).toBe('llama3.1');
  });

  it('prefers the model from config over KB_LLM_MODEL', () => {
    const llm = createLlmProvider('openai', { OPENAI_BASE_URL: 'http://localhost:11434/v1', KB_LLM_MODEL: 'from-env' }, { model: 'from-config' });
    expect(llm.model).toBe('from-config');
  });

  it('builds the Anthropic provider from ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY', async () => {
    server = await startLoopback((_req, res) =>
      sendJson(res, 200, { type: 'message', model: 'claude-x', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: 1 } }),
    );
    const llm = createLlmProvider('anthropic', { ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: 'ant-key-123', KB_LLM_MODEL: 'claude-x' }, { http: fast });
    expect(llm.name).toBe('anthropic');
    await llm.complete(ask);
    expect(server.requests[0].path).toBe('/v1/messages');
    expect(server.requests[0].headers['x-api-key']).toBe('ant-key-123');
  });

  it('asks for a model by naming KB_LLM_MODEL and the model: config key when none is set', () => {
    expect(() => createLlmProvider('openai', { OPENAI_BASE_URL: 'http://localhost:11434/v1' })).toThrow(/no model chosen\. Set KB_LLM_MODEL, or `model:` in content\/queries\.yaml/);
    expect(() => createLlmProvider('anthropic', { ANTHROPIC_API_KEY: 'k', KB_LLM_MODEL: '  ' })).toThrow(/KB_LLM_MODEL/);
  });

  it('uses the default OpenAI endpoint when no base URL is set, which needs a key', () => {
    expect(() => createLlmProvider('openai', { KB_LLM_MODEL: 'gpt-4o-mini' })).toThrow(/OPENAI_API_KEY/);
    expect(() => createLlmProvider('openai', { KB_LLM_MODEL: 'gpt-4o-mini', OPENAI_API_KEY: '' })).toThrow(/OPENAI_API_KEY/);
    expect(() => createLlmProvider('anthropic', { KB_LLM_MODEL: 'claude-x' })).toThrow(/ANTHROPIC_API_KEY/);
  });

  it('rejects an unknown provider name with the valid choices', () => {
    expect(() => createLlmProvider('gemini' as 'openai', { KB_LLM_MODEL: 'x' })).toThrow(/unknown model provider "gemini": use one of openai, anthropic/);
  });
});

// The docs list the providers and their variables by hand; these tests hold them to the registry,
// so a provider or variable added, renamed or removed there cannot be forgotten here.
describe('the docs list exactly the registry', () => {
  const read = (file: string) => readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');
  /** The markdown table whose first header cell is `first`, as rows of cells. */
  const table = (markdown: string, first: string): string[][] => {
    const lines = markdown.split('\n');
    const start = lines.findIndex((l) => l.startsWith('|') && cells(l)[0] === first);
    expect(start, `a table headed "${first}"`).toBeGreaterThanOrEqual(0);
    const rows: string[][] = [];
    for (const line of lines.slice(start + 2)) {
      if (!line.startsWith('|')) break;
      rows.push(cells(line));
    }
    return rows;
  };
  const cells = (line: string) => line.split('|').slice(1, -1).map((c) => c.trim());
  const codes = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  const variables = (cell: string) => codes(cell).filter((c) => /^[A-Z][A-Z0-9_]+$/.test(c));
  const varsOf = (kind: string) => PROVIDERS.flatMap((p) => (p.kind !== kind || p.offline ? [] : [p.env.key, p.env.base].filter((v) => v !== undefined)));
  const overrides = [KB_VARS.search, KB_VARS.llm, KB_VARS.model];

  it('docs/providers.md: each search provider with its variables and default base URL', () => {
    const rows = table(read('docs/providers.md'), '`search`');
    expect(rows.map((r) => codes(r[0])[0])).toEqual(SEARCH_PROVIDERS);
    for (const [name, , environment] of rows) {
      const provider = PROVIDERS.find((p) => p.kind === 'search' && `\`${p.name}\`` === name)!;
      if (provider.offline) {
        expect(variables(environment), name).toEqual([]);
      } else {
        expect(variables(environment), name).toEqual([provider.env.key, provider.env.base].filter((v) => v !== undefined));
        if (provider.env.defaultBase) expect(environment, name).toContain(`(default \`${provider.env.defaultBase}\`)`);
      }
    }
  });

  it('docs/providers.md: each model provider, and every model variable with its default', () => {
    const markdown = read('docs/providers.md');
    expect(table(markdown, '`llm`').map((r) => codes(r[0])[0])).toEqual(LLM_PROVIDERS);
    const rows = table(markdown, 'variable');
    expect(rows.map((r) => variables(r[0])[0]).sort()).toEqual([KB_VARS.llm, KB_VARS.model, ...varsOf('llm')].sort());
    // "`extractive`, `openai` or `anthropic`; overrides `llm:`": the names come before the semicolon.
    expect(codes(rows.find((r) => r[0] === `\`${KB_VARS.llm}\``)![1].split(';')[0])).toEqual(LLM_PROVIDERS);
    for (const provider of PROVIDERS) {
      if (provider.kind !== 'llm' || provider.offline) continue;
      expect(rows.find((r) => r[0] === `\`${provider.env.base}\``)![2]).toBe(`\`${provider.env.defaultBase}\``);
    }
  });

  it('docs/configuration.md: the provider overrides, the reader’s one variable, and the alerts’', () => {
    expect(table(read('docs/configuration.md'), 'variable').flatMap((r) => variables(r[0]))).toEqual([...overrides, KB_VARS.allowPrivateHosts, KB_VARS.notifyUrl, KB_VARS.smtpUrl, KB_VARS.notifyEmail, KB_VARS.searchOneIndexMax, KB_VARS.notifyGithub]);
  });

  it('README.md: every provider name, variable and default base URL', () => {
    const rows = table(read('README.md'), 'variable');
    // KB_SITE and KB_BASE configure the site build (astro.config.mjs), not providers; the alerts' variables are kb run's.
    expect(rows.flatMap((r) => variables(r[0])).sort()).toEqual([...overrides, ...varsOf('search'), ...varsOf('llm'), KB_VARS.site, KB_VARS.base, KB_VARS.allowPrivateHosts, KB_VARS.notifyUrl, KB_VARS.smtpUrl, KB_VARS.notifyEmail, KB_VARS.notifyGithub, KB_VARS.searchOneIndexMax].sort());
    const row = (variable: string) => rows.find((r) => variables(r[0]).includes(variable))!;
    expect(codes(row(KB_VARS.search)[1])).toEqual(SEARCH_PROVIDERS);
    expect(codes(row(KB_VARS.llm)[1])).toEqual(LLM_PROVIDERS);
    for (const provider of PROVIDERS) {
      if (provider.offline) continue;
      expect(variables(row(provider.env.base)[0]), provider.name).toEqual([provider.env.key, provider.env.base].filter((v) => v !== undefined));
      if (provider.env.defaultBase) expect(row(provider.env.base)[1], provider.name).toContain(`default \`${provider.env.defaultBase}\``);
    }
  });
});
