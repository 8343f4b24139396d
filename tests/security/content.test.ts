// Session files: every way one can be wrong gives a message naming the file, the line, the
// field and what to do; `kb build` lists every invalid file and writes nothing; `kb verify`
// checks the whole content folder.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, stat, writeFile, mkdir, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyContent } from '#kb/commands/verify.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KB = path.join(ROOT, 'bin/kb.ts');
const FIX = 'Fix the frontmatter by hand, or delete the file and import the session again.';
const GOOD = path.join(ROOT, 'content/briefings/drc-cobalt-concentration/2026-11-27-dd76b3dd.mdx');

let good: string;
const dirs: string[] = [];
let caseCount = 0;

async function freshContent(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kb-content-'));
  dirs.push(dir);
  const content = path.join(dir, 'content');
  await cp(path.join(ROOT, 'content'), content, { recursive: true, filter: (src) => !src.includes(`${path.sep}.cache`) });
  return content;
}

async function kb(...args: string[]) {
  return promisify(execFile)(process.execPath, [KB, ...args], { cwd: ROOT, env: { ...process.env, KB_SEARCH_PROVIDER: '', KB_LLM_PROVIDER: '' } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

/** Each case: a file written under briefings/drc-cobalt-concentration/, and the exact messages. */
interface Case {
  name: string;
  file: string;
  text: () => string;
  expected: (file: string) => string[];
}

const cases: Case[] = [
  {
    name: 'invalid frontmatter YAML',
    file: '2026-11-27-aaaaaaa1.mdx',
    text: () => good.replace(/^query: /m, 'query: [unclosed\nx: '),
    expected: (f) => [`${f}:4: invalid YAML in the frontmatter: missed comma between flow collection entries. ${FIX}`],
  },
  { name: 'a missing required field', file: '2026-11-27-aaaaaaa2.mdx', text: () => good.replace(/^analysis: .*\n/m, ''), expected: (f) => [`${f}:2: analysis: is missing; it is required (text). ${FIX}`] },
  {
    name: 'a wrong type',
    file: '2026-11-27-aaaaaaa3.mdx',
    text: () => good.replace(/^tags:\n(  - .*\n)+/m, 'tags: cobalt\n'),
    expected: (f) => [`${f}:${lineOf(good, /^tags:/m)}: tags: must be a list, e.g. [a, b], but is a string ("cobalt"). ${FIX}`],
  },
  {
    name: 'an unknown field (layout)',
    file: '2026-11-27-aaaaaaa4.mdx',
    text: () => good.replace(/^query: /m, 'layout: post\nquery: '),
    expected: (f) => [
      `${f}:3: layout: "layout" is not allowed here (unknown field). Remove that line. Allowed here: id, query, querySlug, title, generatedAt, summary, analysis, tags, steps, status, providers, provenance, metrics, grounding, schemaVersion, answer, budget, previous, ledger, method. ${FIX}`,
    ],
  },
  {
    name: 'a bad generatedAt',
    file: '2026-11-27-aaaaaaa5.mdx',
    text: () => good.replace(/^generatedAt: .*$/m, 'generatedAt: yesterday'),
    expected: (f) => [`${f}:5: generatedAt: "yesterday" is not an ISO date-time with a time zone. Write it like 2026-01-27T05:52:47Z. ${FIX}`],
  },
  {
    name: 'an id with a slash',
    file: '2026-11-27-aaaaaaa6.mdx',
    text: () => good.replace(/^id: .*$/m, 'id: ../../etc/passwd'),
    expected: (f) => [`${f}:2: id: "../../etc/passwd": must be 1–128 letters, digits, "-" or "_", starting with a letter or digit. ${FIX}`],
  },
  {
    name: 'a file with no frontmatter',
    file: '2026-11-27-aaaaaaa7.mdx',
    text: () => '# Just a heading\n\nSome text.\n',
    expected: (f) => [`${f}:1: no frontmatter: a session file starts with a "---" line, then the session's fields in YAML, then another "---" line. Delete the file and import the session again.`],
  },
  { name: 'an empty file', file: '2026-11-27-aaaaaaa8.mdx', text: () => '', expected: (f) => [`${f}:1: the file is empty. Delete it, or import the session again.`] },
  {
    name: 'frontmatter that is never closed',
    file: '2026-11-27-aaaaaaa9.mdx',
    text: () => '---\nid: x\n',
    expected: (f) => [`${f}:1: the frontmatter is not closed: no second "---" line. ${FIX}`],
  },
  {
    name: 'a second file with the same id',
    file: 'z-copy.mdx',
    text: () => good,
    expected: (f) => [`${f}:2: id: session id dd76b3dd-eb04-4baf-ad51-882599cdf4e6 is also in ${path.join(path.dirname(f), '2026-11-27-dd76b3dd.mdx')}; one session, one file. Delete the copy that is wrong.`],
  },
];

function lineOf(text: string, pattern: RegExp): number {
  return text.slice(0, pattern.exec(text)!.index).split('\n').length;
}

beforeAll(async () => {
  good = await readFile(GOOD, 'utf8');
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  console.log(`tests/security/content.test.ts: ${caseCount} cases`);
});

describe('an invalid session file', () => {
  it.each(cases)('$name is reported with file, line, field and what to do', async ({ file, text, expected }) => {
    caseCount++;
    const content = await freshContent();
    const target = path.join(content, 'briefings/drc-cobalt-concentration', file);
    await writeFile(target, text());
    const result = await verifyContent(content, {});
    expect(result.errors).toEqual(expected(target));
    expect(result.invalidSessionFiles).toEqual([target]);
  });
});

describe('kb verify and kb build over a content folder', () => {
  it('kb verify on a clean copy of the project content finds no errors and exits 0', async () => {
    caseCount++;
    const content = await freshContent();
    const { code, stdout, stderr } = await kb('verify', '--content', content);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^checked \d+ sessions, 0 errors, 0 warnings$/);
  });

  it('warns, without failing, about a misplaced file and a run cut off mid-line, and allows imported query slugs', async () => {
    caseCount++;
    const content = await freshContent();
    const misplaced = path.join(content, 'briefings/indonesia-nickel/2026-11-27-dd76b3dd.mdx');
    const renamed = path.join(content, 'briefings/graphite-anode-dependence/wrong-name.mdx');
    await rm(GOOD.replace(path.join(ROOT, 'content'), content));
    await writeFile(misplaced, good);
    const graphite = path.join(content, 'briefings/graphite-anode-dependence/2026-11-27-cba693ac.mdx');
    await cp(graphite, renamed);
    await rm(graphite);
    // A session of a question that is not in queries.yaml (an import) is fine.
    await mkdir(path.join(content, 'briefings/not-configured'), { recursive: true });
    await writeFile(path.join(content, 'briefings/not-configured/2026-11-27-0123abcd.mdx'), good.replace(/^id: .*$/m, 'id: 0123abcd-1').replace(/^querySlug: .*$/m, 'querySlug: not-configured'));
    const log = path.join(content, 'runs.jsonl');
    const lines = (await readFile(log, 'utf8')).split('\n').length;
    await appendFile(log, '{"run":"x","at":"2026');
    const result = await verifyContent(content, {});
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      `${renamed}:1: file name: does not match the session (its date and id give 2026-11-27-cba693ac.mdx). It still builds; rename it to 2026-11-27-cba693ac.mdx to keep the store tidy.`,
      `${misplaced}:1: querySlug: the session's querySlug is "drc-cobalt-concentration" but the file is not in briefings/drc-cobalt-concentration/. It still builds; move it to ${path.join(content, 'briefings/drc-cobalt-concentration/2026-11-27-dd76b3dd.mdx')} to keep the store tidy.`,
      `${log}:${lines}: a run was interrupted while writing this line; harmless (kb skips it).`,
    ]);
    const cli = await kb('verify', '--content', content);
    expect(cli.code).toBe(0);
    expect(cli.stdout.trim().split('\n').at(-1)).toBe(`checked ${result.sessions} sessions, 0 errors, 3 warnings`);
  });

  it('reports a runs.jsonl line that is not a run record, with its line number, as an error', async () => {
    caseCount++;
    const content = await freshContent();
    const log = path.join(content, 'runs.jsonl');
    const before = await readFile(log, 'utf8');
    await writeFile(log, `not json\n${before}{"run":"x"}\n`);
    const { errors } = await verifyContent(content, {});
    expect(errors[0]).toBe(`${log}:1: not a JSON run record (Unexpected token 'o', "not json" is not valid JSON). Delete the line, or restore runs.jsonl from git.`);
    expect(errors[1]).toMatch(new RegExp(`^${log.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${before.split('\n').length + 1}: not a valid run record: at: is missing; it is required`));
    expect(errors).toHaveLength(2);
  });

  it('kb build lists every invalid session file, exits 1 with no stack trace, and writes no output', async () => {
    caseCount++;
    const content = await freshContent();
    const folder = path.join(content, 'briefings/drc-cobalt-concentration');
    const bad = cases.slice(0, 5);
    for (const c of bad) await writeFile(path.join(folder, c.file), c.text());
    const out = path.join(path.dirname(content), 'dist');
    const { code, stdout, stderr } = await kb('build', '--content', content, '--out', out);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).not.toMatch(/\n\s+at /);
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toBe(`kb: 5 session files are invalid, so nothing was built (${out} is unchanged):`);
    expect(lines.slice(1, -1)).toEqual(bad.flatMap((c) => c.expected(path.join(folder, c.file)).map((l) => `  ${l}`)));
    expect(lines.at(-1)).toBe('Fix or delete them, then run kb build again; kb verify checks the whole content folder.');
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });

    // kb verify reports the same files, and exits 1.
    const verify = await kb('verify', '--content', content);
    expect(verify.code).toBe(1);
    expect(verify.stdout.trim().split('\n').at(-1)).toMatch(/^checked \d+ sessions, 5 errors, 0 warnings$/);
  });
});
