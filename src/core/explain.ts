// The one zod error formatter: plain-words explanations of zod issues and YAML positions, shared
// by queries.yaml loading, `kb verify`, `kb import` and the session reader, so every command
// words the same problem the same way: what is wrong with a field, and what to do about it.
import { isMap, isPair, isScalar, type Node } from 'yaml';
import type { z } from 'astro/zod';

type Issue = z.core.$ZodIssue;

/** `queries[1].steps`, `steps[0].results[2].url`; `(top level)` for the whole document. */
export function fieldName(p: readonly PropertyKey[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${String(k)}`)).join('') || '(top level)';
}

/** Where in the document a field is: its value (or key), or the nearest existing parent when it is missing. */
export function offsetOf(root: Node | null, p: readonly PropertyKey[], prefer: 'key' | 'value'): number {
  let node: unknown = root;
  let offset = (root as Node | null)?.range?.[0] ?? 0;
  for (const [i, key] of p.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
      if (!pair) break;
      const last = i === p.length - 1;
      offset = (last && prefer === 'value' && (pair.value as Node | null)?.range?.[0]) || ((pair.key as Node).range?.[0] ?? offset);
      node = pair.value;
    } else if (node && typeof node === 'object' && 'items' in node && typeof key === 'number') {
      node = (node as { items: unknown[] }).items[key];
      if (!node) break;
      offset = (node as Node).range?.[0] ?? offset;
    } else break;
  }
  return offset;
}

/** The value at a path of plain data, or undefined. */
export function valueAt(data: unknown, p: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of p) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') return kindOf(value);
  return String(value);
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list, e.g. [a, b]',
  object: 'a mapping of fields',
};

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length]!;
}

export function didYouMean(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

export interface ExplainContext {
  /** The parsed data the issue is about (for the value that was found). */
  data: unknown;
  /** The fields allowed in the mapping at a path, for unknown-key messages. */
  knownKeys?: (path: readonly PropertyKey[]) => readonly string[] | undefined;
  /** What a value of an enum field is called, e.g. "search provider". */
  enumNoun?: (path: readonly PropertyKey[]) => string | undefined;
}

/**
 * One sentence (or two) per issue: what is wrong, in words, and what to write instead. An
 * unrecognized-keys issue gives one line per key, so the result is a list.
 */
export function explainIssue(issue: Issue, ctx: ExplainContext): Array<{ path: PropertyKey[]; key?: boolean; text: string }> {
  const path = [...issue.path];
  const value = valueAt(ctx.data, path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = ctx.knownKeys?.(path) ?? [];
      return issue.keys.map((key) => {
        const guess = didYouMean(key, known);
        const hint = guess ? `Did you mean "${guess}"? ` : '';
        const list = known.length ? ` Allowed here: ${known.join(', ')}.` : '';
        return { path: [...path, key], key: true, text: `"${key}" is not allowed here (unknown field). ${hint}Rename or remove it.${list}` };
      });
    }
    case 'invalid_type': {
      if (value === undefined) return [{ path, text: `is missing; it is required (${EXPECTED[issue.expected] ?? issue.expected}).` }];
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return [{ path, text: `must be ${expected}, but is ${kindOf(value)} (${shown(value)}).${issue.expected === 'string' && value !== null && typeof value !== 'object' ? ' Put the value in quotes if it is meant as text.' : ''}` }];
    }
    case 'invalid_value': {
      const noun = ctx.enumNoun?.(path) ?? 'value';
      const allowed = issue.values.map(String);
      const guess = typeof value === 'string' ? didYouMean(value, allowed) : undefined;
      return [{ path, text: `${shown(value)} is not a known ${noun}. Use one of: ${allowed.join(', ')}.${guess ? ` Did you mean "${guess}"?` : ''}` }];
    }
    case 'invalid_format':
      if (issue.format === 'datetime') return [{ path, text: `${shown(value)} is not an ISO date-time with a time zone. Write it like 2026-01-27T05:52:47Z.` }];
      return [{ path, text: `${shown(value)}: ${issue.message}.` }];
    case 'too_small':
    case 'too_big':
      return [{ path, text: `${shown(value)}: ${issue.message.replace(/^Too (small|big): expected (\w+) to (have|be) /, (_m, size: string, _t: string, verb: string) => `too ${size}; must ${verb} `)}.` }];
    default:
      return [{ path, text: /[.!?]$/.test(issue.message) ? issue.message : `${issue.message}.` }];
  }
}

export interface Explained {
  path: PropertyKey[];
  /** The problem is the key itself (an unknown field), not its value. */
  key?: boolean;
  text: string;
}

/** Every issue of a zod error, explained; unknown fields one line each. */
export function explainIssues(error: z.ZodError, ctx: ExplainContext): Explained[] {
  return error.issues.flatMap((issue) => explainIssue(issue, ctx));
}

/** `steps[0].url: must be text, but is a number (3).`: a problem as one line naming its field. */
export const issueLine = (e: Explained): string => `${fieldName(e.path)}: ${e.text}`;

/**
 * The fields a zod object schema allows at a path of its data (through arrays, optionals and
 * defaults), for "Allowed here:" and "Did you mean": so one schema gives the hints at any depth.
 */
export function knownKeysIn(schema: z.ZodType): (path: readonly PropertyKey[]) => readonly string[] | undefined {
  return (path) => {
    let node: unknown = schema;
    for (const key of [...path, undefined]) {
      // Unwrap optionals, nullables and defaults (an array's unwrap() is its element: not here).
      for (let i = 0; i < 8 && node && typeof node === 'object' && !('element' in node) && 'unwrap' in node && typeof node.unwrap === 'function'; i++) node = node.unwrap();
      if (key === undefined) break;
      if (typeof key === 'number' && node && typeof node === 'object' && 'element' in node) node = node.element;
      else if (typeof key === 'string' && node && typeof node === 'object' && 'shape' in node) node = (node.shape as Record<string, unknown>)[key];
      else return undefined;
    }
    return node && typeof node === 'object' && 'shape' in node ? Object.keys(node.shape as object) : undefined;
  };
}
