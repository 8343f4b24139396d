// The workflow's own shell steps, run as the jobs run them: two shards in their own checkouts,
// their artifacts handed to the publish job, which merges, commits and pushes — while someone
// else pushes to the same branch. Only the GitHub actions around the scripts (checkout, artifact
// upload and download) are played by the test; every `run:` script is the workflow's, verbatim.
import { execFile } from 'node:child_process';
import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { copyExampleContent } from '#tests/support/example.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KB = path.join(ROOT, 'bin', 'kb.ts');
const exec = promisify(execFile);

interface Step { name?: string; run?: string; env?: Record<string, string> }
const workflow = parse(await readFile(path.join(ROOT, '.github/workflows/briefings.yml'), 'utf8')) as { jobs: Record<string, { steps: Step[] }> };
const script = (job: string, name: string) => {
  const step = workflow.jobs[job]!.steps.find((s) => s.name === name);
  if (!step?.run) throw new Error(`no step "${name}" with a script in job ${job}`);
  return step.run;
};

describe('the workflow steps, run for real on a git repository', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const origin = () => path.join(dir, 'origin.git');

  /** bash as on a runner: a fresh HOME (no git identity), `npm run --silent kb --` is this kb. */
  async function bash(cwd: string, text: string, extra: Record<string, string> = {}) {
    const npm = `npm() { if [ "$1 $2 $3 $4" = "run --silent kb --" ]; then shift 4; "${process.execPath}" "${KB}" "$@"; else echo "unexpected npm $*" >&2; return 1; fi; }\n`;
    try {
      const { stdout, stderr } = await exec('bash', ['-e', '-o', 'pipefail', '-c', npm + text], { cwd, env: { ...env, ...extra }, maxBuffer: 32 * 1024 * 1024 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }
  const git = (cwd: string, ...args: string[]) => exec('git', args, { cwd, env }).then((r) => r.stdout.trim());

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-workflow-'));
    const home = path.join(dir, 'home');
    await mkdir(home);
    env = { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: '1', LANG: 'C.UTF-8' };
    // The repository: this project's example content and its .gitattributes.
    const seed = path.join(dir, 'seed');
    await mkdir(seed);
    await copyExampleContent(path.join(seed, 'content'));
    await cp(path.join(ROOT, '.gitattributes'), path.join(seed, '.gitattributes'));
    await writeFile(path.join(seed, '.gitignore'), 'content/.cache/\n');
    await git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', origin());
    await git(seed, 'init', '--quiet', '--initial-branch=main');
    await git(seed, 'add', '-A');
    await git(seed, '-c', 'user.name=Seed', '-c', 'user.email=seed@example.com', 'commit', '--quiet', '-m', 'seed');
    await git(seed, 'push', '--quiet', origin(), 'main');
  }, 60_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('two shards run, the publish job merges them into one commit listing the questions, and rebases onto a concurrent push', async () => {
    const SHARDS = 2;
    // actions/checkout: a shallow clone of the commit the run started from.
    const checkout = async (name: string) => {
      const work = path.join(dir, name);
      await git(dir, 'clone', '--quiet', '--depth', '1', `file://${origin()}`, work);
      return work;
    };
    const publishWork = await checkout('publish');
    const publishTemp = path.join(dir, 'publish-temp');
    for (let i = 1; i <= SHARDS; i++) {
      const work = await checkout(`shard-${i}`);
      const temp = path.join(dir, `shard-${i}-temp`);
      await mkdir(temp);
      const run = await bash(work, script('run', 'Run the due questions'), { RUNNER_TEMP: temp, SHARD: `${i}/${SHARDS}`, QUERY: '', FORCE: 'true' });
      expect(run.code, run.stderr).toBe(0);
      const collect = await bash(work, script('run', "Collect this shard's new files"), { RUNNER_TEMP: temp });
      expect(collect.code, collect.stderr).toBe(0);
      // upload-artifact name: shard-i, then download-artifact pattern: shard-* into shards/.
      await cp(path.join(temp, 'shard'), path.join(publishTemp, 'shards', `shard-${i}`), { recursive: true });
    }
    const uploaded = (await readdir(path.join(publishTemp, 'shards'), { recursive: true })).filter((f) => f.endsWith('.mdx'));
    expect(uploaded).toHaveLength(6); // the six configured questions, each in one shard only
    expect(new Set(uploaded.map((f) => f.split(path.sep)[3])).size).toBe(6);

    // Meanwhile someone pushes a change that also appends to the run log.
    const other = await checkout('other');
    await appendFile(path.join(other, 'content', 'runs.jsonl'), '{"run":"manual","at":"2026-11-27T15:00:00.000Z","query":"us-china-rare-earths","outcome":"failed","error":"manual run","durationMs":5}\n');
    await git(other, 'add', '-A');
    await git(other, '-c', 'user.name=Someone', '-c', 'user.email=someone@example.com', 'commit', '--quiet', '-m', 'a manual run');
    await git(other, 'push', '--quiet', 'origin', 'HEAD:main');

    const summaryFile = path.join(dir, 'step-summary.md');
    const stepEnv = { RUNNER_TEMP: publishTemp, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_REF_NAME: 'main' };
    for (const name of ['Job summary', 'Merge the shards into content/', 'Commit and push the new sessions']) {
      const result = await bash(publishWork, script('publish', name), stepEnv);
      expect(result.code, `${name}: ${result.stderr}`).toBe(0);
    }

    const summary = await readFile(summaryFile, 'utf8');
    expect(summary).toContain('2 shards reported.');
    expect(summary).toMatch(/\| 6 \| 0 \| 0 \| \d+ \| 0 \/ 0 \| \$0 \|/);

    // On the remote: the concurrent commit, then one commit with every shard's sessions.
    const remote = path.join(dir, 'after');
    await git(dir, 'clone', '--quiet', `file://${origin()}`, remote);
    const log = (await git(remote, 'log', '--format=%s|%an', '-3')).split('\n');
    // Six ids make a subject too long to read; the body lists every question.
    expect(log[0]).toBe('Briefings: 6 new|github-actions[bot]');
    expect(log[1]).toBe('a manual run|Someone');
    const message = await git(remote, 'log', '-1', '--format=%b');
    const ids = message.split('\n').filter((l) => l.startsWith('published ')).map((l) => l.split(':')[0]!.slice('published '.length));
    expect(ids.sort()).toEqual(['drc-cobalt-concentration', 'gallium-germanium-export-controls', 'graphite-anode-dependence', 'indonesia-nickel', 'lithium-refining-outside-china', 'us-china-rare-earths']);
    const files = (await git(remote, 'show', '--name-status', '--format=', 'HEAD')).split('\n');
    expect(files.filter((f) => /^A\tcontent\/briefings\/.+\.mdx$/.test(f))).toHaveLength(6);
    expect(files.filter((f) => !f.startsWith('A\tcontent/briefings/'))).toEqual(['M\tcontent/runs.jsonl']);
    // The run log kept both sides: the concurrent line and each shard's lines.
    const runs = (await readFile(path.join(remote, 'content', 'runs.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { run: string; kind?: string; shard?: string });
    expect(runs.some((r) => r.run === 'manual')).toBe(true);
    // This run's run lines (the example log may hold run lines of its own): one per shard.
    const seeded = new Set((await readFile(path.join(dir, 'seed', 'content', 'runs.jsonl'), 'utf8')).trim().split('\n'));
    expect(runs.filter((r) => r.kind === 'run' && !seeded.has(JSON.stringify(r))).map((r) => r.shard).sort()).toEqual(['1/2', '2/2']);
    expect(new Set(runs.map((r) => JSON.stringify(r))).size).toBe(runs.length);
  }, 180_000);

  it('a night when nothing is due commits nothing', async () => {
    const work = path.join(dir, 'idle');
    await git(dir, 'clone', '--quiet', `file://${origin()}`, work);
    const temp = path.join(dir, 'idle-temp');
    await mkdir(temp);
    const run = await bash(work, script('run', 'Run the due questions'), { RUNNER_TEMP: temp, SHARD: '1/1', QUERY: '', FORCE: 'false' });
    expect(run.code, run.stderr).toBe(0);
    expect(await bash(work, script('run', "Collect this shard's new files"), { RUNNER_TEMP: temp })).toMatchObject({ code: 0 });
    const publishTemp = path.join(dir, 'idle-publish');
    await cp(path.join(temp, 'shard'), path.join(publishTemp, 'shards', 'shard-1'), { recursive: true });
    const head = await git(work, 'rev-parse', 'HEAD');
    const stepEnv = { RUNNER_TEMP: publishTemp, GITHUB_STEP_SUMMARY: path.join(dir, 'idle.md'), GITHUB_REF_NAME: 'main' };
    expect(await bash(work, script('publish', 'Merge the shards into content/'), stepEnv)).toMatchObject({ code: 0 });
    const commit = await bash(work, script('publish', 'Commit and push the new sessions'), stepEnv);
    expect(commit).toMatchObject({ code: 0, stdout: 'No question ran: nothing to commit.\n' });
    expect(await git(dir, '--git-dir', origin(), 'rev-parse', 'main')).toBe(head);
  }, 120_000);

  it('a failed question fails its step, and its shard still hands over its log for the commit', async () => {
    const work = path.join(dir, 'failing');
    await git(dir, 'clone', '--quiet', `file://${origin()}`, work);
    const temp = path.join(dir, 'failing-temp');
    await mkdir(temp);
    // A provider with no key: the question fails, as it would with an expired key.
    const run = await bash(work, script('run', 'Run the due questions'), { RUNNER_TEMP: temp, SHARD: '1/1', QUERY: 'indonesia-nickel', FORCE: 'true', KB_SEARCH_PROVIDER: 'tavily' });
    expect(run.code).toBe(1);
    expect(await bash(work, script('run', "Collect this shard's new files"), { RUNNER_TEMP: temp })).toMatchObject({ code: 0 });
    const publishTemp = path.join(dir, 'failing-publish');
    await cp(path.join(temp, 'shard'), path.join(publishTemp, 'shards', 'shard-1'), { recursive: true });
    const message = await bash(work, 'npm run --silent kb -- summary --commit "$RUNNER_TEMP"/shards/*/run.json', { RUNNER_TEMP: publishTemp });
    expect(message.stdout).toBe('Briefings: 0 new; 1 failed (indonesia-nickel)\n\nfailed indonesia-nickel: tavily: no API key. Set TAVILY_API_KEY in the environment.\n');
  }, 120_000);
});
