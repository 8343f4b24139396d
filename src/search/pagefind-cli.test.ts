import { chmod, mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

// The binary is found once per process: each case loads the module afresh with its own setting.
const load = async () => {
  vi.resetModules();
  return import('./pagefind-cli.ts');
};

describe('running the Pagefind binary', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-pagefind-cli-'));
    await mkdir(path.join(dir, 'site', 'a'), { recursive: true });
    await writeFile(path.join(dir, 'site', 'a', 'index.html'), '<html lang="en"><body><main data-pagefind-body><h1>Yttrium</h1><p>Yttrium from Malaysia.</p></main></body></html>');
  });
  afterEach(() => {
    delete process.env.PAGEFIND_BINARY_PATH;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('indexes a folder with the platform binary, without the npm launcher', async () => {
    const { indexDocuments } = await load();
    await indexDocuments(path.join(dir, 'site'), path.join(dir, 'out'), 1, { standard: true });
    expect(await readdir(path.join(dir, 'out'))).toEqual(expect.arrayContaining(['pagefind.js', 'pagefind-entry.json']));
  });

  it('says which binary it could not run, when PAGEFIND_BINARY_PATH points at nothing', async () => {
    const missing = path.join(dir, 'no-such-pagefind');
    process.env.PAGEFIND_BINARY_PATH = missing;
    const { indexDocuments } = await load();
    await expect(indexDocuments(path.join(dir, 'site'), path.join(dir, 'out2'), 1)).rejects.toThrow(/Pagefind could not index the briefings:\n.*ENOENT.*no-such-pagefind/);
  });

  it('passes on what a failing binary printed', async () => {
    const failing = path.join(dir, 'failing-pagefind');
    await writeFile(failing, '#!/bin/sh\necho "Error: the site folder is not readable" >&2\nexit 3\n');
    await chmod(failing, 0o755);
    process.env.PAGEFIND_BINARY_PATH = failing;
    const { indexDocuments } = await load();
    await expect(indexDocuments(path.join(dir, 'site'), path.join(dir, 'out3'), 1)).rejects.toThrow('Pagefind could not index the briefings:\nError: the site folder is not readable');
  });
});
