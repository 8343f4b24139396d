// The site as readers get it: accessible (axe-core, light and dark), light to load, and looked
// at — screenshots go to test-results/ for a person to check.
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, hasChromium, newPage, kb, launchChromium, serve } from './harness.ts';

const CONTENT = fileURLToPath(new URL('../../content/', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

if (!hasChromium) console.warn(chromiumMissing);

describe.skipIf(!hasChromium)('the published site', () => {
  let dir: string;
  let site: Awaited<ReturnType<typeof serve>>;
  let browser: Browser;
  const pages: Record<string, string> = { home: '', search: 'search/?q=lithium' };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-site-'));
    await cp(CONTENT, path.join(dir, 'content'), { recursive: true, filter: (src) => !src.includes(`${path.sep}.cache`) });
    await kb('build', '--content', path.join(dir, 'content'), '--out', path.join(dir, 'dist'));
    site = await serve(path.join(dir, 'dist'));
    browser = await launchChromium();
    await mkdir(RESULTS, { recursive: true });
    // A question with two sessions, and its newest briefing.
    const page = await browser.newPage();
    await page.goto(site.url);
    const query = await page.locator('a[href*="/q/how-fast-is-grid-scale-battery-storage-growing-in-europe/"]').first().getAttribute('href');
    pages.query = `q/how-fast-is-grid-scale-battery-storage-growing-in-europe/`;
    pages.briefing = `q/how-fast-is-grid-scale-battery-storage-growing-in-europe/2026-10-12-e5797f92/`;
    pages.pipeline = (await page.locator('a[href*="/q/us-china-rare-earths/2026-"]').first().getAttribute('href'))!.replace(/^\//, '');
    expect(query).toBeTruthy();
    await page.close();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(name: string, scheme: 'light' | 'dark', width = 1280): Promise<Page> {
    const page = await newPage(browser, { viewport: { width, height: 900 }, colorScheme: scheme });
    await page.goto(new URL(pages[name], site.url).href);
    if (name === 'search') {
      await page.locator('.search-results a').first().waitFor({ timeout: 15_000 });
      // A filter menu open, so its checkboxes are checked too.
      await page.click('details[data-filter="tag"] summary');
      await page.locator('details[data-filter="tag"] input[type=checkbox]').first().waitFor({ timeout: 15_000 });
    }
    return page;
  }

  for (const scheme of ['light', 'dark'] as const) {
    for (const name of ['home', 'briefing', 'pipeline', 'query', 'search']) {
      it(`has no serious or critical accessibility violations: ${name}, ${scheme}`, async () => {
        const page = await open(name, scheme);
        const { violations } = await new AxeBuilder({ page }).analyze();
        const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        expect(bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
        await page.close();
      });
    }
  }

  it('writes screenshots of the briefing and query pages at 1280 and 375 px', async () => {
    for (const name of ['briefing', 'pipeline', 'query']) {
      for (const width of [1280, 375]) {
        const page = await open(name, 'light', width);
        await page.screenshot({ path: path.join(RESULTS, `${name}-${width}.png`), fullPage: true });
        // Nothing may overflow sideways on a phone.
        if (width === 375) expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
        await page.close();
      }
    }
  });

  it('a briefing page weighs at most 60 KB transferred (gzip, as static hosts serve it) as HTML + CSS + JS, search excluded', async () => {
    for (const name of ['briefing', 'pipeline']) {
      const page = await browser.newPage();
      const sizes: { url: string; bytes: number; gzip: number }[] = [];
      page.on('response', async (response) => {
        const url = response.url();
        if (url.includes('/pagefind/') || !/(text\/html|text\/css|javascript)/.test(response.headers()['content-type'] ?? '')) return;
        const body = await response.body();
        sizes.push({ url, bytes: body.length, gzip: gzipSync(body).length });
      });
      await page.goto(new URL(pages[name], site.url).href, { waitUntil: 'networkidle' });
      const raw = sizes.reduce((n, s) => n + s.bytes, 0);
      const transferred = sizes.reduce((n, s) => n + s.gzip, 0);
      console.log(`${name} page: ${(transferred / 1024).toFixed(1)} KB transferred with gzip, ${(raw / 1024).toFixed(1)} KB uncompressed (${sizes.map((s) => `${path.basename(new URL(s.url).pathname) || 'index'} ${(s.bytes / 1024).toFixed(1)} KB`).join(', ')})`);
      expect(transferred).toBeLessThanOrEqual(60 * 1024);
      // Even a host that compresses nothing must not double the budget.
      expect(raw).toBeLessThanOrEqual(120 * 1024);
      await page.close();
    }
  });
});
