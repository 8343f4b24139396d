// A planner that asks a model to split the question into N searchable sub-queries.
import type { LlmProvider } from '#kb/providers/types.ts';
import { completeJson } from '#kb/pipeline/parse-json.ts';
import { clip } from '#core/text-analysis.ts';
import type { FollowUp, FollowUpRequest, Plan, Planner } from '#kb/pipeline/types.ts';
import { readTexts } from './follow-up.ts';
import { promptHash } from '#kb/pipeline/method.ts';

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

/** The planner's user message. */
const planUser = (question: string, n: number) => `Research question: ${question.trim()}\n\nWrite exactly ${n} sub-quer${n === 1 ? 'y' : 'ies'}. Answer with only this JSON: ${SHAPE}`;

/** The follow-up planner's user message. */
const followUpUser = (question: string, asked: string[], read: string[], count: number) =>
  `Research question: ${question.trim()}\n\nAlready searched:\n${asked.map((q) => `- ${q}`).join('\n')}\n\nWhat the pages said (excerpts):\n${read.join('\n') || '(nothing)'}\n\nWrite at most ${count} follow-up sub-quer${count === 1 ? 'y' : 'ies'}, or none if the question is answered. Answer with only this JSON: ${FOLLOW_UP_SHAPE}`;

let hashes: Record<string, string> | undefined;
/** The hashes of the planner's prompt templates (system, user message with placeholders, JSON schema), for `method.prompts`. */
export function plannerPromptHashes(): Record<string, string> {
  return (hashes ??= {
    planner: promptHash(SYSTEM, planUser('{question}', 2), planUser('{question}', 1), PLAN_SCHEMA),
    'follow-up': promptHash(FOLLOW_UP_SYSTEM, followUpUser('{question}', ['{query}'], ['[1] {excerpt}'], 2), followUpUser('{question}', [], [], 1), FOLLOW_UP_SCHEMA),
  });
}

export function createModelPlanner(llm: LlmProvider): Planner {
  return {
    name: `model:${llm.name}`,
    prompts: plannerPromptHashes(),
    async plan(question: string, steps: number, signal?: AbortSignal): Promise<Plan> {
      const n = Math.max(1, Math.floor(steps));
      const { value, usage } = await completeJson(
        llm,
        {
          messages: [
            { role: 'system', content: SYSTEM },
            {
              role: 'user',
              content: planUser(question, n),
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
    async followUp(request: FollowUpRequest) {
      const asked = request.steps.map((s) => s.query).filter(Boolean);
      const read = readTexts(request.steps).flatMap((texts, i) => texts.slice(0, 2).map((t) => `[${i + 1}] ${clip(t, 300)}`)).slice(0, 24);
      const since = request.previous ? request.previous.generatedAt.slice(0, 10) : undefined;
      const { value, usage } = await completeJson(
        llm,
        {
          messages: [
            { role: 'system', content: FOLLOW_UP_SYSTEM },
            {
              role: 'user',
              content: followUpUser(request.question, asked as string[], read, request.count),
            },
          ],
          json: { name: 'follow_ups', schema: FOLLOW_UP_SCHEMA },
          signal: request.signal,
        },
        readFollowUps,
        { task: 'planner', shape: FOLLOW_UP_SHAPE },
      );
      // What may have changed since the last briefing is asked first, whatever the model says.
      const queries: FollowUp[] = since ? [{ query: `${fitToCount([], 1, request.question)[0]} latest`, reason: `what may have changed since the last briefing (${since})`, since }] : [];
      const seen = new Set([...asked, ...queries.map((q) => q.query)].map((q) => q!.toLowerCase()));
      for (const f of value) if (!seen.has(f.query.toLowerCase())) queries.push(f);
      return { queries: queries.slice(0, request.count), ...(usage ? { usage } : {}) };
    },
  };
}

const FOLLOW_UP_SYSTEM = [
  'You are a research planner. A first round of web searches has been read; you choose what to search next.',
  'Ask about gaps (what the question needs that the excerpts do not answer, such as a missing figure or date)',
  'and leads (a named plant, agency, company, report or figure the excerpts raise that no search has covered).',
  'Each sub-query is a searchable phrase of at most 12 words; each reason says in a few plain words why it is asked.',
  'Answer with JSON only.',
].join(' ');

const FOLLOW_UP_SHAPE = '{"queries": [{"query": "sub-query", "reason": "why it is asked"}]}';

export const FOLLOW_UP_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: {
    queries: {
      type: 'array',
      items: { type: 'object', properties: { query: { type: 'string' }, reason: { type: 'string' } }, required: ['query', 'reason'], additionalProperties: false },
    },
  },
  required: ['queries'],
  additionalProperties: false,
};

/** Follow-ups in a parsed answer; an empty list is a valid answer (the question is answered). */
export function readFollowUps(value: unknown): FollowUp[] {
  const list = Array.isArray(value) ? value : (value as { queries?: unknown } | null)?.queries;
  if (!Array.isArray(list)) throw new Error('expected a JSON object with a "queries" list');
  const out: FollowUp[] = [];
  for (const item of list) {
    const query = queryText(item);
    if (!query) continue;
    const reason = typeof (item as { reason?: unknown })?.reason === 'string' ? clip((item as { reason: string }).reason.replace(/\s+/g, ' ').trim(), 200) : '';
    out.push({ query, reason: reason ? `follow-up: ${reason}` : 'a follow-up the model asked' });
  }
  return out;
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
