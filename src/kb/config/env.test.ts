import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { providerOverrides, providerSettings, readVar, siteContentDir } from './env.ts';

describe('env', () => {
  it('trims values and treats a blank one as unset', () => {
    expect(readVar({ A: '  x ' }, 'A')).toBe('x');
    expect(readVar({ A: '   ' }, 'A')).toBeUndefined();
    expect(providerOverrides({ KB_SEARCH_PROVIDER: ' tavily ', KB_LLM_PROVIDER: '', KB_LLM_MODEL: 'm' })).toEqual({ search: 'tavily', llm: undefined, model: 'm' });
  });

  it("reads a provider's key and base URL from the variables it declares", () => {
    const vars = { key: 'X_API_KEY', base: 'X_BASE_URL', defaultBase: 'https://x.example' };
    expect(providerSettings({ X_API_KEY: ' k ', X_BASE_URL: '' }, vars)).toEqual({ key: 'k', base: undefined });
    expect(providerSettings({ X_BASE_URL: 'http://h' }, { base: 'X_BASE_URL' })).toEqual({ key: undefined, base: 'http://h' });
    expect(providerSettings({ X_API_KEY: 'k' }, undefined)).toEqual({});
  });

  it('builds the site from KB_CONTENT_DIR, else ./content', () => {
    expect(siteContentDir({ KB_CONTENT_DIR: '/kb/elsewhere' })).toBe(path.resolve('/kb/elsewhere'));
    expect(siteContentDir({})).toBe(path.resolve('content'));
  });
});
