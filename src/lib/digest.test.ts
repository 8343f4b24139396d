import { describe, expect, it } from 'vitest';
import { sessionMeta } from '#kb/store/catalog.ts';
import { claimReason, figureReason, DEFAULT_THRESHOLD, LEDGER_VERSION } from '#core/ledger/index.ts';
import type { Ledger, LedgerClaim, LedgerFigure } from '#core/ledger/schema.ts';
import type { Session } from '#core/session.ts';
import { digestCounts, digestFeedItems, digestSummary, digestWindow, weekDigest, windowText, type DigestBriefing } from './digest.ts';
import { jsonFeed } from './feeds.ts';

const HOSTILE = '<script>alert(1)</script> & "quotes" \u0007bell';

function session(slug: string, id: string, generatedAt: string, ledger?: Ledger): Session {
  return {
    id, query: `Question ${slug}?`, querySlug: slug, generatedAt, analysis: 'x', tags: ['t'], status: 'complete',
    steps: [{ id: 'step_0', results: [{ title: 'a', url: 'https://a.example/' }, { title: 'b', url: 'https://b.example/' }] }],
    ...(ledger ? { ledger } : {}),
  };
}
/** A briefing as the site holds it: the catalog's summary of the session. */
function briefing(s: Session): DigestBriefing {
  const meta = sessionMeta(s);
  return { meta, url: `/q/${s.querySlug}/${s.generatedAt.slice(0, 10)}-${s.id}/`, time: Date.parse(s.generatedAt) };
}
const ledger = (previous: string, figures: LedgerFigure[], claims: LedgerClaim[] = [], note?: string): Ledger => {
  const reasons = [...figures.filter((f) => f.material).map(figureReason), ...claims.filter((c) => c.material).map(claimReason)];
  return { version: LEDGER_VERSION, previous, threshold: DEFAULT_THRESHOLD, figures, claims, material: reasons.length > 0, reasons, ...(note ? { note } : {}) };
};
const share = (before: number, after: number, material: boolean, label = 'Share of imports from China'): LedgerFigure => ({
  status: 'changed', label, unit: '%', before: { value: before, asOf: '2023', cite: 1 }, after: { value: after, text: `about ${after}%`, asOf: '2024', cite: 2 },
  delta: after - before, relative: (after - before) / before, material,
});
const unchanged = (label = 'Recycled gallium'): LedgerFigure => ({ status: 'unchanged', label, unit: 't', before: { value: 12 }, after: { value: 12 }, delta: 0, relative: 0, material: false });
const newClaim = (text: string): LedgerClaim => ({ status: 'new', text, material: true });
const droppedClaim = (text: string): LedgerClaim => ({ status: 'dropped', text, material: true });
const reworded: LedgerClaim = { status: 'unchanged', text: 'China still refines most gallium.', before: { text: 'Most gallium is still refined in China.' }, material: false };

/** Two questions and a third with a rewording only; the newest briefing is on 2026-04-06. */
function knowledgeBase() {
  return [
    session('gallium', 'g1', '2026-03-02T06:00:00Z'),
    session('gallium', 'g2', '2026-03-31T06:00:00Z', ledger('g1', [share(71, 74, false), unchanged()])),
    session('gallium', 'g3', '2026-04-06T06:00:00Z', ledger('g2', [share(74, 80, true), unchanged()], [newClaim('A refinery restarted [2].'), reworded])),
    session('lithium', 'l1', '2026-03-01T06:00:00Z'),
    session('lithium', 'l2', '2026-04-02T09:00:00Z', ledger('l1', [{ status: 'new', label: 'Lithium price', unit: 'USD/t', after: { value: 13000, cite: 1 }, material: false }], [droppedClaim('Prices will double.')])),
    session('cobalt', 'c1', '2026-03-01T06:00:00Z'),
    session('cobalt', 'c2', '2026-04-03T06:00:00Z', ledger('c1', [unchanged('Cobalt output')], [reworded])),
  ].map(briefing);
}

describe('the digest window', () => {
  it('is the 7 UTC days up to and including the newest briefing’s day, whatever the clock says', () => {
    const w = digestWindow(knowledgeBase())!;
    expect(w).toEqual({ from: '2026-03-31', to: '2026-04-06', start: Date.parse('2026-03-31T00:00:00Z'), end: Date.parse('2026-04-07T00:00:00Z'), days: 7 });
    expect(windowText(w)).toBe('2026-03-31 to 2026-04-06');
  });

  it('includes a briefing at 00:00 UTC of the first day and leaves out one a millisecond earlier', () => {
    const list = [
      session('a', 'a0', '2026-03-01T00:00:00Z'),
      session('a', 'a1', '2026-03-30T23:59:59.999Z', ledger('a0', [share(10, 20, true)])),
      session('a', 'a2', '2026-03-31T00:00:00Z', ledger('a1', [share(20, 30, true)])),
      session('b', 'b0', '2026-04-06T23:59:59Z'),
    ].map(briefing);
    const d = weekDigest(list);
    expect(d.window!.from).toBe('2026-03-31');
    expect(d.entries.map((e) => e.id)).toEqual(['b0', 'a2']);
  });

  it('has no window, no entries and says so for an empty knowledge base', () => {
    const d = weekDigest([]);
    expect(d.window).toBeUndefined();
    expect(d.entries).toEqual([]);
    expect(digestSummary(d)).toBe('No briefings yet.');
    expect(digestCounts(d)).toBe('No briefings yet.');
  });
});

describe('the digest of a week', () => {
  it('lists each briefing that changed its answer, newest first, grouped by question with the newest change first', () => {
    const d = weekDigest(knowledgeBase());
    expect(d.entries.map((e) => e.id)).toEqual(['g3', 'l2', 'g2']);
    expect(d.questions.map((q) => [q.slug, q.entries.map((e) => e.id)])).toEqual([
      ['gallium', ['g3', 'g2']],
      ['lithium', ['l2']],
    ]);
    expect(d.questions.map((q) => [q.url, q.material, q.isNew])).toEqual([
      ['/q/gallium/', true, false],
      ['/q/lithium/', true, false],
    ]);
  });

  it('leaves out a briefing whose ledger found only rewording, and counts it', () => {
    const d = weekDigest(knowledgeBase());
    expect(d.questions.some((q) => q.slug === 'cobalt')).toBe(false);
    expect(d.counts).toEqual({ briefings: 4, changed: 3, material: 2, first: 0, unchanged: 1, uncompared: 0 });
    expect(digestSummary(d)).toBe(
      '2026-03-31 to 2026-04-06 (UTC), the 7 days up to the newest briefing: 3 briefings changed the answer (2 materially); 1 briefing found the same figures and claims (not listed).',
    );
  });

  it('words a moved figure old → new with the briefings’ dates and the move, and links each citation to its source card', () => {
    const g3 = weekDigest(knowledgeBase()).entries[0]!;
    expect(g3.previous).toEqual({ id: 'g2', date: '2026-03-31', url: '/q/gallium/2026-03-31-g2/' });
    expect(g3.date).toBe('2026-04-06');
    expect(g3.url).toBe('/q/gallium/2026-04-06-g3/');
    expect(g3.questionUrl).toBe('/q/gallium/');
    expect(g3.figures).toEqual([
      {
        status: 'changed', label: 'Share of imports from China', unit: '%', material: true,
        before: { shown: '74%', asOf: '2023', cite: 1, citeUrl: '/q/gallium/2026-03-31-g2/#kb-source-1' },
        after: { shown: 'about 80%', asOf: '2024', cite: 2, citeUrl: '/q/gallium/2026-04-06-g3/#kb-source-2' },
        move: '+6 points',
        text: 'Share of imports from China: 74% (2023) [1] → 80% (2024) [2], +6 points',
      },
    ]);
  });

  it('links no citation past the briefing’s results, nor to a previous briefing that is not on the site', () => {
    const list = [session('a', 'a2', '2026-04-06T06:00:00Z', ledger('gone', [{ ...share(10, 20, true), before: { value: 10, cite: 1 }, after: { value: 20, cite: 9 } }]))].map(briefing);
    const [e] = weekDigest(list).entries;
    expect(e!.previous).toBeUndefined();
    expect(e!.figures[0]!.before).toEqual({ shown: '10%', cite: 1 });
    expect(e!.figures[0]!.after).toEqual({ shown: '20%', cite: 9 });
  });

  it('puts material changes first, flagged, and then the rest; claims in the ledger’s own words, counted by kind', () => {
    const list = [
      session('a', 'a1', '2026-04-01T06:00:00Z'),
      session('a', 'a2', '2026-04-06T06:00:00Z', ledger('a1', [share(50, 50.5, false, 'Small move'), share(10, 20, true, 'Big move')], [newClaim('One [1].'), droppedClaim('Two [2].')])),
    ].map(briefing);
    const [e] = weekDigest(list).entries;
    expect(e!.material).toBe(true);
    expect(e!.figures.map((f) => [f.label, f.material])).toEqual([['Big move', true], ['Small move', false]]);
    expect(e!.claims).toEqual(['New claim: “One [1].”', 'Dropped claim: “Two [2].”']);
    expect(e!.claimCounts).toEqual({ new: 1, changed: 0, dropped: 1 });
    expect(e!.lines).toEqual(['Big move: 10% (2023) [1] → 20% (2024) [2], +10 points', 'New claim: “One [1].”', 'Dropped claim: “Two [2].”', 'Small move: 50% (2023) [1] → 50.5% (2024) [2], +0.5 points']);
    expect(e!.headline).toBe(e!.lines[0]);
  });

  it('tells a figure’s reason from a claim’s by the figure’s label when the ledger words it otherwise', () => {
    const worded = { ...ledger('a1', [share(10, 20, true, 'Big move')]), reasons: ['Big move: about 10% → 20%', 'a new main claim'] };
    const list = [session('a', 'a1', '2026-04-01T06:00:00Z'), session('a', 'a2', '2026-04-06T06:00:00Z', worded)].map(briefing);
    const [e] = weekDigest(list).entries;
    expect(e!.claims).toEqual(['a new main claim']);
    expect(e!.claimCounts).toEqual({ new: 0, changed: 0, dropped: 0 });
    expect(e!.lines).toEqual(['Big move: 10% (2023) [1] → 20% (2024) [2], +10 points', 'a new main claim']);
  });

  it('says first, apart from the claims, that a material change was made another way than the briefing before', () => {
    const note = 'The method changed since the previous session (model a → b) and no source is new: what changed comes from the method, not from new evidence.';
    const base = ledger('a1', [share(10, 20, true, 'Big move')], [newClaim('One [1].')]);
    const withMethod: Ledger = { ...base, version: 2, reasons: [note, ...base.reasons], method: { status: 'changed', changes: ['model a → b'], newSources: 0, note } };
    const list = [session('a', 'a1', '2026-04-01T06:00:00Z'), session('a', 'a2', '2026-04-06T06:00:00Z', withMethod)].map(briefing);
    const d = weekDigest(list);
    const [e] = d.entries;
    expect(e!.method).toBe(note);
    expect(e!.claims).toEqual(['New claim: “One [1].”']);
    expect(e!.headline).toBe('Big move: 10% (2023) [1] → 20% (2024) [2], +10 points');
    expect(digestFeedItems(d, undefined)[0]!.description.split('\n').slice(0, 2)).toEqual(['Since the briefing of 2026-04-01, materially:', note]);
    // "Unknown" (the previous session records no method) is not news.
    const unknown: Ledger = { ...base, version: 2, method: { status: 'unknown', changes: [], newSources: 0, note: 'The previous session does not record how it was made, so whether the method changed is unknown.' } };
    expect(weekDigest([list[0]!, briefing(session('a', 'a2', '2026-04-06T06:00:00Z', unknown))]).entries[0]!.method).toBeUndefined();
  });

  it('lists a question’s first briefing as such, and counts, without listing, a briefing with no ledger or one that could not compare', () => {
    const list = [
      session('new', 'n1', '2026-04-05T06:00:00Z'),
      session('old', 'o1', '2026-01-01T06:00:00Z'),
      session('old', 'o2', '2026-04-04T06:00:00Z'),
      session('old', 'o3', '2026-04-06T06:00:00Z', ledger('o2', [], [], 'The previous session has no answer or summary to compare with.')),
    ].map(briefing);
    const d = weekDigest(list);
    expect(d.entries.map((e) => [e.id, e.kind, e.headline])).toEqual([['n1', 'first', 'First briefing on this question']]);
    expect(d.questions[0]!.isNew).toBe(true);
    expect(d.counts).toEqual({ briefings: 3, changed: 0, material: 0, first: 1, unchanged: 0, uncompared: 2 });
    expect(digestSummary(d)).toBe(
      '2026-03-31 to 2026-04-06 (UTC), the 7 days up to the newest briefing: 1 question had its first briefing; 2 briefings had no comparison with the one before (not listed).',
    );
  });

  it('says so when nothing changed in the week', () => {
    const list = [session('a', 'a1', '2026-03-01T06:00:00Z'), session('a', 'a2', '2026-04-06T06:00:00Z', ledger('a1', [unchanged()], [reworded]))].map(briefing);
    const d = weekDigest(list);
    expect(d.entries).toEqual([]);
    expect(digestSummary(d)).toBe('2026-03-31 to 2026-04-06 (UTC), the 7 days up to the newest briefing: no answer changed; 1 briefing ran, all with the same figures and claims as before.');
    expect(digestCounts(d)).toBe('No answer changed; 1 briefing ran, all with the same figures and claims as before.');
    expect(digestFeedItems(d, undefined)).toEqual([]);
  });

  it('is the same whatever order the briefings come in', () => {
    const list = knowledgeBase();
    expect(weekDigest([...list].reverse())).toEqual(weekDigest(list));
  });
});

describe('the digest’s feed items', () => {
  it('gives one item per listed briefing, newest first, titled by the question and its first change, linking the briefing', () => {
    const items = digestFeedItems(weekDigest(knowledgeBase()), 'https://example.org');
    expect(items.map((i) => [i.id, i.title, i.link])).toEqual([
      ['changes-g3', 'Question gallium? — Share of imports from China: 74% (2023) [1] → 80% (2024) [2], +6 points (and 1 more)', 'https://example.org/q/gallium/2026-04-06-g3/'],
      ['changes-l2', 'Question lithium? — Dropped claim: “Prices will double.” (and 1 more)', 'https://example.org/q/lithium/2026-04-02-l2/'],
      ['changes-g2', 'Question gallium? — Share of imports from China: 71% (2023) [1] → 74% (2024) [2], +3 points', 'https://example.org/q/gallium/2026-03-31-g2/'],
    ]);
    expect(items[0]!.description).toBe('Since the briefing of 2026-03-31, materially:\n- Share of imports from China: 74% (2023) [1] → 80% (2024) [2], +6 points\n- New claim: “A refinery restarted [2].”');
    expect(items[0]!.pubDate.toISOString()).toBe('2026-04-06T06:00:00.000Z');
    const dates = items.map((i) => i.pubDate.getTime());
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
  });

  it('keeps hostile labels and claims as plain text, without the characters XML 1.0 forbids', () => {
    const list = [
      session('a', 'a1', '2026-04-01T06:00:00Z'),
      session('a', 'a2', '2026-04-06T06:00:00Z', ledger('a1', [share(10, 20, true, `Label ${HOSTILE}`)], [newClaim(`Claim ${HOSTILE}`)])),
    ].map(briefing);
    const d = weekDigest(list);
    // The page gets the text as it is (Astro escapes it); the feeds get plain text.
    expect(d.entries[0]!.figures[0]!.label).toBe(`Label ${HOSTILE}`);
    const [item] = digestFeedItems(d, undefined);
    expect(item!.title).toContain('Label <script>alert(1)</script> & "quotes" bell');
    expect(item!.description).toContain('New claim: “Claim <script>alert(1)</script> & "quotes" bell”');
    expect(item!.title + item!.description).not.toContain('\u0007');
    expect(item!.link).toBe('/q/a/2026-04-06-a2/');
    const feed = JSON.parse(JSON.stringify(jsonFeed([item!], { title: 'T', description: 'D', homePageUrl: '/digest/', feedUrl: '/digest.json' })));
    expect(feed.items[0].content_text).toBe(item!.description);
  });

  it('clips a long headline in the title and says how many more changes there are', () => {
    const long = 'x'.repeat(400);
    const list = [session('a', 'a1', '2026-04-01T06:00:00Z'), session('a', 'a2', '2026-04-06T06:00:00Z', ledger('a1', [share(10, 20, true, long), share(1, 2, true, 'Other')]))].map(briefing);
    const [item] = digestFeedItems(weekDigest(list), undefined);
    expect(item!.title.length).toBeLessThan(220);
    expect(item!.title).toMatch(/x… \(and 1 more\)$/);
  });
});
