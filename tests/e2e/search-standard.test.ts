// Pagefind's standard index at /pagefind/ in Debian's Chromium, for a knowledge base of four
// briefings over three years, in both layouts (src/search/layout.ts): as the one index, and, as a
// knowledge base past KB_SEARCH_ONE_INDEX_MAX has it, as date bundles merged into one index
// (src/search/merge.ts). In both,
//   - Pagefind's own API works from /pagefind/pagefind.js and ranks across the whole history, as
//     does Pagefind's own UI (pagefind-ui.js), and another site's Pagefind index can mergeIndex it;
//   - the search page too ranks by relevance across the whole history: an old briefing about a
//     word comes before newer ones that only mention it, whichever year they are in (with date
//     bundles: one word from the word directory, before Pagefind loads, as Pagefind's API ranks
//     it; anything else from the merged index); "newest first" is a choice, and so is the year.
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { indexDocuments } from '#search/pagefind-cli.ts';
import { chromiumMissing, hasChromium, sessionsSite } from './harness.ts';

if (!hasChromium) console.warn(chromiumMissing);

const session = (id: string, slug: string, generatedAt: string, query: string, answer: string, snippet: string) => ({
  schemaVersion: 2,
  id,
  query,
  querySlug: slug,
  generatedAt,
  answer: { text: `${answer} [1].`, figures: [] },
  summary: 'A short summary [1].',
  analysis: '',
  tags: ['minerals'],
  steps: [{ id: 'step_1', query: `${slug} sources`, results: [{ title: `${slug} report`, url: `https://example.org/${slug}/${id.slice(0, 4)}`, snippet }] }],
  status: 'complete',
});

// The 2024 briefing is about hafnium; the newer ones mention it once, in a source's snippet.
const sessions = [
  session('1a1a1a1a-0000-4000-8000-000000000001', 'hafnium-supply', '2024-05-02T09:00:00Z', 'Who supplies hafnium for superalloys?', 'Hafnium comes from zirconium refining: hafnium supply follows zirconium output', 'Hafnium is a by-product of zirconium.'),
  session('2b2b2b2b-0000-4000-8000-000000000002', 'nuclear-fuel', '2025-06-03T09:00:00Z', 'How secure is nuclear fuel cladding supply?', 'Cladding depends on a few zirconium plants', 'Cladding must be free of hafnium.'),
  session('3c3c3c3c-0000-4000-8000-000000000003', 'turbine-alloys', '2026-02-04T09:00:00Z', 'Are turbine alloys short of inputs?', 'Alloy makers report long lead times', 'Some grades add hafnium.'),
  session('4d4d4d4d-0000-4000-8000-000000000004', 'chip-materials', '2026-03-05T09:00:00Z', 'Which chip materials face export controls?', 'Gallium and germanium are controlled', 'Gate oxides use hafnium.'),
];

const layouts = [
  { name: 'the one index', env: {} },
  { name: 'date bundles merged into one index', env: { KB_SEARCH_ONE_INDEX_MAX: '0' } },
] as const;

describe.skipIf(!hasChromium).each(layouts)('$name: Pagefind\'s own API and UI, and relevance across all history', ({ name, env }) => {
  let browser: Browser;
  let url: string;
  let dist: string;
  let names: Record<string, string>;
  let close: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const built = await sessionsSite('kb-standard-', sessions, { env: { ...process.env, ...env } });
    ({ browser, url, close } = built);
    dist = path.join(built.dir, 'dist');
    names = Object.fromEntries(await Promise.all(sessions.map(async (s) => [s.querySlug, (await built.sessions(s.querySlug))[0]!])));
    // A page of the site owner's own, using Pagefind's ready-made UI on this index.
    await writeFile(
      path.join(dist, 'owner-search.html'),
      '<!doctype html><html lang="en"><head><link href="/pagefind/pagefind-ui.css" rel="stylesheet"><script src="/pagefind/pagefind-ui.js"></script></head>' +
        '<body><div id="search"></div><script>window.addEventListener("DOMContentLoaded", () => new PagefindUI({ element: "#search" }));</script></body></html>',
    );
    // Another site's own Pagefind index, one page, at /other/pagefind/.
    const other = path.join(built.dir, 'other');
    await mkdir(path.join(other, 'alloys'), { recursive: true });
    await writeFile(path.join(other, 'alloys', 'index.html'), '<html lang="en"><body><main><h1>Alloy notes</h1><p>Superalloys use hafnium and rhenium.</p></main></body></html>');
    await indexDocuments(other, path.join(dist, 'other', 'pagefind'), 1, { standard: true });
  }, 180_000);

  afterAll(async () => {
    await close();
  });

  const briefingPath = (slug: string) => `/q/${slug}/${names[slug]}/`;

  it('answers Pagefind\'s own API at /pagefind/pagefind.js, with every briefing and its meta', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    // As a string: the test runner would rewrite a dynamic import written in a function.
    const found = (await page.evaluate(`(async () => {
      const pagefind = await import('/pagefind/pagefind.js');
      await pagefind.init();
      const search = await pagefind.search('hafnium');
      const data = await Promise.all(search.results.map((r) => r.data()));
      const filters = await pagefind.filters();
      return { urls: data.map((d) => d.url), titles: data.map((d) => d.meta.title), years: filters.year, nowhere: (await pagefind.search('xylophonist')).results.length };
    })()`)) as { urls: string[]; titles: string[]; years: Record<string, number>; nowhere: number };
    expect(found.urls).toHaveLength(4);
    // Relevance across the whole history: the 2024 briefing about hafnium first.
    expect(found.urls[0]).toBe(briefingPath('hafnium-supply'));
    expect(new Set(found.urls)).toEqual(new Set(sessions.map((s) => briefingPath(s.querySlug))));
    expect(found.titles[0]).toBe('Who supplies hafnium for superalloys?');
    expect(found.years).toEqual({ '2024': 1, '2025': 1, '2026': 2 });
    expect(found.nowhere).toBe(0);
    await page.close();
  });

  it('works with Pagefind\'s own UI on a page of the site owner\'s', async () => {
    const page = await browser.newPage();
    await page.goto(new URL('owner-search.html', url).href);
    await page.locator('.pagefind-ui__search-input').fill('hafnium');
    await expect.poll(() => page.locator('.pagefind-ui__result-link').count(), { timeout: 15_000 }).toBe(4);
    expect(await page.locator('.pagefind-ui__result-link').first().getAttribute('href')).toBe(briefingPath('hafnium-supply'));
    await page.close();
  });

  it('is merged into another site\'s search by Pagefind\'s mergeIndex', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    const found = (await page.evaluate(`(async () => {
      const pagefind = await import('/other/pagefind/pagefind.js');
      await pagefind.mergeIndex('/pagefind/');
      const search = await pagefind.search('hafnium');
      return (await Promise.all(search.results.map((r) => r.data()))).map((d) => d.url);
    })()`)) as string[];
    // Pagefind gives the other site's page its own base URL, /other/.
    expect(new Set(found)).toEqual(new Set(['/other/alloys/', ...sessions.map((s) => briefingPath(s.querySlug))]));
    await page.close();
  });

  if (name !== 'the one index') it('keeps the date bundles the search page reads beside the standard index', async () => {
    expect((await readdir(path.join(dist, 'pagefind'))).filter((f) => /^\d{4}$/.test(f)).sort()).toEqual(['2024', '2025', '2026']);
  });

  async function hits(query: string): Promise<{ page: Page; paths: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 4000 } });
    await page.goto(new URL(`search/${query}`, url).href);
    await expect.poll(() => page.locator('.search-results .hit-title a').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.locator('.hit-loading').count(), { timeout: 15_000 }).toBe(0);
    const paths = await page.locator('.search-results .hit-title a').evaluateAll((as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
    return { page, paths };
  }

  if (name === 'the one index') it('ranks an old briefing about the word above newer ones that only mention it, on the search page', async () => {
    const { page, paths } = await hits('?q=hafnium');
    expect(paths).toHaveLength(4);
    expect(paths[0]).toBe(briefingPath('hafnium-supply'));
    // Every period was searched at once: nothing is left to "search earlier briefings" for.
    expect(await page.locator('[data-summary]').innerText()).toBe('4 briefings found for “hafnium”.');
    expect(await page.locator('[data-more]').isVisible()).toBe(false);
    await page.close();
  });

  if (name !== 'the one index') it('on the search page, ranks all history as one by relevance, for words the directory does not answer too', async () => {
    // Two words, and one the directory leaves to Pagefind ("hafnium" shares places with
    // "hafniumsuppli", from a title's "hafnium-supply"): the merged index ranks 2024's briefing
    // about hafnium first, though three newer ones mention it; no date bundle is searched.
    for (const query of ['?q=hafnium+report', '?q=hafnium']) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 4000 } });
      const requested: string[] = [];
      page.on('request', (r) => requested.push(new URL(r.url()).pathname));
      await page.goto(new URL(`search/${query}`, url).href);
      await expect.poll(() => page.locator('.search-results .hit-title a').count(), { timeout: 15_000 }).toBe(4);
      const paths = await page.locator('.search-results .hit-title a').evaluateAll((as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
      expect(paths[0], query).toBe(briefingPath('hafnium-supply'));
      expect(await page.locator('[data-summary]').innerText()).toMatch(/^4 briefings found for “hafnium( report)?”\.$/);
      expect(requested.filter((p) => /^\/pagefind\/\d{4}\//.test(p)), query).toEqual([]);
      await page.close();
    }
  });

  if (name !== 'the one index') it('answers one word from the word directory, ranked across all history as Pagefind ranks it, before loading Pagefind', async () => {
    // "zirconium": 2024's briefing says it three times, 2025's once; 2026's bundle has none.
    const page = await browser.newPage({ viewport: { width: 1280, height: 4000 } });
    const requested: string[] = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await page.goto(new URL('search/?q=zirconium', url).href);
    await expect.poll(() => page.locator('.search-results mark').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const paths = await page.locator('.search-results .hit-title a').evaluateAll((as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
    expect(paths).toEqual(['hafnium-supply', 'nuclear-fuel'].map(briefingPath));
    expect(await page.locator('[data-summary]').innerText()).toBe('2 briefings found for “zirconium”.');
    expect(requested.some((p) => p.startsWith('/pagefind/directory/'))).toBe(true);
    // Neither Pagefind's script, nor its WebAssembly, nor any index's page list was needed.
    expect(requested.filter((p) => /pagefind\.js$|\.pagefind$|\.pf_meta$|\.pf_index$/.test(p))).toEqual([]);
    // The same order and excerpt as Pagefind's own API on the merged index.
    const api = (await page.evaluate(`(async () => {
      const pagefind = await import('/pagefind/pagefind.js');
      const search = await pagefind.search('zirconium');
      return Promise.all(search.results.map((r) => r.data()));
    })()`)) as { url: string; excerpt: string }[];
    expect(api.map((d) => d.url)).toEqual(paths);
    const excerpt = page.locator('.search-results .hit-excerpt').first();
    expect(await excerpt.locator('mark').count()).toBeGreaterThan(0);
    expect(await excerpt.innerText()).toBe(api[0]!.excerpt.replace(/<\/?mark>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
    await page.close();
  });

  if (name !== 'the one index') it('searches the merged index when the word directory cannot be fetched', async () => {
    const dirPath = path.join(dist, 'pagefind', 'directory');
    await rename(dirPath, `${dirPath}-gone`);
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 4000 } });
      await page.goto(new URL('search/?q=zirconium', url).href);
      await expect.poll(() => page.locator('.search-results mark').count(), { timeout: 15_000 }).toBeGreaterThan(0);
      const paths = await page.locator('.search-results .hit-title a').evaluateAll((as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
      expect(paths).toEqual(['hafnium-supply', 'nuclear-fuel'].map(briefingPath));
      await page.close();
    } finally {
      await rename(`${dirPath}-gone`, dirPath);
    }
  });

  it('puts the newest first when asked, and filters by year', async () => {
    const newest = await hits('?q=hafnium&sort=date');
    expect(newest.paths).toEqual(['chip-materials', 'turbine-alloys', 'nuclear-fuel', 'hafnium-supply'].map(briefingPath));
    await newest.page.close();
    const in2026 = await hits('?q=hafnium&year=2026');
    expect(new Set(in2026.paths)).toEqual(new Set(['chip-materials', 'turbine-alloys'].map(briefingPath)));
    await in2026.page.close();
  });
});
