// The `kb` command. Each subcommand is a thin layer over a plain function in src/kb.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { importFile } from './importers/index.ts';
import { listSessions, writeSession } from './store.ts';

const USAGE = `Usage: kb <command> [options]

Commands:
  import FILE…   import sessions: MICA report exports (.txt) and session JSON files
  build          build the site and its search index from the sessions that exist
  list           the questions, their sessions, and the latest of each

Options:
  --content DIR  the knowledge base's content folder (default: content/)
  --out DIR      where kb build writes the site (default: dist/)
  --verbose      show full errors and the Astro build log
  --help         show this help`;

/** An error the user can act on: printed as one line, no stack trace. */
export class UsageError extends Error {}

interface Options {
  content: string;
  out: string;
  verbose: boolean;
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
      case 'import':
        return await importCommand(args, options, print, printError);
      case 'build':
        return await buildCommand(args, options, print);
      case 'list':
        return await listCommand(args, options, print);
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
  let failed = 0;
  for (const file of files) {
    try {
      // Parse the whole file before writing anything, so a refused file writes nothing.
      const sessions = await importFile(file);
      for (const session of sessions) {
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
}

async function requireContentDir(dir: string) {
  const stats = await stat(dir).catch(() => undefined);
  if (!stats?.isDirectory()) {
    throw new UsageError(`the content folder ${dir} does not exist. Pass --content DIR, or import a session first: kb import FILE…`);
  }
}

async function buildCommand(args: string[], options: Options, print: Print) {
  noExtraArgs('build', args);
  await requireContentDir(options.content);
  const started = performance.now();
  const { buildSite } = await import('./build.ts');
  const { sessions, outDir } = await buildSite({ contentDir: options.content, outDir: options.out, verbose: options.verbose });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  print(`built ${sessions} briefing(s) into ${path.relative(process.cwd(), outDir) || outDir} in ${seconds}s`);
  return 0;
}

async function listCommand(args: string[], options: Options, print: Print) {
  noExtraArgs('list', args);
  await requireContentDir(options.content);
  const sessions = await listSessions(options.content);
  if (!sessions.length) {
    print(`no sessions yet in ${options.content}. Import some with: kb import FILE…`);
    return 0;
  }
  const byQuery = new Map<string, typeof sessions>();
  for (const entry of sessions) {
    const list = byQuery.get(entry.session.querySlug) ?? [];
    list.push(entry);
    byQuery.set(entry.session.querySlug, list);
  }
  const rows = [...byQuery].map(([slug, list]) => {
    const latest = list[0].session; // listSessions gives newest first
    return [slug, String(list.length), utc(latest.generatedAt), latest.status, latest.query];
  });
  print(table(['query', 'sessions', 'last session', 'status', 'question'], rows));
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
