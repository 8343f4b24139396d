import { describe, expect, it } from 'vitest';
import { STOP_WORDS } from '#core/text-analysis.ts';
import { coreTerms, planQueries, rulePlanner } from './rule.ts';

const QUESTIONS = [
  'What is the import dependency of the US on China for rare earths?',
  'How have China\'s export controls on gallium and germanium affected supply and prices?',
  'How concentrated is cobalt supply in the Democratic Republic of the Congo, and what are the risks?',
  'Is lithium refining capacity outside China growing fast enough to meet battery demand?',
  'Which countries depend most on Taiwan for advanced semiconductors?',
  'How fast is grid-scale battery storage growing in Europe?',
  'Tell me about heat pumps',
  'What policy response has the EU taken on critical raw materials?',
];

describe('rulePlanner', () => {
  it('gives the requested number of distinct, short sub-queries for questions of every shape', async () => {
    for (const question of QUESTIONS) {
      for (let steps = 1; steps <= 8; steps++) {
        const { queries } = await rulePlanner.plan(question, steps);
        expect(queries, question).toHaveLength(steps);
        expect(new Set(queries.map((q) => q.toLowerCase())).size, question).toBe(steps);
        for (const query of queries) {
          expect(query.split(' ').length, query).toBeLessThanOrEqual(12);
          expect(query, query).not.toMatch(/[?]/);
          expect(query.trim(), query).toBe(query);
        }
      }
    }
    expect(rulePlanner.name).toBe('rules');
  });

  it('starts with the core topic: the question without interrogatives and stop words, acronyms kept', async () => {
    const { queries } = await rulePlanner.plan('What is the import dependency of the US on China for rare earths?', 4);
    expect(queries[0]).toBe('import dependency US China rare earths');
    expect(coreTerms('How fast is grid-scale battery storage growing in Europe?')).toEqual(['fast', 'grid-scale', 'battery', 'storage', 'growing', 'Europe']);
    for (const word of queries[0]!.split(' ')) expect(STOP_WORDS.has(word) && word !== 'US').toBe(false);
  });

  it('chooses facets by the cues in the question, and falls back to generic ones', () => {
    const dependency = planQueries('What is the import dependency of the US on China for rare earths?', 5);
    expect(dependency).toEqual([
      'import dependency US China rare earths',
      'US China rare earths import share statistics',
      'US China rare earths supply chain processing capacity',
      'US China rare earths latest data',
      'US China rare earths policy response',
    ]);

    const growth = planQueries('How fast is grid-scale battery storage growing in Europe?', 4);
    expect(growth[1]).toBe('grid-scale battery storage Europe growth rate forecast');
    expect(growth).toContain('grid-scale battery storage Europe capacity additions pipeline');

    const controls = planQueries("How have China's export controls on gallium and germanium affected supply and prices?", 4);
    expect(controls.slice(1)).toEqual([
      "China's gallium germanium export controls licensing timeline",
      "China's gallium germanium price trends",
      "China's gallium germanium trade flows and prices after restrictions",
    ]);

    const plain = planQueries('Tell me about heat pumps', 5);
    expect(plain).toEqual(['heat pumps', 'heat pumps latest data', 'heat pumps policy response', 'heat pumps risks and constraints', 'heat pumps outlook forecast']);
  });

  it('does not repeat a word the facet already says, and keeps topic words that are also cues', () => {
    const policy = planQueries('What policy response has the EU taken on critical raw materials?', 3);
    expect(policy[0]).toBe('policy response EU taken critical raw materials');
    expect(policy.every((q, i) => i === 0 || !/policy response.*policy response/.test(q))).toBe(true);
    // "refining" and "outside" name the topic here, so facet queries keep them.
    const lithium = planQueries('Is lithium refining capacity outside China growing fast enough to meet battery demand?', 3);
    expect(lithium[1]).toMatch(/^lithium refining outside China battery /);
  });

  it('clamps the step count to 1–8 and copes with questions that have no topic words', () => {
    expect(planQueries('What is it?', 0)).toHaveLength(1);
    expect(planQueries('What is it?', 20)).toHaveLength(8);
    expect(new Set(planQueries('What is it?', 8)).size).toBe(8);
    expect(planQueries('Rare earths', Number.NaN)).toHaveLength(4);
  });

  it('is deterministic', async () => {
    for (const question of QUESTIONS) {
      const a = await rulePlanner.plan(question, 6);
      const b = await rulePlanner.plan(question, 6);
      expect(b).toEqual(a);
    }
  });
});
