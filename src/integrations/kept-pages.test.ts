// The output folder between builds: unchanged pages stay where the last build left them, and the
// folder still ends up holding this build's output and nothing else.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearOutDir, emptyTrash, keptPages } from './kept-pages.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KB = path.join(ROOT, 'bin/kb.ts');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kb-kept-pages-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const filesUnder = async (root: string) =>
  (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();

async function write(root: string, files: Record<string, string>) {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
}

describe('which pages are kept', () => {
  it('keeps only the recorded pages still as the last build left them, for the same output folder', async () => {
    const out = path.join(dir, 'unit-out');
    await write(out, { 'a/index.html': 'a', 'b/index.html': 'bb', 'c/index.html': 'c', 'd/index.html': 'd' });
    const s = async (f: string) => {
      const st = await stat(path.join(out, f));
      return [st.size, st.mtimeMs];
    };
    const record = path.join(dir, 'unit-record.json');
    const files = { 'a/index.html': await s('a/index.html'), 'b/index.html': await s('b/index.html'), 'c/index.html': await s('c/index.html'), 'gone/index.html': [1, 1] };
    await writeFile(record, JSON.stringify({ version: 1, outDir: out, files }));
    // b rewritten (another build, or a hand edit), c touched: neither is the file the record names.
    await writeFile(path.join(out, 'b/index.html'), 'BB');
    await utimes(path.join(out, 'c/index.html'), new Date(), new Date(Date.now() + 5_000));
    expect([...(await keptPages(out, record))].sort()).toEqual(['a/index.html']);
    // Recorded for another output folder, damaged, or missing: nothing is kept.
    await writeFile(record, JSON.stringify({ version: 1, outDir: path.join(dir, 'elsewhere'), files }));
    expect((await keptPages(out, record)).size).toBe(0);
    await writeFile(record, '{"version":1,"outDir":');
    expect((await keptPages(out, record)).size).toBe(0);
    expect((await keptPages(out, path.join(dir, 'no-such-record.json'))).size).toBe(0);
  });

  it('clears everything else, strays inside kept folders too, but leaves .git alone', async () => {
    const out = path.join(dir, 'clear-out');
    await write(out, {
      'q/x/index.html': 'kept',
      'q/x/stray.txt': 'not ours',
      'q/y/index.html': 'not kept',
      '_astro/site.abc123.css': 'old asset',
      'pagefind/pagefind-entry.json': '{}',
      'favicon.svg': '<svg/>',
      '.git/HEAD': 'ref: refs/heads/gh-pages',
      '.kb-trash-deadbeef/0': 'left by a killed build',
    });
    await clearOutDir(out, new Set(['q/x/index.html']));
    const trashes = (await readdir(out)).filter((n) => n.startsWith('.kb-trash-'));
    // Moved aside in one trash folder (the killed build's with the rest), deleted after.
    expect(trashes.length).toBe(1);
    await emptyTrash(out);
    expect(await filesUnder(out)).toEqual(['.git/HEAD', 'q/x/index.html']);
    expect(await readFile(path.join(out, 'q/x/index.html'), 'utf8')).toBe('kept');
  });
});

describe('kb build into a folder it built before', () => {
  const kb = (content: string, out: string) => promisify(execFile)(process.execPath, [KB, 'build', '--content', content, '--out', out], { cwd: ROOT });
  const copyContent = async (to: string) => cp(path.join(ROOT, 'content'), to, { recursive: true, filter: (src) => !src.includes(`${path.sep}.cache`) });

  it('leaves unchanged pages in place, removes a deleted session’s pages, and ends with exactly a fresh build’s files', async () => {
    const content = path.join(dir, 'content');
    const other = path.join(dir, 'other-content');
    const out = path.join(dir, 'dist');
    await copyContent(content);
    await copyContent(other);
    await kb(content, out);

    const briefings = path.join(content, 'briefings');
    const questions = (await readdir(briefings)).sort();
    const question = questions[0]!;
    const sessions = (await readdir(path.join(briefings, question))).sort();
    // A page of another question: nothing it shows depends on the session deleted below.
    const keptSession = (await readdir(path.join(briefings, questions.at(-1)!))).sort()[0]!;
    const unchanged = `q/${questions.at(-1)}/${path.basename(keptSession, '.mdx')}/index.html`;
    const before = await stat(path.join(out, unchanged));
    // Another knowledge base built into the same folder in between: the first knowledge base's
    // next build must not keep that one's pages as its own.
    await rm(path.join(other, 'briefings', question), { recursive: true });
    await kb(other, out);
    expect(await readdir(path.join(out, 'q'))).not.toContain(question);
    await kb(content, out);
    // A page Astro would otherwise keep (its question is unchanged), edited after the build.
    const edited = `q/${questions.at(-1)}/index.html`;
    await writeFile(path.join(out, edited), 'edited by hand');
    await writeFile(path.join(out, 'stray.html'), 'not part of the site');

    // Unchanged now: the next build keeps the page where it is (same inode, never rewritten).
    const settled = await stat(path.join(out, unchanged));
    const deleted = sessions.at(-1)!;
    await rm(path.join(briefings, question, deleted));
    await kb(content, out);
    const after = await stat(path.join(out, unchanged));
    expect(after.ino).toBe(settled.ino);
    expect(after.mtimeMs).toBe(settled.mtimeMs);
    expect(before.size).toBe(after.size);

    // The folder holds what a build into an empty folder holds, file for file (the deleted
    // session's page and comparison gone, the stray file gone, no trash left).
    const fresh = path.join(dir, 'fresh');
    await kb(content, fresh);
    const files = await filesUnder(out);
    expect(files).toEqual(await filesUnder(fresh));
    expect(files).not.toContain(`q/${question}/${path.basename(deleted, '.mdx')}/index.html`);
    expect(await readFile(path.join(out, edited), 'utf8')).toBe(await readFile(path.join(fresh, edited), 'utf8'));
    // The pages kept between builds are the same as rendered afresh (the others, rendered every
    // time, show the build's own time).
    for (const file of files.filter((f) => /^q\/[^/]+\/[^/]+\/(?:changes\/)?index\.html$/.test(f))) {
      expect(await readFile(path.join(out, file), 'utf8'), file).toBe(await readFile(path.join(fresh, file), 'utf8'));
    }
  }, 240_000);
});
