import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '#kb/cli.ts';
import { listSessions } from '#kb/store/store.ts';
import { sessionToMdx } from '#kb/store/mdx.ts';
import { extractiveAnalyst } from '#kb/pipeline/analysts/extractive/index.ts';
import { PIPELINE_VERSION } from '#kb/pipeline/method.ts';
import { checkPipeline, type CheckReport } from './check.ts';
import { runDue } from './run.ts';

const EXAMPLE = fileURLToPath(new URL('../../../content/', import.meta.url));

const QUERIES = `defaults:
  schedule: 7d
  steps: 3
queries:
  - id: rare-earths
    question: What is the import dependency of the US on China for rare earths?
    tags: [test]
  - id: cobalt
    question: How concentrated is cobalt supply in the Democratic Republic of the Congo?
    tags: [test]
  - id: never-run
    question: What share of graphite anodes comes from China?
    tags: [test]
  - id: on-the-web
    question: How much lithium does Chile export?
    tags: [test]
    search: tavily
`;

describe('kb check: the offline questions run again, compared with their newest sessions', () => {
  // Two runs of the two offline questions: the newest session of each built on the first.
  let seeded: string;
  let content: string;
  beforeAll(async () => {
    seeded = await mkdtemp(path.join(os.tmpdir(), 'kb-check-seed-'));
    await cp(path.join(EXAMPLE, 'corpus'), path.join(seeded, 'corpus'), { recursive: true });
    await writeFile(path.join(seeded, 'queries.yaml'), QUERIES);
    for (const day of ['2026-11-01T06:00:00Z', '2026-11-08T06:00:00Z']) await runDue({ contentDir: seeded, env: {}, only: ['rare-earths', 'cobalt'], notify: false, now: () => new Date(day) });
  }, 60_000);
  afterAll(() => rm(seeded, { recursive: true, force: true }));
  beforeEach(async () => {
    content = await mkdtemp(path.join(os.tmpdir(), 'kb-check-'));
    await cp(seeded, content, { recursive: true });
    return () => rm(content, { recursive: true, force: true });
  });

  const check = async (...args: string[]) => {
    const out: string[] = [];
    const code = await main(['check', '--content', content, ...args], (l) => out.push(l), (l) => out.push(l));
    return { code, out: out.join('\n') };
  };
  const byId = (report: CheckReport, id: string) => report.questions.find((q) => q.id === id)!;

  it('identical: every offline question gives what its newest session says, and it exits 0', async () => {
    const { code, out } = await check();
    expect(out).toMatch(/^rare-earths: same as briefings\/rare-earths\/2026-11-08-[0-9a-f]+\.mdx$/m);
    expect(out).toMatch(/^cobalt: same as briefings\/cobalt\/2026-11-08-/m);
    expect(out).toMatch(/^checked 4 questions in [\d.]+ s \(pipeline \d+\): the same 2, changed 0, skipped 2$/m);
    expect(code).toBe(0);
    // Nothing is written: the content folder is as it was.
    expect((await listSessions(content)).length).toBe(4);
    expect(await readFile(path.join(content, 'runs.jsonl'), 'utf8')).toBe(await readFile(path.join(seeded, 'runs.jsonl'), 'utf8'));
  });

  it('a question without sessions, or that searches the web, is skipped with a line saying why', async () => {
    const { out } = await check();
    expect(out).toContain('never-run: skipped, no session yet: nothing to compare with (kb run writes one)');
    expect(out).toContain('on-the-web: skipped, searches tavily, not the offline corpus: only offline questions can be run again exactly');
  });

  it('an edited corpus: reports that the corpus changed, with the figure old → new, and exits 1', async () => {
    const file = path.join(content, 'corpus', 'rare-earths', 'us-import-reliance.md');
    await writeFile(file, (await readFile(file, 'utf8')).replace('was about 80% in 2024', 'was about 83% in 2024'));
    const { code, out } = await check('--query', 'rare-earths');
    expect(code).toBe(1);
    expect(out).toMatch(/^rare-earths: CHANGED from briefings\/rare-earths\/\S+: the corpus changed since this session was written \(digest [0-9a-f]{16} → [0-9a-f]{16}\)$/m);
    expect(out).toMatch(/^ {2}figure .*: 80% \(2024\) \[\d+\] → 83% \(2024\) \[\d+\]$/m);
    expect(out).toMatch(/^ {2}text: the summary differs$/m);
    const { out: json } = await check('--query', 'rare-earths', '--json');
    expect(JSON.parse(json)).toMatchObject({ drift: true, changed: 1, questions: [{ id: 'rare-earths', outcome: 'changed', cause: 'corpus' }] });
  });

  it('a change in the code with the same method stamp (another analyst behaviour): reported as a change without a version bump', async () => {
    const report = await checkPipeline({
      contentDir: content,
      env: {},
      stages: (_query, stages) => ({
        ...stages,
        analyst: {
          name: 'extractive',
          async analyse(question, steps) {
            const analysis = await extractiveAnalyst.analyse(question, steps);
            return { ...analysis, answer: analysis.answer && { ...analysis.answer, figures: analysis.answer.figures.map((f, i) => (i === 0 ? { ...f, value: f.value + 1 } : f)) } };
          },
        },
      }),
    });
    expect(report.drift).toBe(true);
    for (const id of ['rare-earths', 'cobalt']) {
      expect(byId(report, id)).toMatchObject({ outcome: 'changed', cause: 'code-same-method' });
      expect(byId(report, id).attribution).toBe(`the code changed (same method stamp, pipeline ${PIPELINE_VERSION}): a change in behaviour without a version bump; if it is meant, bump PIPELINE_VERSION in src/kb/pipeline/method.ts`);
      expect(byId(report, id).differences!.some((d) => /^figure .* → /.test(d))).toBe(true);
    }
  });

  it('a session written by another pipeline version: its drift is the code, named with the versions', async () => {
    // As if the stored session had been written by pipeline 99 and said something else.
    const { path: file, session } = (await listSessions(content)).find((s) => s.session.querySlug === 'cobalt')!;
    const older = { ...session, method: { ...session.method!, pipeline: 99 }, answer: { ...session.answer!, text: `${session.answer!.text} An older sentence.` } };
    await writeFile(file, sessionToMdx(older));
    const report = await checkPipeline({ contentDir: content, env: {}, only: ['cobalt'] });
    expect(byId(report, 'cobalt')).toMatchObject({ outcome: 'changed', cause: 'code', attribution: `the code changed since this session was written (pipeline 99 → ${PIPELINE_VERSION})` });
    expect(byId(report, 'cobalt').differences).toEqual([expect.stringMatching(/^answer: “.*An older sentence\.” → “.*”$/)]);
    // A session with no method at all (an older pipeline) is drift of the code too.
    const { method: _m, ...unstamped } = older;
    await writeFile(file, sessionToMdx(unstamped));
    const again = await checkPipeline({ contentDir: content, env: {}, only: ['cobalt'] });
    expect(byId(again, 'cobalt').attribution).toBe(`the code changed since this session was written: it records no method (an older pipeline); now pipeline ${PIPELINE_VERSION}`);
  });
});
