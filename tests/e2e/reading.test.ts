// A briefing from research that reads pages (session schema version 2), in the browser:
// tests/fixtures/json/reading-session.json (with hostile strings in its passages, a reason and a
// figure label), the briefing it builds on (reading-previous.json) and a version 1 session
// (session.json), imported with `kb import` and built with `kb build` into a temporary folder.
// The page opens with the answer and its key figures; a citation lands on the source card that
// quotes its passage, and describes the passage without JavaScript; each source says whether its
// page was read and lists the passages; steps show their round and reason; each quote is shown
// once; the budget and the briefing it builds on are linked; no hostile string ran; and axe finds
// no serious or critical violations. The version 1 page shows none of it. Screenshots go to
// test-results/ for a person to look at.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { chromiumMissing, hasChromium, newPage, importedSite } from './harness.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/json/${name}`, import.meta.url));
const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const SLUG = 'eu-china-gallium';
const V1_SLUG = 'is-sodium-ion-ready-for-grid-storage';
const squash = (t: string | null) => (t ?? '').replace(/\s+/g, ' ').trim();

describe.skipIf(!hasChromium)('a briefing from research that reads pages, in the browser', () => {
  let pageUrl: string;
  let previousUrl: string;
  let v1Url: string;
  let browser: Browser;
  let site: { url: string };
  let close: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const built = await importedSite('kb-reading-', [fixture('reading-previous.json'), fixture('reading-session.json'), fixture('session.json')]);
    ({ browser, close } = built);
    site = built;
    const sessions = await built.sessions(SLUG);
    expect(sessions).toEqual(['2026-02-02-5a1c0e7d', '2026-03-02-9d3b7c21']);
    const [v1] = await built.sessions(V1_SLUG);
    previousUrl = new URL(`q/${SLUG}/${sessions[0]}/`, site.url).href;
    pageUrl = new URL(`q/${SLUG}/${sessions[1]}/`, site.url).href;
    v1Url = new URL(`q/${V1_SLUG}/${v1}/`, site.url).href;
    await mkdir(SHOTS, { recursive: true });
  }, 180_000);

  afterAll(() => close());

  async function open(url = pageUrl, options: BrowserContextOptions = {}): Promise<Page> {
    const page = await newPage(browser, { colorScheme: 'light', ...options });
    await page.goto(url);
    return page;
  }
  const targetId = (page: Page) => page.evaluate(() => document.querySelector(':target')?.id);

  it('opens with the answer, right under the title and facts, before the executive summary', async () => {
    const page = await open();
    // The first thing after the header is the answer, and its first text is the answer's.
    const first = await page.evaluate(() => {
      let el = document.querySelector('article.briefing > header')!.nextElementSibling;
      while (el && (el as HTMLElement).hidden) el = el.nextElementSibling;
      // innerText: the text as rendered (the citations' passages are popovers, hidden until asked for).
      return { id: el?.id, text: (el?.querySelector('.answer-text') as HTMLElement | null)?.innerText.trim() };
    });
    expect(first.id).toBe('kb-answer');
    expect(first.text).toBe("Very dependent: China supplied 71% of the EU's gallium imports in 2023 [1], and its export licences cut shipments by half within a month [2]. Recycling covers little of the gap [6].");
    expect(await page.locator('#kb-answer-h').textContent()).toBe('Answer');
    // Before the summary, and first in the contents.
    expect(await page.evaluate(() => !!(document.getElementById('kb-answer')!.compareDocumentPosition(document.getElementById('kb-summary')!) & Node.DOCUMENT_POSITION_FOLLOWING))).toBe(true);
    expect(await page.locator('.toc li').first().textContent()).toBe('Answer');
    // The answer's citations are links like the prose's, counted first.
    const cites = await page.locator('#kb-answer a[id^="kb-cite-"]').evaluateAll((as) => as.map((a) => [a.id, a.getAttribute('href')]));
    expect(cites).toEqual([
      ['kb-cite-1-1', '#kb-source-1'],
      ['kb-cite-2-1', '#kb-source-2'],
      ['kb-cite-6-1', '#kb-source-6'],
    ]);
    await page.screenshot({ path: path.join(SHOTS, 'reading-answer.png') });
  });

  it('shows the key figures as a table: label, value as written or with its unit, as of, and the source', async () => {
    const page = await open();
    const rows = await page.locator('#kb-answer table.key-figures tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent!.replace(/\s+/g, ' ').trim())));
    expect(rows).toEqual([
      ['Share of EU gallium imports from China', '71%', '2023', '[1] crm.example.eu'],
      ["Fall in China's gallium exports after the licences", 'by half (50%)', 'August–September 2023', '[2] news.example.com'],
      ['Recycled gallium available in the EU', '12 t', 'not stated', '[6] recycling.example.eu'],
      ['Gallium refineries <b>operating</b> in the EU', '0', '2024', '[3] metals.example.org'],
    ]);
    expect(await page.locator('#kb-answer table.key-figures b').count()).toBe(0); // the label's markup is text
    const hrefs = await page.locator('#kb-answer table.key-figures a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(['#kb-source-1', '#kb-source-2', '#kb-source-6', '#kb-source-3']);
    await page.locator('#kb-answer').screenshot({ path: path.join(SHOTS, 'reading-answer-figures.png') });
  });

  it('lands a citation on the source card, which quotes the passage it rests on', async () => {
    const page = await open();
    const cite = page.locator('#kb-cite-2-1');
    const note = squash(await page.locator('#kb-cite-2-1-passage').textContent());
    expect(note).toBe('“Shipments of gallium from China fell by half in the month after export licences took effect in August 2023.” (paragraph 3)');
    await cite.click();
    await expect.poll(() => targetId(page)).toBe('kb-source-2');
    const card = page.locator('#kb-source-2');
    expect(await card.isVisible()).toBe(true);
    const quote = card.locator('.passage blockquote').first();
    expect(squash(await quote.textContent())).toBe('Shipments of gallium from China fell by half in the month after export licences took effect in August 2023.');
    expect(await quote.isVisible()).toBe(true);
    expect(squash(await card.locator('.passage figcaption').first().textContent())).toBe('paragraph 3');
    // The quote is in view after the jump.
    expect(await quote.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'reading-citation-target.png') });
    // Every in-page link resolves.
    const fragments = await page.locator('a[href^="#"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    const missing = await page.evaluate((hrefs) => hrefs.filter((h) => !document.getElementById(decodeURIComponent(h.slice(1)))), fragments);
    expect(missing).toEqual([]);
  });

  it('shows a citation\'s passage without JavaScript: on keyboard focus and hover, and as its accessible description', async () => {
    const page = await open(pageUrl, { javaScriptEnabled: false });
    expect(await page.evaluate(() => document.documentElement.dataset.theme ?? 'no script ran')).toBe('no script ran');
    const cite = page.locator('#kb-cite-1-2'); // in the executive summary
    const tip = page.locator('#kb-cite-1-2-passage');
    expect(await cite.getAttribute('aria-describedby')).toBe('kb-cite-1-2-passage');
    expect(await tip.getAttribute('role')).toBe('tooltip');
    expect(await tip.isVisible()).toBe(false);
    // The keyboard reaches it: Tab from the link before it lands on it, and the passage shows.
    await page.locator('#kb-cite-2-1').focus();
    for (let i = 0; i < 20 && (await page.evaluate(() => document.activeElement?.id)) !== 'kb-cite-1-2'; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('kb-cite-1-2');
    expect(await tip.isVisible()).toBe(true);
    expect(squash(await tip.textContent())).toBe('“China accounted for 71% of EU gallium imports in 2023, down from 80% in 2020.” (Net import reliance)');
    const box = (await tip.boundingBox())!;
    expect(box.width).toBeGreaterThan(150);
    await page.screenshot({ path: path.join(SHOTS, 'reading-citation-popover-nojs.png'), clip: { x: 0, y: Math.max(0, box.y - 200), width: 1280, height: 400 } });
    // What a screen reader is told on focus: the link's name and the passage as its description.
    const cdp = await page.context().newCDPSession(page);
    const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: '#kb-cite-1-2' });
    const { nodes } = (await cdp.send('Accessibility.getPartialAXTree', { nodeId, fetchRelatives: false })) as { nodes: Array<{ name?: { value: string }; description?: { value: string } }> };
    expect(nodes[0]!.name?.value).toBe('source 1');
    expect(nodes[0]!.description?.value).toContain('China accounted for 71% of EU gallium imports in 2023');
    // Hovering shows it too; moving away hides it again.
    await page.locator('h1').click();
    await page.locator('#kb-cite-6-2').hover();
    expect(await page.locator('#kb-cite-6-2-passage').isVisible()).toBe(true);
    await page.mouse.move(5, 5);
    expect(await page.locator('#kb-cite-6-2-passage').isVisible()).toBe(false);
    // A citation whose source has no passages (3: its page timed out) gets no description.
    expect(await page.locator('a[href="#kb-source-3"][id^="kb-cite-"]').first().getAttribute('aria-describedby')).toBeNull();
  });

  it('says for each source whether its page was read, and lists the passages read', async () => {
    const page = await open();
    const status = await page.locator('.result').evaluateAll((cards) => cards.map((c) => [c.id, c.querySelector('.result-read')?.textContent?.trim()]));
    expect(status).toEqual([
      ['kb-source-1', 'Read the page (PDF, 12,400 characters).'],
      ['kb-source-2', 'Read the page (web page, 5,230 characters).'],
      ['kb-source-3', 'The page could not be read (timed out); the search snippet is used.'],
      ['kb-source-4', 'Read the page (web page, 8,800 characters).'],
      ['kb-source-5', 'The page was not opened (over the page budget); the search snippet is used.'],
      ['kb-source-6', 'Read the text the search provider returned with this result (940 characters).'],
    ]);
    const passages = (n: number) => page.locator(`#kb-source-${n} .passage`).evaluateAll((ps) => ps.map((p) => [p.querySelector('blockquote')?.textContent?.replace(/\s+/g, ' ').trim() ?? p.textContent!.replace(/\s+/g, ' ').trim(), p.querySelector('figcaption')?.textContent ?? '']));
    expect(await passages(1)).toEqual([
      ['China accounted for 71% of EU gallium imports in 2023, down from 80% in 2020.', 'Net import reliance'],
      ["Stockpiling was discussed <script>window.__kbCanary = 'script ran'; document.title = 'pwned'</script> but no joint stockpile was agreed.", 'Annex <b>II</b> — stockpiles'],
    ]);
    expect(await passages(4)).toEqual([
      ['The same words as the passage quoted for source [2]; here under “Effects”.', ''],
      ["import x from 'y' export default {process.exit()} See [the notice](javascript:alert(document.cookie)) for javascript:alert(1) details.", 'javascript:alert(1)'],
    ]);
    expect(await page.locator('#kb-source-4 .passage-same a').getAttribute('href')).toBe('#kb-passage-2-1');
    // The hostile text is text: no element came from it, and no link but http(s) and in-page.
    expect(await page.locator('#kb-sources script, #kb-sources b, #kb-answer b, #kb-sources img').count()).toBe(0);
    const hrefs = await page.locator('#kb-sources a').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    expect(hrefs.filter((h) => !/^(#|https?:\/\/)/.test(h))).toEqual([]);
    // Grounding marks survive in the passage that is also the snippet (a claim's link lands there).
    expect(await page.locator('#kb-passage-1-1 mark.kb-evidence').count()).toBeGreaterThan(3);
  });

  it('labels each step with its round and why it was asked', async () => {
    const page = await open();
    const rounds = await page.locator('#kb-sources .step').evaluateAll((steps) => steps.map((s) => [s.getAttribute('data-round'), s.querySelector('.step-round')?.textContent?.replace(/\s+/g, ' ').trim()]));
    expect(rounds).toEqual([
      ['1', "Round 1 — first search: The question itself: how much of the EU's gallium comes from China."],
      ['2', 'Round 2 — follow-up: a lead the pages raised: export licences introduced in August 2023 <img src=x onerror="window.__kbCanary = \'img ran\'">'],
      ['2', 'Round 2 — follow-up: a gap the first round left: how much recycling could cover'],
    ]);
    expect(squash(await page.locator('#kb-sources .section-note').textContent())).toBe(
      'What each search step of this run found: 6 results from 3 steps in 2 rounds. 4 pages were read; their cards quote the passages used. Links go to the original outlets.',
    );
    await page.locator('#kb-step-2').screenshot({ path: path.join(SHOTS, 'reading-round-2.png') });
  });

  it('shows each quote once in the sources and in the evidence panel', async () => {
    const page = await open();
    const quotes = await page.locator('#kb-sources .passage blockquote, #kb-sources .snippet').evaluateAll((els) =>
      els.map((el) => [...el.childNodes].filter((n) => !(n instanceof HTMLElement && n.classList.contains('snippet-label'))).map((n) => n.textContent).join('').replace(/\s+/g, ' ').trim().toLowerCase()),
    );
    expect(quotes.length).toBe(10);
    const repeated = quotes.filter((q, i) => quotes.some((other, j) => j !== i && other.replace(/[.…]+$/, '').includes(q.replace(/[.…]+$/, ''))));
    expect(repeated).toEqual([]);
    const sources = squash(await page.locator('#kb-sources').textContent());
    const count = (text: string) => sources.split(text).length - 1;
    expect(count('Shipments of gallium from China fell by half')).toBe(1); // in 2 twice, in 4 once: shown once
    expect(count('China accounted for 71% of EU gallium imports in 2023')).toBe(1); // passage and snippet of 1
    expect(count('Recycling recovers about 12 t of gallium')).toBe(1); // the snippet of 6 is part of its passage
    // The evidence panel: a claim made in the summary and the analysis is listed once, naming both.
    const panel = await page.locator('#kb-evidence .kb-evidence-sources > li').evaluateAll((lis) => lis.map((li) => [...li.querySelectorAll('q')].map((q) => q.textContent)));
    for (const claims of panel) expect(new Set(claims).size).toBe(claims.length);
    expect(panel.flat().filter((q) => q!.startsWith('China accounted for 71%')).length).toBe(1);
    expect(squash(await page.locator('#kb-evidence .kb-evidence-sources > li').first().textContent())).toContain('(summary and analysis, in the text, supporting words)');
  });

  it('shows the budget, and links the briefing it builds on', async () => {
    const page = await open();
    const facts = await page.locator('.facts > div').evaluateAll((ds) => Object.fromEntries(ds.map((d) => [d.querySelector('dt')!.textContent, d.querySelector('dd')!.textContent!.replace(/\s+/g, ' ').trim()])));
    expect(facts.Research).toBe('Read 4 of at most 8 pages in 2 rounds; stopped when a round found no new sources. Limits: 120,000 tokens, $0.50.');
    expect(facts['Builds on']).toBe('the briefing of 2026-02-02; 5 sources it did not cite');
    await page.locator('.builds-on a').click();
    await page.waitForURL(previousUrl);
    expect(await page.locator('h1').textContent()).toBe('How dependent is the EU on China for gallium?');
    expect(await page.locator('#kb-answer').count()).toBe(0);
  });

  it('says what changed since the previous briefing: the figure that moved, old → new, and the new claim, the material ones marked', async () => {
    const page = await open();
    const box = page.locator('#kb-changed');
    expect(squash(await box.locator('h2').textContent())).toBe('What changed since 2026-02-02');
    expect(await box.locator('h2 a').getAttribute('href')).toBe(new URL(previousUrl).pathname);
    const items = (await box.locator('li').allTextContents()).map(squash);
    expect(items).toContain('EU gallium imports from China: about 80% (2024) → 71% (2025)material');
    expect(items).toContain('New: Recycled gallium <script>window.__ledgerRan=1</script>: 12 t');
    expect(items).toContain('New: A second refinery in Germany restarted in 2025 [2].');
    expect(items.some((i) => i.includes('China still refines'))).toBe(false); // unchanged claims are not news
    expect(await box.locator('li.material').count()).toBe(2);
    // The run was made another way than the one before: said first, before any change.
    expect(squash(await box.locator('h2 + p').textContent())).toBe('The method changed since the previous session (pipeline 1 → 2, analyst prompt) and 5 sources are new: a change may come from either.');
    expect(await page.evaluate(() => (window as unknown as { __ledgerRan?: number }).__ledgerRan)).toBeUndefined();
    expect(await page.locator('.toc li a[href="#kb-changed"]').count()).toBe(1);
  });

  it('runs nothing from the hostile strings (a canary)', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const dialogs: string[] = [];
    const requests: string[] = [];
    page.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss()));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pageUrl);
    await page.locator('#kb-cite-1-1').focus();
    await page.locator('#kb-cite-1-1').click();
    expect(await page.evaluate(() => (window as unknown as { __kbCanary?: string }).__kbCanary)).toBeUndefined();
    expect(await page.title()).not.toBe('pwned');
    expect(dialogs).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(site.url))).toEqual([]);
    expect(requests.filter((u) => /\/x$/.test(u))).toEqual([]);
    const scripts = await page.locator('script').evaluateAll((ss) => ss.map((s) => s.textContent ?? ''));
    expect(scripts.filter((s) => s.includes('__kbCanary') || s.includes('process.exit'))).toEqual([]);
    await context.close();
  });

  it('renders a version 1 session as before: no answer, figures, read status, rounds, popovers or budget', async () => {
    const page = await open(v1Url);
    expect(await page.locator('#kb-answer, .answer, .key-figures, .result-read, .passages, .step-round, .kb-cite-passage, .budget-line, .builds-on, #kb-changed').count()).toBe(0);
    expect(await page.locator('.toc li').first().textContent()).toBe('Executive summary');
    const facts = await page.locator('.facts dt').allTextContents();
    expect(facts).not.toContain('Research');
    expect(facts).not.toContain('Builds on');
    expect(squash(await page.locator('#kb-source-1 .snippet').textContent())).toBe('Three utilities run sodium-ion pilots; one reports <5% capacity fade after a year.');
    expect(squash(await page.locator('#kb-sources .section-note').textContent())).toBe(
      'What each search step of this run found: 1 result from 2 steps; 1 step failed. Links go to the original outlets.',
    );
    await page.screenshot({ path: path.join(SHOTS, 'reading-v1.png') });
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`has no serious or critical accessibility violations (${scheme}), with a citation's passage shown`, async () => {
      const page = await open(pageUrl, { colorScheme: scheme });
      await page.locator('#kb-cite-2-1').focus();
      expect(await page.locator('#kb-cite-2-1-passage').isVisible()).toBe(true);
      if (scheme === 'dark') await page.screenshot({ path: path.join(SHOTS, 'reading-answer-dark.png') });
      const { violations } = await new AxeBuilder({ page }).analyze();
      const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
    }, 120_000);
  }
});

if (!hasChromium) console.warn(chromiumMissing);
