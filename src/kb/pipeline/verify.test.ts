// The verify pass end to end: a model analyst on the loopback OpenAI-compatible server writes a
// draft with an unsupported figure; with `verify: true` a second request shows the model that
// claim and why, and the session records what the pass changed and the tokens it used.
import { afterEach, describe, expect, it } from 'vitest';
import { inSequence, sendJson, startLoopback, type Handler, type Loopback } from '#tests/support/loopback.ts';
import type { Query } from '#kb/config/queries.ts';
import { parseConfig } from '#kb/config/queries.ts';
import { createOpenAiChat } from '#kb/providers/llm/openai.ts';
import { createModelAnalyst } from './analysts/model.ts';
import { runQuery } from './run.ts';
import { Session } from '#core/session.ts';
import { groundDraft } from './verify.ts';

const fast = { sleep: async () => {}, timeoutMs: 2000 };
const RESULTS = [
  { title: 'China refines most rare earths', url: 'https://example.org/1', snippet: 'China refines about 90% of the world’s rare earths, the IEA says.' },
  { title: 'Magnet exports fall', url: 'https://example.org/2', snippet: 'Exports of rare-earth magnets to the US fell 11% in November.' },
];
const DRAFT = {
  summary: '- China refines about 90% of rare earths [1].\n- China makes 94% of magnets [1].',
  analysis: '## Findings\n\nMagnet exports to the US fell 11% in November [2]. Exports will rebound by 40% next year [2].',
};
const REVISED = {
  summary: '- China refines about 90% of rare earths [1].\n- China dominates magnet making, though the results give no share for it [1].',
  analysis: '## Findings\n\nMagnet exports to the US fell 11% in November [2].',
  changes: [
    { claim: 1, action: 'revise', text: 'China dominates magnet making, though the results give no share for it [1].' },
    { claim: 2, action: 'drop' },
  ],
};

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function answer(body: unknown, usage = { prompt_tokens: 900, completion_tokens: 300 }): Handler {
  return (_req, res) => sendJson(res, 200, { model: 'llama3.1', choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify(body) }, finish_reason: 'stop' }], usage });
}

const query = (verify: boolean): Query => ({ id: 'q', question: 'How dependent is the US on China for rare earths?', tags: [], schedule: '7d', steps: 1, maxResults: 2, search: 'corpus', llm: 'openai', model: 'llama3.1', read: 0, depth: 1, breadth: 1, budget: { maxPages: 0 }, ...(verify ? { verify: true as const } : {}) });

async function run(verify: boolean, ...handlers: Handler[]) {
  server = await startLoopback(inSequence(...handlers));
  const analyst = createModelAnalyst(createOpenAiChat({ baseUrl: `${server.url}/v1`, model: 'llama3.1', http: fast }));
  const stages = {
    planner: { name: 'test', plan: async () => ({ queries: ['rare earths'] }) },
    search: { name: 'test', search: async () => RESULTS },
    analyst,
    providers: { search: 'test', llm: 'openai', model: 'llama3.1' },
  };
  const session = await runQuery(query(verify), stages, { newId: () => '00000000-0000-4000-8000-000000000001', now: () => new Date('2026-02-01T00:00:00Z') });
  return { session, requests: server.requests };
}

describe('grounding in the pipeline', () => {
  it('records the grounding of what the analyst wrote, with no second request when verify is off', async () => {
    const { session, requests } = await run(false, answer(DRAFT));
    expect(requests).toHaveLength(1);
    expect(Session.parse(session).grounding).toMatchObject({ claims: 4, supported: 2, unsupported: 2, uncited: 0, score: 0.5, citations: { resolved: 4, unresolved: 0 } });
    expect(session.grounding!.verify).toBeUndefined();
    // The analyst is asked to cite with [n], and that figures must be in the cited result.
    const system = (requests[0]!.json as { messages: { content: string }[] }).messages[0]!.content;
    expect(system).toMatch(/Cite every factual claim with the number of the result/);
    expect(system).toMatch(/must cite a result that gives that figure/);
  });

  it('with verify, asks the model about each unsupported claim and records what changed and the tokens it used', async () => {
    const { session, requests } = await run(true, answer(DRAFT), answer(REVISED, { prompt_tokens: 1200, completion_tokens: 250 }));
    expect(requests).toHaveLength(2);
    const messages = (requests[1]!.json as { messages: { role: string; content: string }[]; response_format?: { json_schema: { name: string } } });
    expect(messages.response_format?.json_schema.name).toBe('briefing_revision');
    const user = messages.messages[1]!.content;
    expect(user).toContain('1. China makes 94% of magnets [1].\n   Why: “94%” is not in the cited result [1]');
    expect(user).toContain('2. Exports will rebound by 40% next year [2].\n   Why: “40%” is not in the cited result [2]');
    expect(user).toContain(DRAFT.analysis);
    expect(user).toMatch(/<<<SEARCH_RESULTS [0-9a-f]{16}>>>/);

    expect(session.summary).toBe(REVISED.summary);
    expect(session.analysis).toBe(REVISED.analysis);
    const g = Session.parse(session).grounding!;
    // The revised sentence says less; the check still finds too few of its words in [1], and says so.
    expect(g).toMatchObject({ claims: 3, supported: 2, unsupported: 1 });
    expect(g.verify).toEqual({
      model: 'llama3.1',
      before: { claims: 4, supported: 2, unsupported: 2, uncited: 0, score: 0.5 },
      revised: 1,
      dropped: 1,
      changes: [
        { action: 'revised', before: 'China makes 94% of magnets [1].', after: 'China dominates magnet making, though the results give no share for it [1].' },
        { action: 'dropped', before: 'Exports will rebound by 40% next year [2].' },
      ],
      inputTokens: 1200,
      outputTokens: 250,
    });
    // The pass's tokens count in the session's metrics too.
    expect(session.metrics).toMatchObject({ inputTokens: 2100, outputTokens: 550 });
  });

  it('records a change the model made without being asked, so nothing is hidden', async () => {
    const sneaky = { ...REVISED, summary: '- China refines nearly all rare earths [1].\n- China dominates magnet making, though the results give no share for it [1].' };
    const { session } = await run(true, answer(DRAFT), answer(sneaky));
    const changes = session.grounding!.verify!.changes;
    expect(changes).toContainEqual({ action: 'dropped', before: 'China refines about 90% of rare earths [1].' });
    expect(changes).toContainEqual({ action: 'revised', before: '', after: 'China refines nearly all rare earths [1].' });
  });

  it('keeps the draft and records the failure when the verify pass fails', async () => {
    const broken: Handler = (_req, res) => sendJson(res, 400, { error: { message: 'model overloaded', type: 'invalid_request_error' } });
    const { session } = await run(true, answer(DRAFT), broken);
    expect(session.analysis).toBe(DRAFT.analysis);
    expect(session.grounding!.verify!.error).toMatch(/^the verify pass failed, so the draft was published as written: /);
    expect(session.grounding).toMatchObject({ unsupported: 2, verify: { revised: 0, dropped: 0, changes: [] } });
  });

  it('says so when the analyst cannot revise (the offline one), and does not ask when nothing is unsupported', async () => {
    const steps = [{ id: 'step_0', results: RESULTS }];
    const offline = await groundDraft({ question: 'Q?', steps, draft: DRAFT, verify: true, analyst: { name: 'extractive', analyse: async () => DRAFT } });
    expect(offline.grounding.verify!.error).toMatch(/cannot revise/);
    let asked = 0;
    const clean = await groundDraft({ question: 'Q?', steps, draft: { summary: '', analysis: 'Magnet exports to the US fell 11% in November [2].' }, verify: true, analyst: { revise: async () => (asked++, { ...DRAFT, changes: [] }) } });
    expect(asked).toBe(0);
    expect(clean.grounding.verify).toEqual({ before: { claims: 1, supported: 1, unsupported: 0, uncited: 0, score: 1 }, revised: 0, dropped: 0, changes: [] });
  });
});

describe('verify in queries.yaml', () => {
  const yaml = (text: string) => parseConfig(text, 'queries.yaml');
  it('is off unless set, set by defaults, and overridden per query', () => {
    const config = yaml('defaults:\n  verify: true\nqueries:\n  - id: a\n    question: A?\n  - id: b\n    question: B?\n    verify: false\n');
    expect(config.queries.map((q) => q.verify)).toEqual([true, undefined]);
    expect(yaml('queries:\n  - id: a\n    question: A?\n').queries[0]!.verify).toBeUndefined();
  });
  it('must be true or false, and says where it is wrong', () => {
    expect(() => yaml('queries:\n  - id: a\n    question: A?\n    verify: sometimes\n')).toThrow(/^queries\.yaml:4:13: queries\[0\]\.verify: /);
  });
});
