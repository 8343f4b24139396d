// content/runs.jsonl: one line per query a run attempted — published or failed, when, how long,
// tokens and cost. Append-only, like the sessions: history is never rewritten.
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'astro/zod';

export const RunLogEntry = z.strictObject({
  run: z.string(),
  at: z.iso.datetime({ offset: true }),
  query: z.string(),
  outcome: z.enum(['published', 'failed']),
  /** The session file, relative to the content folder, when published. */
  session: z.string().optional(),
  error: z.string().optional(),
  durationMs: z.number().nonnegative(),
  inputTokens: z.number().int().nonnegative().optional(),
  outputTokens: z.number().int().nonnegative().optional(),
  costUsd: z.number().nonnegative().optional(),
});
export type RunLogEntry = z.infer<typeof RunLogEntry>;

export const runLogPath = (contentDir: string) => path.join(contentDir, 'runs.jsonl');

/** One line per write: O_APPEND keeps concurrent appends of one short line whole. */
export async function appendRunLog(contentDir: string, entry: RunLogEntry): Promise<void> {
  await mkdir(contentDir, { recursive: true });
  const file = runLogPath(contentDir);
  // A run killed mid-write can leave a last line without its newline; start on a fresh line.
  const lead = (await endsWithNewline(file)) ? '' : '\n';
  await appendFile(file, lead + JSON.stringify(RunLogEntry.parse(entry)) + '\n', { flag: 'a' });
}

async function endsWithNewline(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return true; // no file yet
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
    return buffer[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

/** Every entry, oldest first. A line cut short by a crash is skipped, not fatal. */
export async function readRunLog(contentDir: string): Promise<RunLogEntry[]> {
  let text: string;
  try {
    text = await readFile(runLogPath(contentDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries: RunLogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(RunLogEntry.parse(JSON.parse(line)));
    } catch {
      // a partial last line from a killed run: the next run appends after it
    }
  }
  return entries;
}
