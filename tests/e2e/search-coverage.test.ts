// Everything a briefing page shows can be found by searching (issue 19), in Debian's Chromium: a
// small knowledge base of three sessions, imported with `kb import` and built with `kb build`.
// One briefing has a word only in one result's snippet ("yttrium"), one only in a source title
// ("scandium"), one only in a passage read ("terbium") and one only in a key figure's label
// ("samarium"); searching each finds that briefing, with a sub-result that opens the briefing page
// at the section that holds the word. And a briefing whose question and answer are about a word
// ranks above a newer one that has the word only in a snippet, in the same search bundle.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, hasChromium, sessionsSite } from './harness.ts';

if (!hasChromium) console.warn(chromiumMissing);

const MAGNETS = 'eu-magnet-exposure';
const LANTHANUM = 'lanthanum-catalysts';
const OTHER = 'refinery-outlook';

const sessions = [
  {
    schemaVersion: 2,
    id: '7b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e',
    query: 'How exposed are EU magnet makers to Chinese export controls?',
    querySlug: MAGNETS,
    generatedAt: '2026-03-01T09:00:00Z',
    answer: {
      text: 'Highly exposed: most rare-earth oxide for EU magnets is refined in China [1].',
      figures: [{ label: 'Samarium cobalt magnet share of EU output', value: 4, unit: '%', asOf: '2024', cite: 1 }],
    },
    summary: 'EU magnet makers depend on Chinese refining [1].',
    analysis: '## Findings\n\nLicences slowed deliveries in 2025 [2].',
    tags: ['magnets'],
    steps: [
      {
        id: 'step_1',
        query: 'EU magnet makers rare earth oxide imports',
        results: [
          {
            title: 'Rare-earth oxide supply for European magnets',
            url: 'https://crm.example.eu/oxide',
            snippet: 'Separation plants for yttrium and other heavy oxides are concentrated in one country.',
            read: { status: 'read', kind: 'html', chars: 5200 },
            passages: [{ text: 'Terbium oxide deliveries to EU magnet makers took up to 45 days to license.', where: 'Licensing delays' }],
          },
          {
            title: 'Scandium alloys and the wider market',
            url: 'https://metals.example.org/alloys',
            snippet: 'Licences slowed deliveries to European buyers through 2025.',
          },
        ],
      },
    ],
    status: 'complete',
  },
  {
    // About lanthanum: its question and answer say so. Older than the next one, so a date order would put it second.
    schemaVersion: 2,
    id: '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f',
    query: 'Where does Europe buy lanthanum for refinery catalysts?',
    querySlug: LANTHANUM,
    generatedAt: '2026-03-04T09:00:00Z',
    answer: { text: 'Mostly from China: lanthanum for catalysts is rarely sourced elsewhere [1].', figures: [] },
    summary: 'Catalyst makers buy from a few refiners [1].',
    analysis: '',
    tags: ['catalysts'],
    steps: [{ id: 'step_1', query: 'catalyst supply Europe', results: [{ title: 'Catalyst supply notes', url: 'https://cat.example.com/notes', snippet: 'Fluid catalytic cracking needs rare earths.' }] }],
    status: 'complete',
  },
  {
    // Mentions lanthanum only in one result's snippet.
    schemaVersion: 2,
    id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    query: 'What is the outlook for European refinery capacity?',
    querySlug: OTHER,
    generatedAt: '2026-03-05T09:00:00Z',
    summary: 'Capacity is expected to shrink slowly [1].',
    analysis: '',
    tags: ['refining'],
    steps: [{ id: 'step_1', query: 'European refinery closures', results: [{ title: 'Refinery closures ahead', url: 'https://energy.example.net/closures', snippet: 'Closures will also cut demand for lanthanum-based catalysts.' }] }],
    status: 'complete',
  },
];

describe.skipIf(!hasChromium)('search finds every word a briefing page shows, and jumps to its section', () => {
  let browser: Browser;
  let url: string;
  let names: Record<string, string>;
  let close: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const built = await sessionsSite('kb-coverage-', sessions);
    ({ browser, url, close } = built);
    names = Object.fromEntries(await Promise.all([MAGNETS, LANTHANUM, OTHER].map(async (slug) => [slug, (await built.sessions(slug))[0]!])));
    // One bundle: the ranking below is Pagefind's own, not an order across bundles.
    const manifest = JSON.parse(await readFile(path.join(built.dir, 'dist', 'pagefind', 'bundles.json'), 'utf8'));
    expect(manifest.bundles).toHaveLength(1);
  }, 180_000);

  afterAll(async () => {
    await close();
  });

  const briefingPath = (slug: string) => `/q/${slug}/${names[slug]}/`;

  /** Searches `word` on /search/ and waits until every hit listed has its text. */
  async function search(word: string): Promise<Page> {
    // Results load their text as they come near the viewport: a tall one loads them all.
    const page = await browser.newPage({ viewport: { width: 1280, height: 4000 } });
    await page.goto(new URL(`search/?q=${encodeURIComponent(word)}`, url).href);
    await expect.poll(() => page.locator('.search-results .hit-title a').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.locator('.hit-loading').count(), { timeout: 15_000 }).toBe(0);
    return page;
  }
  const hitPaths = (page: Page) => page.locator('.search-results .hit-title a').evaluateAll((as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
  const subLinks = (page: Page) =>
    page.locator('.search-results .hit-subs a').evaluateAll((as) => as.map((a) => ({ path: new URL((a as HTMLAnchorElement).href).pathname, hash: new URL((a as HTMLAnchorElement).href).hash, text: a.textContent ?? '' })));

  const cases = [
    { word: 'yttrium', where: 'only in one result\'s snippet', anchor: '#kb-source-1', title: '[1] Rare-earth oxide supply for European magnets' },
    { word: 'scandium', where: 'only in a source title', anchor: '#kb-source-2', title: '[2] Scandium alloys and the wider market' },
    { word: 'terbium', where: 'only in a quoted passage', anchor: '#kb-passage-1-1', title: '[1] passage: Licensing delays' },
    { word: 'samarium', where: 'only in a key figure\'s label', anchor: '#kb-key-figures', title: 'Key figures' },
  ];
  for (const { word, where, anchor, title } of cases) {
    it(`finds "${word}", ${where}, in that briefing alone, with a sub-result that opens the briefing at the section holding it`, async () => {
      const page = await search(word);
      expect(await hitPaths(page)).toEqual([briefingPath(MAGNETS)]);
      expect(await page.locator('.search-results mark').first().innerText()).toMatch(new RegExp(word, 'i'));
      const subs = await subLinks(page);
      const sub = subs.find((s) => s.hash === anchor);
      expect(sub, JSON.stringify(subs)).toMatchObject({ path: briefingPath(MAGNETS), text: title });
      // The link opens the briefing page at an element with that id, in the section with the word.
      await page.locator(`.search-results .hit-subs a[href$="${anchor}"]`).click();
      await page.waitForURL((u) => u.pathname === briefingPath(MAGNETS) && u.hash === anchor);
      const target = await page.evaluate(() => {
        const el = document.querySelector(':target');
        return el && { id: el.id, text: (el.closest('section, li') ?? el).textContent ?? '' };
      });
      expect(target?.id).toBe(anchor.slice(1));
      expect(target!.text.toLowerCase()).toContain(word);
      await page.close();
    });
  }

  it('a sub-query leads to its step on the page', async () => {
    const page = await search('imports');
    const sub = (await subLinks(page)).find((s) => s.hash === '#kb-step-1');
    expect(sub).toMatchObject({ path: briefingPath(MAGNETS), text: 'Step 1: EU magnet makers rare earth oxide imports' });
    await page.close();
  });

  it('ranks a briefing whose question and answer hold a word above a newer one that has it only in a snippet', async () => {
    const page = await search('lanthanum');
    expect(await hitPaths(page)).toEqual([briefingPath(LANTHANUM), briefingPath(OTHER)]);
    await page.close();
  });
});
