// What every `kb` subcommand shares: its options, how it prints, and the checks and table it
// words the same way. The parser and the dispatch are in src/kb/cli.ts.
import { stat } from 'node:fs/promises';

/** An error the user can act on: printed as one line, no stack trace. */
export class UsageError extends Error {}

export interface Options {
  content: string;
  out: string;
  verbose: boolean;
}

export type Print = (line: string) => void;

export function noExtraArgs(command: string, args: string[]) {
  if (args.length) throw new UsageError(`kb ${command} takes no arguments, got "${args.join(' ')}"`);
}

export async function requireContentDir(dir: string) {
  const stats = await stat(dir).catch(() => undefined);
  if (!stats?.isDirectory()) {
    throw new UsageError(`the content folder ${dir} does not exist. Pass --content DIR, or import a session first: kb import FILE…`);
  }
}

export function formatError(error: unknown, verbose: boolean): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // Node's own wording explains positional arguments at length; the gist is the first sentence.
    return `${error.message.split('. ')[0]}. Run kb --help to see the options.`;
  }
  return verbose && error.stack ? error.stack : error.message;
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Sessions keep the offset their source gave; tables show every time in UTC, comparable. */
export function utc(time: string): string {
  return new Date(time).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
