// Indexes the built site with the Pagefind Node API once Astro has written it, so `dist/pagefind/`
// is part of every build (no shell command chained after `astro build`).
import type { AstroIntegration } from 'astro';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as pagefind from 'pagefind';

export interface PagefindOptions {
  /** Which built files to index, relative to the output folder. Briefing pages only by default. */
  glob?: string;
}

export default function pagefindIntegration(options: PagefindOptions = {}): AstroIntegration {
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
        try {
          const { index, errors } = await pagefind.createIndex({ forceLanguage: 'en' });
          if (!index || errors.length) fail('start an index', errors.length ? errors : ['no index returned']);
          const added = await index!.addDirectory({ path: site, glob: options.glob ?? 'q/*/*/index.html' });
          if (added.errors.length) fail('index the built pages', added.errors);
          const written = await index!.writeFiles({ outputPath });
          if (written.errors.length) fail('write its files', written.errors);
          const ms = Math.round(performance.now() - started);
          const pages = added.page_count;
          if (pages === 0) logger.warn(`indexed 0 pages: there are no briefings yet; search will find nothing (${ms} ms)`);
          else logger.info(`indexed ${pages} page${pages === 1 ? '' : 's'} into ${path.relative(process.cwd(), outputPath) || outputPath} (${ms} ms)`);
        } finally {
          await pagefind.close();
        }
      },
    },
  };
}
