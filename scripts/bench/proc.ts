// Runs a command as a child process and measures it: wall time, and the peak resident memory of
// the whole process tree (Astro may start workers; Pagefind is a separate binary), sampled from
// /proc every 100 ms. Output is kept in memory and shown only when the command fails.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface Measured {
  ms: number;
  peakRss: number;
  /** The peak of each program's own RSS (summed over its processes), e.g. node and pagefind. */
  peakByProgram: Record<string, number>;
  output: string;
}

/** A command failed: the message holds its exit status and the last lines of its output. */
export class CommandError extends Error {}

function parentOf(pid: string): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses; fields after it do not.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
  } catch {
    return undefined;
  }
}

function programOf(pid: string): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  } catch {
    return '?';
  }
}

function rssBytes(pid: string): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The summed RSS of `root` and all its descendants right now, in all and per program. */
export function treeRss(root: number): { total: number; byProgram: Map<string, number> } {
  const children = new Map<string, string[]>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const parent = parentOf(pid);
    if (parent) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  let total = 0;
  const byProgram = new Map<string, number>();
  const queue = [String(root)];
  while (queue.length) {
    const pid = queue.pop()!;
    const rss = rssBytes(pid);
    total += rss;
    const program = programOf(pid);
    byProgram.set(program, (byProgram.get(program) ?? 0) + rss);
    queue.push(...(children.get(pid) ?? []));
  }
  return { total, byProgram };
}

export function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

export async function runMeasured(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; label: string }): Promise<Measured> {
  const started = performance.now();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    // Enough to explain a failure; a 10,000-page build logs a line per page.
    if (output.length > 4_000_000) output = output.slice(-2_000_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let peakRss = 0;
  const peakByProgram: Record<string, number> = {};
  const sample = () => {
    if (!child.pid) return;
    const now = treeRss(child.pid);
    peakRss = Math.max(peakRss, now.total);
    for (const [program, rss] of now.byProgram) peakByProgram[program] = Math.max(peakByProgram[program] ?? 0, rss);
  };
  const timer = setInterval(sample, 100);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status, signal) => resolve(signal ? -1 : status));
  }).finally(() => clearInterval(timer));
  const ms = performance.now() - started;
  if (code !== 0) throw new CommandError(`${options.label} failed (exit ${code}): ${command} ${args.join(' ')}\n--- last output ---\n${lastLines(output, 60)}`);
  return { ms, peakRss, peakByProgram, output };
}
