// Shared by the browser tests: run the real `kb` command, serve a built site on 127.0.0.1,
// and drive Debian's Chromium with playwright-core (never a downloaded browser).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sirv from 'sirv';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const chromiumMissing = `Debian's Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium); browser tests skipped`;

const KB = fileURLToPath(new URL('../../bin/kb.ts', import.meta.url));

/** Runs `kb ARGS…` as a user would, on the same Node that runs the tests. */
export async function kb(...args: string[]) {
  return kbWith(process.env, ...args);
}

/** kb with the given environment. */
export async function kbWith(env: NodeJS.ProcessEnv, ...args: string[]) {
  return promisify(execFile)(process.execPath, [KB, ...args], { maxBuffer: 64 * 1024 * 1024, env });
}

/** Serves a built site; `base` mirrors the site's configured base path. */
export async function serve(dir: string, base = '/') {
  const handler = sirv(dir, { dev: true, extensions: ['html'] });
  const server = http.createServer((req, res) => {
    if (!req.url?.startsWith(base)) return void res.writeHead(404).end();
    req.url = '/' + req.url.slice(base.length);
    handler(req, res, () => {
      res.writeHead(404).end('not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}${base}`, close: () => new Promise((r) => server.close(r)) };
}

/**
 * A page in a browser context of its own (axe, colour schemes and viewports need one), which goes
 * when the page closes. The context's close is not awaited by anyone, so its failure is caught:
 * at teardown the browser may already be gone (an uncaught one is an unhandled rejection that
 * fails the whole test run).
 */
export async function newPage(browser: Browser, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  page.on('close', () => void context.close().catch(() => {}));
  return page;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // The machine has no network: without these flags Chromium keeps dialling Google services.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * What the browser tests of imported files share: import them into a temporary knowledge base
 * with `kb import`, build it with `kb build`, serve it, and start Chromium. `sessions(slug)` lists
 * a question's briefing page names, oldest first; `close` undoes it all.
 */
/** A site of these sessions (session JSON, as `kb import` takes it), built and served: importedSite over one file. */
export async function sessionsSite(prefix: string, sessions: unknown[], options: { env?: NodeJS.ProcessEnv } = {}) {
  const json = await mkdtemp(path.join(os.tmpdir(), `${prefix}json-`));
  try {
    const file = path.join(json, 'sessions.json');
    await writeFile(file, JSON.stringify(sessions));
    return await importedSite(prefix, [file], options);
  } finally {
    await rm(json, { recursive: true, force: true });
  }
}

export async function importedSite(prefix: string, files: string[], { env = process.env }: { env?: NodeJS.ProcessEnv } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const content = path.join(dir, 'content');
  await mkdir(content, { recursive: true });
  await kbWith(env, 'import', ...files, '--content', content);
  await kbWith(env, 'build', '--content', content, '--out', path.join(dir, 'dist'));
  const site = await serve(path.join(dir, 'dist'));
  const browser = await launchChromium();
  const sessions = async (slug: string) =>
    (await readdir(path.join(dir, 'dist', 'q', slug), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const close = async () => {
    await browser.close();
    await site.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { dir, url: site.url, browser, sessions, close };
}
