// The site. `outDir` is left to the caller: `kb build --out DIR` passes it to astro's build().
// KB_SITE / KB_BASE let the same build serve from a GitHub Pages project path, e.g.
// KB_SITE=https://acme.github.io KB_BASE=/briefings/.
import { defineConfig } from 'astro/config';
import sitemap from '@astrojs/sitemap';
import pagefind from './src/integrations/pagefind.ts';
import grounding from './src/integrations/grounding.ts';
import keptPages from './src/integrations/kept-pages.ts';

// `repo`, `/repo` and `/repo/` all mean the project path `/repo/`.
const base = `/${(process.env.KB_BASE ?? '').replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/');
const site = process.env.KB_SITE || undefined;

export default defineConfig({
  site,
  base,
  trailingSlash: 'always',
  build: { format: 'directory' },
  // Pages whose getStaticPaths gives a cacheKey (briefings, comparisons, question timelines) are
  // kept from the last build while their sessions are unchanged (src/integrations/kept-pages.ts
  // keeps them in the output folder, where Astro would delete them and copy them back).
  experimental: { incrementalBuild: true },
  // The sitemap needs absolute URLs, so it is only written when KB_SITE gives the origin
  // (<base>sitemap-index.xml and sitemap-0.xml); the 404 page is left out.
  // Sessions are read from the content folder by the pages (src/lib/sessions.ts), not compiled
  // as MDX modules, and their prose is rendered by src/lib/prose/render.ts: see docs/performance.md.
  integrations: [...(site ? [sitemap({ filter: (page) => !/\/404\/?$/.test(new URL(page).pathname) })] : []), keptPages(), pagefind(), grounding()],
  vite: {
    build: {
      rolldownOptions: {
        // Astro marks every MDX module with a "use astro:head-inject" directive, and the bundler
        // warns once per briefing that it may not keep it. Harmless; it would drown real warnings.
        onwarn(warning, warn) {
          if (warning.code === 'MODULE_LEVEL_DIRECTIVE' && String(warning.message).includes('astro:head-inject')) return;
          warn(warning);
        },
      },
    },
  },
});
