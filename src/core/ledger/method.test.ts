import { describe, expect, it } from 'vitest';
import type { KeyFigure, Method, Session } from '#core/session.ts';
import { compareSessions, LEDGER_VERSION } from './index.ts';
import { Ledger } from './schema.ts';

const METHOD: Method = { pipeline: 1, package: '0.1.0', prompts: {}, analyst: 'extractive', corpus: 'aaaaaaaaaaaaaaaa' };
const PROVIDERS = { search: 'corpus', llm: 'extractive', planner: 'rules' };
const FIGURE: KeyFigure = { label: 'US net import reliance on rare earth compounds', value: 74, unit: '%', asOf: '2023', cite: 1 };

/** A session side: an answer with one figure, results at https://example.org/<tag>/i. */
function side(id: string, value: number, method: Method | undefined, tags: string[] = ['a', 'b']): Pick<Session, 'id' | 'summary' | 'answer' | 'steps' | 'method' | 'providers'> {
  return {
    id,
    answer: { text: `The United States relies on imports for ${value}% of its rare earth compounds [1].`, figures: [{ ...FIGURE, value }] },
    steps: [{ id: 's1', results: tags.map((t) => ({ title: `Result ${t}`, url: `https://example.org/${t}` })) }],
    providers: PROVIDERS,
    ...(method ? { method } : {}),
  };
}

describe('the ledger says whether the method changed', () => {
  it('says the method changed, and what, when the pipeline version and a prompt differ; the first material reason says so', () => {
    const before = side('old', 74, { ...METHOD, prompts: { analyst: '111111111111' } });
    const after = side('new', 80, { ...METHOD, pipeline: 2, prompts: { analyst: '222222222222' } });
    const ledger = compareSessions(before, after);
    expect(Ledger.safeParse(ledger).success).toBe(true);
    expect(ledger.version).toBe(LEDGER_VERSION);
    expect(ledger.method).toMatchObject({ status: 'changed', changes: ['pipeline 1 → 2', 'analyst prompt'], newSources: 0 });
    // No source is new: the change is the method's, not the world's, and the reasons say that first.
    expect(ledger.method!.note).toMatch(/^The method changed since the previous session \(pipeline 1 → 2, analyst prompt\) and no source is new: what changed comes from the method, not from new evidence\.$/);
    expect(ledger.material).toBe(true);
    expect(ledger.reasons[0]).toBe(ledger.method!.note);
    expect(ledger.reasons.slice(1).some((r) => r.includes('74% (2023) [1] → 80% (2023) [1]'))).toBe(true);
  });

  it('says a change may come from either when the method changed and sources are new too', () => {
    const ledger = compareSessions(side('old', 74, METHOD), side('new', 80, { ...METHOD, pipeline: 2 }, ['a', 'b', 'c']));
    expect(ledger.method).toMatchObject({ status: 'changed', changes: ['pipeline 1 → 2'], newSources: 1 });
    expect(ledger.method!.note).toContain('and 1 source is new: a change may come from either');
  });

  it('takes an edited corpus as new evidence, not as a change of method', () => {
    // The desk revised a document: the same URLs, other words. That is the world changing.
    const edited = compareSessions(side('old', 74, METHOD), side('new', 80, { ...METHOD, corpus: 'bbbbbbbbbbbbbbbb' }));
    expect(edited.method).toEqual({ status: 'same', changes: [], newSources: 0 });
    expect(edited.reasons.join('\n')).not.toMatch(/method/i);
    // With a method change as well, the note says either may have moved the answer.
    const both = compareSessions(side('old', 74, METHOD), side('new', 80, { ...METHOD, pipeline: 2, corpus: 'bbbbbbbbbbbbbbbb' }));
    expect(both.method!.note).toBe('The method changed since the previous session (pipeline 1 → 2), and the corpus was edited: a change may come from either.');
  });

  it('names a change of provider or model even when the previous session records no method', () => {
    const before = { ...side('old', 74, undefined), providers: { search: 'corpus', llm: 'openai', model: 'gpt-4o-mini', planner: 'model:openai' } };
    const after = { ...side('new', 74, METHOD), providers: { search: 'corpus', llm: 'openai', model: 'gpt-4o', planner: 'model:openai' } };
    expect(compareSessions(before, after).method).toMatchObject({ status: 'changed', changes: ['model gpt-4o-mini → gpt-4o'] });
  });

  it('says nothing of the method when only the evidence changed: same method, a figure moved', () => {
    const ledger = compareSessions(side('old', 74, METHOD), side('new', 80, METHOD, ['a', 'b', 'c']));
    expect(ledger.method).toEqual({ status: 'same', changes: [], newSources: 1 });
    expect(ledger.material).toBe(true);
    expect(ledger.reasons.join('\n')).not.toMatch(/method/i);
  });

  it('calls it unknown, not changed, when the previous session records no method (an older session)', () => {
    const ledger = compareSessions(side('old', 74, undefined), side('new', 80, METHOD));
    expect(ledger.method).toMatchObject({ status: 'unknown', changes: [] });
    expect(ledger.method!.note).toBe('The previous session does not record how it was made, so whether the method changed is unknown.');
    expect(ledger.reasons.join('\n')).not.toMatch(/method changed/);
  });

  it('a prompt a stage starts or stops using is named as such', () => {
    const ledger = compareSessions(side('old', 74, { ...METHOD, prompts: { planner: 'aaaaaaaaaaaa' } }), side('new', 74, { ...METHOD, prompts: { 'follow-up': 'bbbbbbbbbbbb' } }));
    expect(ledger.method!.changes).toEqual(['follow-up prompt (new)', 'planner prompt (no longer used)']);
    expect(ledger.material).toBe(false);
  });
});
