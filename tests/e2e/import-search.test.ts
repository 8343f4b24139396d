// The whole path, as a user takes it: import a MICA export shaped like the real seed (several
// steps, one empty, three cut off, "\$" and "****" artefacts) into a temporary knowledge base,
// build it with `kb build`, then search and read it in Debian's Chromium.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumMissing, hasChromium, importedSite } from './harness.ts';

const REPORT = fileURLToPath(new URL('../fixtures/mica/magnets-report.txt', import.meta.url));
const ID = '5d2b7e90-4c1a-4f3e-8a6b-2c9d0e1f3a47';
const PAGE = 'q/how-dependent-is-the-us-on-china-for-rare-earth-permanent-magnets/2026-02-10-5d2b7e90/';

if (!hasChromium) console.warn(chromiumMissing);

describe.skipIf(!hasChromium)('a knowledge base built from an imported MICA export', () => {
  let dir: string;
  let site: { url: string };
  let browser: Browser;
  let close: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const built = await importedSite('kb-e2e-', [REPORT]);
    ({ dir, browser, close } = built);
    site = built;
  }, 180_000);

  afterAll(() => close());

  it('finds the briefing by searching for "dysprosium" and shows all 22 result links of its steps', async () => {
    const page = await browser.newPage();
    await page.goto(site.url);
    await page.fill('#header-q', 'dysprosium');
    await page.press('#header-q', 'Enter');
    await page.waitForURL(/\/search\/\?q=dysprosium/);
    const hit = page.locator('.search-results .hit-title a').first();
    await expect.poll(() => hit.textContent(), { timeout: 15_000 }).toContain('How dependent is the US on China for rare-earth');
    await hit.click();

    const briefing = page.locator(`[data-session-id="${ID}"]`);
    await briefing.waitFor();
    expect(await page.locator('[data-session-id]').count()).toBe(1);
    expect(await page.locator('h1').textContent()).toContain('How dependent is the US on China for rare-earth permanent magnets?');
    // 6 + 0 + 6 + 6 + 2 complete results, and the cut-off records of steps 3 and 4 still have their urls.
    const links = briefing.locator('#kb-sources a[href^="http"]');
    expect(await links.count()).toBe(22);
    expect(await links.evaluateAll((as) => new Set(as.map((a) => (a as HTMLAnchorElement).href)).size)).toBe(22);
    // The empty and the cut-off steps are explained in words.
    const sources = (await briefing.locator('#kb-sources').innerText()).toLowerCase();
    expect(sources).toContain('no results');
    expect(sources).toMatch(/cut off/);
    await page.close();
  });

  it('shows the summary and analysis as formatted text, without the export artefacts', async () => {
    const page = await browser.newPage();
    await page.goto(new URL(PAGE, site.url).href);
    // Only the prose: the provenance panel quotes the artefacts it repaired, on purpose.
    const text = (await page.locator('[data-kb-part]').allInnerTexts()).join('\n');
    expect(text).toContain('$1.6 billion');
    expect(text).not.toContain('\\$');
    expect(text).not.toContain('****');
    expect(await page.locator('[data-kb-part="analysis"] h2').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('[data-kb-part] strong').count()).toBeGreaterThan(10);
    await page.close();
  });

  it('writes a search index that holds the briefing: the one index, in Pagefind\'s own place, listed in the manifest', async () => {
    const pagefind = path.join(dir, 'dist', 'pagefind');
    const manifest = JSON.parse(await readFile(path.join(pagefind, 'bundles.json'), 'utf8'));
    expect(manifest).toMatchObject({ total: 1, bundles: [{ key: 'all', count: 1, path: 'pagefind/' }] });
    const entry = JSON.parse(await readFile(path.join(pagefind, 'pagefind-entry.json'), 'utf8'));
    expect(Object.values(entry.languages as Record<string, { page_count: number }>).reduce((n, l) => n + l.page_count, 0)).toBe(1);
  });
});
