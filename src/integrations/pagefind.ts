// Builds the Pagefind index once Astro has written the site, so `dist/pagefind/` is part of every
// build. Each briefing is indexed from its session (src/lib/search-document.ts), not by reading
// the built page back from disk: see that file for why, and docs/performance.md for the figures.
import type { AstroIntegration } from 'astro';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as pagefind from 'pagefind';
import pLimit from 'p-limit';
import { loadCatalog, takeHandOff } from '../kb/catalog.ts';
import { searchDocument, searchUrl } from '../lib/search-document.ts';

export default function pagefindIntegration(): AstroIntegration {
  return {
    name: 'kb-pagefind',
    hooks: {
      'astro:build:done': async ({ dir, logger }) => {
        const site = fileURLToPath(dir);
        const outputPath = path.join(site, 'pagefind');
        const started = performance.now();
        const fail = (stage: string, errors: string[]): never => {
          throw new Error(`Pagefind could not ${stage} (${site}):\n  ${errors.join('\n  ')}`);
        };
        // The sessions `kb build` validated (or, under a bare `astro build`, read here).
        const contentDir = path.resolve(process.env.KB_CONTENT_DIR ?? 'content');
        const catalog = takeHandOff(contentDir) ?? (await loadCatalog(contentDir));
        try {
          const { index, errors } = await pagefind.createIndex({ forceLanguage: 'en' });
          if (!index || errors.length) fail('start an index', errors.length ? errors : ['no index returned']);
          const limit = pLimit(16);
          const added = await Promise.all(
            catalog.entries.map(({ file, session }) =>
              limit(() => index!.addHTMLFile({ url: searchUrl(session.querySlug, path.basename(file, '.mdx')), content: searchDocument(session) })),
            ),
          );
          const problems = added.flatMap((a) => a.errors);
          if (problems.length) fail('index the briefings', problems);
          const written = await index!.writeFiles({ outputPath });
          if (written.errors.length) fail('write its files', written.errors);
          const ms = Math.round(performance.now() - started);
          const pages = added.length;
          if (pages === 0) logger.warn(`indexed 0 pages: there are no briefings yet; search will find nothing (${ms} ms)`);
          else logger.info(`indexed ${pages} briefing${pages === 1 ? '' : 's'} into ${path.relative(process.cwd(), outputPath) || outputPath} (${ms} ms)`);
        } finally {
          await pagefind.close();
        }
      },
    },
  };
}
