import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sessionToMdx } from './mdx.ts';
import type { Session } from '#core/session.ts';
import { findSessionById, listSessions, readSession, sessionFileName, sessionPath, writeSession } from './store.ts';

// Failure injection for the atomic-write tests: make the final link step fail.
const inject = vi.hoisted(() => ({ linkError: undefined as string | undefined }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    link: async (from: string, to: string) => {
      if (inject.linkError) throw Object.assign(new Error(`injected ${inject.linkError}`), { code: inject.linkError });
      return real.link(from, to);
    },
  };
});

const session = (over: Partial<Session> = {}): Session => ({
  id: '8E0C65B3-0d2f-48bd-bf11-594d2ccc9279',
  query: 'What is the import dependency of the US on China for rare earths?',
  querySlug: 'us-china-rare-earths',
  generatedAt: '2026-01-27T05:52:47Z',
  summary: 'Summary {x}.',
  analysis: '# Findings\n\nHigh.',
  tags: ['rare earths'],
  steps: [{ id: 'step_0', results: [{ title: 'A', url: 'https://example.com/a' }] }],
  status: 'complete',
  ...over,
});

let content: string;
beforeEach(async () => {
  content = await mkdtemp(path.join(tmpdir(), 'kb-store-'));
  inject.linkError = undefined;
});
afterEach(async () => {
  await rm(content, { recursive: true, force: true });
});

/** Every file under the content folder, relative, sorted. */
async function allFiles(): Promise<string[]> {
  const entries = await readdir(content, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(content, path.join(e.parentPath, e.name)))
    .sort();
}

describe('file names', () => {
  it('are the UTC date of generatedAt and the first 8 characters of the id, lowercased', () => {
    expect(sessionFileName(session())).toBe('2026-01-27-8e0c65b3.mdx');
    // 01:00 at +05:00 is still the previous day in UTC.
    expect(sessionFileName(session({ generatedAt: '2026-01-27T01:00:00+05:00' }))).toBe('2026-01-26-8e0c65b3.mdx');
    expect(sessionFileName(session({ id: 'Ab' }))).toBe('2026-01-27-ab.mdx');
    expect(sessionPath('/kb/content', session())).toBe(path.join('/kb/content', 'briefings', 'us-china-rare-earths', '2026-01-27-8e0c65b3.mdx'));
  });
});

describe('writeSession', () => {
  it('writes the session as MDX at its path, atomically, leaving no temp file', async () => {
    const result = await writeSession(content, session());
    expect(result).toEqual({ path: sessionPath(content, session()), status: 'written' });
    expect(await readFile(result.path, 'utf8')).toBe(sessionToMdx(session()));
    expect(await allFiles()).toEqual([path.join('briefings', 'us-china-rare-earths', '2026-01-27-8e0c65b3.mdx')]);
    expect(await readSession(result.path)).toEqual(session());
  });

  it('writing the same session twice is unchanged and leaves one file, untouched', async () => {
    const first = await writeSession(content, session());
    const before = await stat(first.path);
    const second = await writeSession(content, session());
    expect(second).toEqual({ path: first.path, status: 'unchanged' });
    expect((await stat(first.path)).mtimeMs).toBe(before.mtimeMs);
    expect(await allFiles()).toHaveLength(1);
  });

  it('the same session imported again from another file is unchanged, whatever its provenance says', async () => {
    const first = await writeSession(content, session({ provenance: { format: 'session-json', file: 'a.json' } }));
    const again = await writeSession(content, session({ provenance: { format: 'session-json', file: 'copy-of-a.json' } }));
    expect(again).toEqual({ path: first.path, status: 'unchanged' });
    expect(await allFiles()).toHaveLength(1);
  });

  it('the same session written concurrently ends up in one file', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => writeSession(content, session())));
    expect(results.filter((r) => r.status === 'written')).toHaveLength(1);
    expect(new Set(results.map((r) => r.path)).size).toBe(1);
    expect(await allFiles()).toHaveLength(1);
  });

  it('refuses a different session with an id already stored, naming both files, even under another query', async () => {
    const first = await writeSession(content, session());
    const other = session({ querySlug: 'elsewhere', analysis: 'Different.' });
    await expect(writeSession(content, other)).rejects.toThrow(first.path);
    await expect(writeSession(content, other)).rejects.toThrow(sessionPath(content, other));
    expect(await allFiles()).toHaveLength(1);
  });

  it('gives a longer id prefix when the file name is taken by another session, and never rewrites that file', async () => {
    const a = session({ id: '8e0c65b3aaaa-1' });
    const b = session({ id: '8e0c65b3bbbb-2' });
    const c = session({ id: '8e0c65b3bbbb-3' });
    const pa = (await writeSession(content, a)).path;
    const original = await readFile(pa, 'utf8');
    const pb = (await writeSession(content, b)).path;
    const pc = (await writeSession(content, c)).path;
    expect([pa, pb, pc].map((p) => path.basename(p))).toEqual(['2026-01-27-8e0c65b3.mdx', '2026-01-27-8e0c65b3bbbb.mdx', '2026-01-27-8e0c65b3bbbb-3.mdx']);
    expect(await readFile(pa, 'utf8')).toBe(original);
    expect((await readSession(pc)).id).toBe('8e0c65b3bbbb-3');
  });

  it('gives ids that differ only in letter case different files', async () => {
    const upper = (await writeSession(content, session({ id: 'ABCDEF' }))).path;
    const lower = (await writeSession(content, session({ id: 'abcdef' }))).path;
    expect([path.basename(upper), path.basename(lower)]).toEqual(['2026-01-27-abcdef.mdx', '2026-01-27-abcdef-2.mdx']);
  });

  it('different sessions colliding on a name concurrently all get their own file', async () => {
    const ids = Array.from({ length: 5 }, (_, i) => `8e0c65b3-000${i}`);
    const results = await Promise.all(ids.map((id) => writeSession(content, session({ id }))));
    expect(new Set(results.map((r) => r.path)).size).toBe(5);
    expect((await listSessions(content)).map((s) => s.session.id).sort()).toEqual(ids);
    expect((await allFiles()).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('leaves no temp file behind when the write fails', async () => {
    inject.linkError = 'EIO';
    await expect(writeSession(content, session())).rejects.toThrow(/injected EIO/);
    expect(await allFiles()).toEqual([]);
    // Where hard links are unsupported it falls back to rename, still without leftovers.
    inject.linkError = 'EPERM';
    const result = await writeSession(content, session());
    expect(result.status).toBe('written');
    expect(await allFiles()).toEqual([path.join('briefings', 'us-china-rare-earths', '2026-01-27-8e0c65b3.mdx')]);
  });

  it('refuses an invalid session without writing anything', async () => {
    await expect(writeSession(content, session({ querySlug: 'Not A Slug' }))).rejects.toThrow(/querySlug/);
    expect(await allFiles()).toEqual([]);
  });
});

describe('listSessions, readSession and findSessionById', () => {
  it('list every session newest first, comparing instants across time zones', async () => {
    await writeSession(content, session({ id: 'old', generatedAt: '2025-06-01T00:00:00Z' }));
    await writeSession(content, session({ id: 'new', querySlug: 'other', generatedAt: '2026-01-27T05:00:00Z' }));
    // 09:00 at +05:00 is 04:00 UTC: between the two.
    await writeSession(content, session({ id: 'mid', generatedAt: '2026-01-27T09:00:00+05:00' }));
    expect((await listSessions(content)).map((s) => s.session.id)).toEqual(['new', 'mid', 'old']);
  });

  it('list nothing when there is no briefings folder yet', async () => {
    expect(await listSessions(content)).toEqual([]);
  });

  it('ignore temp files and dotfiles', async () => {
    await writeSession(content, session());
    const dir = path.join(content, 'briefings', 'us-china-rare-earths');
    await writeFile(path.join(dir, '.2026-01-27-x.mdx.123.abc.tmp'), 'half a file');
    await writeFile(path.join(dir, '.hidden.mdx'), 'not a session');
    expect((await listSessions(content)).map((s) => s.session.id)).toEqual([session().id]);
  });

  it('a corrupt file is an error naming it', async () => {
    await writeSession(content, session());
    const bad = path.join(content, 'briefings', 'q', '2026-01-01-bad.mdx');
    await mkdir(path.dirname(bad), { recursive: true });
    await writeFile(bad, '---\nid: bad\n---\n');
    await expect(listSessions(content)).rejects.toThrow(bad);
    await expect(readSession(bad)).rejects.toThrow(bad);
  });

  it('two files with the same session id is an error naming both', async () => {
    const first = await writeSession(content, session());
    const copy = path.join(content, 'briefings', 'copy', 'copy.mdx');
    await mkdir(path.dirname(copy), { recursive: true });
    await writeFile(copy, await readFile(first.path));
    const error = await listSessions(content).catch((e: Error) => e);
    expect(String(error)).toContain(first.path);
    expect(String(error)).toContain(copy);
  });

  it('find a session by id wherever it is stored', async () => {
    const written = await writeSession(content, session({ querySlug: 'somewhere' }));
    expect(await findSessionById(content, session().id)).toEqual({ path: written.path, session: session({ querySlug: 'somewhere' }) });
    expect(await findSessionById(content, 'missing')).toBeUndefined();
  });
});
