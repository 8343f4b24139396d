import { describe, expect, it } from 'vitest';
import type { Step } from '#core/session.ts';
import { contentTerms } from '#core/text-analysis.ts';
import { leads, ruleFollowUps } from './follow-up.ts';

const QUESTION = 'What is the import dependency of the US on China for rare earths?';
const step = (query: string, texts: string[]): Step => ({ id: 's', query, results: texts.map((t, i) => ({ title: `r${i}`, passages: [{ text: t }] })) });

describe('rule follow-ups', () => {
  it('asks about a name several pages raise that no query has asked about, most widely named first', () => {
    const steps = [
      step('import dependency US China rare earths', [
        'The Mountain Pass mine in California ships concentrate abroad. The USGS estimates net import reliance at 80% in 2024.',
        'Mountain Pass restarted separation in 2023, and the Defense Production Act funded a magnet plant.',
      ]),
    ];
    const follow = ruleFollowUps({ question: QUESTION, steps, count: 2 });
    expect(follow[0]).toEqual({ query: 'Mountain Pass import dependency US China rare earths', reason: 'a lead the pages raised: Mountain Pass (named by 2 sources)' });
    expect(follow[1]!.reason).toMatch(/^a lead the pages raised: (USGS|Defense Production Act) \(named by 1 source\)$/);
  });

  it('asks for figures when the question wants one and nothing read gives one', () => {
    const steps = [step('import dependency US China rare earths', ['China dominates the processing of these elements, officials said.'])];
    expect(ruleFollowUps({ question: QUESTION, steps, count: 5 })).toEqual([{ query: 'import dependency US China rare earths statistics', reason: 'a gap: nothing read so far gives a figure' }]);
    const withFigure = [step('import dependency US China rare earths', ['Net import reliance was 80% in 2024.'])];
    expect(ruleFollowUps({ question: QUESTION, steps: withFigure, count: 5 })).toEqual([]);
  });

  it('asks first what changed since the previous briefing, with its date as the search filter', () => {
    const follow = ruleFollowUps({ question: QUESTION, steps: [step('q', ['US net import reliance was 80% in 2024.'])], count: 3, previous: { generatedAt: '2026-11-27T05:17:00Z' } });
    expect(follow[0]).toEqual({ query: 'import dependency US China rare earths latest', reason: 'what may have changed since the last briefing (2026-11-27)', since: '2026-11-27' });
  });

  it('never repeats a query already asked, nor treats the question’s own words, sentence starts or dates as leads', () => {
    const steps = [
      step('Mountain Pass import dependency US China rare earths', ['Mountain Pass grew. In January the United States said China exports fell. However, Rare Earths stocks rose 80% in 2024.']),
    ];
    const follow = ruleFollowUps({ question: QUESTION, steps, count: 5 });
    expect(follow.map((f) => f.query)).not.toContain('Mountain Pass import dependency US China rare earths');
    expect(leads([['In January the United States said China exports fell. However, Rare Earths stocks rose.']], new Set(contentTerms(QUESTION)))).toEqual([]);
    expect(ruleFollowUps({ question: QUESTION, steps, count: 0 })).toEqual([]);
  });

  it('is deterministic: the same steps give the same follow-ups', () => {
    const steps = [step('q', ['Lynas Rare Earths and MP Materials expand. The IEA and the USGS publish data.'])];
    expect(ruleFollowUps({ question: QUESTION, steps, count: 4 })).toEqual(ruleFollowUps({ question: QUESTION, steps, count: 4 }));
  });
});
