// `kb build`: the Astro site and its Pagefind index, built from whatever sessions exist.
import fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import lockfile from 'proper-lockfile';
import { setSiteContentDir } from '#kb/config/env.ts';
import { handOff, loadCatalog } from '#kb/store/catalog.ts';
import { move } from '#kb/store/files.ts';
import { noExtraArgs, requireContentDir, type Options, type Print } from './cli-kit.ts';

/** The project root: where astro.config.mjs and src/ live, wherever the CLI is called from. */
export const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface BuildOptions {
  contentDir: string;
  outDir: string;
  verbose?: boolean;
}

/** `kb build` refused to start: some session files are invalid. Nothing was written. */
export class ContentError extends Error {}

export async function buildSite({ contentDir, outDir, verbose = false }: BuildOptions) {
  const content = path.resolve(contentDir);
  const out = path.resolve(outDir);
  // Read and validate every session first, all of them, so each bad file is a clear line naming
  // it (file:line: field: what to do) rather than an error from deep inside the Astro build, and
  // nothing at all is written to the output folder while any remains. The pages then use these
  // very sessions (handOff), so each file is parsed once per build, or not at all when unchanged
  // since the last (the catalog's cache).
  const catalog = await loadCatalog(content);
  if (catalog.problems.length) {
    const files = catalog.invalidFiles.length;
    throw new ContentError(
      `${files} session file${files === 1 ? ' is' : 's are'} invalid, so nothing was built (${out} is unchanged):\n` +
        catalog.problems.map((p) => `  ${p}`).join('\n') +
        `\nFix or delete ${files === 1 ? 'it' : 'them'}, then run kb build again; kb verify checks the whole content folder.`,
    );
  }

  // Astro writes the list of content modules to <root>/.astro/, one folder per installation,
  // whatever the content folder. Two builds at once (two knowledge bases, parallel tests) would
  // overwrite each other's list, so builds from one installation take turns.
  const dotAstro = path.join(projectRoot, '.astro');
  await mkdir(dotAstro, { recursive: true });
  const release = await lockfile.lock(dotAstro, {
    lockfilePath: path.join(dotAstro, 'kb-build.lock'),
    stale: 30_000, // a build killed mid-way leaves a lock that is taken over after 30 s
    retries: { forever: true, minTimeout: 250, maxTimeout: 2_000 },
  });
  // Astro writes the pages' server code beside the output when the output folder is under the
  // working folder (else under <cwd>/.astro/), and that code imports the project's packages: from
  // an output folder outside the project (`cd ~/briefings && kb build --out site`) Node could not
  // find them. Building from the project root puts that code where its imports resolve.
  const cwd = process.cwd();
  try {
    process.chdir(projectRoot);
    // The site's pages and the search integration read the sessions from this folder.
    setSiteContentDir(content);
    // Vite treats these as its own import.meta.env values; inherited from a parent tool (Vitest
    // sets BASE_URL=/) they would override the configured base path in every link.
    for (const name of ['BASE_URL', 'MODE', 'DEV', 'PROD', 'SSR']) delete process.env[name];
    const { build } = await import('astro');
    handOff(catalog);
    await renamingAcrossDisks(() =>
      build({
        root: projectRoot,
        outDir: out,
        // One data-store cache per knowledge base, kept beside its content (git-ignored), so
        // building several knowledge bases from one installation never mixes their entries.
        cacheDir: path.join(content, '.cache', 'astro'),
        logLevel: verbose ? 'info' : 'warn',
      }),
    );
  } finally {
    process.chdir(cwd);
    handOff(undefined);
    await release();
  }
  return { sessions: catalog.entries.length, outDir: out };
}

/**
 * Astro moves the site's stylesheets from <project>/.astro/ into an output folder outside the
 * project with fs.promises.rename, which fails (EXDEV) when that folder is on another file system
 * (a mounted volume, a tmpfs). During the build, such a rename copies and deletes instead. Our own
 * code imports `rename` by name and is not affected; it uses `move` where it needs this.
 */
async function renamingAcrossDisks<T>(run: () => Promise<T>): Promise<T> {
  const rename = fs.promises.rename;
  fs.promises.rename = (from, to) => move(from as string | URL, to as string | URL, rename);
  try {
    return await run();
  } finally {
    fs.promises.rename = rename;
  }
}

/** `kb build`: the site and its search index from the sessions that exist, and how long it took. */
export async function buildCommand(args: string[], options: Options, print: Print) {
  noExtraArgs('build', args);
  await requireContentDir(options.content);
  const started = performance.now();
  const { sessions, outDir } = await buildSite({ contentDir: options.content, outDir: options.out, verbose: options.verbose });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  print(`built ${sessions} briefing(s) into ${path.relative(process.cwd(), outDir) || outDir} in ${seconds}s`);
  return 0;
}
