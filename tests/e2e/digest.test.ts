// "What changed this week" (/digest/) and its feeds, in Chromium: three questions, eight sessions
// on several dates (written here with their ledgers, imported with `kb import`, built with
// `kb build` with KB_SITE and KB_BASE unset). The newest session is on 2026-04-06, so the week is
// 2026-03-31 to 2026-04-06 whatever today is. Gallium moved materially within the week (71% →
// 80%), cobalt moved a little (not material) within the week and materially the week before (left
// out), lithium was only reworded (counted, not listed). The page lists exactly gallium and cobalt
// with old → new values, dates and links; hostile labels stay text; /digest.xml and /digest.json
// parse, newest first, and link the briefings; the header links the page; axe finds no serious or
// critical violations, and nothing overflows on a phone.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { chromiumMissing, hasChromium, newPage, importedSite } from './harness.ts';

const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const HOSTILE = `<img src=x onerror="window.__kbDigest='img ran'"><script>window.__kbDigest='script ran'</script>`;
const squash = (t: string | null) => (t ?? '').replace(/\s+/g, ' ').trim();
const THRESHOLD = { relative: 0.05, points: 1 };

if (!hasChromium) console.warn(chromiumMissing);

const ID = (q: number, n: number) => `d16e5000-0000-4000-8000-0000000${q}000${n}`;
const QUESTIONS = {
  1: { slug: 'gallium-digest', query: 'How dependent is the EU on Chinese gallium?' },
  2: { slug: 'lithium-digest', query: 'Where will the EU get its lithium?' },
  3: { slug: 'cobalt-digest', query: 'How much cobalt does the DRC mine?' },
} as const;

type Figure = { status: 'new' | 'changed' | 'unchanged' | 'dropped'; label: string; unit: string; before?: object; after?: object; delta?: number; relative?: number; material: boolean };
type Claim = { status: 'new' | 'changed' | 'unchanged' | 'dropped'; text: string; before?: { text: string }; material: boolean };

type Method = { status: 'same' | 'changed' | 'unknown'; changes: string[]; newSources: number; note?: string };
function session(q: 1 | 2 | 3, n: number, day: string, ledger?: { figures: Figure[]; claims: Claim[]; reasons: string[]; method?: Method }, previousDay?: string) {
  const { slug, query } = QUESTIONS[q];
  return {
    schemaVersion: 2,
    id: ID(q, n),
    query,
    querySlug: slug,
    generatedAt: `${day}T06:00:00Z`,
    answer: { text: `Answer ${n} [1].`, figures: [] },
    summary: `Briefing ${n}.`,
    analysis: `## Findings\n\nBriefing ${n} [1].`,
    tags: ['digest'],
    steps: [{ id: 'step_0', query, results: [{ title: 'Factsheet', url: `https://data.example.org/${slug}-${n}`, snippet: 'Figures.', source: 'data.example.org' }, { title: 'Report', url: `https://report.example.org/${slug}-${n}`, snippet: 'More.', source: 'report.example.org' }] }],
    ...(ledger ? { previous: { id: ID(q, n - 1), generatedAt: `${previousDay!}T06:00:00Z` } } : {}),
    ...(ledger ? { ledger: { version: 1, previous: ID(q, n - 1), threshold: THRESHOLD, material: ledger.reasons.length > 0, ...ledger } } : {}),
  };
}

const METHOD_NOTE = 'The method changed since the previous session (model a → b), and 2 sources are new: a change may come from either.';
const galliumMove: Figure = { status: 'changed', label: 'Share of EU gallium imports from China', unit: '%', before: { value: 71, asOf: '2023', cite: 1 }, after: { value: 80, text: 'about 80%', asOf: '2024', cite: 2 }, delta: 9, relative: 9 / 71, material: true };
const cobaltSmall: Figure = { status: 'changed', label: `DRC cobalt output ${HOSTILE}`, unit: 'kt', before: { value: 170, cite: 1 }, after: { value: 172, cite: 1 }, delta: 2, relative: 2 / 170, material: false };
const cobaltBig: Figure = { status: 'changed', label: `DRC cobalt output ${HOSTILE}`, unit: 'kt', before: { value: 130, cite: 1 }, after: { value: 170, cite: 1 }, delta: 40, relative: 40 / 130, material: true };
const same = (label: string, unit: string, value: number): Figure => ({ status: 'unchanged', label, unit, before: { value }, after: { value }, delta: 0, relative: 0, material: false });

const SESSIONS = [
  session(1, 1, '2026-03-02'),
  session(1, 2, '2026-04-01', {
    figures: [galliumMove, same('Recycled gallium', 't', 12)],
    claims: [{ status: 'new', text: 'A second refinery restarted in 2025 [2].', material: true }],
    reasons: [METHOD_NOTE, 'Share of EU gallium imports from China: 71% (2023) [1] → 80% (2024) [2], +9 points', 'New claim: “A second refinery restarted in 2025 [2].”'],
    method: { status: 'changed', changes: ['model a → b'], newSources: 2, note: METHOD_NOTE },
  }, '2026-03-02'),
  session(2, 1, '2026-03-09'),
  session(2, 2, '2026-04-06', {
    figures: [same('Lithium refined in the EU', 't', 500)],
    claims: [{ status: 'unchanged', text: 'Most EU lithium is imported [1].', before: { text: 'The EU imports most of its lithium [1].' }, material: false }],
    reasons: [],
  }, '2026-03-09'),
  session(3, 1, '2026-03-16'),
  session(3, 2, '2026-03-27', { figures: [cobaltBig], claims: [], reasons: [`DRC cobalt output ${HOSTILE}: 130 kt [1] → 170 kt [1], +30.8%`] }, '2026-03-16'),
  session(3, 3, '2026-04-03', { figures: [cobaltSmall], claims: [], reasons: [] }, '2026-03-27'),
];

describe.skipIf(!hasChromium)('the digest page and its feeds, in the browser', () => {
  let browser: Browser;
  let root: string;
  let digestUrl: string;
  /** Site path of a question's briefing n. */
  let page$: (q: 1 | 2 | 3, n: number) => string;
  let close: () => Promise<void> = async () => {};
  let input: string | undefined;

  beforeAll(async () => {
    input = await mkdtemp(path.join(os.tmpdir(), 'kb-digest-in-'));
    const files: string[] = [];
    for (const s of SESSIONS) {
      const file = path.join(input, `${s.id}.json`);
      await writeFile(file, JSON.stringify(s));
      files.push(file);
    }
    const built = await importedSite('kb-digest-', files);
    ({ browser, close } = built);
    root = built.url;
    digestUrl = new URL('digest/', root).href;
    const names = {
      1: await built.sessions(QUESTIONS[1].slug),
      2: await built.sessions(QUESTIONS[2].slug),
      3: await built.sessions(QUESTIONS[3].slug),
    };
    expect([names[1].length, names[2].length, names[3].length]).toEqual([2, 2, 3]);
    page$ = (q, n) => new URL(`q/${QUESTIONS[q].slug}/${names[q][n - 1]}/`, root).pathname;
    await mkdir(SHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await close();
    if (input) await rm(input, { recursive: true, force: true });
  });

  async function open(url = digestUrl, options: BrowserContextOptions = {}): Promise<Page> {
    const page = await newPage(browser, { colorScheme: 'light', javaScriptEnabled: false, ...options });
    await page.goto(url);
    return page;
  }
  const fetchText = async (p: string) => {
    const res = await fetch(new URL(p, root));
    expect(res.status, p).toBe(200);
    return { text: await res.text(), type: res.headers.get('content-type') };
  };

  it('says which week it covers: the 7 days up to the newest briefing, not today', async () => {
    const page = await open();
    expect(squash(await page.locator('h1').textContent())).toBe('What changed this week');
    expect(squash(await page.locator('.page-head .lede').textContent())).toBe('2026-03-31 to 2026-04-06 (UTC): the 7 days up to the newest briefing.');
    expect(squash(await page.locator('.digest-summary').textContent())).toBe(
      '2 briefings changed the answer (1 materially); 1 briefing found the same figures and claims (not listed).',
    );
    await page.screenshot({ path: path.join(SHOTS, 'digest.png'), fullPage: true });
  });

  it('lists exactly the questions that changed, newest change first, each linked to its question page', async () => {
    const page = await open();
    const questions = await page.locator('.digest-question').evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-digest-question'), li.querySelector('h2 a')!.getAttribute('href')]));
    expect(questions).toEqual([
      [QUESTIONS[3].slug, `/q/${QUESTIONS[3].slug}/`],
      [QUESTIONS[1].slug, `/q/${QUESTIONS[1].slug}/`],
    ]);
    // Cobalt's material move of 2026-03-27 is the week before: only its small move of 2026-04-03 is listed.
    expect(await page.locator('[data-digest-session]').evaluateAll((els) => els.map((e) => e.getAttribute('data-digest-session')))).toEqual([ID(3, 3), ID(1, 2)]);
    expect(squash(await page.locator('main').textContent())).not.toContain(QUESTIONS[2].query);
    // The material question is flagged; the other is not.
    expect(await page.locator(`[data-digest-question="${QUESTIONS[1].slug}"] h2 .flag`).allTextContents()).toEqual(['material']);
    expect(await page.locator(`[data-digest-question="${QUESTIONS[3].slug}"] h2 .flag`).count()).toBe(0);
  });

  it('shows each move old → new with the briefings’ dates, links the briefing, the one before and the cited sources', async () => {
    const page = await open();
    const gallium = page.locator(`[data-digest-session="${ID(1, 2)}"]`);
    expect(squash(await gallium.locator('.digest-entry-head').textContent())).toBe('The briefing of 2026-04-01, since the briefing of 2026-03-02material');
    expect(await gallium.locator('.digest-entry-head a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual([page$(1, 2), page$(1, 1)]);
    expect((await gallium.locator('.digest-figure').allTextContents()).map(squash)).toEqual([
      'Share of EU gallium imports from China: 71% (2023) [1] on 2026-03-02 → about 80% (2024) [2] on 2026-04-01, +9 pointsmaterial',
    ]);
    expect(await gallium.locator('.digest-figure a.digest-cite').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual([`${page$(1, 1)}#kb-source-1`, `${page$(1, 2)}#kb-source-2`]);
    expect(squash(await gallium.locator('.digest-method').textContent())).toBe(METHOD_NOTE);
    expect(squash(await gallium.locator('.digest-claims-count').textContent())).toBe('Main claims: 1 new claim');
    expect((await gallium.locator('.digest-claims li').allTextContents()).map(squash)).toEqual(['New claim: “A second refinery restarted in 2025 [2].”']);

    const cobalt = page.locator(`[data-digest-session="${ID(3, 3)}"]`);
    expect(await cobalt.locator('.flag').count()).toBe(0);
    expect((await cobalt.locator('.digest-figure').allTextContents()).map(squash)).toEqual([`DRC cobalt output ${HOSTILE}: 170 kt [1] on 2026-03-27 → 172 kt [1] on 2026-04-03, +1.2%`]);

    await Promise.all([page.waitForURL(new URL(page$(1, 2), root).href), gallium.locator('.digest-entry-head a').first().click()]);
    expect(squash(await page.locator('#kb-changed h2').textContent())).toBe('What changed since 2026-03-02');
  });

  it('shows hostile labels as text: no element or handler of theirs, nothing run', async () => {
    const page = await open(digestUrl, { javaScriptEnabled: true });
    await page.waitForLoadState('load');
    const list = page.locator('.digest-list');
    expect(await list.locator('img, script, iframe, object, embed').count()).toBe(0);
    const handlers = await list.evaluate((l) => [...l.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName} ${a.name}`)));
    expect(handlers).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __kbDigest?: string }).__kbDigest)).toBeUndefined();
  });

  it('is linked from the header of every page, and announces its feeds', async () => {
    const page = await open(root);
    const link = page.locator('.site-nav a', { hasText: 'This week' });
    expect(await link.getAttribute('href')).toBe('/digest/');
    await Promise.all([page.waitForURL(digestUrl), link.click()]);
    expect(await page.locator('.site-nav a[aria-current="page"]').textContent()).toBe('This week');
    const feeds = await page.locator('link[rel="alternate"]').evaluateAll((ls) => ls.map((l) => [l.getAttribute('type'), l.getAttribute('href')]));
    expect(feeds).toEqual([
      ['application/rss+xml', '/digest.xml'],
      ['application/feed+json', '/digest.json'],
    ]);
  });

  it('serves /digest.xml as RSS that parses: one item per changed briefing, newest first, titled by question and change', async () => {
    const { text, type } = await fetchText('digest.xml');
    expect(type).toContain('xml');
    expect(text).not.toContain('<img');
    expect(text).not.toContain('<script');
    const rss = new XMLParser({ ignoreAttributes: false }).parse(text);
    expect(rss.rss.channel.link).toBe('/digest/');
    const items = [rss.rss.channel.item].flat();
    expect(items.map((i: { link: string }) => i.link)).toEqual([page$(3, 3), page$(1, 2)]);
    expect(items[0].title).toBe(`${QUESTIONS[3].query} — DRC cobalt output ${HOSTILE}: 170 kt [1] → 172 kt [1], +1.2%`);
    expect(items[1].title).toBe(`${QUESTIONS[1].query} — Share of EU gallium imports from China: 71% (2023) [1] → 80% (2024) [2], +9 points (and 1 more)`);
    expect(items[1].description).toContain(`Since the briefing of 2026-03-02, materially:\n${METHOD_NOTE}\n- Share of EU gallium imports`);
    expect(Date.parse(items[0].pubDate)).toBe(Date.parse('2026-04-03T06:00:00Z'));
  });

  it('serves /digest.json as JSON Feed 1.1 with the same items', async () => {
    const { text } = await fetchText('digest.json');
    const feed = JSON.parse(text);
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.home_page_url).toBe('/digest/');
    expect(feed.feed_url).toBe('/digest.json');
    expect(feed.description).toContain('2026-03-31 to 2026-04-06');
    expect(feed.items.map((i: { id: string; url: string }) => [i.id, i.url])).toEqual([
      [`changes-${ID(3, 3)}`, page$(3, 3)],
      [`changes-${ID(1, 2)}`, page$(1, 2)],
    ]);
    expect(feed.items[0].title).toContain(HOSTILE);
    const dates = feed.items.map((i: { date_published: string }) => Date.parse(i.date_published));
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
  });

  it('has no serious or critical accessibility violations, and nothing overflows on a phone', async () => {
    const page = await open(digestUrl, { javaScriptEnabled: true });
    const { violations } = await new AxeBuilder({ page }).analyze();
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    const phone = await open(digestUrl, { viewport: { width: 375, height: 800 } });
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await phone.screenshot({ path: path.join(SHOTS, 'digest-375.png'), fullPage: true });
  });
});
