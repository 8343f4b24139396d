import { describe, expect, it } from 'vitest';
import { ConfigError, isDue, nextDue, parseConfig } from './queries.ts';

const FILE = 'content/queries.yaml';
const GOOD = `defaults:
  schedule: 7d
  steps: 4
  search: corpus
  llm: extractive
queries:
  - id: rare-earths
    question: What is the import dependency of the US on China for rare earths?
    tags: [rare-earths, china]
  - id: cobalt
    question: Where does cobalt come from?
    schedule: "0 6 * * 1"
    steps: 6
    llm: openai
    model: gpt-4o-mini
`;

function errorOf(text: string, env = {}): string {
  try {
    parseConfig(text, FILE, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('queries.yaml', () => {
  it('applies the file-wide defaults to each query, and lets a query override them', () => {
    const config = parseConfig(GOOD, FILE);
    expect(config.queries[0]).toEqual({
      id: 'rare-earths',
      question: 'What is the import dependency of the US on China for rare earths?',
      tags: ['rare-earths', 'china'],
      schedule: '7d',
      steps: 4,
      maxResults: 6,
      search: 'corpus',
      llm: 'extractive',
      model: undefined,
      read: 3,
      depth: 2,
      breadth: 2,
      budget: { maxPages: 15 },
    });
    expect(config.queries[1]).toMatchObject({ schedule: '0 6 * * 1', steps: 6, llm: 'openai', model: 'gpt-4o-mini', tags: [] });
    expect(config.concurrency).toBe(8);
  });

  it('takes the research settings (pages read, rounds, follow-ups, budgets) from the query, else the defaults', () => {
    const config = parseConfig('defaults:\n  read: 2\n  maxPages: 8\n  maxTokens: 50000\nqueries:\n  - id: a\n    question: A?\n    depth: 3\n    breadth: 4\n    maxCostUsd: 0.5\n  - id: b\n    question: B?\n    read: 0\n', FILE);
    expect(config.queries.map((q) => ({ read: q.read, depth: q.depth, breadth: q.breadth, budget: q.budget }))).toEqual([
      { read: 2, depth: 3, breadth: 4, budget: { maxPages: 8, maxTokens: 50000, maxCostUsd: 0.5 } },
      { read: 0, depth: 2, breadth: 2, budget: { maxPages: 8, maxTokens: 50000 } },
    ]);
    expect(errorOf('queries:\n  - id: a\n    question: A?\n    depth: 9\n')).toMatch(/queries\[0\]\.depth: 9: too big; must be <=4/);
  });

  it('lets the environment override the providers and model for every query', () => {
    const config = parseConfig(GOOD, FILE, { KB_SEARCH_PROVIDER: 'tavily', KB_LLM_PROVIDER: 'anthropic', KB_LLM_MODEL: 'claude-x' });
    for (const q of config.queries) expect(q).toMatchObject({ search: 'tavily', llm: 'anthropic', model: 'claude-x' });
    expect(errorOf(GOOD, { KB_SEARCH_PROVIDER: 'google' })).toBe('KB_SEARCH_PROVIDER="google" is not one of: corpus, tavily, brave, searxng, serper. Set it to one of those, or unset it to use queries.yaml\'s choice.');
  });

  it('a key in the environment does not switch a provider on', () => {
    const config = parseConfig(GOOD, FILE, { OPENAI_API_KEY: 'sk-test', TAVILY_API_KEY: 'tvly-test' });
    expect(config.queries[0]).toMatchObject({ search: 'corpus', llm: 'extractive' });
  });

  it('names the file, line, column and field of a wrong type', () => {
    const text = GOOD.replace('steps: 6', 'steps: many');
    expect(errorOf(text)).toBe(`${FILE}:13:12: queries[1].steps: must be a number, but is a string ("many").`);
  });

  it('names the line of broken YAML', () => {
    expect(errorOf('queries:\n  - id: a\n    question: [unclosed\n')).toMatch(/^content\/queries\.yaml:\d+:\d+: .+Fix the YAML and run again\.$/);
  });

  it('reports every problem at once: unknown fields, bad ids, bad schedules, missing questions', () => {
    const text = `defaults:
  shedule: 7d
queries:
  - id: Rare Earths
    question: Q1
  - id: b
    question: Q2
    schedule: weekly
  - id: b
    question: Q3
  - id: c
`;
    const lines = errorOf(text).split('\n');
    expect(lines).toEqual([
      `${FILE}:2:3: defaults.shedule: "shedule" is not allowed here (unknown field). Did you mean "schedule"? Rename or remove it. Allowed here: search, llm, model, steps, maxResults, schedule, verify, read, depth, breadth, maxPages, maxTokens, maxCostUsd, concurrency, prices.`,
      `${FILE}:4:9: queries[0].id: "Rare Earths": must be lowercase letters, digits and single hyphens (it names the folder and the URL).`,
      `${FILE}:8:15: queries[1].schedule: "weekly" is neither an interval (30m, 12h, 7d, 2w) nor a valid cron expression (minute hour day month weekday, UTC, e.g. "0 6 * * 1").`,
      `${FILE}:11:5: queries[3].question: is missing; it is required (text).`,
    ]);
  });

  it('refuses two queries with the same id, pointing at the second', () => {
    const text = 'queries:\n  - id: b\n    question: Q2\n  - id: b\n    question: Q3\n';
    expect(errorOf(text)).toBe(`${FILE}:4:9: queries[1].id: "b" is already the id of queries[0]; ids must be unique: give this query its own id.`);
  });

  it('refuses a file without a query list', () => {
    expect(errorOf('defaults: {}\n')).toBe(`${FILE}:1:1: queries: is missing; it is required (a list, e.g. [a, b]).`);
  });
});

describe('when a query is due', () => {
  const last = new Date('2026-01-05T06:00:00Z'); // a Monday

  it('is due at once when it has never succeeded', () => {
    expect(nextDue('7d', undefined)).toBeUndefined();
    expect(isDue('7d', undefined, last)).toBe(true);
  });

  it('is due an interval after its last success', () => {
    expect(nextDue('7d', last)?.toISOString()).toBe('2026-01-12T06:00:00.000Z');
    expect(nextDue('12h', last)?.toISOString()).toBe('2026-01-05T18:00:00.000Z');
    expect(nextDue('2w', last)?.toISOString()).toBe('2026-01-19T06:00:00.000Z');
    expect(isDue('7d', last, new Date('2026-01-12T05:59:59Z'))).toBe(false);
    expect(isDue('7d', last, new Date('2026-01-12T06:00:00Z'))).toBe(true);
  });

  it('is due at the next cron time (UTC) after its last success', () => {
    expect(nextDue('0 6 * * 1', last)?.toISOString()).toBe('2026-01-12T06:00:00.000Z');
    expect(nextDue('30 7 * * *', last)?.toISOString()).toBe('2026-01-05T07:30:00.000Z');
  });
});
