import { cp, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '#kb/config/queries.ts';
import { Session } from '#core/session.ts';
import type { LlmProvider } from '#kb/providers/types.ts';
import { createCorpusSearch } from '#kb/providers/search/corpus/index.ts';
import { writeSession } from '#kb/store/store.ts';
import { runQuery } from './run.ts';
import { rulePlanner } from './planners/rule.ts';
import { createModelPlanner } from './planners/model.ts';
import { extractiveAnalyst } from './analysts/extractive/index.ts';
import { analystPromptHashes, createModelAnalyst } from './analysts/model.ts';
import { methodOf, PIPELINE_VERSION, promptHash } from './method.ts';

const EXAMPLE = fileURLToPath(new URL('../../../content/', import.meta.url));
const quiet = { onWarning: () => {} };

describe('the method stamp of a session', () => {
  let content: string;
  beforeEach(async () => {
    content = await mkdtemp(path.join(os.tmpdir(), 'kb-method-'));
    await cp(path.join(EXAMPLE, 'corpus'), path.join(content, 'corpus'), { recursive: true });
  });
  afterEach(() => rm(content, { recursive: true, force: true }));

  const query = parseConfig('queries:\n  - id: rare-earths\n    question: What is the import dependency of the US on China for rare earths?\n    steps: 3\n', 'queries.yaml').queries[0]!;

  it('is recorded by an offline run, and two identical runs record the same one', async () => {
    const run = async () => {
      const search = await createCorpusSearch({ contentDir: content, ...quiet });
      return runQuery(query, { search, planner: rulePlanner, analyst: extractiveAnalyst, providers: { search: 'corpus', llm: 'extractive', planner: 'rules' } }, { now: () => new Date('2026-12-01T00:00:00Z') });
    };
    const first = await run();
    const second = await run();
    expect(Session.safeParse(first).success).toBe(true);
    expect(first.method).toEqual({ pipeline: PIPELINE_VERSION, package: expect.stringMatching(/^\d+\.\d+\.\d+/), prompts: {}, analyst: 'extractive', corpus: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(second.method).toEqual(first.method);
    expect(second.answer).toEqual(first.answer);
  });

  it('the corpus digest changes when a corpus file changes, and not for a README or a stored session', async () => {
    const digest = async () => (await createCorpusSearch({ contentDir: content, ...quiet })).digest;
    const before = await digest();
    expect(before).toMatch(/^[0-9a-f]{16}$/);
    expect(await digest()).toBe(before);
    await writeFile(path.join(content, 'corpus', 'README.md'), '# What this corpus is\n');
    const search = await createCorpusSearch({ contentDir: content, ...quiet });
    const session = await runQuery(query, { search, planner: rulePlanner, analyst: extractiveAnalyst, providers: {} }, { now: () => new Date('2026-12-01T00:00:00Z') });
    await writeSession(content, session);
    expect(await digest()).toBe(before);
    await appendFile(path.join(content, 'corpus', 'rare-earths', 'new-note.md'), '# A new note\n\nChina supplied 72% of US rare-earth imports in 2024.\n');
    const added = await digest();
    expect(added).not.toBe(before);
    await appendFile(path.join(content, 'corpus', 'rare-earths', 'us-import-reliance.md'), '\nOne more sentence.\n');
    const edited = await digest();
    expect([before, added]).not.toContain(edited);
  });

  it('records the hash of each prompt template a model run uses: planner, follow-up, analyst, and verify when on', () => {
    const llm = { name: 'openai', model: 'gpt-4o-mini' } as unknown as LlmProvider;
    const stages = { planner: createModelPlanner(llm), analyst: createModelAnalyst(llm), search: { name: 'tavily', search: async () => [] } };
    const oneRound = methodOf({ depth: 1 }, stages);
    expect(Object.keys(oneRound.prompts)).toEqual(['planner', 'analyst']);
    const full = methodOf({ depth: 2, verify: true }, stages);
    expect(Object.keys(full.prompts).sort()).toEqual(['analyst', 'follow-up', 'planner', 'verify']);
    for (const hash of Object.values(full.prompts)) expect(hash).toMatch(/^[0-9a-f]{12}$/);
    expect(new Set(Object.values(full.prompts)).size).toBe(4);
    expect(full).toMatchObject({ analyst: 'model', pipeline: PIPELINE_VERSION });
    expect(full.corpus).toBeUndefined();
    // The template is hashed, not the filled-in prompt: another model or question, the same hashes.
    const other = { name: 'anthropic', model: 'claude' } as unknown as LlmProvider;
    expect(methodOf({ depth: 2, verify: true }, { ...stages, planner: createModelPlanner(other), analyst: createModelAnalyst(other) }).prompts).toEqual(full.prompts);
  });

  it('a prompt text change changes its hash', () => {
    const system = 'You are a research planner. Answer with JSON only.';
    expect(promptHash(system)).toBe(promptHash(system));
    expect(promptHash(system)).not.toBe(promptHash(system.replace('JSON only', 'JSON')));
    expect(promptHash(system, { type: 'object' })).not.toBe(promptHash(system, { type: 'array' }));
    // Parts are delimited: moving text from one part to the next is a change too.
    expect(promptHash('ab', 'c')).not.toBe(promptHash('a', 'bc'));
    expect(analystPromptHashes().analyst).toMatch(/^[0-9a-f]{12}$/);
  });
});
