// The site. `outDir` is left to the caller: `kb build --out DIR` passes it to astro's build().
// KB_SITE / KB_BASE let the same build serve from a GitHub Pages project path, e.g.
// KB_SITE=https://acme.github.io KB_BASE=/briefings/.
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import pagefind from './src/integrations/pagefind.ts';

// `repo`, `/repo` and `/repo/` all mean the project path `/repo/`.
const base = `/${(process.env.KB_BASE ?? '').replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/');

export default defineConfig({
  site: process.env.KB_SITE || undefined,
  base,
  trailingSlash: 'always',
  build: { format: 'directory' },
  integrations: [mdx(), pagefind()],
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
