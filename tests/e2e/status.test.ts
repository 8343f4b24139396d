// The status page in a browser: the last run, each run's cost and each month's, a failure's reason
// shown as text (never markup), each question's next due time, accessible in light and dark; and a
// site with no run log.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { loadConfig, nextDue } from '#kb/config/queries.ts';
import { lastSuccesses } from '#kb/commands/run.ts';
import { appendRunLog, appendRunRecord } from '#kb/store/runlog.ts';
import { chromiumMissing, hasChromium, newPage, kb, launchChromium, serve } from './harness.ts';
import { copyExampleContent } from '#tests/support/example.ts';

const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const HOSTILE = '<img src=x onerror="window.__pwned=1"> HTTP 503 from https://api.example.com & <script>window.__pwned=2</script> {braces} `code`';
const CI = 'https://github.com/acme/briefings/actions/runs/123456';

if (!hasChromium) console.warn(chromiumMissing);

const utc = (d: Date) => `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;

describe.skipIf(!hasChromium)('the status page', () => {
  let dir: string;
  let site: Awaited<ReturnType<typeof serve>>;
  let bare: Awaited<ReturnType<typeof serve>>;
  let browser: Browser;
  let content: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-status-'));
    content = path.join(dir, 'content');
    await copyExampleContent(content);
    // The example's old-format run alone: the failed run below is the last one.
    const log = path.join(content, 'runs.jsonl');
    await writeFile(log, (await readFile(log, 'utf8')).split('\n').filter((l) => l.includes('"run":"10981ab4-252d-4bd0-a698-272aa6da1046"')).map((l) => `${l}\n`).join(''));
    // A scheduled run that failed one question, after the example's old-format log lines and its newest sessions (2026-12-04 12:50).
    const run = 'b7e0c3f2-0000-4000-8000-000000000001';
    const at = '2026-12-04T14:05:03.000Z';
    await appendRunLog(content, { run, at, query: 'indonesia-nickel', outcome: 'failed', error: HOSTILE, durationMs: 2400 });
    await appendRunRecord(content, {
      kind: 'run', run, startedAt: '2026-12-04T14:05:00.000Z', finishedAt: '2026-12-04T14:06:12.000Z', outcome: 'failed', durationMs: 72_000,
      published: [], failed: ['indonesia-nickel'], notDue: 5, inputTokens: 1234, outputTokens: 56, costUsd: 0.0042, forced: true, ci: CI,
    });
    // The same knowledge base before any run was logged.
    const none = path.join(dir, 'none');
    await copyExampleContent(none, (relative) => relative === 'runs.jsonl');
    await Promise.all([
      kb('build', '--content', content, '--out', path.join(dir, 'dist')),
      kb('build', '--content', none, '--out', path.join(dir, 'dist-none')),
    ]);
    site = await serve(path.join(dir, 'dist'));
    bare = await serve(path.join(dir, 'dist-none'));
    browser = await launchChromium();
    await mkdir(RESULTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await bare?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(base: string, scheme: 'light' | 'dark' = 'light', width = 1280): Promise<Page> {
    const page = await newPage(browser, { viewport: { width, height: 900 }, colorScheme: scheme });
    await page.goto(new URL('status/', base).href);
    return page;
  }

  it('is linked from every page footer', async () => {
    const page = await open(site.url);
    await page.goto(site.url);
    await page.locator('footer a', { hasText: 'Status' }).click();
    expect(new URL(page.url()).pathname).toBe('/status/');
    expect(await page.locator('h1').textContent()).toBe('Status');
    await page.close();
  });

  it('shows the last run: when, outcome, duration, what failed and what waited, tokens, cost and its CI log', async () => {
    const page = await open(site.url);
    const last = page.locator('[data-status="last-run"]');
    const text = (await last.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('When 2026-12-04 14:05 UTC');
    expect(await last.locator('[data-outcome]').getAttribute('data-outcome')).toBe('failed');
    expect(text).toContain('Failed: 1 of 1 query (forced)');
    expect(text).toContain('Duration 1 min 12 s');
    expect(text).toContain('Failed What share of global nickel supply comes from Indonesia, and what does it mean for prices?');
    expect(text).toContain('Not due 5 questions skipped');
    expect(text).toContain('Tokens 1,234 in / 56 out');
    expect(text).toContain('Cost $0.0042');
    expect(await last.locator('a', { hasText: 'the CI run' }).getAttribute('href')).toBe(CI);
    // The run before it, from the example's old-format log, is listed too.
    const recent = await page.locator('[data-status="recent-runs"] tbody tr').allInnerTexts();
    expect(recent).toHaveLength(2);
    expect(recent[1]!.replace(/\s+/g, ' ')).toContain('2026-11-27 13:44 UTC Succeeded: 6 queries published 6 0');
    await page.close();
  });

  it("shows each run's cost, and each month's runs, tokens and cost", async () => {
    const page = await open(site.url);
    const recent = (await page.locator('[data-status="recent-runs"] tbody tr').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    expect(recent[0]).toMatch(/1 min 12 s \$0\.0042$/);
    // The example's old-format run logged no tokens, so it has no cost.
    expect(recent[1]).toMatch(/ —$/);
    const december = (await page.locator('[data-status="months"] tr[data-month="2026-12"]').innerText()).replace(/\s+/g, ' ').trim();
    expect(december).toMatch(/^December 2026(?: \(this month\))? 1 1,234 in \/ 56 out \$0\.0042$/);
    // The build's own month always leads.
    const thisMonth = new Date().toISOString().slice(0, 7);
    expect(await page.locator('[data-status="months"] tbody tr').first().getAttribute('data-month')).toBe(thisMonth);
    await page.close();
  });

  it("shows a failure's reason exactly as text: markup in it is never markup", async () => {
    const page = await open(site.url);
    const failure = page.locator('[data-failure="indonesia-nickel"]');
    expect(await failure.count()).toBe(1);
    expect(await failure.locator('.status-reason').textContent()).toBe(HOSTILE);
    expect(await failure.locator('img, script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.close();
  });

  it("gives each configured question its next due time, from its schedule and newest briefing", async () => {
    const config = (await loadConfig(content, {}))!;
    const last = await lastSuccesses(content);
    const page = await open(site.url);
    const rows = page.locator('[data-status="next-due"] tbody tr');
    expect(await rows.count()).toBe(config.queries.length);
    for (const q of config.queries) {
      const due = nextDue(q.schedule, last.get(q.id))!;
      const cell = (await page.locator(`[data-due="${q.id}"] td`).nth(3).innerText()).trim();
      // The page is built now, so a question may have come due since the example was made.
      expect(cell, q.id).toEqual(due.getTime() <= Date.now() ? expect.stringMatching(/^due now/) : expect.stringMatching(new RegExp(`^${utc(due)}`)));
      expect(cell.endsWith('(last attempt failed)'), q.id).toBe(q.id === 'indonesia-nickel');
    }
    await page.close();
  });

  it('reads well with no run log at all', async () => {
    const page = await open(bare.url);
    expect((await page.locator('[data-status="last-run"]').innerText()).replace(/\s+/g, ' ')).toContain('No run has been recorded yet.');
    expect(await page.locator('[data-status="recent-runs"]').count()).toBe(0);
    expect((await page.locator('[data-status="failures"]').innerText()).replace(/\s+/g, ' ')).toContain('No failures recorded.');
    expect(await page.locator('[data-status="next-due"] tbody tr').count()).toBe(6);
    await page.close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`has no serious or critical accessibility violations, ${scheme}`, async () => {
      for (const base of [site.url, bare.url]) {
        const page = await open(base, scheme);
        const { violations } = await new AxeBuilder({ page }).analyze();
        const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        expect(bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
        await page.close();
      }
    });
  }

  it('fits a phone: nothing overflows sideways at 375 px (screenshots in test-results/)', async () => {
    for (const width of [1280, 375]) {
      const page = await open(site.url, 'light', width);
      await page.screenshot({ path: path.join(RESULTS, `status-${width}.png`), fullPage: true });
      if (width === 375) expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await page.close();
    }
  });
});
