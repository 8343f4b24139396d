import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GITHUB_API_DEFAULT, githubSettings, notifySettings, providerOverrides, providerSettings, readVar, searchOneIndexMax, siteContentDir } from './env.ts';

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

describe('notifySettings', () => {
  it('turns the GitHub-issues channel on only with KB_NOTIFY_GITHUB, never by the token and repository alone', () => {
    const actions = { GITHUB_TOKEN: 'ghs_x', GITHUB_REPOSITORY: 'acme/kb', GITHUB_API_URL: 'https://api.github.com' };
    expect(notifySettings(actions)).toEqual({});
    expect(notifySettings({ ...actions, KB_NOTIFY_GITHUB: '0' })).toEqual({});
    expect(notifySettings({ ...actions, KB_NOTIFY_GITHUB: ' ' })).toEqual({});
    for (const on of ['1', 'true', 'TRUE', 'yes', 'on']) {
      expect(notifySettings({ ...actions, KB_NOTIFY_GITHUB: on }).github, on).toEqual({ token: 'ghs_x', repository: 'acme/kb', apiUrl: 'https://api.github.com' });
    }
  });

  it('defaults the API to api.github.com, and keeps a missing token or repository for the channel to report', () => {
    expect(githubSettings({ KB_NOTIFY_GITHUB: '1' })).toEqual({ apiUrl: GITHUB_API_DEFAULT });
    expect(GITHUB_API_DEFAULT).toBe('https://api.github.com');
    expect(githubSettings({ KB_NOTIFY_GITHUB: '1', GITHUB_API_URL: 'https://ghe.example.com/api/v3', GITHUB_TOKEN: '' })).toEqual({ apiUrl: 'https://ghe.example.com/api/v3' });
  });

  it('still needs both SMTP_URL and KB_NOTIFY_EMAIL for e-mail', () => {
    expect(notifySettings({ KB_NOTIFY_URL: 'https://h/x', SMTP_URL: 'smtp://h' })).toEqual({ webhook: 'https://h/x' });
    expect(notifySettings({ SMTP_URL: 'smtp://h', KB_NOTIFY_EMAIL: 'a@b' })).toEqual({ smtp: 'smtp://h', email: 'a@b' });
  });
});

describe('searchOneIndexMax', () => {
  it('reads KB_SEARCH_ONE_INDEX_MAX as a count of briefings, else the default', () => {
    expect(searchOneIndexMax({}, 300)).toBe(300);
    expect(searchOneIndexMax({ KB_SEARCH_ONE_INDEX_MAX: ' 0 ' }, 300)).toBe(0);
    expect(searchOneIndexMax({ KB_SEARCH_ONE_INDEX_MAX: '5000' }, 300)).toBe(5000);
    expect(searchOneIndexMax({ KB_SEARCH_ONE_INDEX_MAX: '' }, 300)).toBe(300);
  });

  it('refuses anything but a whole number, naming the variable and the default', () => {
    for (const bad of ['-1', '2.5', 'lots', '1e3']) {
      expect(() => searchOneIndexMax({ KB_SEARCH_ONE_INDEX_MAX: bad }, 300)).toThrow(`KB_SEARCH_ONE_INDEX_MAX must be a whole number of briefings (0 or more), not "${bad}". Unset it for the default, 300.`);
    }
  });
});
