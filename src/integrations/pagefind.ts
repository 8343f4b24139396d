// Builds the search index beside Astro's own build, so `dist/pagefind/` is part of every build;
// how the index is built is src/search/index-build.ts. The index is made from the sessions, not
// from the built pages, so it starts when Astro starts rendering (Pagefind runs in its own
// process, on the other cores) and is moved into the site when Astro is done: at 1,000 briefings
// that hides most of its 20 s behind the pages' 40 s (docs/performance.md).
import type { AstroIntegration } from 'astro';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalog, takeHandOff } from '#kb/store/catalog.ts';
import { move } from '#kb/store/files.ts';
import type { SearchBuildResult } from '#search/index-build.ts';
import { buildSearchOnWorker } from '#search/index-worker.ts';
import { ONE_INDEX_KEY, ONE_INDEX_MAX } from '#search/layout.ts';
import { searchOneIndexMax } from '#kb/config/env.ts';

export default function pagefindIntegration(): AstroIntegration {
  let running: { staging: string; started: number; finished?: number; result: Promise<SearchBuildResult> } | undefined;
  return {
    name: 'kb-pagefind',
    hooks: {
      'astro:build:start': async ({ logger }) => {
        // The sessions `kb build` validated (or, under a bare `astro build`, read here).
        const contentDir = path.resolve(process.env.KB_CONTENT_DIR ?? 'content');
        const catalog = takeHandOff(contentDir) ?? (await loadCatalog(contentDir));
        const cache = path.join(catalog.contentDir, '.cache');
        await mkdir(cache, { recursive: true });
        // Left by a build that was killed (builds of one installation take turns: src/kb/commands/build.ts).
        for (const name of await readdir(cache)) if (name.startsWith('search-staging-')) await rm(path.join(cache, name), { recursive: true, force: true });
        const staging = await mkdtemp(path.join(cache, 'search-staging-'));
        const result = buildSearchOnWorker(catalog, staging, logger, { oneIndexMax: searchOneIndexMax(process.env, ONE_INDEX_MAX) });
        running = { staging, started: performance.now(), result };
        const run = running;
        // Awaited when Astro is done; until then a failure must not be an unhandled rejection.
        result.then(() => void (run.finished = performance.now())).catch(() => undefined);
      },
      'astro:build:done': async ({ dir, logger }) => {
        if (!running) throw new Error('the search index was not started (astro:build:start did not run); report this with the build log');
        const run = running;
        const { staging, started, result } = run;
        running = undefined;
        try {
          const waited = performance.now();
          const { indexed, reused, pages, merged } = await result;
          const target = path.join(fileURLToPath(dir), 'pagefind');
          await rm(target, { recursive: true, force: true });
          await move(path.join(staging, 'pagefind'), target);
          if (pages === 0) return;
          // Whether the index or the pages took longer: the one to make faster.
          const ms = Math.round((run.finished ?? performance.now()) - started);
          const pagesMs = Math.round(waited - started);
          const keys = indexed.length > 6 ? `${indexed.slice(0, 5).join(', ')}, …` : indexed.join(', ');
          const where =
            indexed.length + reused.length === 1 && (indexed[0] ?? reused[0]) === ONE_INDEX_KEY
              ? `one index (${indexed.length ? 'indexed' : 'from the cache'})`
              : `${indexed.length + reused.length} bundles (${indexed.length} indexed${keys ? `: ${keys}` : ''}; ${reused.length} from the cache), merged into one index${merged === 'cached' ? ' (from the cache)' : ''}`;
          logger.info(`indexed ${pages} briefing${pages === 1 ? '' : 's'} in ${where} (${ms} ms beside the pages' ${pagesMs} ms, ${Math.round(performance.now() - waited)} ms after them)`);
        } finally {
          await rm(staging, { recursive: true, force: true });
        }
      },
    },
  };
}
