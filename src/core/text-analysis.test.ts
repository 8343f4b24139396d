import { describe, expect, it } from 'vitest';
import { clip, contentTerms, splitSentences, stem } from './text-analysis.ts';

describe('text analysis helpers', () => {
  it('splits sentences without breaking after abbreviations such as "U.S." or "Nov."', () => {
    expect(splitSentences('The U.S. Geological Survey said imports rose. Exports fell in Nov. 2025 to 582 t. Mr. Smith agreed.')).toEqual([
      'The U.S. Geological Survey said imports rose.',
      'Exports fell in Nov. 2025 to 582 t.',
      'Mr. Smith agreed.',
    ]);
  });

  it('reduces word forms to shared stems, and keeps the country US apart from the pronoun "us"', () => {
    expect(new Set(['refining', 'refinery', 'refineries', 'refined', 'refiners'].map(stem)).size).toBe(1);
    expect(new Set(['imports', 'imported', 'importing', 'import'].map(stem)).size).toBe(1);
    expect(new Set(['battery', 'batteries'].map(stem)).size).toBe(1);
    expect(stem('process')).toBe(stem('processing'));
    expect(contentTerms('What is the import dependency of the US on China? Tell us.')).toEqual(['import', 'dependency', 'usa', 'china']);
    expect(contentTerms('U.S. and USA')).toEqual(['usa', 'usa']);
  });

  it('clips at a word boundary and marks the cut with an ellipsis', () => {
    expect(clip('short text', 400)).toBe('short text');
    expect(clip('alpha beta gamma delta', 14)).toBe('alpha beta…');
  });
});
