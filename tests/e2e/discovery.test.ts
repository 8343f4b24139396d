// Discovery pages in a real browser: a knowledge base built from a copy of the project's
// content/ plus 55 generated older sessions in 2020 (so the archive has two pages, and search has
// two bundles), 12 more copies in 2026 (so the newest bundle alone fills a page of results), and
// one session with a hostile question, under KB_SITE=https://example.org KB_BASE=/kb/, served at /kb/.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import matter from 'gray-matter';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { chromiumMissing, hasChromium, launchChromium, serve } from './harness.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = path.join(ROOT, 'test-results');
const BULK_TAG = 'Bulk paging';
const BULK_SLUG = 'bulk-paging';
const BULK = 55;
const RECENT = 12;
/** Which of the recent copies are partial (cut off), for the status filter. */
const PARTIAL = [3, 8];
const HOSTILE_QUERY = 'Zanzibarite <img src=x onerror="window.__pwned=1"> & <script>window.__pwned=2</script>?';

if (!hasChromium) console.warn(chromiumMissing);

interface Row { id: string; url: string; generatedAt: string; tags: string[]; querySlug: string; file: string }

describe.skipIf(!hasChromium)('discovery: home tags, tag pages, archive, feeds, search filters', () => {
  let dir: string;
  let dist: string;
  let site: Awaited<ReturnType<typeof serve>>;
  let browser: Browser;
  let sessions: Row[];

  const local = (u: string) => new URL(new URL(u).pathname.replace(/^\/kb\//, ''), site.url).href;
  // Search results load their text as they come near the viewport: search tests use a tall one.
  async function open(p: string, width = 1280, height = p.startsWith('search/') ? 6000 : 900): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height } });
    const res = await page.goto(new URL(p, site.url).href);
    expect(res?.status(), p).toBe(200);
    return page;
  }
  async function fetchText(p: string) {
    const res = await fetch(new URL(p, site.url));
    expect(res.status, p).toBe(200);
    return res.text();
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-discovery-'));
    const content = path.join(dir, 'content');
    await cp(path.join(ROOT, 'content'), content, { recursive: true, filter: (src) => !src.includes(`${path.sep}.cache`) });
    // 55 older sessions on one question, copies of an existing one with new ids, dates and a tag.
    const slugDir = path.join(content, 'briefings', 'us-china-rare-earths');
    const template = (await readdir(slugDir)).find((f) => f.endsWith('.mdx'))!;
    const parsed = matter(await readFile(path.join(slugDir, template), 'utf8'));
    for (let i = 0; i < BULK; i++) {
      const id = `0bu1k${String(i).padStart(3, '0')}-0000-4000-8000-000000000000`;
      const at = new Date(Date.UTC(2020, 0, 1 + i, 12)).toISOString().replace('.000Z', 'Z');
      const data = { ...parsed.data, id, generatedAt: at, tags: [BULK_TAG, i % 2 ? 'bulk-paging' : 'odd-one'] };
      await writeFile(path.join(slugDir, `${at.slice(0, 10)}-${id.slice(0, 8)}.mdx`), matter.stringify(parsed.content, data));
    }
    for (let i = 0; i < RECENT; i++) {
      const id = `0rcnt${String(i).padStart(3, '0')}-0000-4000-8000-000000000000`;
      const at = new Date(Date.UTC(2026, 1, 1 + i, 12)).toISOString().replace('.000Z', 'Z');
      // Two of them were cut off: the status filter finds them.
      const status = PARTIAL.includes(i) ? 'partial' : parsed.data.status;
      await writeFile(path.join(slugDir, `${at.slice(0, 10)}-${id.slice(0, 8)}.mdx`), matter.stringify(parsed.content, { ...parsed.data, id, generatedAt: at, tags: ['recent-copy'], status }));
    }
    const hostileDir = path.join(content, 'briefings', 'hostile-question');
    await mkdir(hostileDir, { recursive: true });
    const summary = `Zanzibarite <b onmouseover="window.__pwned=3">bold</b> <img src=x onerror="window.__pwned=4"> is rare. ${parsed.data.summary}`;
    const hostile = { ...parsed.data, id: '0h0st1le-0000-4000-8000-000000000000', query: HOSTILE_QUERY, querySlug: 'hostile-question', generatedAt: '2026-03-01T12:00:00Z', tags: ['hostile'], summary };
    await writeFile(path.join(hostileDir, '2026-03-01-0h0st1le.mdx'), matter.stringify(parsed.content, hostile));
    dist = path.join(dir, 'dist');
    await mkdir(SHOTS, { recursive: true });
    // Vitest puts Vite's env (BASE_URL=/, MODE, DEV, PROD, SSR) into process.env; a child build
    // that inherits them gets import.meta.env.BASE_URL=/ whatever KB_BASE says, so drop them.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['BASE_URL', 'MODE', 'DEV', 'PROD', 'SSR'].includes(k)));
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin', 'kb.ts'), 'build', '--content', content, '--out', dist], {
      // Date bundles, as a knowledge base past KB_SEARCH_ONE_INDEX_MAX has them (this one has about 90 briefings).
      env: { ...env, KB_SITE: 'https://example.org', KB_BASE: '/kb/', KB_SEARCH_ONE_INDEX_MAX: '0' },
      maxBuffer: 64 * 1024 * 1024,
    });
    site = await serve(dist, '/kb/');
    browser = await launchChromium();
    sessions = JSON.parse(await fetchText('sessions.json')).sessions;
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const tagged = (slugTest: (t: string) => boolean) => sessions.filter((s) => s.tags.some(slugTest));
  const newest = () => [...sessions].sort((a, b) => Date.parse(b.generatedAt) - Date.parse(a.generatedAt))[0];

  it('lists every session in /kb/sessions.json with a working absolute url and its file', async () => {
    const files = (await readdir(path.join(dir, 'content', 'briefings'), { recursive: true })).filter((f) => f.endsWith('.mdx'));
    expect(sessions.length).toBe(files.length);
    expect(new Set(sessions.map((s) => s.file))).toEqual(new Set(files.map((f) => `briefings/${f.split(path.sep).join('/')}`)));
    for (const s of sessions) {
      expect(s.url).toMatch(/^https:\/\/example\.org\/kb\/q\/[^/]+\/[^/]+\/$/);
      const res = await fetch(local(s.url));
      expect(res.status, s.url).toBe(200);
      expect(await res.text()).toContain(`data-session-id="${s.id}"`);
    }
  });

  it('shows tags with counts on the home page, linking to tag pages', async () => {
    const page = await open('');
    const bulk = page.locator(`.home-tags a[href="/kb/tags/${BULK_SLUG}/"]`);
    expect(await bulk.count()).toBe(1);
    expect(await bulk.locator('.tag-count').innerText()).toMatch(new RegExp(`^${BULK}\\b`));
    expect(await bulk.locator('.tag-name').innerText()).toBe(BULK_TAG);
    const china = tagged((t) => t.toLowerCase() === 'china').length;
    expect(china).toBeGreaterThan(0);
    expect(await page.locator('.home-tags a[href="/kb/tags/china/"] .tag-count').innerText()).toMatch(new RegExp(`^${china}\\b`));
    // the search box is still there
    expect(await page.locator('form.big-search input[name="q"]').count()).toBe(1);
    await page.screenshot({ path: path.join(SHOTS, 'discovery-home-1280.png') });
    await page.setViewportSize({ width: 375, height: 800 });
    await page.screenshot({ path: path.join(SHOTS, 'discovery-home-375.png') });
    await page.close();
  });

  it('lists exactly the tagged sessions on a tag page, newest first; spellings that slugify alike share it', async () => {
    const page = await open('tags/china/');
    const hrefs = await page.locator('[data-kb-tag-list] a.row-link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    const expected = tagged((t) => t.toLowerCase() === 'china').sort((a, b) => Date.parse(b.generatedAt) - Date.parse(a.generatedAt)).map((s) => new URL(s.url).pathname);
    expect(hrefs).toEqual(expected);

    // "Bulk paging" and "bulk-paging" share one tag, 50 briefings to a page, the rest on page 2.
    const bulk = await open(`tags/${BULK_SLUG}/`);
    expect(BULK).toBeGreaterThan(50);
    expect(await bulk.locator('[data-kb-tag-list] > li').count()).toBe(50);
    expect(await bulk.locator('h1').innerText()).toBe(BULK_TAG);
    expect(await bulk.locator('link[rel=next]').getAttribute('href')).toBe(`/kb/tags/${BULK_SLUG}/2/`);
    const second = await open(`tags/${BULK_SLUG}/2/`);
    expect(await second.locator('[data-kb-tag-list] > li').count()).toBe(BULK - 50);
    expect(await second.locator('link[rel=prev]').getAttribute('href')).toBe(`/kb/tags/${BULK_SLUG}/`);
    await second.close();
    await bulk.screenshot({ path: path.join(SHOTS, 'discovery-tag-1280.png') });
    await bulk.setViewportSize({ width: 375, height: 800 });
    await bulk.screenshot({ path: path.join(SHOTS, 'discovery-tag-375.png') });
    await page.close();
    await bulk.close();

    const all = await open('tags/');
    expect(await all.locator(`.tag-cloud a[href="/kb/tags/${BULK_SLUG}/"]`).count()).toBe(1);
    await all.close();
  });

  it('pages the archive 50 at a time with rel prev/next', async () => {
    const total = sessions.length;
    expect(total).toBeGreaterThan(50);
    const p1 = await open('archive/');
    expect(await p1.locator('.archive-table tbody tr').count()).toBe(50);
    expect(await p1.locator('link[rel="next"]').getAttribute('href')).toBe('/kb/archive/2/');
    expect(await p1.locator('link[rel="prev"]').count()).toBe(0);
    expect(await p1.locator('.archive-table tbody tr').first().getAttribute('data-session-row')).toBe(newest().id);
    const row = await p1.locator('.archive-table tbody tr').first().innerText();
    expect(row).toContain(newest().generatedAt.slice(0, 10));
    expect(row).toMatch(/Complete|Partial|Failed/);
    await p1.click('.archive-pager a[rel="next"]');
    await p1.waitForURL(/\/kb\/archive\/2\/$/);
    expect(await p1.locator('.archive-table tbody tr').count()).toBe(total - 50);
    expect(await p1.locator('link[rel="prev"]').getAttribute('href')).toBe('/kb/archive/');
    expect(await p1.locator('link[rel="next"]').count()).toBe(0);
    await p1.close();
  });

  it('every internal link on home, archive and tag pages starts with /kb/', async () => {
    for (const p of ['', 'archive/', 'archive/2/', 'tags/', `tags/${BULK_SLUG}/`, 'tags/china/', '404.html']) {
      const page = await open(p);
      const hrefs = await page.locator('a[href], link[href]').evaluateAll((els) => els.map((e) => e.getAttribute('href')!));
      const internal = hrefs.filter((h) => !h.startsWith('#') && (!/^https?:\/\//.test(h) || h.startsWith('https://example.org')));
      expect(internal.length, p).toBeGreaterThan(3);
      for (const h of internal) expect(h.replace('https://example.org', ''), `${p}: ${h}`).toMatch(/^\/kb\//);
      await page.close();
    }
  });

  it('serves RSS and JSON Feed that parse and list the newest session first', async () => {
    const rss = new XMLParser({ ignoreAttributes: false }).parse(await fetchText('rss.xml'));
    const items = [rss.rss.channel.item].flat();
    expect(items.length).toBe(50);
    expect(items[0].link).toBe(newest().url);
    expect(items[0].title).toContain(newest().generatedAt.slice(0, 10));
    expect(Math.floor(Date.parse(items[0].pubDate) / 1000)).toBe(Math.floor(Date.parse(newest().generatedAt) / 1000));
    expect(typeof items[0].description).toBe('string');
    expect(items[0].description).not.toMatch(/[<>]|\*\*/);

    const feed = JSON.parse(await fetchText('feed.json'));
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.feed_url).toBe('https://example.org/kb/feed.json');
    expect(feed.items.length).toBe(50);
    expect(feed.items[0]).toMatchObject({ id: newest().id, url: newest().url });
    expect(feed.items[0].content_text.length).toBeGreaterThan(0);
    const dates = feed.items.map((i: { date_published: string }) => Date.parse(i.date_published));
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
  });

  it('writes a sitemap with absolute /kb/ URLs and without the 404 page', async () => {
    expect(await fetchText('sitemap-index.xml')).toContain('<loc>https://example.org/kb/sitemap-0.xml</loc>');
    const urls = [new XMLParser().parse(await fetchText('sitemap-0.xml')).urlset.url].flat().map((u: { loc: string }) => u.loc);
    expect(urls).toContain('https://example.org/kb/');
    expect(urls).toContain('https://example.org/kb/archive/2/');
    expect(urls).toContain(`https://example.org/kb/tags/${BULK_SLUG}/`);
    expect(urls).toContain(newest().url);
    expect(urls.some((u) => u.includes('404'))).toBe(false);
  });

  const RESULTS = '.search-results .hit-title a';
  /** The result links, once every result listed has loaded its text (scrolling them into view). */
  async function hitPaths(page: Page) {
    const hits = page.locator(RESULTS);
    await expect.poll(() => hits.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    // A search by relevance may take two indexes (the newest bundle, then the merged one): slow on a busy machine.
    await expect.poll(() => page.locator('[data-summary]').innerText(), { timeout: 15_000 }).not.toBe('Searching…');
    await expect.poll(async () => {
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      return page.locator('.hit-loading').count();
    }, { timeout: 15_000 }).toBe(0);
    return hits.evaluateAll((as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
  }
  const dayOf = (p: string) => Date.parse(sessions.find((s) => new URL(s.url).pathname === p)!.generatedAt.slice(0, 10));
  const descending = (d: number[]) => d.every((x, i) => i === 0 || d[i - 1]! >= x);
  /** Opens a search page, counting the requests under /kb/pagefind/ by path. */
  async function openCounting(p: string) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 6000 } });
    const requests: string[] = [];
    page.context().on('request', (r) => { if (r.url().includes('/kb/pagefind/')) requests.push(new URL(r.url()).pathname.replace('/kb/pagefind/', '')); });
    const res = await page.goto(new URL(p, site.url).href);
    expect(res?.status(), p).toBe(200);
    return { page, requests, from: (bundle: string) => requests.filter((r) => r.startsWith(`${bundle}/`)) };
  }

  it('writes a manifest of two search bundles, newest first, holding every briefing', async () => {
    const manifest = JSON.parse(await fetchText('pagefind/bundles.json'));
    expect(manifest.bundles.map((b: { key: string }) => b.key)).toEqual(['2026', '2020']);
    expect(manifest.total).toBe(sessions.length);
    expect(manifest.bundles[1]).toMatchObject({ key: '2020', first: '2020-01-01', last: '2020-02-24', count: BULK, path: 'pagefind/2020/' });
  });

  it('lists the newest briefings on an unsearched search page without downloading any search results, and hides them once a search runs', async () => {
    const { page, requests } = await openCounting('search/');
    const latest = page.locator('[data-latest] .row-link');
    await expect.poll(() => latest.count()).toBe(10);
    // sessions.json lists the same briefings newest first.
    expect(new URL(await latest.first().evaluate((a) => (a as HTMLAnchorElement).href)).pathname).toBe(new URL(sessions[0]!.url).pathname);
    await page.waitForLoadState('networkidle');
    expect(requests.filter((r) => r.includes('fragment/'))).toEqual([]);
    await page.fill('#search-q', 'china');
    await expect.poll(() => page.locator('[data-latest]').isHidden()).toBe(true);
    await page.close();
  });

  it('filters search by tag from the URL, listing only tagged sessions, newest first', async () => {
    const page = await open('search/?tag=china');
    const paths = await hitPaths(page);
    const china = new Set(tagged((t) => t === 'china').map((s) => new URL(s.url).pathname));
    for (const p of paths) expect(china.has(p), p).toBe(true);
    expect(descending(paths.map(dayOf))).toBe(true);
    await page.close();
  });

  it('filters by status from the URL, with each status counted in its menu', async () => {
    const page = await open('search/?q=china&status=partial');
    const partial = PARTIAL.map((i) => new Date(Date.UTC(2026, 1, 1 + i, 12)).toISOString().slice(0, 10));
    await expect.poll(async () => (await hitPaths(page)).length, { timeout: 15_000 }).toBe(2);
    expect((await hitPaths(page)).map((p) => new Date(dayOf(p)).toISOString().slice(0, 10)).sort()).toEqual(partial);
    expect(new URL(page.url()).searchParams.getAll('status')).toEqual(['partial']);
    await page.click('details[data-filter="status"] summary');
    const menu = page.locator('details[data-filter="status"] .search-filter-value');
    await expect.poll(() => menu.count()).toBe(2);
    const values = await menu.evaluateAll((labels) => labels.map((l) => [l.querySelector('input')!.value, l.querySelector('input')!.checked, l.querySelector('.search-filter-n')!.textContent]));
    expect(values).toEqual([
      ['partial', true, '2'],
      ['complete', false, String(sessions.length - 2)],
    ]);
    await page.close();
  });

  it('searches the newest bundle first and fetches the earlier one only when asked, keeping a date sort newest first across both', async () => {
    const { page, requests, from } = await openCounting('search/?q=china&sort=date');
    const first = await hitPaths(page);
    expect(first).toHaveLength(10);
    expect(first.every((p) => dayOf(p) >= Date.UTC(2026, 0, 1))).toBe(true);
    expect(from('2026').length).toBeGreaterThan(0);
    expect(from('2020')).toEqual([]);
    expect(await page.locator('[data-summary]').innerText()).toMatch(/in briefings of 2026-\d\d-\d\d to 2026-\d\d-\d\d; earlier briefings \(2020-01-01 to 2020-02-24\) not searched yet\.$/);
    expect(await page.locator('[data-more]').innerText()).toBe('More results');
    // One copy of Pagefind's WebAssembly and script for every bundle.
    expect(requests.filter((r) => r.endsWith('.pagefind') && r.includes('wasm'))).toEqual(['wasm.en.pagefind']);

    // Pages of the newest bundle, then the earlier bundle: newest first throughout.
    for (let i = 0; i < 4 && (await page.locator('[data-more]').isVisible()); i++) {
      const before = await page.locator(RESULTS).count();
      await page.click('[data-more]');
      await expect.poll(() => page.locator(RESULTS).count(), { timeout: 15_000 }).toBeGreaterThan(before);
    }
    const all = await hitPaths(page);
    expect(from('2020').length).toBeGreaterThan(0);
    expect(all.some((p) => dayOf(p) < Date.UTC(2021, 0, 1))).toBe(true);
    expect(all.map(dayOf)).toEqual([...all.map(dayOf)].sort((a, b) => b - a));
    expect(new Set(all).size).toBe(all.length);
    // The worker compiled the WebAssembly once; the second bundle asked for the same URL.
    expect(new Set(requests.filter((r) => r.includes('wasm'))).size).toBe(1);
    await page.close();
  });

  it('sorts a term search by date when asked, and keeps the sort in the URL', async () => {
    const page = await open('search/?q=china&sort=oldest');
    expect(await page.locator('#search-sort').inputValue()).toBe('oldest');
    const paths = await hitPaths(page);
    expect(paths.map(dayOf)).toEqual(paths.map(dayOf).sort((a, b) => a - b));
    await page.selectOption('#search-sort', 'date');
    await expect.poll(() => new URL(page.url()).searchParams.get('sort')).toBe('date');
    await expect.poll(async () => { const d = (await hitPaths(page)).map(dayOf); return descending(d) && d[0]! > Date.UTC(2021, 0, 1); }, { timeout: 10_000 }).toBe(true);
    expect(new URL(page.url()).searchParams.get('q')).toBe('china');
    await page.close();
  });

  it('filters by year by searching only that year\'s bundle', async () => {
    const { page, from } = await openCounting('search/?year=2020');
    const paths = await hitPaths(page);
    expect(paths).toHaveLength(10);
    for (const p of paths) expect(sessions.find((s) => new URL(s.url).pathname === p)!.generatedAt.startsWith('2020')).toBe(true);
    expect(from('2026')).toEqual([]);
    await page.close();
  });

  it('loads filter values only when a menu opens, and keeps filters, term and sort in the URL', async () => {
    const { page, requests } = await openCounting('search/?q=china');
    await hitPaths(page);
    expect(requests.filter((r) => /^(filters|sources)\.json/.test(r))).toEqual([]);
    await page.click('details[data-filter="tag"] summary');
    const china = page.locator('details[data-filter="tag"] input[value="china"]');
    await china.waitFor();
    expect(requests.filter((r) => r.startsWith('filters.json'))).toHaveLength(1);
    expect(requests.filter((r) => r.startsWith('sources.json'))).toHaveLength(0);
    await china.check();
    await expect.poll(() => new URL(page.url()).searchParams.getAll('tag')).toEqual(['china']);
    const tagged = new Set(sessions.filter((s) => s.tags.includes('china')).map((s) => new URL(s.url).pathname));
    await expect.poll(async () => (await hitPaths(page)).every((p) => tagged.has(p))).toBe(true);
    await page.selectOption('#search-sort', 'oldest');
    await page.click('details[data-filter="source"] summary');
    const source = page.locator('details[data-filter="source"] input[type=checkbox]').first();
    await source.waitFor();
    expect(requests.filter((r) => r.startsWith('sources.json'))).toHaveLength(1);
    const sourceName = await source.getAttribute('value');
    await source.check();
    await expect.poll(() => new URL(page.url()).searchParams.get('source')).toBe(sourceName);
    const url = page.url();
    expect(new URL(url).searchParams.get('q')).toBe('china');
    expect(new URL(url).searchParams.get('sort')).toBe('oldest');

    // The same URL opened afresh restores the whole state.
    const again = await open(url.replace(site.url, ''));
    expect(await again.locator('#search-q').inputValue()).toBe('china');
    expect(await again.locator('#search-sort').inputValue()).toBe('oldest');
    expect(await again.locator('.search-active button').allInnerTexts()).toEqual(['china ×', `${sourceName} ×`]);
    await again.locator('.search-active button', { hasText: sourceName! }).click();
    await expect.poll(() => new URL(again.url()).searchParams.get('source')).toBe(null);
    expect(new URL(again.url()).searchParams.getAll('tag')).toEqual(['china']);
    await page.close();
    await again.close();
  });

  it('shows a hostile question and excerpt as text, never as markup', async () => {
    const page = await open('search/?q=zanzibarite');
    await hitPaths(page);
    const hit = page.locator('.search-results > li').first();
    expect(await hit.locator('.hit-title a').innerText()).toBe(HOSTILE_QUERY);
    expect(await hit.locator('.hit-title a').getAttribute('href')).toBe('/kb/q/hostile-question/2026-03-01-0h0st1le/');
    expect(await hit.locator('.hit-excerpt').first().innerText()).toContain('<img src=x onerror="window.__pwned=4">');
    expect(await hit.locator('mark').first().innerText()).toMatch(/zanzibarite/i);
    expect(await page.locator('.search-results img, .search-results script, .search-results b').count()).toBe(0);
    await hit.locator('.hit-excerpt').first().hover();
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`has no serious or critical accessibility violations on search with a filter menu open, ${scheme}`, async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: scheme });
      const page = await context.newPage();
      await page.goto(new URL('search/?q=china', site.url).href);
      await page.locator(RESULTS).first().waitFor({ timeout: 15_000 });
      await page.click('details[data-filter="query"] summary');
      await page.locator('details[data-filter="query"] input[type=checkbox]').first().waitFor();
      const { violations } = await new AxeBuilder({ page }).analyze();
      const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `search-menu-${scheme}.png`) });
      await context.close();
    });
  }

  it('has a useful 404 page', async () => {
    const page = await browser.newPage();
    const res = await page.goto(new URL('no/such/page/', site.url).href);
    expect(res?.status()).toBe(404);
    const html = await readFile(path.join(dist, '404.html'), 'utf8');
    expect(html).toContain('action="/kb/search/"');
    for (const h of ['/kb/', '/kb/archive/', '/kb/tags/', new URL(newest().url).pathname]) expect(html).toContain(`href="${h}"`);
    await page.close();
  });
});
