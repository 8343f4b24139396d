import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { move, writeAtomic } from './files.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kb-files-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const crossDevice = async () => {
  throw Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' });
};

describe('writeAtomic', () => {
  it('writes the file in its folder, made if missing, with the modification time asked for and no temporary file left', async () => {
    const target = path.join(dir, 'a', 'b', 'entry.json');
    await writeAtomic(target, '{"x":1}', { mtimeMs: Date.UTC(2026, 0, 2) });
    expect(await readFile(target, 'utf8')).toBe('{"x":1}');
    expect((await stat(target)).mtimeMs).toBe(Date.UTC(2026, 0, 2));
    expect(await readdir(path.dirname(target))).toEqual(['entry.json']);
  });

  it('leaves the old file whole and no temporary file when the write fails', async () => {
    const target = path.join(dir, 'entry.bin');
    await writeAtomic(target, new Uint8Array([1, 2, 3]));
    // A folder where the file should go: the rename fails after the temporary file is written.
    const blocked = path.join(dir, 'blocked');
    await mkdir(path.join(blocked, 'child'), { recursive: true });
    await expect(writeAtomic(blocked, 'new')).rejects.toThrow();
    expect([...(await readFile(target))]).toEqual([1, 2, 3]);
    expect((await readdir(dir)).sort()).toEqual(['blocked', 'entry.bin']);
  });
});

describe('move', () => {
  it('renames a folder on one disk', async () => {
    await mkdir(path.join(dir, 'from', 'sub'), { recursive: true });
    await writeFile(path.join(dir, 'from', 'sub', 'f.txt'), 'words');
    await move(path.join(dir, 'from'), path.join(dir, 'to'));
    expect(await readFile(path.join(dir, 'to', 'sub', 'f.txt'), 'utf8')).toBe('words');
    expect(await readdir(dir)).toEqual(['to']);
  });

  it('copies and deletes where rename cannot cross disks (EXDEV), for a folder and for a file given as a URL', async () => {
    await mkdir(path.join(dir, 'from', 'sub'), { recursive: true });
    await writeFile(path.join(dir, 'from', 'sub', 'f.txt'), 'words');
    await move(path.join(dir, 'from'), path.join(dir, 'to'), crossDevice);
    expect(await readFile(path.join(dir, 'to', 'sub', 'f.txt'), 'utf8')).toBe('words');
    await writeFile(path.join(dir, 'site.css'), 'body{}');
    await move(pathToFileURL(path.join(dir, 'site.css')), pathToFileURL(path.join(dir, 'to', 'site.css')), crossDevice);
    expect(await readFile(path.join(dir, 'to', 'site.css'), 'utf8')).toBe('body{}');
    expect(await readdir(dir)).toEqual(['to']);
  });

  it('passes on any other failure, and moves nothing', async () => {
    await writeFile(path.join(dir, 'f.txt'), 'words');
    await expect(move(path.join(dir, 'f.txt'), path.join(dir, 'missing', 'f.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(dir)).toEqual(['f.txt']);
  });
});
