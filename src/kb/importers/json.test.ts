import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ImportError, importFile, parseSessionJson } from './index.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURES = path.join(ROOT, 'tests/fixtures/json');
const fixture = (name: string): string => path.join(FIXTURES, name);
const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

const minimal = {
  id: 'e5f1a3c7-9b2d-4e6f-8a0c-1d3e5f7a9b24',
  query: 'Does recycling cut lithium imports?',
  generatedAt: '2025-12-05T08:30:00Z',
  analysis: 'Somewhat.',
  steps: [],
};

async function refusal(run: () => Promise<unknown> | unknown): Promise<ImportError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(ImportError);
    return error as ImportError;
  }
  throw new Error('expected the import to be refused');
}

describe('session JSON files', () => {
  it('fills the slug, tags, status and provenance that a session file leaves out', async () => {
    const file = fixture('session.json');
    const [session] = await importFile(file);
    expect(session.id).toBe('b7e2c9a4-1f3d-4c8e-9a6b-2d5f7e1c3a90');
    expect(session.querySlug).toBe('is-sodium-ion-ready-for-grid-storage');
    expect(session.tags).toEqual([]);
    expect(session.status).toBe('partial');
    expect(session.provenance).toEqual({ format: 'session-json', file: 'session.json', sha256: sha256(file) });
    expect(session.steps[0].query).toBe('sodium-ion grid storage pilot projects');
    expect(session.steps[1]).toEqual({ id: 'step_1', results: [], error: 'search provider timed out' });
    expect(session.steps[0].results[0].snippet).toBe('Three utilities run sodium-ion pilots; one reports <5% capacity fade after a year.');
  });

  it('turns CRLF line ends inside strings into LF', async () => {
    const [session] = await importFile(fixture('session.json'));
    expect(session.analysis).toBe('## Findings\n\nSodium-ion cells are in pilot grid projects in three countries.\n');
  });

  it('imports every session of an array and keeps the fields it gives', async () => {
    const [first, second] = await importFile(fixture('sessions.json'));
    expect(first).toMatchObject({
      querySlug: 'which-minerals-does-a-solid-state-battery-need',
      tags: ['batteries'],
      status: 'complete',
      generatedAt: '2025-12-03T10:15:00+01:00',
      provenance: { format: 'session-json', file: 'sessions.json' },
    });
    expect(second).toMatchObject({ querySlug: 'solid-state-minerals', status: 'complete', provenance: { format: 'pipeline' } });
  });

  it('tells JSON from a report by its content, not the file name', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kb-import-'));
    try {
      const renamed = path.join(dir, 'session.txt');
      await copyFile(fixture('session.json'), renamed);
      const [session] = await importFile(renamed);
      expect(session.provenance).toMatchObject({ format: 'session-json', file: 'session.txt' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file that is not valid JSON, naming the file', async () => {
    const file = fixture('invalid.json');
    const error = await refusal(() => importFile(file));
    expect(error.message).toMatch(/^.*invalid\.json: looks like JSON but is not valid JSON \(.+\)\. Fix the JSON and import again\.$/);
    expect(error.message.startsWith(`${file}: `)).toBe(true);
  });

  it('refuses an unknown field and a wrong type, naming both paths', async () => {
    const file = fixture('bad-schema.json');
    const error = await refusal(() => importFile(file));
    expect(error.message.startsWith(`${file}: is not valid session JSON (2 problems):`)).toBe(true);
    expect(error.problems).toEqual([
      'steps[0].results[0].url: must be text, but is a number (42). Put the value in quotes if it is meant as text.',
      expect.stringMatching(/^confidence: "confidence" is not allowed here \(unknown field\)\. Rename or remove it\. Allowed here: id, query, /),
    ]);
  });

  it('names an unknown field deep inside a result by its full path', async () => {
    const value = { ...minimal, steps: [{ id: 'step_0', results: [{ title: 't', score: 3 }] }] };
    const error = await refusal(() => parseSessionJson(value, 'deep.json'));
    expect(error.problems).toEqual([`steps[0].results[0].score: "score" is not allowed here (unknown field). Rename or remove it. Allowed here: title, url, snippet, source, publishedAt, partial, read, passages.`]);
    expect(error.message).toMatch(/^deep\.json: is not valid session JSON \(a problem\):\n {2}steps\[0\]\.results\[0\]\.score: "score" is not allowed here \(unknown field\)/);
  });

  it('prefixes problems with the index of the session in an array', async () => {
    const error = await refusal(() => parseSessionJson([minimal, { ...minimal, id: 'other', generatedAt: 'yesterday' }, 7], 'many.json'));
    expect(error.problems).toEqual(['[1].generatedAt: "yesterday" is not an ISO date-time with a time zone. Write it like 2026-01-27T05:52:47Z.', '[2]: expected a session object, got a number']);
  });

  it('refuses an empty array, a non-object and a repeated id', async () => {
    expect((await refusal(() => parseSessionJson([], 'empty.json'))).message).toMatch(/^empty\.json: holds an empty array — no sessions to import/);
    expect((await refusal(() => parseSessionJson('text', 'str.json'))).message).toContain('(top level): expected a session object, got a string');
    expect((await refusal(() => parseSessionJson([minimal, minimal], 'twice.json'))).message).toMatch(
      /^twice\.json: holds session id "e5f1a3c7-9b2d-4e6f-8a0c-1d3e5f7a9b24" twice \(items \[0\] and \[1\]\)/,
    );
  });

  it('refuses an id that cannot be part of a file name', async () => {
    const error = await refusal(() => parseSessionJson({ ...minimal, id: '../escape' }, 'id.json'));
    expect(error.problems[0]).toMatch(/^id: "\.\.\/escape": must be 1–128 letters/);
  });

  it('replaces lone surrogates and keeps any other text exactly', () => {
    const hostile = 'import x from "y"\n<script>alert(1)</script>\n{braces} `code` $x\uD800';
    const [session] = parseSessionJson({ ...minimal, summary: hostile, tags: ['a\uDC00'] }, 'text.json');
    expect(session.summary).toBe('import x from "y"\n<script>alert(1)</script>\n{braces} `code` $x\uFFFD');
    expect(session.tags).toEqual(['a\uFFFD']);
    expect(session.provenance).toEqual({ format: 'session-json', file: 'text.json' });
  });

  it('caps a long query slug at 80 characters on a word boundary and falls back for scripts slugify drops', () => {
    const long = 'How will the combined effect of export controls, recycling mandates and new refining capacity change lithium hydroxide prices in Europe?';
    const [a] = parseSessionJson({ ...minimal, query: long }, 'long.json');
    expect(a.querySlug.length).toBeLessThanOrEqual(80);
    expect(a.querySlug).toBe('how-will-the-combined-effect-of-export-controls-recycling-mandates-and-new');
    const [b] = parseSessionJson({ ...minimal, query: '锂的进口依赖？' }, 'zh.json');
    expect(b.querySlug).toBe('query-e5f1a3c7-9b2d-4e6f-8a0c-1d3e5f7a9b24');
  });
});
