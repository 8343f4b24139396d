// npm run bench: measures what the issues set targets for, and prints the figures.
//
//   pipeline   kb run over N queries against a loopback search API (scripts/bench/pipeline.ts).
//   build      N synthetic sessions (scripts/bench/synthetic.ts) built by a bare Astro + MDX +
//              Pagefind CLI baseline (twice: the MDX body alone, and with every result's words
//              on the page too) and by `kb build`, cold then incremental after one new
//              session (scripts/bench/build.ts); the first search on each site in headless
//              Chromium (scripts/bench/search.ts). One table, with the targets of issue 6.
//   reading    10 questions of a labelled set (facts only in page bodies) through the pipeline,
//              the reader fetching a loopback web with a gzip bomb, a drip, a 404 and a JS shell
//              in it: the share of facts that reach the briefing, pages read per second, peak
//              memory (scripts/bench/reading.ts).
//
//   ledger     the ledger's cost: compareSessions on realistic sessions (answers, 8 key figures,
//              ~40 claims a side) per session and for --ledger-sessions of them, and the catalog's
//              sessionMeta with and without a stored ledger (scripts/bench/ledger.ts).
//
// Options:
//   --only pipeline|reading|build|ledger   run one benchmark (default: all four)
//   --ledger-sessions N (10000)                                                   ledger
//   --queries N (100) --latency MS (200) --concurrency C (8) --steps S (4)     pipeline
//   --sessions N (100) --seed S (1) --questions Q (sessions/40, 10–500)         build
//   --schema 1|2 (2) the synthetic sessions' shape: 2 as the pipeline writes them now (answer,
//                  key figures over time, pages read and passages, method, ledger); 1 the shape
//                  before December 2026, to compare with figures measured then
//   --reading-read N (3) --reading-passages N (3)   reading, what-if: pages opened per step, and
//                  passages the reader keeps per page (the issue's figures use the defaults)
//   --replicate K  generate sessions/K and copy them K times (new ids, new question slugs): for
//                  50,000, where generating would take half an hour
//   --skip-baseline --skip-search --skip-incremental --word W (supply)
//   --also W,W…    more words, each a first search of its own on each site (e.g. a word of one
//                  question, a word found nowhere), printed below the table
//   --keep DIR     build in DIR (created; must not exist or be empty) and keep it
//   --json FILE    write every figure as JSON
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildBaseline, buildProjectCold, buildProjectIncremental, type BuildFigures } from './bench/build.ts';
import { printPipeline, runPipelineBench, type PipelineFigures } from './bench/pipeline.ts';
import { printReading, runReadingBench } from './bench/reading.ts';
import { printLedger, runLedgerBench } from './bench/ledger.ts';
import { CommandError } from './bench/proc.ts';
import { chromiumMissing, hasChromium, measureSearch, withBrowser, type SearchFigures } from './bench/search.ts';
import { questionCount, syntheticContent, type SyntheticOptions } from './bench/synthetic.ts';
import { replicateContent } from './bench/replicate.ts';

function usage(message: string): never {
  console.error(`bench: ${message}. Options are listed at the top of scripts/bench.ts.`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
  options: {
    only: { type: 'string' },
    queries: { type: 'string', default: '100' },
    latency: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '8' },
    steps: { type: 'string', default: '4' },
    sessions: { type: 'string', default: '100' },
    replicate: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    questions: { type: 'string' },
    schema: { type: 'string', default: '2' },
    'skip-baseline': { type: 'boolean', default: false },
    'skip-search': { type: 'boolean', default: false },
    'skip-incremental': { type: 'boolean', default: false },
    word: { type: 'string', default: 'supply' },
    also: { type: 'string', default: '' },
    'reading-read': { type: 'string' },
    'reading-passages': { type: 'string' },
    keep: { type: 'string' },
    json: { type: 'string' },
    'ledger-sessions': { type: 'string', default: '10000' },
  },
  });
} catch (error) {
  usage((error as Error).message.split('. ')[0]!);
}
const { values } = parsed;

function count(name: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) usage(`--${name} must be a whole number ≥ ${min}, got "${value}"`);
  return n;
}
const PARTS = ['pipeline', 'reading', 'build', 'ledger'];
if (values.only && !PARTS.includes(values.only)) usage(`--only must be one of ${PARTS.map((p) => `"${p}"`).join(', ')}, got "${values.only}"`);
const runPipeline = !values.only || values.only === 'pipeline';
const runReading = !values.only || values.only === 'reading';
const runBuild = !values.only || values.only === 'build';
const runLedger = !values.only || values.only === 'ledger';

const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const loadAtStart = os.loadavg()[0]!;
const json: Record<string, unknown> = { machine: { cpus: os.availableParallelism(), memoryBytes: os.totalmem(), node: process.version, platform: `${os.platform()} ${os.release()}` } };

let pipeline: PipelineFigures | undefined;
if (runPipeline) {
  log('pipeline benchmark…');
  pipeline = await runPipelineBench({ queries: count('queries', values.queries)!, latency: count('latency', values.latency, 0)!, concurrency: count('concurrency', values.concurrency)!, steps: count('steps', values.steps)! });
  printPipeline(pipeline);
  json.pipeline = pipeline;
}

if (runReading) {
  log('reading benchmark…');
  try {
    const reading = await runReadingBench(log, { read: count('reading-read', values['reading-read'], 0), passagesPerSource: count('reading-passages', values['reading-passages']) });
    printReading(reading);
    console.log(`  load average (1 min) now ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} CPUs`);
    json.reading = reading;
  } catch (error) {
    log(`reading benchmark FAILED:\n${(error as Error).stack ?? String(error)}`);
    json.reading = { error: (error as Error).message };
    process.exitCode = 1;
  }
}

if (runLedger) {
  log('ledger benchmark…');
  const ledger = runLedgerBench(count('ledger-sessions', values['ledger-sessions'])!, count('seed', values.seed, 0)!, log);
  printLedger(ledger);
  json.ledger = ledger;
}

interface Row {
  name: string;
  build?: BuildFigures;
  error?: string;
  search?: SearchFigures;
  /** The --also words' first searches. */
  also?: [string, SearchFigures | string][];
  searchError?: string;
}

/** The second baseline's row: its pages show every result's words too (buildBaseline's everyWord). */
const EVERY_WORD = 'baseline, every word';

if (runBuild) {
  const replicate = count('replicate', values.replicate)!;
  const total = count('sessions', values.sessions)!;
  if (total % replicate) usage(`--sessions ${total} is not a multiple of --replicate ${replicate}`);
  if (values.schema !== '1' && values.schema !== '2') usage(`--schema must be 1 or 2, got "${values.schema}"`);
  const options: SyntheticOptions = { sessions: total / replicate, seed: count('seed', values.seed, 0)!, questions: count('questions', values.questions), schema: values.schema === '1' ? 1 : 2 };
  let workDir: string;
  if (values.keep) {
    workDir = path.resolve(values.keep);
    await mkdir(workDir, { recursive: true });
    if ((await readdir(workDir)).length) usage(`--keep ${workDir}: the folder is not empty; give a new or empty folder`);
  } else workDir = await mkdtemp(path.join(os.tmpdir(), 'kb-bench-build-'));
  const contentDir = path.join(workDir, 'content');
  const rows: Row[] = [];
  const searchRows: Array<{ row: Row; dist: string }> = [];
  const measure = async (name: string, fn: () => Promise<BuildFigures>) => {
    log(`${name}…`);
    const row: Row = { name };
    rows.push(row);
    try {
      row.build = await fn();
      const programs = Object.entries(row.build.peakByProgram ?? {}).map(([p, rss]) => `${p} ${mb(rss)}`);
      log(`${name}: ${secs(row.build.ms)}, ${mb(row.build.peakRss)} peak${programs.length ? ` (${programs.join(', ')})` : ''}, ${row.build.pages} pages`);
    } catch (error) {
      row.error = error instanceof CommandError ? error.message : (error as Error).stack ?? String(error);
      log(`${name} FAILED:\n${row.error}`);
    }
    return row;
  };
  try {
    log(`${options.sessions} synthetic sessions (schema version ${options.schema}) over ${questionCount(options)} questions (seed ${options.seed})…`);
    const synthetic = await syntheticContent(options, contentDir);
    log(`sessions ${synthetic.cached ? 'copied from the cache' : 'generated'} in ${secs(synthetic.ms)} (${synthetic.cacheDir})`);
    if (replicate > 1) log(`replicated ${replicate}×: ${options.sessions + (await replicateContent(contentDir, replicate))} sessions`);
    json.synthetic = { ...options, questions: questionCount(options), cached: synthetic.cached, ms: synthetic.ms };

    if (!values['skip-baseline']) {
      const row = await measure('baseline', () => buildBaseline(contentDir, workDir));
      if (row.build) searchRows.push({ row, dist: row.build.dist });
      // The same, its pages also showing every result's words (the like-for-like comparison of
      // build time; its search, Pagefind's own again, is not measured).
      await measure(EVERY_WORD, () => buildBaseline(contentDir, workDir, { everyWord: true }));
    }
    const cold = await measure('project cold', () => buildProjectCold(contentDir, workDir, log));
    // Searched before the incremental build rewrites the same output folder.
    if (cold.build) searchRows.push({ row: cold, dist: cold.build.dist });
    let searchNote: string | undefined;
    if (values['skip-search']) searchNote = 'search not measured (--skip-search)';
    else if (!hasChromium) searchNote = `search not measured: ${chromiumMissing}`;
    else {
      await withBrowser(async (browser) => {
        for (const { row, dist } of searchRows) {
          log(`first search for "${values.word}" on ${row.name}…`);
          try {
            row.search = await measureSearch(browser, dist, values.word);
          } catch (error) {
            row.searchError = (error as Error).message;
            log(`search on ${row.name} FAILED: ${row.searchError}`);
          }
          for (const word of values.also.split(',').map((w) => w.trim()).filter(Boolean)) {
            log(`first search for "${word}" on ${row.name}…`);
            (row.also ??= []).push([word, await measureSearch(browser, dist, word).catch((error: Error) => `failed: ${error.message}`)]);
          }
        }
      }).catch((error) => (searchNote = `search not measured: ${(error as Error).message}`));
    }
    if (cold.build && !values['skip-incremental']) await measure('project incremental', async () => buildProjectIncremental(contentDir, workDir, options, log));

    printTable(rows, options, searchNote);
    if (rows.some((r) => r.error || r.searchError)) process.exitCode = 1;
    json.builds = rows.map(({ build, ...rest }) => ({ ...rest, ...(build ? { ...build, pagesPerSecond: build.pages / (build.ms / 1000) } : {}) }));
  } finally {
    if (values.keep) log(`kept ${workDir}`);
    else await rm(workDir, { recursive: true, force: true });
  }
}

json.loadAverage = { start: loadAtStart, end: os.loadavg()[0] };
if (values.json) {
  await writeFile(values.json, JSON.stringify(json, null, 2) + '\n');
  log(`figures written to ${values.json}`);
}

function printTable(rows: Row[], options: SyntheticOptions, note?: string) {
  const find = (name: string) => rows.find((r) => r.name === name)?.build;
  const baseline = find('baseline');
  const everyWord = find(EVERY_WORD);
  const cold = find('project cold');
  const header = ['build', 'wall', 'peak RSS', 'pages', 'pages/s', 'index', '1st search', 'latency', 'ratio', 'target'];
  const table = rows.map((r) => {
    const b = r.build;
    const s = r.search;
    const search = s ? [`${kib(s.bytes)} (${s.requests} req)`, `${s.latencyMs.toFixed(0)} ms`] : [r.searchError ? 'failed' : '–', '–'];
    let ratio = '–';
    let target = '';
    if (r.name === 'project cold') {
      // Issue 19's "bare build of the same pages" is the baseline whose pages carry the same
      // words (docs/performance.md, "Which baseline"); the first baseline's ratio is kept beside it.
      target = '≤ 0.75× every word, ≤ 3 GB';
      const against = b ? [everyWord && `${(b.ms / everyWord.ms).toFixed(2)}× every word`, baseline && `${(b.ms / baseline.ms).toFixed(2)}× baseline`].filter(Boolean) : [];
      if (against.length) ratio = against.join(', ');
    } else if (r.name === 'project incremental') {
      target = '≤ 0.15× cold';
      if (b && cold) ratio = `${(b.ms / cold.ms).toFixed(2)}× cold`;
    }
    if (!b) return [r.name, 'FAILED', '', '', '', '', ...search, ratio, target];
    return [r.name, secs(b.ms), mb(b.peakRss), String(b.pages), (b.pages / (b.ms / 1000)).toFixed(0), `${mb(b.indexBytes)} / ${b.indexFiles} files`, ...search, ratio, target];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(`\nbuild benchmark: ${options.sessions} sessions (schema version ${options.schema ?? 2}), ${questionCount(options)} questions, seed ${options.seed}; ${os.availableParallelism()} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}`);
  const load = os.loadavg()[0]!;
  console.log(`  load average (1 min) at start ${loadAtStart.toFixed(1)}, at end ${load.toFixed(1)}${Math.max(loadAtStart, load) > os.availableParallelism() * 0.75 ? ': other work on the machine, times are inflated' : ''}`);
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of table) console.log(line(row));
  console.log(`  1st search = every file the search needs (under /pagefind/, and the search page's own script) from opening /search/ to the first results (text gzipped as a static host serves it)`);
  if (everyWord) console.log(`  ${EVERY_WORD}: the baseline's pages also show each step's sub-query and each result's title, outlet, snippet and passages, as the project's pages do and index`);
  console.log(`  targets: cold ≤ 0.75× "${EVERY_WORD}" (the bare site with the same words) and ≤ 3 GB peak; incremental ≤ 0.15× cold; first search ≤ 150 KB and ≤ 300 ms (at 10,000 sessions)`);
  for (const r of rows) if (r.search) console.log(`  ${r.name} search: "${values.word}" → ${r.search.results} result links; ${kib(r.search.bytesAfterTyping)} after typing; input debounce ${r.search.debounce ?? 'default'} (included in latency); largest: ${r.search.largest.join(', ')}`);
  for (const r of rows) {
    for (const [word, f] of r.also ?? []) {
      console.log(`  ${r.name} search: "${word}" → ${typeof f === 'string' ? f : `${f.results} result links; ${kib(f.bytes)} (${f.requests} req), ${f.latencyMs.toFixed(0)} ms; largest: ${f.largest.slice(0, 4).join(', ')}`}`);
    }
  }
  if (note) console.log(`  ${note}`);
  for (const r of rows) if (r.build?.phases.length) console.log(`  ${r.name} phases:\n${r.build.phases.map((p) => `    ${p}`).join('\n')}`);
  for (const r of rows) if (r.error) console.log(`  ${r.name} failed:\n${r.error.replace(/^/gm, '    ')}`);
}
