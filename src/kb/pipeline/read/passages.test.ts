import { describe, expect, it } from 'vitest';
import { isBoilerplate, rankPassages, splitPassages, PASSAGE_MAX_CHARS } from './passages.ts';

describe('the boilerplate filter', () => {
  it('drops cookie notices, menus, share bars, subscribe prompts and copyright lines', () => {
    const furniture = [
      'We use cookies to give you the best experience on our website. By continuing to browse you accept our cookie policy.',
      'Accept all',
      'Manage preferences',
      'Home | World | Markets | Energy | Climate',
      'Skip to main content',
      'Share this article: Facebook Twitter Email',
      'Share on LinkedIn',
      'Subscribe to our newsletter for the latest mining news in your inbox.',
      'Sign up for our free daily briefing',
      '© 2025 Northern Mining Ledger. All rights reserved.',
      'Privacy policy · Terms of use',
      'Advertisement',
      'Related stories',
      '5 min read',
    ];
    expect(furniture.filter((line) => !isBoilerplate(line))).toEqual([]);
  });

  it('keeps facts, even facts about cookies, subscribers, shares and copyright', () => {
    const facts = [
      'The Kestrel Valley mine produced 41,300 tonnes of lithium carbonate equivalent in 2024.',
      'Cookie sales rose 4 percent in the quarter to 812 million dollars.',
      'The streaming service gained 9 million subscribers and raised subscription prices by 10 percent.',
      'Share prices fell 3 percent on Tuesday after the results.',
      'The copyright lawsuit was settled for 1.5 billion dollars in September.',
      'Search and rescue teams found 12 survivors after the dam failed near the mine site on Monday morning.',
    ];
    expect(facts.filter((line) => isBoilerplate(line))).toEqual([]);
  });

  it('judges only short lines: a long paragraph that mentions cookies is content', () => {
    const long = `${'The regulator found that consent banners asking users to accept cookies were designed to nudge them. '.repeat(4)}`;
    expect(long.length).toBeGreaterThan(320);
    expect(isBoilerplate(long)).toBe(false);
  });
});

describe('passages', () => {
  it('keeps furniture out, and locates each passage by heading and paragraph', () => {
    const passages = splitPassages([
      { text: 'Home | World | Markets | Energy | Climate' },
      { text: 'The mine produced 41,300 tonnes of lithium carbonate equivalent in 2024, up from 35,900 tonnes in 2023, according to the annual report. The rise came from the second processing line.' },
      { text: 'We use cookies to improve your experience. Accept all', heading: 'Costs' },
      { text: 'All-in sustaining costs fell to 5,200 dollars per tonne, from 6,100 dollars in 2023, as diesel prices eased and the new crusher cut the energy used per tonne of ore by about a fifth.', heading: 'Costs' },
    ]);
    expect(passages.map((p) => p.where)).toEqual(['paragraph 1', 'Costs, paragraph 1']);
    expect(passages.some((p) => /cookies|Markets/.test(p.text))).toBe(false);
  });

  it('joins short paragraphs under one heading and cuts a long one at sentence ends, within 700 characters', () => {
    const sentence = (n: number) => `Sentence ${n} reports that output at site ${n} reached ${n * 1000} tonnes in the year to March.`;
    const long = Array.from({ length: 20 }, (_, i) => sentence(i + 1)).join(' ');
    const passages = splitPassages([
      { text: 'Short note one about the plant, which opened in 2019.', heading: 'History' },
      { text: 'Short note two: it employs 640 people at the site.', heading: 'History' },
      { text: 'Short note three: the owner is a joint venture of two firms.', heading: 'History' },
      { text: long, heading: 'Output' },
    ]);
    expect(passages[0]).toMatchObject({ heading: 'History', paragraph: 1, where: 'History, paragraphs 1–3' });
    const output = passages.filter((p) => p.heading === 'Output');
    expect(output.length).toBeGreaterThan(3);
    for (const p of output) {
      expect(p.text.length).toBeLessThanOrEqual(PASSAGE_MAX_CHARS);
      expect(p.text).toMatch(/^Sentence \d+ .*March\.$/);
      expect(p.where).toBe('Output, paragraph 1');
    }
    expect(output.map((p) => p.text).join(' ')).toBe(long);
  });

  it('ranks the passage that answers the sub-query first, keeps at most the best few, and fills free room with a figure, last', () => {
    const passages = splitPassages(
      [
        'The company was founded in 1998 and listed its shares in Toronto in 2006, after a decade of exploration work across the northern provinces of the country. It has two other projects.',
        'Lithium output at the Kestrel Valley mine reached 41,300 tonnes in 2024, the operator said, after the second processing line came online in April of that year. Both lines now run.',
        'The board approved a dividend of 12 cents a share and said it would review its capital spending plans again in the summer, once the expansion study is finished. The payout is a first.',
        'Costs at the Kestrel Valley mine fell to 5,200 dollars per tonne of lithium carbonate as diesel prices eased and the new crusher used less energy than the old one did.',
        'The annual general meeting will be held in Vancouver on 14 May, and shareholders can vote online or by post until two days before the meeting takes place, the notice said.',
      ].map((text) => ({ text })),
    );
    const ranked = rankPassages(passages, { question: 'What is happening at the Kestrel Valley lithium mine?', subQuery: 'Kestrel Valley lithium output tonnes 2024' });
    // The dividend shares no word with the query; it is kept only because a slot was free and it holds a figure.
    expect(ranked.map((p) => p.text.slice(0, 40))).toEqual(['Lithium output at the Kestrel Valley min', 'Costs at the Kestrel Valley mine fell to', 'The board approved a dividend of 12 cent']);
    expect(ranked[0]!.score).toBeGreaterThan(ranked[1]!.score);
    expect(ranked[2]!.score).toBeLessThan(0.05);
    // No figure, no shared word: the founding and the meeting notice are never kept.
    expect(rankPassages(passages, { question: 'What is happening at the Kestrel Valley lithium mine?' }, 10).map((p) => p.text.slice(0, 15))).not.toContain('The company was');
    const broad = { question: 'Kestrel Valley mine, its shares, dividend and meeting' };
    expect(rankPassages(passages, broad)).toHaveLength(3);
    expect(rankPassages(passages, broad, 1)).toHaveLength(1);
  });

  it('ranks a passage with a figure above one on the same words without, and scores relative to the best', () => {
    const passages = splitPassages(
      [
        'Germanium exports from China have been watched closely by buyers in Europe and Japan since the licensing rules began, traders say, and the market remains tight.',
        'Germanium exports from China fell to 3,870 kilograms in the first half, customs data show, as licences were granted slowly to buyers abroad.',
      ].map((text) => ({ text })),
    );
    const ranked = rankPassages(passages, { question: 'How have germanium exports from China changed?' });
    expect(ranked[0]!.text).toContain('3,870 kilograms');
    expect(ranked[0]!.score).toBe(1);
    expect(ranked[1]!.score).toBeGreaterThan(0);
    expect(ranked[1]!.score).toBeLessThan(1);
  });

  it('keeps the lead passage with score 0 when nothing matches the question', () => {
    const passages = splitPassages([{ text: 'An unrelated report on shipping rates in the Baltic, which rose for the fourth week as ice formed early.' }]);
    expect(rankPassages(passages, { question: 'lithium mine output' })).toEqual([{ ...passages[0], score: 0 }]);
  });
});
