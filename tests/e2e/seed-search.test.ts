// The whole path, as a user takes it: import the real seed export into a temporary knowledge
// base, build it with `kb build`, then search and read it in Debian's Chromium.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumMissing, hasChromium, kb, launchChromium, serve } from './harness.ts';

const SEED = fileURLToPath(new URL('../../../shared/seeds/mica-report-us-china-rare-earths.txt', import.meta.url));
const SEED_ID = '8e0c65b3-0d2f-48bd-bf11-594d2ccc9279';
const hasSeed = existsSync(SEED);

if (!hasChromium) console.warn(chromiumMissing);
if (!hasSeed) console.warn(`the seed export is not at ${SEED}; seed browser test skipped`);

describe.skipIf(!hasChromium || !hasSeed)('a knowledge base built from the seed export', () => {
  let dir: string;
  let site: Awaited<ReturnType<typeof serve>>;
  let browser: Browser;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-e2e-'));
    const content = path.join(dir, 'content');
    await kb('import', SEED, '--content', content);
    await kb('build', '--content', content, '--out', path.join(dir, 'dist'));
    site = await serve(path.join(dir, 'dist'));
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('finds the briefing by searching for "dysprosium" and shows all 20 result links of its steps', async () => {
    const page = await browser.newPage();
    await page.goto(site.url);
    await page.fill('#header-q', 'dysprosium');
    await page.press('#header-q', 'Enter');
    await page.waitForURL(/\/search\/\?q=dysprosium/);
    const hit = page.locator('.search-results .hit-title a').first();
    await expect.poll(() => hit.textContent(), { timeout: 15_000 }).toContain('import dependency of the US on China');
    await hit.click();

    const briefing = page.locator(`[data-session-id="${SEED_ID}"]`);
    await briefing.waitFor();
    expect(await page.locator('[data-session-id]').count()).toBe(1);
    expect(await page.locator('h1').textContent()).toContain('What is the import dependency of the US on China for rare earths?');
    // 6 + 0 + 6 + 6 + 1 complete results, and step 3's cut-off 7th record still has its url.
    const links = briefing.locator('#kb-sources a[href^="http"]');
    expect(await links.count()).toBe(20);
    expect(await links.evaluateAll((as) => new Set(as.map((a) => (a as HTMLAnchorElement).href)).size)).toBeGreaterThanOrEqual(19);
    // The empty and the cut-off steps are explained in words.
    const sources = (await briefing.locator('#kb-sources').innerText()).toLowerCase();
    expect(sources).toContain('no results');
    expect(sources).toMatch(/cut off/);
    await page.close();
  });

  it('shows the summary and analysis as formatted text, without the export artefacts', async () => {
    const page = await browser.newPage();
    await page.goto(new URL(`q/what-is-the-import-dependency-of-the-us-on-china-for-rare-earths/2026-01-27-8e0c65b3/`, site.url).href);
    // Only the prose: the provenance panel quotes the artefacts it repaired, on purpose.
    const text = (await page.locator('[data-kb-part]').allInnerTexts()).join('\n');
    expect(text).toContain('$1.6 billion');
    expect(text).not.toContain('\\$');
    expect(text).not.toContain('****');
    expect(await page.locator('[data-kb-part="analysis"] h2').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('[data-kb-part] strong').count()).toBeGreaterThan(10);
    await page.close();
  });

  it('writes a search index that holds the briefing, in one bundle listed in the manifest', async () => {
    const pagefind = path.join(dir, 'dist', 'pagefind');
    const manifest = JSON.parse(await readFile(path.join(pagefind, 'bundles.json'), 'utf8'));
    expect(manifest).toMatchObject({ total: 1, bundles: [{ key: '2026', count: 1, path: 'pagefind/2026/' }] });
    const entry = JSON.parse(await readFile(path.join(pagefind, '2026', 'pagefind-entry.json'), 'utf8'));
    expect(Object.values(entry.languages as Record<string, { page_count: number }>).reduce((n, l) => n + l.page_count, 0)).toBe(1);
  });
});
