// A pipeline briefing in the browser: citations link to their source cards and back, the theme
// toggle cycles and persists, `/` and Ctrl-K focus the header search, and the page prints as a
// handout. Builds a temporary site from a copy of the project's content/. Screenshots (1280 and
// 375 px, light and dark, and print) go to test-results/ for a person to look at.
import { cp, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import matter from 'gray-matter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, hasChromium, newPage, kb, launchChromium, serve } from './harness.ts';

const CONTENT = fileURLToPath(new URL('../../content/', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const SLUG = 'us-china-rare-earths';

describe.skipIf(!hasChromium)('a pipeline briefing in the browser', () => {
  let dir: string;
  let pageUrl: string;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-briefing-'));
    await cp(CONTENT, path.join(dir, 'content'), { recursive: true, filter: (src) => !src.includes(`${path.sep}.cache`) });
    await kb('build', '--content', path.join(dir, 'content'), '--out', path.join(dir, 'dist'));
    const [session] = (await readdir(path.join(dir, 'dist', 'q', SLUG), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort().reverse();
    site = await serve(path.join(dir, 'dist'));
    pageUrl = new URL(`q/${SLUG}/${session}/`, site.url).href;
    browser = await launchChromium();
    await mkdir(SHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(width = 1280, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
    const page = await newPage(browser, { viewport: { width, height: 900 }, colorScheme });
    await page.goto(pageUrl);
    return page;
  }
  const targetId = (page: Page) => page.evaluate(() => document.querySelector(':target')?.id);

  it('numbers the source cards in step order and links every citation to one of them', async () => {
    const page = await open();
    const cards = await page.locator('.result').evaluateAll((els) => els.map((el) => [el.id, el.querySelector('.result-n')?.textContent]));
    expect(cards.length).toBe(8);
    cards.forEach(([id, label], i) => expect([id, label]).toEqual([`kb-source-${i + 1}`, `[${i + 1}]`]));

    const cites = await page.locator('a[id^="kb-cite-"]').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.id, a.textContent]));
    expect(cites.length).toBeGreaterThan(5);
    const ids = new Set(cites.map(([, id]) => id));
    expect(ids.size).toBe(cites.length); // every citation has its own id
    for (const [href, id, text] of cites) {
      expect(href).toBe(`#kb-source-${text}`);
      expect(id).toMatch(new RegExp(`^kb-cite-${text}-\\d+$`));
    }
    // Every in-page link on the page resolves to an element that exists.
    const fragments = await page.locator('a[href^="#"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    const missing = await page.evaluate((hrefs) => hrefs.filter((h) => !document.getElementById(decodeURIComponent(h.slice(1)))), fragments);
    expect(missing).toEqual([]);
    // A bracketed number that points at no result is never a link.
    const stray = await page.locator('.prose a[id^="kb-cite-"]').evaluateAll((as) => as.filter((a) => Number(a.textContent) > 8 || Number(a.textContent) < 1).length);
    expect(stray).toBe(0);
    await page.context().close();
  });

  it('is announced by its answer: the page description opens with the answer, not the summary', async () => {
    const [file] = (await readdir(path.join(CONTENT, 'briefings', SLUG))).filter((f) => f.endsWith('.mdx')).sort().reverse();
    const { data } = matter(await readFile(path.join(CONTENT, 'briefings', SLUG, file!), 'utf8'));
    const opening = (data.answer.text as string).split(/\s+/).slice(0, 8).join(' ');
    const page = await open();
    const description = await page.locator('meta[name="description"]').getAttribute('content');
    expect(description!.startsWith(opening), `${description} should open with: ${opening}`).toBe(true);
    expect(description!.length).toBeLessThanOrEqual(201);
    expect(await page.locator('meta[property="og:description"]').getAttribute('content')).toBe(description);
  });

  it('goes from a citation to its source card and back', async () => {
    const page = await open();
    const cite = page.locator('[data-kb-part="analysis"] a[id^="kb-cite-"]').first();
    const [href, citeId] = await cite.evaluate((a) => [a.getAttribute('href')!, a.id]);
    await cite.click();
    await expect.poll(() => targetId(page)).toBe(href.slice(1));
    expect(await page.locator(':target').evaluate((el) => el.classList.contains('result'))).toBe(true);
    expect(await page.locator(`${href}`).isVisible()).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'briefing-source-target.png') });
    const back = page.locator(`${href} .cited-in a[href="#${citeId}"]`);
    await back.click();
    await expect.poll(() => targetId(page)).toBe(citeId);
    expect(await page.locator(`#${citeId}`).isVisible()).toBe(true);
    await page.context().close();
  });

  it('cycles the theme system → light → dark, shows it, and remembers it', async () => {
    const page = await open(1280, 'light');
    const html = page.locator('html');
    const toggle = page.locator('header [data-theme-toggle]');
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await html.getAttribute('data-theme')).toBe('system');
    expect(await toggle.getAttribute('aria-label')).toMatch(/theme: system/i);
    const light = await bg();
    await toggle.click();
    expect(await html.getAttribute('data-theme')).toBe('light');
    await toggle.click();
    expect(await html.getAttribute('data-theme')).toBe('dark');
    expect(await toggle.getAttribute('aria-label')).toMatch(/theme: dark/i);
    expect(await bg()).not.toBe(light);
    await page.reload();
    expect(await html.getAttribute('data-theme')).toBe('dark');
    expect(await bg()).not.toBe(light);
    await toggle.click();
    expect(await html.getAttribute('data-theme')).toBe('system');
    await page.reload();
    expect(await html.getAttribute('data-theme')).toBe('system');
    expect(await bg()).toBe(light);
    await page.context().close();
  });

  it('focuses the header search box on / and on Ctrl-K, but not while typing', async () => {
    const page = await open();
    const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
    await page.keyboard.press('/');
    expect(await focused()).toBe('header-q');
    expect(await page.inputValue('#header-q')).toBe(''); // the slash was not typed in
    await page.keyboard.type('a/b');
    expect(await page.inputValue('#header-q')).toBe('a/b'); // typing a slash in the box is typing
    await page.evaluate(() => (document.activeElement as HTMLElement).blur());
    expect(await focused()).not.toBe('header-q');
    await page.keyboard.press('Control+k');
    expect(await focused()).toBe('header-q');
    await page.context().close();
  });

  it('prints as a handout: no header chrome, source URLs written out', async () => {
    const page = await open();
    await page.emulateMedia({ media: 'print' });
    for (const sel of ['.site-header', '.site-nav', '.header-search', '.theme-toggle', '.toc', '.site-footer']) {
      expect(await page.locator(sel).first().isVisible(), sel).toBe(false);
    }
    expect(await page.locator('#kb-sources').isVisible()).toBe(true);
    const after = await page.locator('.result-title a[href^="http"]').first().evaluate((a) => [getComputedStyle(a, '::after').content, a.getAttribute('href')]);
    expect(after[0]).toBe(`" (${after[1]})"`);
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(255, 255, 255)');
    await page.screenshot({ path: path.join(SHOTS, 'briefing-print.png'), fullPage: true });
    await page.context().close();
  });

  it('takes screenshots at 1280 and 375 px, light and dark', async () => {
    for (const width of [1280, 375]) {
      for (const scheme of ['light', 'dark'] as const) {
        const page = await open(width, scheme);
        await page.screenshot({ path: path.join(SHOTS, `briefing-${width}-${scheme}.png`) });
        // The source list too, where the cards and their back-links are.
        await page.locator('#kb-source-1').scrollIntoViewIfNeeded();
        await page.screenshot({ path: path.join(SHOTS, `briefing-${width}-${scheme}-sources.png`) });
        await page.context().close();
      }
    }
  });
});

if (!hasChromium) console.warn(chromiumMissing);
