// "Figures over time" on a question's page, in Chromium with JavaScript off: four sessions of one
// question (written here, imported with `kb import`, built with `kb build`), three of them with key
// figures (one without, which the chart skips), the labels hostile. Each series with two values or
// more is an SVG chart drawn at build time, one point per session's value, each point a link to its
// briefing; the table beside it lists every value; hostile labels are shown as text; the figure
// given once is in the last table; Plot is not shipped to the browser; axe finds no serious or
// critical violations. A screenshot goes to test-results/ for a person to look at.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import type { KeyFigure } from '#core/session.ts';
import { chromiumMissing, hasChromium, newPage, importedSite } from './harness.ts';

const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const SLUG = 'eu-gallium-figures';
const QUESTION = 'How dependent is the EU on Chinese gallium?';
/** In every label of the share series (the same words in each, so the series still matches). */
const HOSTILE = `<img src=x onerror="window.__kbFigures='img ran'"><script>window.__kbFigures='script ran'</script> "><b>bold</b>`;
const squash = (t: string | null) => (t ?? '').replace(/\s+/g, ' ').trim();

if (!hasChromium) console.warn(chromiumMissing);

const share = (label: string, value: number, more: Partial<KeyFigure> = {}): KeyFigure => ({ label: `${label} ${HOSTILE}`, value, unit: '%', ...more });
const recycled = (value: number): KeyFigure => ({ label: 'Recycled gallium available in the EU', value, unit: 't', cite: 2 });

/** Session n of the question, on `day`, with these key figures (none: no answer at all). */
function session(n: number, day: string, figures: KeyFigure[] | undefined) {
  return {
    schemaVersion: 2,
    id: `f16e5000-0000-4000-8000-00000000000${n}`,
    query: QUESTION,
    querySlug: SLUG,
    generatedAt: `${day}T06:00:00Z`,
    ...(figures ? { answer: { text: `Very dependent: the figures of briefing ${n} [1].`, figures } } : {}),
    summary: `Briefing ${n} on gallium.`,
    analysis: `## Findings\n\nBriefing ${n}: China supplies most of the EU's gallium [1].`,
    tags: ['gallium'],
    steps: [
      {
        id: 'step_0',
        query: 'EU gallium imports China share',
        results: [
          { title: 'Gallium factsheet', url: `https://crm.example.eu/gallium-${n}`, snippet: 'China accounted for most EU gallium imports.', source: 'crm.example.eu' },
          { title: 'Gallium recycling', url: `https://recycling.example.org/gallium-${n}`, snippet: 'Little gallium is recycled.', source: 'recycling.example.org' },
        ],
      },
    ],
  };
}

const SESSIONS = [
  session(1, '2026-01-05', [share('Share of EU gallium imports from China', 71, { asOf: '2023', text: '71%', cite: 1 }), recycled(12)]),
  session(2, '2026-02-02', [share("China's share of EU gallium imports", 74, { text: 'about 74%', cite: 1 }), recycled(11)]),
  session(3, '2026-03-02', undefined),
  session(4, '2026-04-06', [share('Share of EU gallium imports from China', 80, { asOf: '2025', cite: 9 }), recycled(14), { label: `Gallium refineries operating in the EU ${HOSTILE}`, value: 0, unit: '' }]),
];

describe.skipIf(!hasChromium)('figures over time on a question page, in the browser without JavaScript', () => {
  let browser: Browser;
  let root: string;
  let dist: string;
  let questionUrl: string;
  /** The briefing pages, oldest first, as site paths. */
  let briefings: string[];
  let close: () => Promise<void> = async () => {};
  let input: string | undefined;

  beforeAll(async () => {
    input = await mkdtemp(path.join(os.tmpdir(), 'kb-figures-in-'));
    const files: string[] = [];
    for (const s of SESSIONS) {
      const file = path.join(input, `${s.id}.json`);
      await writeFile(file, JSON.stringify(s));
      files.push(file);
    }
    const built = await importedSite('kb-figures-', files);
    ({ browser, close } = built);
    root = built.url;
    dist = path.join(built.dir, 'dist');
    const names = await built.sessions(SLUG);
    expect(names).toHaveLength(4);
    briefings = names.map((name) => new URL(`q/${SLUG}/${name}/`, root).pathname);
    questionUrl = new URL(`q/${SLUG}/`, root).href;
    await mkdir(SHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await close();
    if (input) await rm(input, { recursive: true, force: true });
  });

  async function open(url = questionUrl, options: BrowserContextOptions = {}): Promise<Page> {
    const page = await newPage(browser, { colorScheme: 'light', javaScriptEnabled: false, ...options });
    await page.goto(url);
    return page;
  }
  const shareChart = (page: Page) => page.locator('figure.kb-fig', { has: page.locator('h3', { hasText: 'Share of EU gallium imports from China' }) });
  const recycledChart = (page: Page) => page.locator('figure.kb-fig', { has: page.locator('h3', { hasText: 'Recycled gallium available in the EU' }) });

  it('draws each series with two values or more as an SVG chart named by its title, in the HTML', async () => {
    const page = await open();
    expect(squash(await page.locator('#figures-trend-h').textContent())).toBe('Figures over time');
    expect(await page.locator('figure.kb-fig').count()).toBe(2);
    for (const chart of [shareChart(page), recycledChart(page)]) {
      const svg = chart.locator('svg[role="group"]');
      expect(await svg.count()).toBe(1);
      expect(await svg.isVisible()).toBe(true);
      const box = await svg.boundingBox();
      expect(box!.width).toBeGreaterThan(300);
      expect(box!.height).toBeGreaterThan(100);
    }
    expect(await recycledChart(page).locator('svg > title').textContent()).toBe('Recycled gallium available in the EU (t): 3 values from 2026-01-05 to 2026-04-06, by the date of each briefing. The table lists them.');
    await page.screenshot({ path: path.join(SHOTS, 'figures-question.png'), fullPage: true });
  });

  it('has one point per session’s value, each a link to that session’s briefing; the session without figures has none', async () => {
    const page = await open();
    for (const chart of [shareChart(page), recycledChart(page)]) {
      expect(await chart.locator('svg circle').count()).toBe(3);
      const hrefs = await chart.locator('svg a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      expect(hrefs).toEqual([briefings[0], briefings[1], briefings[3]]);
    }
    // Left to right, oldest first: the points' x grow, and the share goes 71 → 74 → 80 (up is smaller y).
    const points = await shareChart(page).locator('svg circle').evaluateAll((cs) => cs.map((c) => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))]));
    expect(points.map(([x]) => x)).toEqual([...points.map(([x]) => x)].sort((a, b) => a! - b!));
    expect(points[0]![1]).toBeGreaterThan(points[1]![1]!);
    expect(points[1]![1]).toBeGreaterThan(points[2]![1]!);
    // The point's title says its value, period and briefing, and its label when it was worded otherwise.
    const titles = await shareChart(page).locator('svg a title').allTextContents();
    expect(titles).toEqual([
      '71% (as of 2023), in the briefing of 2026-01-05',
      `China's share of EU gallium imports ${HOSTILE}: about 74%, in the briefing of 2026-02-02`,
      '80% (as of 2025), in the briefing of 2026-04-06',
    ]);
  });

  it('a point, clicked, opens its briefing', async () => {
    const page = await open();
    await Promise.all([page.waitForURL(new URL(briefings[1]!, root).href), shareChart(page).locator('svg a').nth(1).locator('circle').click()]);
    expect(squash(await page.locator('h1').textContent())).toContain(QUESTION);
    expect(await page.locator('#kb-answer').textContent()).toContain('the figures of briefing 2');
  });

  it('the table beside each chart lists every session’s value, newest first, each linked to its briefing', async () => {
    const page = await open();
    const rows = await shareChart(page).locator('table tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => (c.textContent ?? '').replace(/\s+/g, ' ').trim())),
    );
    // Reworded: each row says how its briefing labelled the figure.
    expect(rows).toEqual([
      ['2026-04-06', `Share of EU gallium imports from China ${HOSTILE}`, '80%', '2025', '[9]'],
      ['2026-02-02', `China's share of EU gallium imports ${HOSTILE}`, 'about 74%', 'not stated', '[1]'],
      ['2026-01-05', `Share of EU gallium imports from China ${HOSTILE}`, '71%', '2023', '[1]'],
    ]);
    const links = await shareChart(page).locator('table tbody tr th a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(links).toEqual([briefings[3], briefings[1], briefings[0]]);
    // A citation links to the source card, unless the briefing has no such result ([9]).
    const sources = await shareChart(page).locator('table tbody tr td:last-child a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(sources).toEqual([`${briefings[1]}#kb-source-1`, `${briefings[0]}#kb-source-1`]);
    const caption = squash(await shareChart(page).locator('table caption').textContent());
    expect(caption).toBe(`Share of EU gallium imports from China ${HOSTILE} (%): 3 values, newest first`);
    expect(await shareChart(page).locator('table thead th[scope="col"]').count()).toBe(5);
    expect(await shareChart(page).locator('table tbody th[scope="row"]').count()).toBe(3);
    expect(await recycledChart(page).locator('table tbody td.kb-fig-value').allTextContents()).toEqual(['14 t', '11 t', '12 t']);
  });

  it('lists the figure given once in the last table', async () => {
    const page = await open();
    const others = page.locator('details.kb-fig-others');
    expect(squash(await others.locator('summary').textContent())).toBe('1 more figure: given once, or past the charted series');
    const rows = await others.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => (c.textContent ?? '').replace(/\s+/g, ' ').trim())));
    expect(rows).toEqual([[`Gallium refineries operating in the EU ${HOSTILE}`, '2026-04-06', '0', 'not stated', 'not cited']]);
  });

  it('shows hostile labels as text: no element, attribute or script of theirs, with or without JavaScript', async () => {
    for (const javaScriptEnabled of [false, true]) {
      const page = await open(questionUrl, { javaScriptEnabled });
      const section = page.locator('section.kb-figures');
      expect(await section.locator('img, script, b, iframe, object, embed, foreignObject').count()).toBe(0);
      const handlers = await section.evaluate((s) => [...s.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name) || /window\.__kb/.test(a.value)).map((a) => `${el.tagName} ${a.name}`)));
      expect(handlers).toEqual([]);
      expect(await section.textContent()).toContain(HOSTILE);
      if (javaScriptEnabled) {
        await page.waitForLoadState('load');
        expect(await page.evaluate(() => (window as unknown as { __kbFigures?: string }).__kbFigures)).toBeUndefined();
      }
    }
  });

  it('ships no charting code: the page has no script of Plot, and no built script mentions it', async () => {
    const page = await open();
    const scripts = await page.locator('script[src]').evaluateAll((ss) => ss.map((s) => s.getAttribute('src')));
    const files = (await readdir(dist, { recursive: true })).filter((f) => /\.m?js$/.test(f) && !f.startsWith('pagefind'));
    for (const file of files) {
      const text = await readFile(path.join(dist, file), 'utf8');
      expect(text, file).not.toMatch(/observablehq|kb-fig-plot|d3-scale|scaleLinear/);
    }
    for (const src of scripts) expect(src).not.toMatch(/plot|d3/i);
    // The page's SVG is about one point per value: two charts of three values.
    expect(await page.locator('section.kb-figures svg circle').count()).toBe(6);
  });

  it('fits a phone screen: the chart shrinks with the column and nothing scrolls sideways', async () => {
    const page = await open(questionUrl, { viewport: { width: 375, height: 800 } });
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, svg: document.querySelector('.kb-fig svg')!.getBoundingClientRect().width }));
    expect(widths.page).toBeLessThanOrEqual(375);
    expect(widths.svg).toBeGreaterThan(250);
    await page.locator('section.kb-figures').screenshot({ path: path.join(SHOTS, 'figures-question-375.png') });
  });

  it('has no serious or critical accessibility violations (axe), light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await open(questionUrl, { javaScriptEnabled: true, colorScheme });
      const result = await new AxeBuilder({ page }).include('section.kb-figures').analyze();
      const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${colorScheme} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      expect(bad).toEqual([]);
      await page.close();
    }
    const page = await open(questionUrl, { javaScriptEnabled: true });
    // The chart is a group named by its title; each point a link named by its own.
    expect(await page.getByRole('group', { name: /^Recycled gallium available in the EU \(t\): 3 values/ }).count()).toBe(1);
    const point = shareChart(page).getByRole('link', { name: '80% (as of 2025), in the briefing of 2026-04-06', exact: true });
    expect(await point.getAttribute('href')).toBe(briefings[3]);
    expect(await point.getAttribute('tabindex')).toBe('-1');
  });
});
