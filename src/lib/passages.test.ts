import { describe, expect, it } from 'vitest';
import type { Result, Step } from '#core/session.ts';
import { budgetLine, citationNotes, figureValue, quoteKey, readStatus, roundLabel, sourceReadings } from './passages.ts';

const step = (results: Result[], extra: Partial<Step> = {}): Step => ({ id: 'step_0', results, ...extra });
const r = (over: Partial<Result> = {}): Result => ({ title: 't', url: 'https://e.example/', ...over });

describe('readStatus', () => {
  it('says in plain words whether the page was read, and what stood in for it', () => {
    expect(readStatus(undefined, true)).toBeUndefined();
    expect(readStatus({ status: 'read', kind: 'pdf', chars: 12400 }, true)).toEqual({ text: 'Read the page (PDF, 12,400 characters).', tone: 'ok' });
    expect(readStatus({ status: 'read', kind: 'html' }, true)!.text).toBe('Read the page (web page).');
    expect(readStatus({ status: 'read' }, true)!.text).toBe('Read the page.');
    expect(readStatus({ status: 'read', chars: 1, note: 'only the first 40 pages.' }, true)!.text).toBe('Read the page (1 character). Only the first 40 pages.');
    expect(readStatus({ status: 'read', kind: 'provided', chars: 940 }, true)!.text).toBe('Read the text the search provider returned with this result (940 characters).');
    expect(readStatus({ status: 'snippet', note: 'timed out' }, true)).toEqual({ text: 'The page could not be read (timed out); the search snippet is used.', tone: 'warn' });
    expect(readStatus({ status: 'snippet' }, false)!.text).toBe('The page could not be read; only its title is known.');
    expect(readStatus({ status: 'skipped', note: 'over the page budget' }, true)).toEqual({ text: 'The page was not opened (over the page budget); the search snippet is used.', tone: 'info' });
  });
});

describe('sourceReadings: each quote once on the page', () => {
  it('leaves a version 1 result as it was: no status, no passages, the snippet shown', () => {
    const readings = sourceReadings([step([r({ snippet: 'A snippet.' }), r({ snippet: ' ' }), r()])]);
    expect([...readings.values()]).toEqual([
      { status: undefined, passages: [], showSnippet: true },
      { status: undefined, passages: [], showSnippet: true },
      { status: undefined, passages: [], showSnippet: false },
    ]);
  });

  it('drops a passage repeated within a page, and links one another card already quotes', () => {
    const a = 'Shipments of gallium from China fell by half in a month.';
    const readings = sourceReadings([
      step([r({ passages: [{ text: a, where: 'p 3' }, { text: `  ${a.toUpperCase()}  ` }, { text: 'Other words entirely, long enough.' }] })]),
      step([r({ passages: [{ text: `“${a}”`, where: 'Effects' }, { text: '' }] })], { id: 'step_1' }),
    ]);
    expect(readings.get(1)!.passages.map((p) => [p.id, p.text])).toEqual([
      ['kb-passage-1-1', a],
      ['kb-passage-1-3', 'Other words entirely, long enough.'],
    ]);
    expect(readings.get(2)!.passages).toEqual([{ text: `“${a}”`, where: 'Effects', id: 'kb-passage-2-1', sameAs: { n: 1, id: 'kb-passage-1-1' } }]);
  });

  it('shows a snippet once: inside the passage that holds it (with its marks), or instead of a differently written copy', () => {
    const snippet = 'China accounted for 71% of EU gallium imports in 2023.';
    // The passage holds the snippet as written (but for its full stop): shown there, marks and all.
    const holds = sourceReadings([step([r({ snippet, passages: [{ text: `In short, ${snippet.slice(0, -1)}, down from 80%.` }] })])], () => [{ start: 0, end: 5 }]).get(1)!;
    expect(holds.showSnippet).toBe(false);
    expect(holds.passages[0]!.snippet).toEqual({ at: 10, length: snippet.length - 1 });
    // The same words written differently, and the snippet carries marks: the snippet shows them.
    const marked = sourceReadings([step([r({ snippet, passages: [{ text: snippet.replace(/ /g, '  ') }] })])], () => [{ start: 0, end: 5 }]).get(1)!;
    expect(marked).toMatchObject({ showSnippet: true, passages: [] });
    // Unmarked: the passage (with where) shows them.
    const plain = sourceReadings([step([r({ snippet, passages: [{ text: snippet.replace(/ /g, '  '), where: 'Table 2' }] })])]).get(1)!;
    expect(plain).toMatchObject({ showSnippet: false, passages: [{ where: 'Table 2' }] });
    expect(plain.passages[0]!.snippet).toBeUndefined();
    // A mark past the part of the snippet the passage holds: both are kept, so the mark's id stays.
    const past = sourceReadings([step([r({ snippet, passages: [{ text: `${snippet.slice(0, -1)}!` }] })])], () => [{ start: 0, end: snippet.length }]).get(1)!;
    expect(past.showSnippet).toBe(true);
    // A short snippet is merged only when it is the whole passage.
    expect(sourceReadings([step([r({ snippet: 'Yes.', passages: [{ text: 'Yes.' }] })])]).get(1)!.passages[0]!.snippet).toEqual({ at: 0, length: 3 });
  });
});

describe('citationNotes', () => {
  it('describes each cited result with passages by its best passage, clipped, with where', () => {
    const long = 'word '.repeat(100).trim();
    const notes = citationNotes([step([r({ passages: [{ text: ' ' }, { text: 'Best  passage.', where: ' Net import reliance ' }] }), r(), r({ passages: [{ text: long }] })])]);
    expect(notes.get(1)).toBe('“Best passage.” (Net import reliance)');
    expect(notes.has(2)).toBe(false);
    expect(notes.get(3)!.length).toBeLessThan(250);
    expect(notes.get(3)!.endsWith('…”')).toBe(true);
  });

  it('passes over what a malformed session holds', () => {
    expect(citationNotes(null as unknown as Step[]).size).toBe(0);
    expect(citationNotes([{ id: 's', results: [null, { title: 'x', passages: [{ text: 7 }] }] }, { id: 't' }] as unknown as Step[]).size).toBe(0);
  });
});

describe('round, budget and figures in words', () => {
  it('labels a step by its round and reason', () => {
    expect(roundLabel({})).toBeUndefined();
    expect(roundLabel({ round: 1, reason: 'the question itself' })).toEqual({ round: 'Round 1 — first search', reason: 'the question itself' });
    expect(roundLabel({ round: 2, reason: '  ' })).toEqual({ round: 'Round 2 — follow-up', reason: undefined });
  });

  it('says what the run spent, of what, and what stopped it', () => {
    expect(budgetLine(undefined)).toBeUndefined();
    expect(budgetLine({ maxPages: 8, maxTokens: 120000, maxCostUsd: 0.5, rounds: 2, pagesRead: 4, stoppedBy: 'no-new-sources' })).toEqual({
      text: 'Read 4 of at most 8 pages in 2 rounds; stopped when a round found no new sources.',
      limits: 'Limits: 120,000 tokens, $0.50.',
    });
    expect(budgetLine({ rounds: 1, pagesRead: 1 })).toEqual({ text: 'Read 1 page in 1 round; finished within its budget.', limits: undefined });
    expect(budgetLine({ maxPages: 3, rounds: 3, pagesRead: 3, stoppedBy: 'pages' })!.text).toBe('Read 3 of at most 3 pages in 3 rounds; stopped when the page budget ran out.');
  });

  it('writes a figure as the source wrote it, else with its unit', () => {
    expect(figureValue({ value: 71, unit: '%', text: 'about 71%' })).toBe('about 71%');
    expect(figureValue({ value: 50, unit: '%', text: 'by half' })).toBe('by half (50%)');
    expect(figureValue({ value: 12, unit: 't' })).toBe('12 t');
    expect(figureValue({ value: 1600000, unit: '' })).toBe('1,600,000');
    expect(figureValue({ value: 0.25, unit: '%', text: '  ' })).toBe('0.25%');
  });

  it('compares quotes without white space, case, quotation marks or final punctuation', () => {
    expect(quoteKey('  “Imports  FELL…”  ')).toBe('imports fell');
    expect(quoteKey('Imports fell.')).toBe(quoteKey('imports fell'));
  });
});
