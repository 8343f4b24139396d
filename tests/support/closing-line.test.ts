import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const vitestCli = path.resolve('node_modules/vitest/vitest.mjs');
const reporter = path.resolve('tests/support/closing-line.ts');

// A real Vitest run over a small folder of tests, with the reporter as the project's config wires it.
describe('the closing line of a test run', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-closing-'));
    await writeFile(
      path.join(dir, 'vitest.config.mjs'),
      `import { closingLineReporter } from ${JSON.stringify(reporter)};\n` +
        `export default { test: { globals: true, include: ['*.test.mjs'], reporters: ['default', closingLineReporter()] } };\n`,
    );
    await writeFile(path.join(dir, 'a.test.mjs'), `it('passes', () => {}); it('passes too', () => {}); it.skip('is skipped', () => {}); it.todo('is to do');\n`);
    await writeFile(path.join(dir, 'b.test.mjs'), `it('fails', () => { expect(1).toBe(2); });\n`);
    await writeFile(path.join(dir, 'c.test.mjs'), `throw new Error('this file does not load');\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is the last line, plain even where colours are forced, and counts a file that would not load as a failure', async () => {
    const failed = await run(process.execPath, [vitestCli, 'run', '--root', dir], { env: { ...process.env, CI: 'true', FORCE_COLOR: '1' } }).then(
      () => null,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failed?.code).toBe(1);
    const lines = failed!.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('tests: 2 passed, 2 failed, 2 skipped');
    // Vitest's own summary came before it, in colour.
    expect(failed!.stdout).toContain('\u001b[');
  });

});
