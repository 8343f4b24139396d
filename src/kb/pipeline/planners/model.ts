// A planner that asks a model to split the question into N searchable sub-queries.
import type { LlmProvider } from '#kb/providers/types.ts';
import { completeJson } from '#kb/pipeline/parse-json.ts';
import type { Plan, Planner } from '#kb/pipeline/types.ts';

const SYSTEM = [
  'You are a research planner. You split a research question into web-search sub-queries.',
  'Each sub-query is a distinct, searchable phrase of at most 12 words that covers a different facet of the question',
  '(for example: current figures, causes, key actors, policy responses, outlook).',
  'Write them as a search engine query, not as a sentence to a person. No numbering, no quotes, no explanations.',
  'Answer with JSON only.',
].join(' ');

const SHAPE = '{"queries": ["first sub-query", "second sub-query"]}';

export const PLAN_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: {
    queries: { type: 'array', items: { type: 'string' }, description: 'The sub-queries, one per search step.' },
  },
  required: ['queries'],
  additionalProperties: false,
};

/** Extra facets used only when the model gave fewer distinct sub-queries than asked for. */
const PADDING = ['latest data and statistics', 'background and causes', 'policy and regulation', 'expert analysis', 'outlook and forecasts', 'criticism and risks'];

export function createModelPlanner(llm: LlmProvider): Planner {
  return {
    name: `model:${llm.name}`,
    async plan(question: string, steps: number, signal?: AbortSignal): Promise<Plan> {
      const n = Math.max(1, Math.floor(steps));
      const { value, usage } = await completeJson(
        llm,
        {
          messages: [
            { role: 'system', content: SYSTEM },
            {
              role: 'user',
              content: `Research question: ${question.trim()}\n\nWrite exactly ${n} sub-quer${n === 1 ? 'y' : 'ies'}. Answer with only this JSON: ${SHAPE}`,
            },
          ],
          json: { name: 'research_plan', schema: PLAN_SCHEMA },
          signal,
        },
        readQueries,
        { task: 'planner', shape: `${SHAPE} with exactly ${n} items` },
      );
      return { queries: fitToCount(value, n, question), ...(usage ? { usage } : {}) };
    },
  };
}

const LIST_KEYS = ['queries', 'sub_queries', 'subqueries', 'subQueries', 'sub-queries', 'search_queries', 'searchQueries'];

/** The sub-queries in a parsed answer: `{"queries": [...]}` (or a known synonym) or a bare list. */
export function readQueries(value: unknown): string[] {
  let list: unknown;
  if (Array.isArray(value)) list = value;
  else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const key = LIST_KEYS.find((k) => Array.isArray(record[k]));
    if (key) list = record[key];
    else {
      const arrays = Object.values(record).filter(Array.isArray);
      if (arrays.length === 1) list = arrays[0];
    }
  }
  if (!Array.isArray(list)) throw new Error('expected a JSON object with a "queries" list of strings');
  const queries = dedupe(list.map(queryText).filter((q): q is string => !!q));
  if (!queries.length) throw new Error('the "queries" list has no non-empty strings');
  return queries;
}

/** A string, or an object like `{"query": "…"}` that small models sometimes write instead. */
function queryText(item: unknown): string | undefined {
  let text: unknown = item;
  if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
    const record = item as Record<string, unknown>;
    text = record.query ?? record.text ?? record.q ?? record.sub_query;
  }
  if (typeof text !== 'string') return undefined;
  const cleaned = text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^(?:\d{1,2}[.):]|[-*•])\s+/, '') // "1. ", "2) ", "- "
    .replace(/^["'“”‘’]+|["'“”‘’]+$/g, '')
    .trim();
  return cleaned ? cleaned.slice(0, 300) : undefined;
}

function dedupe(queries: string[]): string[] {
  const seen = new Set<string>();
  return queries.filter((q) => {
    const key = q.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Exactly `n` queries: extra ones cut; missing ones filled from the question itself. */
export function fitToCount(queries: string[], n: number, question: string): string[] {
  const base = question.replace(/\s+/g, ' ').trim();
  const filled = dedupe([...queries, base, ...PADDING.map((facet) => `${base} ${facet}`)]);
  // dedupe keeps order, so the model's own queries come first.
  const result = filled.slice(0, n);
  for (let i = 0; result.length < n; i++) result.push(`${base} (${i + 1})`);
  return result;
}
