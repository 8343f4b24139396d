// queries.yaml: every way the file can be wrong gives one clear message per problem, naming the
// file, line, column and field, and saying what to do.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '#kb/config/queries.ts';

const FILE = 'content/queries.yaml';
const KB = fileURLToPath(new URL('../../bin/kb.ts', import.meta.url));
const PROVIDERS = 'Use one of: corpus, tavily, brave, searxng, serper.';
const CRON = 'nor a valid cron expression (minute hour day month weekday, UTC, e.g. "0 6 * * 1").';
const q = (extra: string) => `queries:\n  - id: a\n    question: Q\n${extra}`;

interface Case {
  name: string;
  text: string;
  env?: NodeJS.ProcessEnv;
  expected: string[];
}

const cases: Case[] = [
  { name: 'an unclosed bracket', text: q('    tags: [x, y\n'), expected: [`${FILE}:5:1: Flow sequence in block collection must be sufficiently indented and end with a ]. Fix the YAML and run again.`] },
  {
    name: 'bad indentation',
    text: 'queries:\n  - id: a\n     question: Q\n',
    expected: [`${FILE}:2:9: Nested mappings are not allowed in compact mappings. Fix the YAML and run again.`, `${FILE}:2:9: Implicit keys need to be on a single line. Fix the YAML and run again.`],
  },
  { name: 'tab indentation', text: 'queries:\n\t- id: a\n', expected: [`${FILE}:2:1: Tabs are not allowed as indentation. Fix the YAML and run again.`] },
  { name: 'a duplicate key', text: q('    question: R\n'), expected: [`${FILE}:4:5: Map keys must be unique ("question" appears twice in the same mapping; keep one). Fix the YAML and run again.`] },
  { name: 'steps: "many"', text: q('    steps: many\n'), expected: [`${FILE}:4:12: queries[0].steps: must be a number, but is a string ("many").`] },
  { name: 'tags: "x"', text: q('    tags: x\n'), expected: [`${FILE}:4:11: queries[0].tags: must be a list, e.g. [a, b], but is a string ("x").`] },
  { name: 'question: 5', text: 'queries:\n  - id: a\n    question: 5\n', expected: [`${FILE}:3:15: queries[0].question: must be text, but is a number (5). Put the value in quotes if it is meant as text.`] },
  { name: 'a missing question', text: 'queries:\n  - id: a\n', expected: [`${FILE}:2:5: queries[0].question: is missing; it is required (text).`] },
  {
    name: 'two queries with the same id',
    text: 'queries:\n  - id: a\n    question: Q\n  - id: a\n    question: R\n',
    expected: [`${FILE}:4:9: queries[1].id: "a" is already the id of queries[0]; ids must be unique: give this query its own id.`],
  },
  { name: 'an unknown provider in defaults', text: 'defaults:\n  search: google\nqueries: []\n', expected: [`${FILE}:2:11: defaults.search: "google" is not a known search provider. ${PROVIDERS}`] },
  { name: 'an unknown provider in a query', text: q('    search: google\n'), expected: [`${FILE}:4:13: queries[0].search: "google" is not a known search provider. ${PROVIDERS}`] },
  {
    name: 'a misspelt LLM provider',
    text: q('    llm: antropic\n'),
    expected: [`${FILE}:4:10: queries[0].llm: "antropic" is not a known LLM provider. Use one of: extractive, openai, anthropic. Did you mean "anthropic"?`],
  },
  { name: 'schedule: weekly', text: q('    schedule: weekly\n'), expected: [`${FILE}:4:15: queries[0].schedule: "weekly" is neither an interval (30m, 12h, 7d, 2w) ${CRON}`] },
  {
    name: 'a cron schedule with 3 fields',
    text: q('    schedule: "* * *"\n'),
    expected: [`${FILE}:4:15: queries[0].schedule: "* * *" is neither an interval (30m, 12h, 7d, 2w) nor a cron expression: cron needs 5 fields (minute hour day month weekday, e.g. "0 6 * * 1"), this has 3.`],
  },
  { name: 'a cron schedule with hour 25', text: q('    schedule: "0 25 * * *"\n'), expected: [`${FILE}:4:15: queries[0].schedule: "0 25 * * *" is neither an interval (30m, 12h, 7d, 2w) ${CRON}`] },
  {
    name: 'an unknown key (shedule)',
    text: q('    shedule: 7d\n'),
    expected: [`${FILE}:4:5: queries[0].shedule: "shedule" is not allowed here (unknown field). Did you mean "schedule"? Rename or remove it. Allowed here: id, question, tags, search, llm, model, steps, maxResults, schedule, verify, read, depth, breadth, maxPages, maxTokens, maxCostUsd, alertThreshold.`],
  },
  { name: 'steps out of range', text: q('    steps: 0\n'), expected: [`${FILE}:4:12: queries[0].steps: 0: too small; must be >=1.`] },
  { name: 'an empty file', text: '', expected: [`${FILE}:1:1: the file is empty. Add a "queries:" list of questions (see docs/configuration.md), or delete the file.`] },
  { name: 'a file of comments only', text: '# nothing yet\n', expected: [`${FILE}:1:1: the file is empty. Add a "queries:" list of questions (see docs/configuration.md), or delete the file.`] },
  {
    name: 'a file that is a list',
    text: '- id: a\n  question: Q\n',
    expected: [`${FILE}:1:1: (top level): the file is a list; it must be a mapping with "queries:" (and optionally "defaults:"). If these are your queries, put "queries:" on the first line and indent them under it.`],
  },
  { name: 'a file without a query list', text: 'defaults: {}\n', expected: [`${FILE}:1:1: queries: is missing; it is required (a list, e.g. [a, b]).`] },
  {
    name: 'KB_SEARCH_PROVIDER=bad',
    text: q(''),
    env: { KB_SEARCH_PROVIDER: 'bad' },
    expected: [`KB_SEARCH_PROVIDER="bad" is not one of: corpus, tavily, brave, searxng, serper. Set it to one of those, or unset it to use queries.yaml's choice.`],
  },
  {
    name: 'several problems at once',
    text: 'defaults:\n  search: google\nqueries:\n  - id: a\n    question: Q\n    steps: many\n    shedule: 7d\n',
    expected: [
      `${FILE}:2:11: defaults.search: "google" is not a known search provider. ${PROVIDERS}`,
      `${FILE}:6:12: queries[0].steps: must be a number, but is a string ("many").`,
      `${FILE}:7:5: queries[0].shedule: "shedule" is not allowed here (unknown field). Did you mean "schedule"? Rename or remove it. Allowed here: id, question, tags, search, llm, model, steps, maxResults, schedule, verify, read, depth, breadth, maxPages, maxTokens, maxCostUsd, alertThreshold.`,
    ],
  },
];

function errorOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(text, FILE, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message.split('\n');
  }
  throw new Error('expected a ConfigError');
}

describe('a wrong queries.yaml', () => {
  it.each(cases)('$name gives one clear message per problem: file, line, field and what to do', ({ text, env, expected }) => {
    expect(errorOf(text, env)).toEqual(expected);
  });

  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    console.log(`tests/security/config.test.ts: ${cases.length + 2} cases`);
  });

  it('the real CLI prints the messages without a stack trace and exits 1 (kb verify and kb list)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kb-config-'));
    dirs.push(dir);
    await writeFile(path.join(dir, 'queries.yaml'), q('    search: google\n    steps: many\n'));
    const yamlFile = path.join(dir, 'queries.yaml');
    for (const command of ['verify', 'list']) {
      const result = await promisify(execFile)(process.execPath, [KB, command, '--content', dir], { env: { ...process.env, KB_SEARCH_PROVIDER: '' } }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${yamlFile}:4:13: queries[0].search: "google" is not a known search provider. ${PROVIDERS}`);
      expect(result.stderr).toContain(`${yamlFile}:5:12: queries[0].steps: must be a number, but is a string ("many").`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('the real CLI names a bad KB_SEARCH_PROVIDER and lists the valid names', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kb-config-'));
    dirs.push(dir);
    await writeFile(path.join(dir, 'queries.yaml'), q(''));
    const result = await promisify(execFile)(process.execPath, [KB, 'verify', '--content', dir], { env: { ...process.env, KB_SEARCH_PROVIDER: 'bad' } }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('KB_SEARCH_PROVIDER="bad" is not one of: corpus, tavily, brave, searxng, serper.');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
