// `kb verify`: checks the whole content folder — queries.yaml, every session file, runs.jsonl —
// and reports every problem at once, each as `file:line: field: what is wrong. What to do.`
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError, loadConfig } from '#kb/config/queries.ts';
import { explainIssue, explainIssues, fieldName, issueLine, knownKeysIn, offsetOf } from '#core/explain.ts';
import { mdxToSession } from '#kb/store/mdx.ts';
import { readRunLogLines, runLogPath } from '#kb/store/runlog.ts';
import { Session } from '#core/session.ts';
import { sessionFileName, sessionFiles } from '#kb/store/store.ts';
import { noExtraArgs, plural, requireContentDir, type Options, type Print } from './cli-kit.ts';

export interface Problem {
  level: 'error' | 'warning';
  /** What was checked: the config, a session file, or the run log. */
  kind: 'config' | 'session' | 'runlog';
  file: string;
  message: string;
}

export interface VerifyResult {
  /** Every problem, errors and warnings, one line each, in the order found. */
  problems: string[];
  errors: string[];
  warnings: string[];
  /** The same, with their kind and file. */
  details: Problem[];
  /** Session files checked. */
  sessions: number;
  /** Session files that are not valid sessions (or share an id): `kb build` refuses these. */
  invalidSessionFiles: string[];
}

const FIX_SESSION = 'Fix the frontmatter by hand, or delete the file and import the session again.';

const require = createRequire(import.meta.url);
/** js-yaml 4, the parser Astro and mdx.ts read frontmatter with, so verify reads the same data. */
const jsYaml = require('js-yaml') as { load(source: string): unknown };

const FRONTMATTER = /^(\uFEFF?---[ \t]*\r?\n)([\s\S]*?)(?:^|\r?\n)---[ \t]*(?:\r?\n|$)/m;

/**
 * Checks one session file. Returns the session when valid, else the problems, each naming the
 * line of the field in the file.
 */
export function checkSessionFile(source: string, file: string): { session?: Session; problems: string[]; idLine?: number } {
  if (source.trim() === '') return { problems: [`${file}:1: the file is empty. Delete it, or import the session again.`] };
  if (!/^\uFEFF?---[ \t]*\r?\n/.test(source)) {
    return { problems: [`${file}:1: no frontmatter: a session file starts with a "---" line, then the session's fields in YAML, then another "---" line. Delete the file and import the session again.`] };
  }
  const match = FRONTMATTER.exec(source);
  if (!match || match.index !== 0) {
    return { problems: [`${file}:1: the frontmatter is not closed: no second "---" line. ${FIX_SESSION}`] };
  }
  // The common case first: a valid file costs one parse. The diagnosis below (another YAML
  // parse, with line numbers) runs only for a file that fails.
  try {
    const session = mdxToSession(source, file);
    const at = source.search(/^id:/m);
    return { session, problems: [], idLine: at < 0 ? 1 : source.slice(0, at).split('\n').length };
  } catch {
    // diagnose below
  }
  const yamlText = match[2]!;
  const firstLine = 2; // the frontmatter's first line, after the opening `---`
  let data: unknown;
  try {
    data = jsYaml.load(yamlText);
  } catch (error) {
    const e = error as Error & { mark?: { line: number }; reason?: string };
    const line = firstLine + (e.mark?.line ?? 0);
    return { problems: [`${file}:${line}: invalid YAML in the frontmatter: ${e.reason ?? e.message.split('\n')[0]}. ${FIX_SESSION}`] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const lineOf = (p: readonly PropertyKey[], key: boolean) => firstLine - 1 + lineCounter.linePos(offsetOf(doc.contents, p, key ? 'key' : 'value')).line;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { problems: [`${file}:${firstLine}: (frontmatter): must be a mapping of the session's fields (id, query, generatedAt, …), but is ${Array.isArray(data) ? 'a list' : data == null ? 'empty' : 'a single value'}. ${FIX_SESSION}`] };
  }
  const parsed = Session.safeParse(data);
  if (!parsed.success) {
    const problems = explainIssues(parsed.error, { data, knownKeys: knownKeysIn(Session) })
      .map(({ path: p, key, text }) => `${file}:${lineOf(p, !!key)}: ${fieldName(p)}: ${text.replace(' Rename or remove it.', ' Remove that line.')} ${FIX_SESSION}`);
    return { problems };
  }
  // The reader everything else uses must agree (gray-matter, Astro's YAML parser).
  try {
    const session = mdxToSession(source, file);
    return { session, problems: [], idLine: lineOf(['id'], false) };
  } catch (error) {
    return { problems: [`${file}:1: ${(error as Error).message.replace(`${file}: `, '')} ${FIX_SESSION}`] };
  }
}

/** Checks the whole content folder, collecting every problem. Never throws for bad content. */
export async function verifyContent(contentDir: string, env: NodeJS.ProcessEnv = process.env): Promise<VerifyResult> {
  const details: Problem[] = [];
  const add = (level: Problem['level'], kind: Problem['kind'], file: string, message: string) => details.push({ level, kind, file, message });

  // queries.yaml: loadConfig reports every problem, one per line.
  try {
    await loadConfig(contentDir, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const line of error.message.split('\n')) add('error', 'config', path.join(contentDir, 'queries.yaml'), line);
  }

  // Session files.
  const files = await sessionFiles(contentDir);
  const invalid = new Set<string>();
  const byId = new Map<string, string>();
  for (const file of files) {
    const source = await readFile(file, 'utf8');
    const { session, problems, idLine } = checkSessionFile(source, file);
    for (const message of problems) add('error', 'session', file, message);
    if (!session) {
      invalid.add(file);
      continue;
    }
    const other = byId.get(session.id);
    if (other) {
      invalid.add(file);
      add('error', 'session', file, `${file}:${idLine}: id: session id ${session.id} is also in ${other}; one session, one file. Delete the copy that is wrong.`);
    } else byId.set(session.id, file);
    // Where the store would have written it: <briefings>/<querySlug>/<date>-<id prefix>….mdx
    const folder = path.basename(path.dirname(file));
    const expected = sessionFileName(session);
    const stem = expected.replace(/\.mdx$/, '');
    const name = path.basename(file);
    if (folder !== session.querySlug || path.dirname(path.dirname(file)) !== path.join(contentDir, 'briefings')) {
      add('warning', 'session', file, `${file}:1: querySlug: the session's querySlug is "${session.querySlug}" but the file is not in briefings/${session.querySlug}/. It still builds; move it to ${path.join(contentDir, 'briefings', session.querySlug, expected)} to keep the store tidy.`);
    } else if (!(name === expected || name.startsWith(`${stem}`) && /^[a-z0-9_-]*\.mdx$/.test(name.slice(stem.length)))) {
      add('warning', 'session', file, `${file}:1: file name: does not match the session (its date and id give ${expected}). It still builds; rename it to ${expected} to keep the store tidy.`);
    }
  }

  // runs.jsonl: every line a run record; a partial line from an interrupted run is harmless.
  const log = runLogPath(contentDir);
  for (const line of await readRunLogLines(contentDir)) {
    if (line.valid) continue;
    const at = `${log}:${line.number}`;
    if (line.partial) add('warning', 'runlog', log, `${at}: a run was interrupted while writing this line; harmless (kb skips it).`);
    else if (line.jsonError) add('error', 'runlog', log, `${at}: not a JSON run record (${line.jsonError}). Delete the line, or restore runs.jsonl from git.`);
    else {
      const what = (line.issues ?? [])
        .flatMap((issue) => explainIssue(issue, { data: line.json }))
        .map(issueLine)
        .join(' ');
      add('error', 'runlog', log, `${at}: not a valid run record: ${what} Delete the line, or restore runs.jsonl from git.`);
    }
  }

  const errors = details.filter((d) => d.level === 'error').map((d) => d.message);
  const warnings = details.filter((d) => d.level === 'warning').map((d) => d.message);
  return {
    problems: details.map((d) => (d.level === 'warning' ? `warning: ${d.message}` : d.message)),
    errors,
    warnings,
    details,
    sessions: files.length,
    invalidSessionFiles: [...invalid],
  };
}

/** `kb verify`: every problem on its own line (warnings to stdout), then the counts; 1 if any error. */
export async function verifyCommand(args: string[], options: Options, print: Print, printError: Print) {
  noExtraArgs('verify', args);
  await requireContentDir(options.content);
  const result = await verifyContent(options.content);
  for (const line of result.problems) (line.startsWith('warning: ') ? print : printError)(line);
  print(`checked ${plural(result.sessions, 'session')}, ${plural(result.errors.length, 'error')}, ${plural(result.warnings.length, 'warning')}`);
  return result.errors.length ? 1 : 0;
}
