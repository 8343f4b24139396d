import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from './cli.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../tests/fixtures/${name}`, import.meta.url));
const KB = fileURLToPath(new URL('../../bin/kb.ts', import.meta.url));

// A folder on another file system than the project, as a mounted volume would be: Linux's
// shared-memory tmpfs, where there is one.
const device = (dir: string) => {
  try {
    return statSync(dir).dev;
  } catch {
    return undefined;
  }
};
const shm = device('/dev/shm');
const otherDisk = shm !== undefined && shm !== device(fileURLToPath(new URL('../..', import.meta.url))) ? '/dev/shm' : undefined;
if (!otherDisk) console.warn('no folder on another file system than the project (/dev/shm): the test of building onto another disk is skipped');

/** Runs the CLI in-process and captures what it prints. */
async function kb(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

describe('kb', () => {
  let dir: string;
  let content: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-cli-'));
    content = path.join(dir, 'content');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('imports a report export into the content folder given with --content', async () => {
    const { code, out } = await kb('import', fixture('mica/lithium-report.txt'), '--content', content);
    expect(code).toBe(0);
    expect(out).toMatch(/^imported .*lithium-report\.txt → .*\.mdx$/);
    const files = await filesUnder(content);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^briefings\/[a-z0-9-]+\/\d{4}-\d\d-\d\d-[0-9a-f]{8}\.mdx$/);
  });

  it('importing the same files twice makes no duplicate and says they were already imported', async () => {
    const files = [fixture('mica/lithium-report.txt'), fixture('json/sessions.json')];
    expect((await kb('import', ...files, '--content', content)).code).toBe(0);
    const before = await filesUnder(content);
    const again = await kb('import', ...files, '--content', content);
    expect(again.code).toBe(0);
    expect(again.out.split('\n').every((l) => l.startsWith('unchanged '))).toBe(true);
    expect(await filesUnder(content)).toEqual(before);
  });

  it('refuses a file that is not a session with one line naming it, exits 1, and writes nothing', async () => {
    const { code, out, err } = await kb('import', fixture('mica/not-a-report.txt'), '--content', content);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err.split('\n')[0]).toContain('not-a-report.txt');
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
    expect(await filesUnder(content)).toEqual([]);
  });

  it('imports the good files of a batch and names each refused one', async () => {
    const { code, err } = await kb('import', fixture('mica/empty.txt'), fixture('mica/lithium-report.txt'), fixture('json/invalid.json'), '--content', content);
    expect(code).toBe(1);
    expect(err).toContain('empty.txt');
    expect(err).toContain('invalid.json');
    expect(err).toContain('2 of 3 files refused; the others were imported.');
    expect(await filesUnder(content)).toHaveLength(1);
  });

  it('shows the stack trace only with --verbose', async () => {
    const quiet = await kb('import', path.join(dir, 'missing.txt'), '--content', content);
    expect(quiet.err).toContain('missing.txt: no such file');
    expect(quiet.err).not.toMatch(/\n\s+at /);
    const verbose = await kb('import', path.join(dir, 'missing.txt'), '--content', content, '--verbose');
    expect(verbose.err).toMatch(/\n\s+at /);
  });

  it('says what to do about an unknown command, an unknown option or a missing content folder', async () => {
    expect(await kb('publish')).toMatchObject({ code: 1, err: 'kb: unknown command "publish". Run kb --help to see the commands.' });
    expect(await kb('build', '--outdir', 'x')).toMatchObject({ code: 1, err: "kb: Unknown option '--outdir'. Run kb --help to see the options." });
    const missing = await kb('list', '--content', path.join(dir, 'nowhere'));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('nowhere does not exist');
    expect(await kb('import', '--content', content)).toMatchObject({ code: 1, err: 'kb: kb import needs at least one file: kb import FILE…' });
  });

  it('lists each configured query with its last session and when it is next due, then unscheduled questions', async () => {
    await kb('import', fixture('json/sessions.json'), fixture('mica/lithium-report.txt'), '--content', content);
    await writeFile(path.join(content, 'queries.yaml'), 'queries:\n  - id: never-run\n    question: A question not yet run?\n    schedule: 7d\n');
    const { code, out } = await kb('list', '--content', content);
    expect(code).toBe(0);
    const [header, first, ...rest] = out.split('\n');
    expect(header).toMatch(/^query\s+sessions\s+last session\s+next due\s+question$/);
    expect(first).toMatch(/^never-run\s+0\s+never\s+due now\s+A question not yet run\?$/);
    expect(rest.length).toBeGreaterThanOrEqual(2);
    for (const row of rest) expect(row).toMatch(/^[a-z0-9-]+\s+\d+\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+not scheduled\s+\S/);
    // A source time at +01:00 is listed in UTC.
    expect(out).toMatch(/which-minerals-does-a-solid-state-battery-need\s+1\s+2025-12-03 09:15 UTC/);
  });

  it('dates the next run from the newest session that did not fail, as kb run does', async () => {
    await mkdir(content, { recursive: true });
    await writeFile(path.join(content, 'queries.yaml'), 'queries:\n  - id: q\n    question: Q?\n    schedule: 7d\n');
    const day = 24 * 3600_000;
    const at = (daysAgo: number) => new Date(Math.floor(Date.now() / 60_000) * 60_000 - daysAgo * day).toISOString();
    const session = (id: string, generatedAt: string, status: string) => ({ id, query: 'Q?', querySlug: 'q', generatedAt, analysis: 'A.', status, steps: [] });
    await writeFile(path.join(dir, 'two.json'), JSON.stringify([session('ok1', at(2), 'complete'), session('bad1', at(1), 'failed')]));
    expect((await kb('import', path.join(dir, 'two.json'), '--content', content)).code).toBe(0);
    const { out } = await kb('list', '--content', content);
    const shown = (iso: string) => iso.slice(0, 16).replace('T', ' ') + ' UTC';
    // The last session shown is the newest, the failed one; the next run is due 7 days after the success.
    expect(out).toMatch(new RegExp(`^q\\s+2\\s+${shown(at(1))}\\s+${shown(at(2 - 7))}\\s+Q\\?$`, 'm'));
  });

  it('files an imported session under the configured query with the same question', async () => {
    await mkdir(content, { recursive: true });
    await writeFile(path.join(content, 'queries.yaml'), 'queries:\n  - id: solid-state\n    question: which minerals does a solid-state battery need\n    tags: [batteries]\n');
    await kb('import', fixture('json/sessions.json'), '--content', content);
    const files = await filesUnder(content);
    expect(files.some((f) => f.startsWith('briefings/solid-state/'))).toBe(true);
  });

  it('is a real executable: bin/kb.ts prints its usage and exits 0 for --help', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [KB, '--help']);
    expect(stdout).toContain('Usage: kb <command>');
  });

  it('builds from any folder: kb build in a folder outside the project, with its output under it', async () => {
    // Astro puts the pages' server code in an output folder under the working folder; from
    // outside the project that code could not find the project's packages (Astro's own import).
    await mkdir(content, { recursive: true });
    const { stdout } = await promisify(execFile)(process.execPath, [KB, 'import', fixture('mica/lithium-report.txt'), '--content', 'content'], { cwd: dir });
    expect(stdout).toContain('imported');
    const built = await promisify(execFile)(process.execPath, [KB, 'build', '--content', 'content', '--out', 'site'], { cwd: dir });
    expect(built.stdout).toMatch(/^built 1 briefing\(s\) into site in /m);
    const files = await filesUnder(path.join(dir, 'site'));
    expect(files.filter((f) => /^q\/[^/]+\/[^/]+\/index\.html$/.test(f))).toHaveLength(1);
    expect(files).toContain('pagefind/pagefind.js');
    expect(files.some((f) => f.startsWith('.prerender/'))).toBe(false);
  }, 120_000);

  it.skipIf(!otherDisk)('builds into a folder on another file system than the project (a mounted volume)', async () => {
    // Astro moves the site's stylesheet from <project>/.astro/ into the output folder with a
    // rename, which one file system cannot do onto another.
    const out = await mkdtemp(path.join(otherDisk!, 'kb-cli-site-'));
    try {
      await kb('import', fixture('mica/lithium-report.txt'), '--content', content);
      const built = await kb('build', '--content', content, '--out', out);
      expect(built.err).toBe('');
      expect(built.code).toBe(0);
      const files = await filesUnder(out);
      expect(files.filter((f) => /^q\/[^/]+\/[^/]+\/index\.html$/.test(f))).toHaveLength(1);
      expect(files.some((f) => /^_astro\/.+\.css$/.test(f))).toBe(true);
      expect(files).toContain('pagefind/pagefind.js');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 120_000);

  it('a session file that fails the schema stops kb list with the file and the field named', async () => {
    await kb('import', fixture('mica/lithium-report.txt'), '--content', content);
    const [file] = await filesUnder(content);
    const bad = path.join(content, path.dirname(file), '2026-01-01-broken00.mdx');
    await writeFile(bad, '---\nid: broken00\nquery: q\nquerySlug: q\ngeneratedAt: soon\nanalysis: a\ntags: []\nsteps: []\nstatus: complete\n---\n');
    const { code, err } = await kb('list', '--content', content);
    expect(code).toBe(1);
    expect(err).toContain('2026-01-01-broken00.mdx');
    expect(err).toContain('generatedAt');
  });
});
