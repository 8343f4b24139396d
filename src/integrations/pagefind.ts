// Builds the search index once Astro has written the site, so `dist/pagefind/` is part of every
// build; how the index is built is src/search/index-build.ts.
import type { AstroIntegration } from 'astro';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalog, takeHandOff } from '#kb/store/catalog.ts';
import { buildSearchBundles } from '#search/index-build.ts';
import { ONE_INDEX_KEY, ONE_INDEX_MAX } from '#search/layout.ts';
import { searchOneIndexMax } from '#kb/config/env.ts';

export default function pagefindIntegration(): AstroIntegration {
  return {
    name: 'kb-pagefind',
    hooks: {
      'astro:build:done': async ({ dir, logger }) => {
        const site = fileURLToPath(dir);
        const started = performance.now();
        // The sessions `kb build` validated (or, under a bare `astro build`, read here).
        const contentDir = path.resolve(process.env.KB_CONTENT_DIR ?? 'content');
        const catalog = takeHandOff(contentDir) ?? (await loadCatalog(contentDir));
        const { indexed, reused, pages } = await buildSearchBundles(catalog, site, logger, { oneIndexMax: searchOneIndexMax(process.env, ONE_INDEX_MAX) });
        if (pages === 0) return;
        const ms = Math.round(performance.now() - started);
        const keys = indexed.length > 6 ? `${indexed.slice(0, 5).join(', ')}, …` : indexed.join(', ');
        const where = indexed.length + reused.length === 1 && (indexed[0] ?? reused[0]) === ONE_INDEX_KEY ? `one index (${indexed.length ? 'indexed' : 'from the cache'})` : `${indexed.length + reused.length} bundles (${indexed.length} indexed${keys ? `: ${keys}` : ''}; ${reused.length} from the cache)`;
        logger.info(`indexed ${pages} briefing${pages === 1 ? '' : 's'} in ${where} (${ms} ms)`);
      },
    },
  };
}
