// Reading JSON out of a model's answer. APIs that enforce a schema return clean JSON, but many
// local models (and servers that ignore `response_format`) answer with almost-JSON: wrapped in
// code fences or prose, preceded by `<think>` reasoning, with trailing commas or single quotes,
// or cut short. This finds the JSON, repairs it, lets the caller validate it, and asks the model
// once more (quoting the problem) before giving up.
import { jsonrepair } from 'jsonrepair';
import { EmptyAnswerError, stripReasoning } from '#kb/providers/llm/answer.ts';
import { ProviderError, type ChatMessage, type CompletionRequest, type LlmProvider, type Usage } from '#kb/providers/types.ts';

/** The answer had no usable JSON, or the JSON was not what the caller needs. */
export class JsonAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonAnswerError';
  }
}

/** Most bracket positions tried as the start of a JSON value. */
const MAX_STARTS = 40;

/**
 * The JSON values found in `text`, best guess first. Exact JSON comes before repaired JSON: the
 * whole text, fenced blocks, then each balanced `{…}`/`[…]` from left to right; only then are the
 * same pieces repaired (an unbalanced piece runs to the end of the text, so a cut-off answer is
 * closed by the repair). Repairing last matters: jsonrepair reads `{…}\nHope it helps!` as a list
 * of the object and the sentence, while the balanced `{…}` alone is exact JSON.
 */
export function* jsonCandidates(text: string): Generator<unknown> {
  const cleaned = stripReasoning(text.replace(/^\uFEFF/, '')).trim();
  const fences = [...cleaned.matchAll(/```[\w-]*[^\S\n]*\n?([\s\S]*?)(?:```|$)/g)].map((m) => m[1] ?? '');
  const pieces: string[] = [];
  for (let i = 0, starts = 0; i < cleaned.length && starts < MAX_STARTS; i++) {
    if (cleaned[i] !== '{' && cleaned[i] !== '[') continue;
    starts++;
    pieces.push(balancedFrom(cleaned, i));
  }

  const seen = new Set<string>();
  function* exact(source: string): Generator<unknown> {
    const s = source.trim();
    if (!s || seen.has(s)) return;
    seen.add(s);
    try {
      const value: unknown = JSON.parse(s);
      yield value;
      // JSON encoded twice ("{\"queries\": …}") holds the real answer inside the string.
      if (typeof value === 'string') yield* exact(value);
    } catch {
      // not exact JSON; the repair pass may still read it
    }
  }
  const repairedSeen = new Set<string>();
  function* repaired(source: string): Generator<unknown> {
    const s = source.trim();
    // Repair only what looks like an object or a list: jsonrepair would happily turn prose such
    // as "Sorry, I can't" into a list of strings.
    if (!/^[{[]/.test(s) || repairedSeen.has(s)) return;
    repairedSeen.add(s);
    try {
      yield JSON.parse(jsonrepair(s));
    } catch {
      // beyond repair
    }
  }

  for (const source of [cleaned, ...fences, ...pieces]) yield* exact(source);
  for (const source of [...pieces, ...fences, cleaned]) yield* repaired(source);
}

/**
 * The first JSON value in `text` that `accept` takes (it returns the value it wants, or throws
 * saying why not). Throws JsonAnswerError naming the most useful problem found.
 */
export function readModelJson<T>(text: string, accept: (value: unknown) => T): T {
  // The problem reported is the first one found with the most structured value: an object's says
  // more than a list's (a stray `[3]`), and a list's more than a bare string's.
  let problem: string | undefined;
  let problemRank = -1;
  for (const value of jsonCandidates(text)) {
    try {
      return accept(value);
    } catch (error) {
      const rank = Array.isArray(value) ? 1 : typeof value === 'object' && value !== null ? 2 : 0;
      if (rank > problemRank) {
        problem = error instanceof Error ? error.message : String(error);
        problemRank = rank;
      }
    }
  }
  throw new JsonAnswerError(problem ?? 'no JSON found in the answer');
}

export interface JsonCompletion<T> {
  value: T;
  usage?: Usage;
  model: string;
  /** 1, or 2 when the first answer was unusable. */
  attempts: number;
}

export interface CompleteJsonOptions {
  /** Names the job in the final error, e.g. `planner`. */
  task: string;
  /** The shape to ask for again in the follow-up, e.g. `{"queries": ["…"]}`. */
  shape: string;
}

/**
 * Asks for JSON, reads it with `readModelJson`, and if that fails asks once more with a follow-up
 * quoting the problem. Usage is summed over both attempts. Transport and API errors (HTTP, refusals,
 * cut-off answers) are not retried here: fetchJson already retried what retrying can fix.
 */
export async function completeJson<T>(
  llm: LlmProvider,
  request: CompletionRequest,
  accept: (value: unknown) => T,
  options: CompleteJsonOptions,
): Promise<JsonCompletion<T>> {
  let usage: Usage | undefined;
  let messages: ChatMessage[] = request.messages;
  let problem = '';
  let lastText = '';
  for (let attempt = 1; attempt <= 2; attempt++) {
    let text = '';
    try {
      const completion = await llm.complete({ ...request, messages });
      usage = addUsage(usage, completion.usage);
      text = completion.text;
      return { value: readModelJson(text, accept), usage, model: completion.model, attempts: attempt };
    } catch (error) {
      // An empty answer (DeepSeek's JSON mode may blank one out; a reasoning model may stop after
      // thinking) is worth asking again like an unreadable one; every other provider failure is not.
      if (error instanceof EmptyAnswerError) {
        usage = addUsage(usage, error.usage);
        problem = 'the answer was empty';
      } else if (error instanceof JsonAnswerError) {
        problem = error.message;
      } else {
        throw error;
      }
    }
    lastText = text;
    messages = [
      ...request.messages,
      ...(text.trim() ? [{ role: 'assistant' as const, content: clip(text, 4000) }] : []),
      {
        role: 'user',
        content:
          `Your answer could not be used: ${problem}. ` +
          `Reply again with only the JSON object — no prose, no code fences, no comments — in exactly this shape: ${options.shape}`,
      },
    ];
  }
  throw new UnusableAnswerError(
    llm.name,
    `${options.task}: the model's answer could not be read as the expected JSON after 2 attempts (${problem}); the last answer began: "${clip(oneLine(lastText), 120)}". ` +
      'Try a larger or instruction-tuned model, or a server that enforces json_schema',
    usage,
  );
}

/** Both answers were unusable. Carries the tokens they cost, so a failed run can still count them. */
export class UnusableAnswerError extends ProviderError {
  readonly usage?: Usage;
  constructor(provider: string, message: string, usage?: Usage) {
    super(provider, message);
    this.name = 'UnusableAnswerError';
    this.usage = usage;
  }
}

export function addUsage(a: Usage | undefined, b: Usage | undefined): Usage | undefined {
  if (!a) return b ? { ...b } : undefined;
  if (!b) return a;
  return { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };
}

/** From `start` (a `{` or `[`) to its matching close, minding strings; or to the end if it never closes. */
function balancedFrom(text: string, start: number): string {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return text.slice(start, i + 1);
    }
  }
  return text.slice(start);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
