// Grounding in the browser, on a MICA export shaped like the real seed (tests/fixtures/mica/
// magnets-report.txt: outlets named instead of cited, figures no result holds, an admission that
// the sources lack statistics): imported with `kb import`, built with `kb build` into a temporary
// folder. Its unsupported figures (the "94%" first) are marked in the prose with
// a reason that a keyboard reaches; a supported claim's link lands on highlighted words in a
// source card; the evidence panel and the query timeline show the score; and the page has no
// serious or critical axe violations. Screenshots go to test-results/ for a person to look at.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, hasChromium, newPage, importedSite } from './harness.ts';

const REPORT = fileURLToPath(new URL('../fixtures/mica/magnets-report.txt', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const SLUG = 'how-dependent-is-the-us-on-china-for-rare-earth-permanent-magnets';

describe.skipIf(!hasChromium)('grounding on a seed-shaped briefing, in the browser', () => {
  let pageUrl: string;
  let queryUrl: string;
  let browser: Browser;
  let close: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const site = await importedSite('kb-grounding-', [REPORT]);
    ({ browser, close } = site);
    const [session] = await site.sessions(SLUG);
    queryUrl = new URL(`q/${SLUG}/`, site.url).href;
    pageUrl = new URL(`q/${SLUG}/${session}/`, site.url).href;
    await mkdir(SHOTS, { recursive: true });
  }, 180_000);

  afterAll(() => close());

  async function open(url = pageUrl, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
    const page = await newPage(browser, { colorScheme });
    await page.goto(url);
    return page;
  }

  it('marks "94%" as unsupported, with a reason a keyboard user can reach', async () => {
    const page = await open();
    const marker = page.locator('.prose mark.kb-unsupported', { hasText: /^94%$/ }).first();
    expect(await marker.count()).toBe(1);
    expect(await page.locator('.prose mark.kb-unsupported', { hasText: /^94%$/ }).count()).toBe(2); // summary and analysis
    expect(await marker.getAttribute('title')).toContain('“94%” appears in no result of this session');
    // The reason is the marker's accessible description, and shows when the marker has focus.
    const describedBy = (await marker.getAttribute('aria-describedby'))!;
    expect(describedBy).toMatch(/^kb-why-\d+$/);
    const why = page.locator(`#${describedBy}`);
    expect(await why.textContent()).toContain('94%');
    expect((await why.boundingBox())!.width).toBeLessThanOrEqual(1);
    await marker.focus();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('94%');
    const shown = (await why.boundingBox())!;
    expect(shown.width).toBeGreaterThan(100);
    expect(await why.isVisible()).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'grounding-unsupported-focus.png') });
    // Other unsupported figures of the report are marked too; supported ones are not.
    const marked = await page.locator('.prose mark.kb-unsupported').allTextContents();
    expect(marked).toEqual(expect.arrayContaining(['88%', '22.93X', '$600 million']));
    expect(marked).not.toContain('$1.6 billion');
  });

  it('links a supported claim to the highlighted words in its source card', async () => {
    const page = await open();
    const link = page.locator('.prose a.kb-evidence-link').first();
    const href = (await link.getAttribute('href'))!;
    expect(href).toMatch(/^#kb-ev-\d+-\d+$/);
    expect(await link.getAttribute('aria-label')).toMatch(/^evidence for this claim in source \d+$/);
    await link.click();
    await expect.poll(() => page.evaluate(() => document.querySelector(':target')?.id)).toBe(href.slice(1));
    const target = page.locator(':target');
    expect(await target.evaluate((el) => el.tagName === 'MARK' && el.classList.contains('kb-evidence') && !!el.closest('li.result'))).toBe(true);
    expect((await target.textContent())!.trim().length).toBeGreaterThan(0);
    expect(await target.isVisible()).toBe(true);
    // The card it lands on is the source the link names.
    const n = /source (\d+)$/.exec((await link.getAttribute('aria-label'))!)![1];
    expect(await target.evaluate((el) => el.closest('li.result')!.id)).toBe(`kb-source-${n}`);
    await page.screenshot({ path: path.join(SHOTS, 'grounding-evidence-target.png') });
    // Every in-page link on the page resolves.
    const fragments = await page.locator('a[href^="#"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    const missing = await page.evaluate((hrefs) => hrefs.filter((h) => !document.getElementById(decodeURIComponent(h.slice(1)))), fragments);
    expect(missing).toEqual([]);
  });

  it('shows the sources-and-evidence panel with the score, the outlets named instead of cited, and the unsupported claims', async () => {
    const page = await open();
    const panel = page.locator('#kb-evidence');
    const text = (await panel.textContent())!.replace(/\s+/g, ' ');
    expect(text).toContain('Sources and evidence');
    expect(text).toMatch(/\d+% of claims supported: \d+ of \d+ claims; \d+ unsupported, \d+ uncited\./);
    expect(text).toMatch(/Outlets named instead of cited\s*\d+/);
    expect(text).toContain('yet it states');
    expect(text).toContain('“94%” appears in no result of this session');
    expect(await panel.locator('a[href="#kb-grounding-how"]').count()).toBe(1);
    await panel.screenshot({ path: path.join(SHOTS, 'grounding-panel.png') });
  });

  it('shows the grounding score on the query timeline', async () => {
    const page = await open(queryUrl);
    const table = page.locator('.kb-trend-table');
    expect(await table.locator('tbody tr').count()).toBe(1);
    expect((await table.locator('tbody tr td').first().textContent())!.trim()).toMatch(/^\d+%$/);
    expect(await page.locator('.kb-grounding-chip').first().textContent()).toMatch(/^grounding \d+%$/);
    await page.locator('.kb-grounding-trend').screenshot({ path: path.join(SHOTS, 'grounding-timeline.png') });
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`has no serious or critical accessibility violations on the briefing (${scheme})`, async () => {
      const page = await open(pageUrl, scheme);
      await page.locator('.prose mark.kb-unsupported').first().focus();
      const { violations } = await new AxeBuilder({ page }).analyze();
      const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
    }, 120_000);
  }
});

if (!hasChromium) console.warn(chromiumMissing);
