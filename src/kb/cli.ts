// The `kb` command: parses the arguments and hands each subcommand to its module in
// src/kb/commands/ (one per command, loaded when used, so `kb list` never loads Astro).
import { parseArgs } from 'node:util';
import { formatError, noExtraArgs, UsageError, type Options, type Print } from './commands/cli-kit.ts';

export { UsageError };

const USAGE = `Usage: kb <command> [options]

Commands:
  run            run the due queries of queries.yaml through the research pipeline
  check          run the offline example questions again as their newest sessions were run,
                 writing nothing; report any answer or figure that changed, and why
                 (the corpus, or the code); 1 on any drift
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
  --query ID     kb run: run this query (repeatable), due or not; kb check: check only it
  --force        kb run: run every selected query, due or not
  --dry-run      kb run: show what would run and with which providers; call nothing
  --no-cache     kb run: do not reuse cached provider answers
  --json         kb run, kb check: print a machine-readable summary at the end
  --shard I/N    kb run: run only shard I of N, a stable share of the queries by id
  --no-notify    kb run: send no alerts of material change (KB_NOTIFY_URL, SMTP_URL, KB_NOTIFY_GITHUB)
  --commit       kb summary: print the commit message (nothing when no query ran)
  --verbose      show full errors and the Astro build log
  --help         show this help`;


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
        'no-notify': { type: 'boolean', default: false },
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
        return await (await import('./commands/run.ts')).runCommand({ ...options, only: values.query, force: values.force, dryRun: values['dry-run'], cache: !values['no-cache'], json: values.json, shard: values.shard, notify: !values['no-notify'] }, print, printError);
      case 'check':
        noExtraArgs('check', args);
        return await (await import('./commands/check.ts')).checkCommand({ ...options, only: values.query, json: values.json }, print);
      case 'doctor':
        noExtraArgs('doctor', args);
        return await (await import('./commands/doctor.ts')).doctorCommand(options, print);
      case 'import':
        return await (await import('./commands/import.ts')).importCommand(args, options, print, printError);
      case 'build':
        return await (await import('./commands/build.ts')).buildCommand(args, options, print);
      case 'list':
        return await (await import('./commands/list.ts')).listCommand(args, options, print);
      case 'verify':
        return await (await import('./commands/verify.ts')).verifyCommand(args, options, print, printError);
      case 'merge':
        return await (await import('./commands/merge.ts')).mergeCommand(args, options, print);
      case 'summary':
        return await (await import('./commands/summary.ts')).summaryCommand(args, values.commit, print, printError);
      default:
        throw new UsageError(`unknown command "${command}". Run kb --help to see the commands.`);
    }
  } catch (error) {
    printError(`kb: ${formatError(error, verbose)}`);
    return 1;
  }
}
