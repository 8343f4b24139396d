import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startSessionWriter } from './write-worker.ts';
import { writeSession } from './store.ts';
import type { Session } from '#core/session.ts';

const session = (id: string, summary: string): Session => ({
    id,
    query: 'What is the import dependency of the US on China for rare earths?',
    querySlug: 'us-china-rare-earths',
    generatedAt: '2026-11-27T10:00:00.000Z',
    status: 'complete',
    summary,
    analysis: '## Findings\n\nImports fell [1].',
    tags: ['rare earths'],
    steps: [{ id: 'step_0', query: 'us rare earth imports', results: [{ title: 'USGS', url: 'https://usgs.example.gov/ree', snippet: 'Imports fell to 70%.' }] }],
  });

describe('the session writer thread', () => {
  it('writes byte for byte the file the store writes on this thread', async () => {
    const a = await mkdtemp(path.join(os.tmpdir(), 'kb-ww-'));
    const b = await mkdtemp(path.join(os.tmpdir(), 'kb-ww-'));
    const writer = startSessionWriter();
    try {
      const s = session('6f1c2a7e-0000-4000-8000-000000000001', 'US imports fell [1].');
      const there = await writer.write(a, s);
      const here = await writeSession(b, s);
      expect(there.status).toBe('written');
      expect(path.relative(a, there.path)).toBe(path.relative(b, here.path));
      expect(await readFile(there.path, 'utf8')).toBe(await readFile(here.path, 'utf8'));
    } finally {
      await writer.close();
      await rm(a, { recursive: true, force: true });
      await rm(b, { recursive: true, force: true });
    }
  });

  it('writes many sessions at once and reports a refused write with the store’s own message', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kb-ww-'));
    const writer = startSessionWriter();
    try {
      const ids = Array.from({ length: 12 }, (_, i) => `6f1c2a7e-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`);
      const written = await Promise.all(ids.map((id) => writer.write(dir, session(id, `Summary ${id} [1].`))));
      expect(new Set(written.map((w) => w.path)).size).toBe(12);
      expect(written.every((w) => w.status === 'written')).toBe(true);
      // The same id with other content is never written over the first.
      await expect(writer.write(dir, session(ids[0]!, 'Something else entirely [1].'))).rejects.toThrow(/already stored in .* with different content/);
      expect(await readFile(written[0]!.path, 'utf8')).toContain(`Summary ${ids[0]}`);
    } finally {
      await writer.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails every later write with a clear error once the thread has stopped', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kb-ww-'));
    const writer = startSessionWriter();
    await writer.close();
    try {
      await expect(writer.write(dir, session('6f1c2a7e-0000-4000-8000-000000000201', 'x [1].'))).rejects.toThrow(/session writer thread stopped/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
