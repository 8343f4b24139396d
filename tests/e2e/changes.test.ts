// The query page's timeline and the "what changed" page, built from the two grid-battery example
// sessions, at the site root and under a base path.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, hasChromium, kb, launchChromium, serve } from './harness.ts';

const EXAMPLES = ['grid-batteries-2026-09.json', 'grid-batteries-2026-10.json'].map((f) => fileURLToPath(new URL(`../../content/examples/${f}`, import.meta.url)));
const KB = fileURLToPath(new URL('../../bin/kb.ts', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const QUESTION = 'How fast is grid-scale battery storage growing in Europe?';
const SLUG = 'how-fast-is-grid-scale-battery-storage-growing-in-europe';
/** The home page's link to the question's own page (whatever its wording). */
const QUERY_LINK = `a[href$="/q/${SLUG}/"]`;

if (!hasChromium) console.warn(chromiumMissing);

const squash = (t: string | null) => (t ?? '').replace(/\s+/g, ' ').trim();

async function openDiff(page: Page, root: string) {
  page.setDefaultTimeout(10_000);
  await page.goto(root);
  await page.locator(QUERY_LINK).first().click();
  await page.waitForURL(new RegExp(`/q/${SLUG}/$`), { waitUntil: 'commit' });
  await page.locator('h1', { hasText: QUESTION }).waitFor();
  await page.getByRole('link', { name: /^Compare with 2026-09-14/ }).click();
  await page.locator('#figures-h').waitFor();
}

async function checkDiff(page: Page) {
  const row = page.locator('.ch-table tbody tr', { hasText: '16.4 GWh' });
  expect(await row.count()).toBe(1);
  expect(await row.locator('.ch-from').innerText()).toBe('16.4 GWh');
  expect(await row.locator('.ch-to').innerText()).toBe('17.1 GWh');
  const added = await page.locator('#sources-added').innerText();
  const dropped = await page.locator('#sources-dropped').innerText();
  expect(added).toContain("Batteries win big in Poland's capacity auction");
  expect(dropped).toContain('Stationary LFP cell prices hold near record lows');
  expect(await page.locator('#sources-added a[href="https://energy-policy.example.org/poland/capacity-market-batteries"]').count()).toBe(1);
}

describe.skipIf(!hasChromium)('what changed between two briefings of one question', () => {
  let dir: string;
  let browser: Browser;
  const sites: Awaited<ReturnType<typeof serve>>[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-changes-'));
    const content = path.join(dir, 'content');
    await kb('import', ...EXAMPLES, '--content', content);
    await kb('build', '--content', content, '--out', path.join(dir, 'dist'));
    await promisify(execFile)(process.execPath, [KB, 'build', '--content', content, '--out', path.join(dir, 'dist-base')], {
      // Vitest puts Vite's BASE_URL/MODE/DEV/PROD/SSR into process.env; a child Astro build would
      // take BASE_URL=/ from there over KB_BASE, so the child gets the environment without them.
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !['BASE_URL', 'MODE', 'DEV', 'PROD', 'SSR'].includes(k))), KB_BASE: '/kb/' },
      maxBuffer: 64 * 1024 * 1024,
    });
    sites.push(await serve(path.join(dir, 'dist')), await serve(path.join(dir, 'dist-base'), '/kb/'));
    await mkdir(SHOTS, { recursive: true });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    for (const s of sites) await s.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('goes from home to the query timeline to the diff, which shows 16.4 → 17.1 GWh and added and dropped sources', async () => {
    for (const width of [1280, 375]) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.goto(sites[0].url);
      await page.locator(QUERY_LINK).first().click();
      await page.locator('h1', { hasText: QUESTION }).waitFor();
      const events = page.locator('.ch-timeline > li');
      expect(await events.count()).toBe(2);
      expect(await events.first().locator('time').first().getAttribute('datetime')).toBe('2026-10-12T06:10:00.000Z');
      const since = await events.first().locator('.ch-since').innerText();
      expect(since).toMatch(/What changed since 2026-09-14/);
      expect(since).toMatch(/8\s+sources added/);
      expect(since).toMatch(/6\s+dropped/);
      expect(await events.nth(1).locator('.ch-since').count()).toBe(0);
      await page.screenshot({ path: path.join(SHOTS, `changes-query-${width}.png`), fullPage: true });
      await page.getByRole('link', { name: /^Compare with 2026-09-14/ }).click();
      await page.locator('#figures-h').waitFor();
      await checkDiff(page);
      // No horizontal scrolling of the page itself.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
      await page.screenshot({ path: path.join(SHOTS, `changes-diff-${width}.png`), fullPage: true });
      // …and on to the newer briefing itself.
      await page.locator('a', { hasText: 'Briefing of 2026-10-12' }).click();
      await page.locator('[data-session-id="e5797f92-fb73-475e-bc12-728156707e94"]').waitFor();
      await page.close();
    }
  });

  it('opens the question page with the latest briefing’s answer, dated and linked, and says it in the page description', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(new URL(`q/${SLUG}/`, sites[0].url).href);
    const block = page.locator('.latest-answer');
    expect(squash(await block.locator('h2').innerText())).toBe('The latest answer (2026-10-12)');
    // The newer example has no answer field: its teaser is its summary's opening.
    const text = squash(await block.locator('p').innerText());
    expect(text.startsWith('Grid-scale battery storage in Europe is growing faster than the data available a month ago suggested.'), text).toBe(true);
    expect(await block.locator('a').getAttribute('href')).toBe('/q/how-fast-is-grid-scale-battery-storage-growing-in-europe/2026-10-12-e5797f92/');
    // It comes before the charts and the timeline.
    const order = await page.evaluate(() => ['.latest-answer', '.ch-timeline'].map((s) => document.querySelector(s)!.getBoundingClientRect().top));
    expect(order[0]).toBeLessThan(order[1]!);
    const description = await page.locator('meta[name="description"]').getAttribute('content');
    expect(description!.startsWith('Grid-scale battery storage in Europe is growing faster'), description!).toBe(true);
    await page.close();
  });

  it('works under a base path: the same diff, every internal link under /kb/', async () => {
    const page = await browser.newPage();
    await openDiff(page, sites[1].url);
    expect(new URL(page.url()).pathname).toMatch(/^\/kb\/q\/how-fast-is-grid-scale-battery-storage-growing-in-europe\/2026-10-12-e5797f92\/changes\/$/);
    await checkDiff(page);
    const origin = new URL(sites[1].url).origin;
    const internal = await page.locator('a[href]').evaluateAll((as, o) => as.map((a) => (a as HTMLAnchorElement).href).filter((h) => h.startsWith(o)), origin);
    expect(internal.length).toBeGreaterThan(5);
    for (const h of internal) expect(new URL(h).pathname).toMatch(/^\/kb\//);
    // The raw attributes too: no root-relative link escapes the base.
    const raw = await page.locator('a[href^="/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    for (const h of raw) expect(h.startsWith('/kb/')).toBe(true);
    // Both briefings are reachable from the diff.
    for (const name of ['2026-09-14-70845d71', '2026-10-12-e5797f92']) expect(raw.some((h) => h.endsWith(`/${name}/`))).toBe(true);
    await page.close();
  }, 60_000);
});
