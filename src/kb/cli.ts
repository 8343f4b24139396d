// The `kb` command. Each subcommand is a thin layer over a plain function in src/kb.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { importFile } from './importers/index.ts';
import { listSessions, sweepTempFiles, writeSession } from './store/store.ts';
import type { Session } from '#core/session.ts';
import type { Query } from './config/queries.ts';

const USAGE = `Usage: kb <command> [options]

Commands:
  run            run the due queries of queries.yaml through the research pipeline
  import FILE…   import sessions: MICA report exports (.txt) and session JSON files
  build          build the site and its search index from the sessions that exist
  list           the questions, their last session, and when each is next due
  verify         check queries.yaml, every session file and runs.jsonl; list every problem
  doctor         check the config, the provider keys, and that each endpoint answers
  merge DIR…     add the new sessions and run-log lines of shard folders (kb run --shard) to
                 the content folder; never overwrites a file
  summary FILE…  render kb run --json outputs (one per shard) as a Markdown job summary,
                 or with --commit as the commit message for the new sessions

Options:
  --content DIR  the knowledge base's content folder (default: content/)
  --out DIR      where kb build writes the site (default: dist/)
  --query ID     kb run: run this query (repeatable), due or not
  --force        kb run: run every selected query, due or not
  --dry-run      kb run: show what would run and with which providers; call nothing
  --no-cache     kb run: do not reuse cached provider answers
  --json         kb run: print a machine-readable summary at the end
  --shard I/N    kb run: run only shard I of N, a stable share of the queries by id
  --commit       kb summary: print the commit message (nothing when no query ran)
  --verbose      show full errors and the Astro build log
  --help         show this help`;

/** An error the user can act on: printed as one line, no stack trace. */
export class UsageError extends Error {}

interface Options {
  content: string;
  out: string;
  verbose: boolean;
}

interface RunCommandOptions extends Options {
  only?: string[];
  force: boolean;
  dryRun: boolean;
  cache: boolean;
  json: boolean;
  shard?: string;
}

type Print = (line: string) => void;

export async function main(argv: string[], print: Print = console.log, printError: Print = console.error): Promise<number> {
  let verbose = argv.includes('--verbose');
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        content: { type: 'string', default: 'content' },
        out: { type: 'string', default: 'dist' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        query: { type: 'string', multiple: true },
        force: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        'no-cache': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        shard: { type: 'string' },
        commit: { type: 'boolean', default: false },
      },
    });
    verbose = values.verbose;
    const [command, ...args] = positionals;
    if (values.help || !command) {
      print(USAGE);
      return command || values.help ? 0 : 1;
    }
    const options: Options = { content: values.content, out: values.out, verbose };
    switch (command) {
      case 'run':
        noExtraArgs('run', args);
        return await runCommand({ ...options, only: values.query, force: values.force, dryRun: values['dry-run'], cache: !values['no-cache'], json: values.json, shard: values.shard }, print, printError);
      case 'doctor':
        noExtraArgs('doctor', args);
        return await doctorCommand(options, print);
      case 'import':
        return await importCommand(args, options, print, printError);
      case 'build':
        return await buildCommand(args, options, print);
      case 'list':
        return await listCommand(args, options, print);
      case 'verify':
        return await verifyCommand(args, options, print, printError);
      case 'merge':
        return await mergeCommand(args, options, print);
      case 'summary':
        return await summaryCommand(args, values.commit, print, printError);
      default:
        throw new UsageError(`unknown command "${command}". Run kb --help to see the commands.`);
    }
  } catch (error) {
    printError(`kb: ${formatError(error, verbose)}`);
    return 1;
  }
}

function formatError(error: unknown, verbose: boolean): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // Node's own wording explains positional arguments at length; the gist is the first sentence.
    return `${error.message.split('. ')[0]}. Run kb --help to see the options.`;
  }
  return verbose && error.stack ? error.stack : error.message;
}

function noExtraArgs(command: string, args: string[]) {
  if (args.length) throw new UsageError(`kb ${command} takes no arguments, got "${args.join(' ')}"`);
}

async function importCommand(files: string[], options: Options, print: Print, printError: Print) {
  if (!files.length) throw new UsageError('kb import needs at least one file: kb import FILE…');
  const { loadConfig } = await import('./config/queries.ts');
  const config = await loadConfig(options.content);
  // Imports and runs take turns on one content folder; leftovers of a killed writer are swept.
  const { acquireContentLock } = await import('./store/lock.ts');
  const release = await acquireContentLock(options.content, 'kb import');
  try {
    await sweepTempFiles(options.content);
    let failed = 0;
    for (const file of files) {
      try {
        // Parse the whole file before writing anything, so a refused file writes nothing.
        const sessions = await importFile(file);
        for (const imported of sessions) {
          const session = fileUnderConfiguredQuery(imported, config?.queries ?? []);
          await release.verify(); // the lock is still ours: a racing takeover can lose it
          const { path: written, status } = await writeSession(options.content, session);
          const shown = path.relative(process.cwd(), written) || written;
          print(status === 'written' ? `imported ${file} → ${shown}` : `unchanged ${file}: already imported as ${shown}`);
        }
      } catch (error) {
        failed++;
        printError(`kb: ${formatError(error, options.verbose)}`);
      }
    }
    if (failed) {
      const rest = failed < files.length ? '; the others were imported' : '';
      printError(`kb: ${failed} of ${files.length} file${files.length === 1 ? '' : 's'} refused${rest}.`);
    }
    return failed ? 1 : 0;
  } finally {
    await release();
  }
}

async function requireContentDir(dir: string) {
  const stats = await stat(dir).catch(() => undefined);
  if (!stats?.isDirectory()) {
    throw new UsageError(`the content folder ${dir} does not exist. Pass --content DIR, or import a session first: kb import FILE…`);
  }
}

/**
 * An imported session whose question is one of queries.yaml's is filed under that query, so its
 * history and schedule include it; it takes the query's tags when it brought none.
 */
function fileUnderConfiguredQuery(session: Session, queries: Query[]): Session {
  const key = (q: string) => q.toLowerCase().replace(/\s+/g, ' ').replace(/[\s?.!]+$/, '').trim();
  const match = queries.find((q) => key(q.question) === key(session.query));
  if (!match || match.id === session.querySlug) return session;
  return { ...session, querySlug: match.id, tags: session.tags.length ? session.tags : match.tags };
}

async function buildCommand(args: string[], options: Options, print: Print) {
  noExtraArgs('build', args);
  await requireContentDir(options.content);
  const started = performance.now();
  const { buildSite } = await import('./commands/build.ts');
  const { sessions, outDir } = await buildSite({ contentDir: options.content, outDir: options.out, verbose: options.verbose });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  print(`built ${sessions} briefing(s) into ${path.relative(process.cwd(), outDir) || outDir} in ${seconds}s`);
  return 0;
}

async function verifyCommand(args: string[], options: Options, print: Print, printError: Print) {
  noExtraArgs('verify', args);
  await requireContentDir(options.content);
  const { verifyContent } = await import('./commands/verify.ts');
  const result = await verifyContent(options.content);
  for (const line of result.problems) (line.startsWith('warning: ') ? print : printError)(line);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  print(`checked ${plural(result.sessions, 'session')}, ${plural(result.errors.length, 'error')}, ${plural(result.warnings.length, 'warning')}`);
  return result.errors.length ? 1 : 0;
}

async function runCommand(options: RunCommandOptions, print: Print, printError: Print) {
  const { runDue } = await import('./commands/run.ts');
  const { createProgress } = await import('./commands/progress.ts');
  // With --json, stdout carries only the summary; progress goes to stderr.
  const progress = options.json ? createProgress(process.stderr, printError) : createProgress(process.stdout, print);
  // A bad --shard is refused before any work starts.
  const shard = options.shard === undefined ? undefined : (await import('./store/shards.ts')).parseShard(options.shard);
  const summary = await runDue({ contentDir: options.content, only: options.only, force: options.force, dryRun: options.dryRun, cache: options.cache, onEvent: progress, shard });
  if (options.json) {
    print(JSON.stringify(summary, null, 2));
  } else {
    const rows = summary.outcomes.map((o) => [o.id, o.outcome, o.outcome === 'not-due' ? `next due ${o.nextDue ? utc(o.nextDue) : 'now'}` : (o.session ?? o.error ?? ''), o.providers]);
    print(table(['query', 'outcome', 'detail', 'providers'], rows));
    const failed = summary.outcomes.filter((o) => o.outcome === 'failed').length;
    const published = summary.outcomes.filter((o) => o.outcome === 'published').length;
    if (!options.dryRun) print(`${published} published, ${failed} failed; ${summary.networkCalls} network calls, ${summary.cacheHits} answers from cache`);
  }
  return summary.outcomes.some((o) => o.outcome === 'failed') ? 1 : 0;
}

async function mergeCommand(dirs: string[], options: Options, print: Print) {
  if (!dirs.length) throw new UsageError('kb merge needs at least one shard folder: kb merge DIR… (each holds briefings/ and runs.jsonl from a kb run --shard)');
  for (const dir of dirs) {
    const stats = await stat(dir).catch(() => undefined);
    if (!stats?.isDirectory()) throw new UsageError(`kb merge: the shard folder ${dir} does not exist`);
  }
  await requireContentDir(options.content);
  const { mergeShards } = await import('./store/shards.ts');
  const result = await mergeShards(options.content, dirs);
  for (const file of result.added) print(`added ${path.join(options.content, file)}`);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  print(`merged ${plural(dirs.length, 'shard')}: ${plural(result.added.length, 'new session')}, ${result.unchanged.length} already present, ${plural(result.logLines, 'run-log line')}`);
  return 0;
}

async function summaryCommand(files: string[], commit: boolean, print: Print, printError: Print) {
  if (!files.length) throw new UsageError('kb summary needs at least one file written by kb run --json: kb summary FILE…');
  const { commitMessage, readSummaries, summaryMarkdown } = await import('./commands/summary.ts');
  const inputs = await readSummaries(files);
  // A shard that stopped early must not hide what the others did: its file is reported, not fatal.
  for (const i of inputs) if (i.problem) printError(`kb: ${i.file}: ${i.problem}`);
  const text = commit ? commitMessage(inputs) : summaryMarkdown(inputs);
  if (text) print(text.replace(/\n$/, ''));
  return 0;
}

async function doctorCommand(options: Options, print: Print) {
  const { doctor } = await import('./commands/doctor.ts');
  const checks = await doctor(options.content, process.env);
  for (const c of checks) print(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.what}: ${c.detail}`);
  return checks.every((c) => c.ok) ? 0 : 1;
}

async function listCommand(args: string[], options: Options, print: Print) {
  noExtraArgs('list', args);
  await requireContentDir(options.content);
  const [{ loadConfig, nextDue }, sessions] = await Promise.all([import('./config/queries.ts'), listSessions(options.content)]);
  const config = await loadConfig(options.content);
  const bySlug = new Map<string, typeof sessions>();
  for (const entry of sessions) bySlug.set(entry.session.querySlug, [...(bySlug.get(entry.session.querySlug) ?? []), entry]);
  const now = Date.now();
  const rows: string[][] = [];
  for (const query of config?.queries ?? []) {
    const list = bySlug.get(query.id) ?? [];
    bySlug.delete(query.id);
    const last = list[0]?.session; // listSessions gives newest first
    const due = nextDue(query.schedule, last ? new Date(last.generatedAt) : undefined);
    rows.push([query.id, String(list.length), last ? utc(last.generatedAt) : 'never', !due || due.getTime() <= now ? 'due now' : utc(due.toISOString()), query.question]);
  }
  // Sessions of questions that are not (or no longer) in queries.yaml, e.g. imported ones.
  for (const [slug, list] of bySlug) rows.push([slug, String(list.length), utc(list[0].session.generatedAt), 'not scheduled', list[0].session.query]);
  if (!rows.length) {
    print(`no queries and no sessions yet in ${options.content}. Add questions to ${path.join(options.content, 'queries.yaml')}, or import sessions: kb import FILE…`);
    return 0;
  }
  print(table(['query', 'sessions', 'last session', 'next due', 'question'], rows));
  return 0;
}

/** Sessions keep the offset their source gave; the list shows every time in UTC, comparable. */
function utc(time: string): string {
  return new Date(time).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
