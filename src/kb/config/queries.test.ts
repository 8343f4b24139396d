import { describe, expect, it } from 'vitest';
import { ConfigError, contextTokensFor, DEFAULT_PRICES, isDue, nextDue, parseConfig, priceFor } from './queries.ts';

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

  it('takes the alert threshold from the query, part by part over the defaults, over the built-in 5% and 1 point', () => {
    const config = parseConfig('defaults:\n  alertThreshold: { points: 2 }\nqueries:\n  - id: a\n    question: A?\n    alertThreshold:\n      relative: 0.1\n  - id: b\n    question: B?\n', FILE);
    expect(config.queries.map((q) => q.alertThreshold)).toEqual([
      { relative: 0.1, points: 2 },
      { relative: 0.05, points: 2 },
    ]);
    expect(parseConfig('queries:\n  - id: a\n    question: A?\n', FILE).queries[0]).not.toHaveProperty('alertThreshold');
    expect(errorOf('queries:\n  - id: a\n    question: A?\n    alertThreshold: { relative: 5 }\n')).toMatch(/queries\[0\]\.alertThreshold\.relative: .*0\.05 is a move of 5%/);
    expect(errorOf('defaults:\n  alertThreshold: { percent: 5 }\nqueries: []\n')).toMatch(/defaults\.alertThreshold\.percent: .*Allowed here: relative, points\./);
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
      `${FILE}:2:3: defaults.shedule: "shedule" is not allowed here (unknown field). Did you mean "schedule"? Rename or remove it. Allowed here: search, llm, model, steps, maxResults, schedule, verify, read, depth, breadth, maxPages, maxTokens, maxCostUsd, alertThreshold, concurrency, prices, models.`,
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

describe('model settings', () => {
  it('gives each model its context window: models: in queries.yaml by name, else the built-in table by family, else 8,192', () => {
    const config = parseConfig(
      `defaults:
  llm: openai
  models:
    llama3.1: { contextTokens: 16384 }
queries:
  - { id: a, question: A?, model: llama3.1 }
  - { id: b, question: B?, model: "qwen2.5:14b" }
  - { id: c, question: C?, model: my-finetune }
  - { id: d, question: D?, llm: anthropic, model: claude-sonnet-4-5 }
  - { id: e, question: E?, llm: extractive }
`,
      FILE,
    );
    expect(config.queries.map((q) => q.contextTokens)).toEqual([16_384, 32_768, 8192, 200_000, undefined]);
    const table = {
      'gpt-4o-mini': 128_000,
      'gpt-4.1-nano-2025-04-14': 1_047_576,
      'gpt-5-mini': 272_000,
      o1: 200_000,
      'o3-mini': 200_000,
      'o1-mini': 128_000,
      'gpt-4': 8192,
      'claude-3-5-haiku-latest': 200_000,
      'deepseek-reasoner': 128_000,
      'gemini-2.5-flash': 1_048_576,
      'meta-llama/Llama-3.3-70B-Instruct': 131_072,
      'llama3.2:3b': 131_072,
      llama3: 8192,
      'Qwen/Qwen2.5-7B-Instruct': 32_768,
      mistral: 32_768,
      'mistral-large-latest': 131_072,
    };
    expect(Object.fromEntries(Object.keys(table).map((m) => [m, contextTokensFor(m)]))).toEqual(table);
    expect(errorOf('defaults:\n  models:\n    llama3.1: { context: 16384 }\nqueries: []\n')).toMatch(/defaults\.models\.llama3\.1\.context: .*Allowed here: contextTokens\./);
  });

  it('prices a model at the built-in price, or at the one queries.yaml sets over it; a dated snapshot as its model; nothing guessed', () => {
    const builtIn = parseConfig('queries: []\n', FILE).prices;
    const configured = parseConfig('defaults:\n  prices:\n    gpt-4o-mini: { input: 1, output: 2 }\n    my-model: { input: 0, output: 0 }\nqueries: []\n', FILE).prices;
    expect(priceFor('gpt-4o-mini', builtIn)).toEqual({ input: 0.15, output: 0.6 });
    expect(priceFor('gpt-4o-mini', configured)).toEqual({ input: 1, output: 2 });
    expect(priceFor('gpt-4o', configured)).toEqual(DEFAULT_PRICES['gpt-4o']);
    expect(priceFor('my-model', configured)).toEqual({ input: 0, output: 0 });
    expect(priceFor('gpt-4o-2024-08-06', builtIn)).toEqual({ input: 2.5, output: 10 });
    expect(priceFor('claude-sonnet-4-5-20250929', builtIn)).toEqual({ input: 3, output: 15 });
    expect(priceFor('claude-3-7-sonnet-latest', builtIn)).toEqual({ input: 3, output: 15 });
    for (const unpriced of ['o3-pro', 'gpt-4o-mini-tts', 'llama3.1', 'constructor', 'toString']) expect(priceFor(unpriced, builtIn), unpriced).toBeUndefined();
    expect(priceFor(undefined, builtIn)).toBeUndefined();
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
