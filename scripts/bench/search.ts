// The first search on a built site, as a reader does it: open /search/ in a fresh browser
// context (cold cache), type a common word, wait for the first result in the DOM. Measures the
// bytes of every request the search needs, as transferred (text gzipped, as static hosts serve
// it): everything under /pagefind/ (pagefind.js, its worker and WebAssembly, the bundle manifest,
// index chunks, fragments; whether loaded with the page or on typing) and the search page's own
// scripts and styles — all but the HTML page itself, the favicon and the stylesheets every page
// shares. Latency is the time from the input event until the results hold a result link and a
// highlighted match of the word, or, for a word found nowhere, until the page says it found none.
// Works on the project's search page (src/pages/search.astro)
// and on the baseline's Pagefind component UI.
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { hasChromium, chromiumMissing, launchChromium } from '#tests/e2e/harness.ts';

export interface SearchFigures {
  /** Bytes over the network for search (see above), page load plus the search. */
  bytes: number;
  /** Of those, bytes requested after typing. */
  bytesAfterTyping: number;
  requests: number;
  /** The biggest files fetched for search, for profiling. */
  largest: string[];
  latencyMs: number;
  /** The input's debounce, included in the latency. */
  debounce: string | null;
  results: number;
}

export { hasChromium, chromiumMissing };

/** The search box: the project's page, else Pagefind's component UI (the baseline). */
const INPUT = '#search-q, pagefind-input input';
/** Results render as links in the project's result list, or inside <pagefind-results>. */
const RESULT = ':is(.search-results, pagefind-results) a[href]';
/**
 * A result for the typed word: its excerpt highlights the word. The project's search page lists
 * the newest briefings before anything is typed, so a result link alone proves nothing.
 */
const MATCH = ':is(.search-results, pagefind-results) mark';
/** A word found nowhere: the project's search page says so in its summary line once every bundle it searches has answered. */
const SUMMARY = '.search-summary[data-summary]';
const NOTHING = /^No briefings found for/;

export async function withBrowser<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  const browser = await launchChromium();
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.xml': 'application/xml', '.wasm': 'application/wasm' };
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.xml']);

/**
 * Serves a built site on 127.0.0.1 the way a static host does (GitHub Pages, Netlify): text
 * files gzipped for clients that accept it, so transfer sizes are the ones readers pay.
 * Pagefind's own index files are gzipped already and are sent as they are.
 */
async function serveGzip(dir: string) {
  const cache = new Map<string, Buffer>();
  const server = http.createServer(async (req, res) => {
    try {
      let rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      if (rel.endsWith('/')) rel += 'index.html';
      const file = path.join(dir, path.normalize(rel));
      if (!file.startsWith(dir + path.sep)) return void res.writeHead(403).end();
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) return void res.writeHead(404).end('not found');
      const ext = path.extname(file);
      const headers: Record<string, string> = { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-cache' };
      let body: Buffer = await readFile(file);
      if (COMPRESSIBLE.has(ext) && /\bgzip\b/.test(String(req.headers['accept-encoding']))) {
        const zipped = cache.get(file) ?? gzipSync(body, { level: 6 });
        cache.set(file, zipped);
        body = zipped;
        headers['content-encoding'] = 'gzip';
      }
      res.writeHead(200, { ...headers, 'content-length': String(body.length) }).end(body);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) };
}

export async function measureSearch(browser: Browser, dist: string, word: string): Promise<SearchFigures> {
  const server = await serveGzip(path.resolve(dist));
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    // Pagefind fetches its wasm and index from a web worker, which the page's own CDP session
    // does not see; Playwright attaches to workers too, and reports encoded (on-the-wire) sizes.
    const finished: Array<{ url: string; bytes: number; afterTyping: boolean }> = [];
    const pending: Promise<void>[] = [];
    let typing = false;
    // Stylesheets every page links (the global CSS) are not search's cost; the home page tells which.
    const home = await (await fetch(server.url)).text();
    const shared = new Set([...home.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => new URL(m[1]!, server.url).pathname));
    const searchPage = new URL('search/', server.url).pathname;
    context.on('requestfinished', (request) => {
      const afterTyping = typing;
      pending.push(
        request.sizes().then((sizes) => {
          const url = request.url();
          const { pathname } = new URL(url);
          if (pathname === searchPage || pathname.endsWith('/favicon.svg') || shared.has(pathname)) return;
          finished.push({ url, bytes: sizes.responseBodySize + sizes.responseHeadersSize, afterTyping });
        }, () => undefined),
      );
    });

    await page.goto(`${server.url}search/`, { waitUntil: 'networkidle' });
    const input = page.locator(INPUT).first();
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    const debounce = (await page.locator('[data-debounce]').first().getAttribute('data-debounce').catch(() => null)) ?? (await page.locator('pagefind-input').getAttribute('debounce').catch(() => null));
    typing = true;
    // Timed inside the page: from the input event to the first result link in the DOM.
    const latencyMs = await page.evaluate(
      ({ word, selector, match, inputSelector, summary, nothingSource }) =>
        new Promise<number>((resolve, reject) => {
          const el = document.querySelector(inputSelector) as HTMLInputElement;
          const nothing = new RegExp(nothingSource);
          const t0 = performance.now();
          const done = () => {
            const found = document.querySelector(selector) && document.querySelector(match);
            if (found || nothing.test(document.querySelector(summary)?.textContent ?? '')) {
              observer.disconnect();
              clearTimeout(timer);
              resolve(performance.now() - t0);
            }
          };
          const observer = new MutationObserver(done);
          observer.observe(document.body, { childList: true, subtree: true });
          const timer = setTimeout(() => (observer.disconnect(), reject(new Error('no search result within 30 s'))), 30_000);
          el.focus();
          el.value = word;
          el.dispatchEvent(new Event('input', { bubbles: true }));
        }),
      { word, selector: RESULT, match: MATCH, inputSelector: INPUT, summary: SUMMARY, nothingSource: NOTHING.source },
    );
    // Whatever the first page of results still fetches (fragments) belongs to the first search.
    for (let seen = -1; seen !== pending.length; ) {
      seen = pending.length;
      await page.waitForTimeout(500);
    }
    await Promise.all(pending);
    // With no match the page still lists the newest briefings it was opened with: those are not results.
    const results = (await page.locator(MATCH).count()) ? await page.locator(`${RESULT}:visible`).count() : 0;
    const largest = [...finished].sort((a, b) => b.bytes - a.bytes).slice(0, 6).map((f) => `${new URL(f.url).pathname.replace(/^.*\/pagefind\//, '').replace(/^\/_astro\//, '_astro/')} ${(f.bytes / 1024).toFixed(1)} KB`);
    return {
      bytes: finished.reduce((a, f) => a + f.bytes, 0),
      bytesAfterTyping: finished.filter((f) => f.afterTyping).reduce((a, f) => a + f.bytes, 0),
      requests: finished.length,
      largest,
      latencyMs,
      debounce,
      results,
    };
  } finally {
    await context.close();
    await server.close();
  }
}
