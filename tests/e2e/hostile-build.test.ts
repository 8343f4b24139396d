// Untrusted text in every field of a session goes the whole way — import, MDX, astro build,
// HTML, browser — and is shown as text. Nothing in it runs at build time or in the page.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumMissing, hasChromium, kb, launchChromium, serve } from './harness.ts';
import { THEME_SCRIPT } from '#lib/theme-script.ts';
import { htmlToHast } from 'satteri';

const ID = '0badc0de-0000-4000-8000-000000000001';

function hostileSession(canary: string) {
  // Build-time canaries: if MDX ever evaluated this text, the canary file would appear.
  const touch = `process.getBuiltinModule('fs').writeFileSync(${JSON.stringify(canary)}, 'ran')`;
  const evil = [
    `{globalThis.pwned = 1}`,
    `{${touch}}`,
    `export const x = ${touch}`,
    `import fs from 'node:fs'`,
    `<script>window.pwned = 1</script>`,
    `<img src=x onerror="window.pwned = 1">`,
    `<a href="javascript:window.pwned=1">click</a>`,
    `[link](javascript:window.pwned=1) [data](data:text/html,<script>window.pwned=1</script>)`,
    `<Foo bar={1} />`,
    `<!-- a comment --> <![CDATA[ x ]]>`,
  ].join('\n\n');
  return {
    id: ID,
    query: `Hostile {globalThis.pwned = 1} <script>window.pwned = 1</script> question?`,
    generatedAt: '2026-02-01T00:00:00Z',
    title: `<b onmouseover="window.pwned=1">title</b> {title}`,
    summary: evil,
    analysis: `## Findings\n\n${evil}\n\n- item {1+1}\n- <i>tag</i>`,
    tags: ['<script>tag</script>', '{tag}'],
    steps: [
      {
        id: 'step_<0>',
        query: `sub {query} <script>window.pwned=1</script>`,
        note: `note {globalThis.pwned = 1}`,
        results: [
          { title: `title <script>window.pwned=1</script> {t}`, url: 'javascript:window.pwned=1', snippet: `snippet ${evil}`, source: '<b>src</b>' },
          { title: 'Mixed-case scheme', url: ' JaVaScRiPt:window.pwned=1', snippet: 'x' },
          { title: 'Data URL', url: 'data:text/html;base64,PHNjcmlwdD53aW5kb3cucHduZWQ9MTwvc2NyaXB0Pg==', snippet: 'y' },
          { title: 'A real link', url: 'https://example.org/ok?a=1&b=<2>', snippet: 'z', source: 'example.org' },
        ],
      },
    ],
  };
}

describe('hostile text in every field of a session', () => {
  let dir: string;
  let canary: string;
  let html: string;
  let pagePath: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-hostile-'));
    canary = path.join(dir, 'CANARY');
    const json = path.join(dir, 'hostile.json');
    await writeFile(json, JSON.stringify(hostileSession(canary)));
    await kb('import', json, '--content', path.join(dir, 'content'));
    await kb('build', '--content', path.join(dir, 'content'), '--out', path.join(dir, 'dist'));
    pagePath = 'q/hostile-globalthis-pwned-1-script-window-pwned-1-script-question/2026-02-01-0badc0de/';
    html = await readFile(path.join(dir, 'dist', pagePath, 'index.html'), 'utf8');
  }, 180_000);

  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('builds, and nothing in the text ran at build time', () => {
    expect(html).toContain(`data-session-id="${ID}"`);
    expect(existsSync(canary)).toBe(false);
  });

  it('leaves no script but the site\'s own theme script, no event handler and no non-http(s) link in the HTML', () => {
    // The one inline script every page carries (theme, toggle, search shortcut), byte for byte.
    const ours = `<script>${THEME_SCRIPT}</script>`;
    expect(html.split(ours).length - 1).toBe(1);
    expect(html.replace(ours, '')).not.toMatch(/<script/i);
    // Attributes are read from the parsed page: the hostile text itself, shown as text, contains
    // `href="javascript:…"`, which a pattern over the raw HTML would take for an attribute.
    type Node = { type: string; tagName?: string; properties?: Record<string, unknown>; children?: Node[] };
    const walk = function* (node: Node): Generator<Node> {
      if (node.type === 'element') yield node;
      for (const child of node.children ?? []) yield* walk(child);
    };
    let links = 0;
    for (const el of walk(htmlToHast(html) as Node)) {
      for (const [name, value] of Object.entries(el.properties ?? {})) {
        expect(name.toLowerCase().startsWith('on'), `<${el.tagName} ${name}>`).toBe(false);
        if (['href', 'src', 'action', 'formAction'].includes(name)) {
          links++;
          expect(String(value), `<${el.tagName} ${name}="${value}">`).toMatch(/^(https?:\/\/|\/|#)/);
        }
      }
    }
    expect(links).toBeGreaterThan(10);
  });

  describe.skipIf(!hasChromium)('in the browser', () => {
    let browser: Browser;
    let site: Awaited<ReturnType<typeof serve>>;
    beforeAll(async () => {
      site = await serve(path.join(dir, 'dist'));
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await site?.close();
    });

    it('shows the hostile text to the reader as text, and runs none of it', async () => {
      const page = await browser.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (d) => (dialogs.push(d.message()), d.dismiss()));
      await page.goto(new URL(pagePath, site.url).href);
      const text = await page.locator(`[data-session-id="${ID}"]`).innerText();
      for (const shown of ['{globalThis.pwned = 1}', '<script>window.pwned = 1</script>', 'export const x =', 'import fs from', '<Foo bar={1} />', '<!-- a comment -->', 'javascript:window.pwned=1']) {
        expect(text).toContain(shown);
      }
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
      expect(dialogs).toEqual([]);
      const live = await page.locator('a[href]').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
      expect(live.filter((h) => !/^https?:/.test(h))).toEqual([]);
      expect(live).toContain('https://example.org/ok?a=1&b=%3C2%3E');
      await page.close();
    });
  });
});

if (!hasChromium) console.warn(chromiumMissing);
