// The build benchmark: the bare baseline (Astro + MDX + the Pagefind CLI, nothing else) and the
// project's `kb build`, cold and then incremental after one new session, on the same content.
import { lstat, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSession } from '#kb/store/store.ts';
import { CommandError, runMeasured, type Measured } from './proc.ts';
import { sessionFor, type SyntheticOptions } from './synthetic.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = process.execPath;

export interface BuildFigures {
  ms: number;
  peakRss: number;
  /** Peak RSS of each program in the build (node, pagefind…), for telling their shares apart. */
  peakByProgram?: Record<string, number>;
  pages: number;
  indexBytes: number;
  indexFiles: number;
  /** Astro's and Pagefind's own timing lines, for profiling. */
  phases: string[];
  dist: string;
}

async function distStats(dist: string) {
  let pages = 0;
  let indexBytes = 0;
  let indexFiles = 0;
  for (const entry of await readdir(dist, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    if (entry.name === 'index.html') pages++;
    const rel = path.relative(dist, path.join(entry.parentPath, entry.name));
    if (rel.split(path.sep)[0] === 'pagefind') {
      indexFiles++;
      indexBytes += (await lstat(path.join(entry.parentPath, entry.name))).size;
    }
  }
  return { pages, indexBytes, indexFiles };
}

const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

/** Astro's phase timings (content sync, types, bundling, pages) and Pagefind's summary. */
function phaseLines(output: string): string[] {
  return strip(output)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /Synced content|Generated \d|Completed in|built in|\bindexed\b|Indexed \d+ pages?|Finished in/i.test(l) && !/^\s*[├└│]/.test(l))
    .slice(-14);
}

// --- the bare baseline -----------------------------------------------------------------------

/**
 * The baseline's page: the session's MDX body (its answer, summary and analysis) under its title.
 * With `everyWord`, also what a bare site would write to show the rest of what the project's
 * briefing page shows and indexes (issue 19, item 1): each step's sub-query, and each result's
 * title, outlet, snippet and passages read, from the frontmatter, as plain escaped text. That is
 * the like-for-like comparison: at 1,000 sessions Pagefind finds 32,840 distinct words in the
 * body-only pages and 77,663 in these (docs/performance.md).
 */
const baselinePage = (everyWord: boolean) => `---
import { getCollection, render } from 'astro:content';
export async function getStaticPaths() {
  return (await getCollection('briefings')).map((entry) => ({ params: { slug: entry.id }, props: { entry } }));
}
const { entry } = Astro.props;
const { Content } = await render(entry);
const title = entry.data.title ?? entry.data.query;
---
<html lang="en"><head><meta charset="utf-8" /><title>{title}</title></head>
<body><main data-pagefind-body><h1>{title}</h1><Content />${
  everyWord
    ? `
{(entry.data.steps ?? []).map((step) => (
  <section><h2>{step.query}</h2><ol>{(step.results ?? []).map((r) => (
    <li><a href={r.url}>{r.title}</a> <span>{r.source}</span><p>{r.snippet}</p>{(r.passages ?? []).map((p) => <blockquote>{p.text}</blockquote>)}</li>
  ))}</ol></section>
))}`
    : ''
}</main></body></html>
`;

const BASELINE_FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'kb-bench-baseline', private: true, type: 'module' }, null, 2),
  'astro.config.mjs': `import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
export default defineConfig({ integrations: [mdx()], cacheDir: './.astro-cache' });
`,
  'src/content.config.ts': `import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
export const collections = { briefings: defineCollection({ loader: glob({ pattern: '**/*.mdx', base: process.env.KB_BENCH_BRIEFINGS }) }) };
`,
};

/** A search page for the baseline, written after its build (it is not part of what is timed). */
const BASELINE_SEARCH = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Search</title>
<link rel="stylesheet" href="/pagefind/pagefind-component-ui.css"><script type="module" src="/pagefind/pagefind-component-ui.js"></script></head>
<body><pagefind-input></pagefind-input><pagefind-summary></pagefind-summary><pagefind-results></pagefind-results></body></html>
`;

/**
 * A node_modules of symlinks to ours, entry by entry: packages resolve as installed, while Vite
 * and Astro caches written to <root>/node_modules/.vite or .astro stay in the temp project.
 */
async function linkNodeModules(dir: string) {
  const target = path.join(dir, 'node_modules');
  await mkdir(target);
  for (const name of await readdir(path.join(ROOT, 'node_modules'))) {
    if (name === '.vite' || name === '.astro' || name === '.cache') continue;
    await symlink(path.join(ROOT, 'node_modules', name), path.join(target, name));
  }
}

export async function buildBaseline(contentDir: string, workDir: string, { everyWord = false } = {}): Promise<BuildFigures> {
  const dir = path.join(workDir, everyWord ? 'baseline-every-word' : 'baseline');
  for (const [file, text] of Object.entries({ ...BASELINE_FILES, 'src/pages/[...slug].astro': baselinePage(everyWord) })) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  await linkNodeModules(dir);
  const env: NodeJS.ProcessEnv = { ...process.env, KB_BENCH_BRIEFINGS: path.join(contentDir, 'briefings'), ASTRO_TELEMETRY_DISABLED: '1' };
  for (const name of ['BASE_URL', 'MODE', 'DEV', 'PROD', 'SSR']) delete env[name];
  // The heap it needs: with Node's default (about 4 GB) a bare Astro build of 10,000 version-2
  // sessions runs out of memory after 2 minutes (4 December 2026), and a failed baseline has no time.
  env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --max-old-space-size=16384`.trim();
  const astro = await runMeasured(NODE, [path.join(dir, 'node_modules', 'astro', 'bin', 'astro.mjs'), 'build'], { cwd: dir, env, label: 'baseline astro build' });
  const pagefind = await runMeasured(NODE, [path.join(dir, 'node_modules', 'pagefind', 'lib', 'runner', 'bin.cjs'), '--site', 'dist'], { cwd: dir, env, label: 'baseline pagefind' });
  const dist = path.join(dir, 'dist');
  const stats = await distStats(dist);
  await mkdir(path.join(dist, 'search'), { recursive: true });
  await writeFile(path.join(dist, 'search', 'index.html'), BASELINE_SEARCH);
  return {
    ms: astro.ms + pagefind.ms,
    peakRss: Math.max(astro.peakRss, pagefind.peakRss),
    ...stats,
    phases: [...phaseLines(astro.output), ...phaseLines(pagefind.output).map((l) => `pagefind: ${l}`)],
    dist,
  };
}

// --- the project ----------------------------------------------------------------------------

/**
 * `kb build` takes turns through a lock in <project>/.astro/ (proper-lockfile's lock folder); a
 * build by someone else on this checkout would be timed as ours, so wait for it first.
 */
async function waitForOtherBuilds(log: (line: string) => void) {
  const lock = path.join(ROOT, '.astro', 'kb-build.lock');
  const since = Date.now();
  let said = false;
  while (await lstat(lock).catch(() => undefined)) {
    if (!said) log(`waiting for another kb build on this checkout to finish (${lock})…`), (said = true);
    if (Date.now() - since > 15 * 60_000) throw new Error(`another kb build has held ${lock} for 15 minutes; remove it if no build is running`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function kbBuild(contentDir: string, dist: string, label: string, log: (line: string) => void): Promise<BuildFigures> {
  const env = { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' };
  // Logged with --verbose so Astro's phase timings can be shown; the build itself is the same.
  const args = [path.join(ROOT, 'bin', 'kb.ts'), 'build', '--content', contentDir, '--out', dist, '--verbose'];
  let run: Measured;
  try {
    await waitForOtherBuilds(log);
    run = await runMeasured(NODE, args, { cwd: ROOT, env, label });
  } catch (error) {
    // Someone else on this shared checkout removed .astro/ (and the lock in it) mid-build: not
    // a failure of the build being measured, so it is measured again, once.
    if (!(error instanceof CommandError && error.message.includes('ECOMPROMISED'))) throw error;
    log(`${label}: the build lock in ${path.join(ROOT, '.astro')} was removed by another process mid-build; building again`);
    await waitForOtherBuilds(log);
    run = await runMeasured(NODE, args, { cwd: ROOT, env, label });
  }
  return { ms: run.ms, peakRss: run.peakRss, peakByProgram: run.peakByProgram, ...(await distStats(dist)), phases: phaseLines(run.output), dist };
}

/** `kb build` with its data-store cache (<content>/.cache/astro) removed first. */
export async function buildProjectCold(contentDir: string, workDir: string, log: (line: string) => void): Promise<BuildFigures> {
  await rm(path.join(contentDir, '.cache'), { recursive: true, force: true });
  return kbBuild(contentDir, path.join(workDir, 'project-dist'), 'kb build (cold)', log);
}

/** One more session for an existing question, written by the store, then `kb build` again. */
export async function buildProjectIncremental(contentDir: string, workDir: string, options: SyntheticOptions, log: (line: string) => void): Promise<BuildFigures & { added: string }> {
  const { path: added } = await writeSession(contentDir, sessionFor(options, options.sessions));
  return { ...(await kbBuild(contentDir, path.join(workDir, 'project-dist'), 'kb build (incremental)', log)), added };
}
