// Builds the search index once Astro has written the site, so `dist/pagefind/` is part of every
// build. Each briefing is indexed from its session (src/lib/search-document.ts), not by reading
// the built page back: see that file for why. The documents are written to a temporary folder
// and indexed by the Pagefind CLI, the binary the Node API also drives: at 10,000 briefings the
// CLI took 59 s where the Node API took 115–132 s for the same documents (docs/performance.md).
import type { AstroIntegration } from 'astro';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { loadCatalog, readSession, takeHandOff } from '../kb/catalog.ts';
import { searchDocument } from '../lib/search-document.ts';

/** The npm package's own launcher for its platform binary (what `npx pagefind` runs). */
const PAGEFIND_CLI = path.join(path.dirname(fileURLToPath(import.meta.resolve('pagefind'))), 'runner', 'bin.cjs');

export default function pagefindIntegration(): AstroIntegration {
  return {
    name: 'kb-pagefind',
    hooks: {
      'astro:build:done': async ({ dir, logger }) => {
        const site = fileURLToPath(dir);
        const outputPath = path.join(site, 'pagefind');
        const started = performance.now();
        // The sessions `kb build` validated (or, under a bare `astro build`, read here).
        const contentDir = path.resolve(process.env.KB_CONTENT_DIR ?? 'content');
        const catalog = takeHandOff(contentDir) ?? (await loadCatalog(contentDir));
        if (catalog.entries.length === 0) {
          logger.warn('indexed 0 pages: there are no briefings yet; search will find nothing');
          return;
        }
        const docs = await mkdtemp(path.join(os.tmpdir(), 'kb-search-'));
        try {
          const io = pLimit(32);
          await Promise.all(
            catalog.entries.map((entry) =>
              io(async () => {
                const { file } = entry;
                const session = readSession(catalog, entry);
                // The path gives the URL Pagefind records: /q/<slug>/<name>/, as on the site.
                const folder = path.join(docs, 'q', session.querySlug, path.basename(file, '.mdx'));
                await mkdir(folder, { recursive: true });
                await writeFile(path.join(folder, 'index.html'), searchDocument(session));
              }),
            ),
          );
          const output = await new Promise<string>((resolve, reject) => {
            execFile(process.execPath, [PAGEFIND_CLI, '--site', docs, '--output-path', outputPath, '--force-language', 'en'], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
              if (error) reject(new Error(`Pagefind could not index the briefings (${site}):\n${`${stdout}\n${stderr}`.trim().split('\n').slice(-15).join('\n')}`));
              else resolve(stdout);
            });
          });
          const pages = Number(/Indexed (\d+) pages?/.exec(output)?.[1] ?? NaN);
          if (pages !== catalog.entries.length) throw new Error(`Pagefind indexed ${pages} pages for ${catalog.entries.length} briefings:\n${output.trim()}`);
          const ms = Math.round(performance.now() - started);
          logger.info(`indexed ${pages} briefing${pages === 1 ? '' : 's'} into ${path.relative(process.cwd(), outputPath) || outputPath} (${ms} ms)`);
        } finally {
          await rm(docs, { recursive: true, force: true });
        }
      },
    },
  };
}
