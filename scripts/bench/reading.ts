// The reading benchmark (issue "Research that reads"): on a labelled set of our own — 10 questions,
// 5 article pages each, 60 facts that appear only in page bodies, never in the search snippets
// (scripts/bench/fixtures/reading-set.json) — how many of the facts reach the briefing, how fast
// pages are read, and the peak memory with a gzip bomb, a page that drips for ever, a 404 and a
// JavaScript shell among the results.
//
// Two child processes: the loopback web (reading-web.ts: one server per outlet on 127.0.0.1) and the
// run (reading-run.ts: `runQuery` per question with the rule planner, the real reader fetching over
// HTTP, the extractive analyst, read 3, depth 2, breadth 2, at most 15 pages), so the run's peak
// memory is its own. Targets: ≥ 0.9 of the facts in the briefing; < 1 GB peak.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { lastLines } from './proc.ts';
import type { LostFact, ReadingOverrides, ReadingRun } from './reading-run.ts';

export interface WebStats {
  hits: Record<string, number>;
  bombZerosProduced: number;
  bombBytes: number;
  drips: Array<{ ms: number; bytes: number }>;
}

export interface ReadingFigures extends ReadingRun {
  share: number;
  pagesPerSecond: number;
  web: WebStats;
  /** Facts lost, counted by the stage that lost them. */
  lostByStage: Record<string, number>;
  /** Of the facts whose page was read, and of those whose passage the reader kept: how many reached the briefing. */
  onReadPages: { facts: number; reached: number };
  inKeptPassages: { facts: number; reached: number };
  /** Reading without the steps that waited for the drip page to time out. */
  withoutDrip: { pages: number; ms: number; pagesPerSecond: number };
}

export const READING_TARGETS = { share: 0.9, peakBytes: 2 ** 30 };

const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

export async function runReadingBench(log: (line: string) => void = () => {}, overrides: ReadingOverrides = {}): Promise<ReadingFigures> {
  const web = spawn(process.execPath, [script('reading-web.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const ready = await new Promise<{ outlets: Record<string, string> }>((resolve, reject) => {
      let out = '';
      web.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))));
      });
      web.once('exit', (code) => reject(new Error(`the reading bench's web exited (${code})`)));
    });
    log(`loopback web: ${Object.keys(ready.outlets).length} outlets on 127.0.0.1 (${Object.values(ready.outlets).map((u) => new URL(u).port).join(', ')})`);

    const run = spawn(process.execPath, [script('reading-run.ts'), JSON.stringify({ ...ready, overrides })], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    run.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    run.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      for (const line of d.toString().split('\n')) if (line.startsWith('[reading]')) log(line.slice(10));
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      run.once('error', reject);
      run.once('close', (status, signal) => resolve(signal ? -1 : status));
    });
    if (code !== 0) throw new Error(`the reading run failed (exit ${code})\n--- last output ---\n${lastLines(stderr, 40)}`);
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as ReadingRun;
    const stats = (await (await fetch(`${Object.values(ready.outlets)[0]}/__bench/stats`)).json()) as WebStats;
    const lostByStage: Record<string, number> = {};
    for (const q of result.questions) for (const l of q.lost) lostByStage[l.stage] = (lostByStage[l.stage] ?? 0) + 1;
    const lostAfter = (stages: string[]) => result.questions.flatMap((q) => q.lost).filter((l) => stages.includes(l.stage)).length;
    const calm = result.readCalls.filter((c) => !c.drip);
    const calmMs = calm.reduce((t, c) => t + c.ms, 0);
    const calmPages = calm.reduce((n, c) => n + c.pages, 0);
    return {
      ...result,
      share: result.facts ? result.reached / result.facts : 0,
      onReadPages: { facts: result.reached + lostAfter(['extraction', 'passages', 'analyst', 'grounding']), reached: result.reached },
      inKeptPassages: { facts: result.reached + lostAfter(['analyst', 'grounding']), reached: result.reached },
      withoutDrip: { pages: calmPages, ms: calmMs, pagesPerSecond: calmMs > 0 ? calmPages / (calmMs / 1000) : 0 },
      pagesPerSecond: result.readingMs > 0 ? result.reader.pagesFetched / (result.readingMs / 1000) : 0,
      web: stats,
      lostByStage,
    };
  } finally {
    web.kill();
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

export function printReading(f: ReadingFigures): void {
  const s = f.settings;
  console.log(`\nreading benchmark: ${f.questions.length} questions, ${f.facts} labelled facts found only in page bodies; rule planner, extractive analyst; steps ${s.steps}, read ${s.read}, depth ${s.depth}, breadth ${s.breadth}, maxPages ${s.maxPages}, ${s.passagesPerSource} passages kept a page`);
  const header = ['question', 'facts', 'pages read (own)', 'rounds', 'time', 'hostile pages'];
  const rows = f.questions.map((q) => [
    q.id,
    q.error ? 'FAILED' : `${q.reached}/${q.facts}`,
    `${q.pagesRead} (${q.ownPagesRead}/5)`,
    String(q.rounds),
    `${(q.ms / 1000).toFixed(2)} s`,
    q.hostile.map((h) => `${h.id}: ${h.status}`).join(', ') || '–',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
  const kinds = Object.entries(f.pagesByKind).map(([k, n]) => `${n} ${k}`).join(', ');
  const drip = f.web.drips.length ? `; the drip page held a connection ${f.web.drips.map((d) => `${(d.ms / 1000).toFixed(1)} s (${d.bytes} bytes)`).join(', ')}` : '';
  const rows2: [string, string][] = [
    ['facts in the briefing', `${f.reached}/${f.facts} = ${f.share.toFixed(3)} (target ≥ ${READING_TARGETS.share})`],
    ['lost, by stage', Object.entries(f.lostByStage).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'],
    ['of facts on pages read', `${f.onReadPages.reached}/${f.onReadPages.facts} reached the briefing; of facts in the passages kept, ${f.inKeptPassages.reached}/${f.inKeptPassages.facts}`],
    ['pages read per second', `${f.pagesPerSecond.toFixed(1)} (${f.reader.pagesFetched} pages fetched in ${(f.readingMs / 1000).toFixed(1)} s of reading; ${f.reader.requests} requests, ${mb(f.reader.bytes)} after decompression; pages read in the sessions: ${kinds})${drip}`],
    ['  without the drip', `${f.withoutDrip.pagesPerSecond.toFixed(1)} (${f.withoutDrip.pages} pages in ${(f.withoutDrip.ms / 1000).toFixed(2)} s: the ${f.readCalls.length - f.readCalls.filter((c) => !c.drip).length} steps that waited for the drip page left out)`],
    ['peak memory', `${mb(f.rss.maxRssBytes)} max RSS of the run's process (sampled every ${f.rss.sampleMs} ms: ${mb(f.rss.peakSampledBytes)}; ${mb(f.rss.atStartBytes)} after start-up) with a ${mb(f.web.bombBytes)} gzip bomb in the mix, of which the server had compressed ${mb(f.web.bombZerosProduced)} when the reader hung up (target < 1 GB)`],
    ['run', `${(f.wallMs / 1000).toFixed(1)} s, ${f.searchCalls} search calls`],
  ];
  const width = Math.max(...rows2.map(([k]) => k.length));
  for (const [k, v] of rows2) console.log(`  ${k.padEnd(width)}  ${v}`);
  const hostile = new Map<string, string>();
  for (const q of f.questions) for (const h of q.hostile) hostile.set(`${h.id}: ${h.status}${h.note ? `: ${h.note}` : ''}`, [hostile.get(`${h.id}: ${h.status}${h.note ? `: ${h.note}` : ''}`), q.id].filter(Boolean).join(', '));
  if (hostile.size) console.log(`  hostile pages:\n${[...hostile].map(([what, where]) => `    ${what} (${where})`).join('\n')}`);
  const lost = f.questions.flatMap((q) => q.lost);
  if (lost.length) {
    console.log('  facts lost:');
    for (const l of lost) console.log(`    ${l.fact} (${l.figure}, ${l.page}): ${l.stage}: ${l.detail}`);
  }
  for (const q of f.questions) if (q.error) console.log(`  ${q.id} failed: ${q.error}`);
}

export type { LostFact };
