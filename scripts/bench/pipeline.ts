// The pipeline benchmark: kb run over N queries against a loopback search API with a fixed
// latency per call, at the configured concurrency; wall time against the ideal that the
// concurrency allows, then a rerun that must be answered from the cache.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDue } from '#kb/commands/run.ts';

export interface PipelineOptions {
  queries: number;
  latency: number;
  concurrency: number;
  steps: number;
}

export interface PipelineFigures extends PipelineOptions {
  calls: number;
  idealMs: number;
  coldMs: number;
  coldNetworkCalls: number;
  warmMs: number;
  warmNetworkCalls: number;
  warmCacheHits: number;
  peakInFlight: number;
  failed: number;
  firstFailure?: string;
}

export async function runPipelineBench({ queries, latency, concurrency, steps }: PipelineOptions): Promise<PipelineFigures> {
  // The API runs in a child process: its latency must not wait on this process's CPU work.
  const server = spawn(process.execPath, [fileURLToPath(new URL('./search-server.ts', import.meta.url)), String(latency)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const apiUrl = await new Promise<string>((resolve, reject) => {
    server.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    server.once('exit', (code) => reject(new Error(`bench search server exited (${code})`)));
  });
  const api = { url: apiUrl, close: async () => void server.kill() };

  const content = await mkdtemp(path.join(os.tmpdir(), 'kb-bench-'));
  try {
    const yaml = [
      'defaults:',
      `  search: tavily`,
      `  steps: ${steps}`,
      // The search pipeline alone, as before reading: the made-up result urls have no pages.
      `  read: 0`,
      `  depth: 1`,
      `  concurrency: ${concurrency}`,
      'queries:',
      ...Array.from({ length: queries }, (_, i) => `  - id: q${i}\n    question: What is the supply outlook for material number ${i}?`),
    ].join('\n');
    await writeFile(path.join(content, 'queries.yaml'), yaml + '\n');
    const env = { TAVILY_API_KEY: 'bench-key', TAVILY_BASE_URL: api.url };

    const t0 = performance.now();
    const cold = await runDue({ contentDir: content, env });
    const coldMs = performance.now() - t0;
    const calls = queries * steps;
    const idealMs = Math.ceil(calls / concurrency) * latency;

    const t1 = performance.now();
    const warm = await runDue({ contentDir: content, env, force: true });
    const warmMs = performance.now() - t1;

    const { peak } = (await (await fetch(`${api.url}/stats`)).json()) as { peak: number };
    const failed = [...cold.outcomes, ...warm.outcomes].filter((o) => o.outcome === 'failed');
    return {
      queries,
      latency,
      concurrency,
      steps,
      calls,
      idealMs,
      coldMs,
      coldNetworkCalls: cold.networkCalls,
      warmMs,
      warmNetworkCalls: warm.networkCalls,
      warmCacheHits: warm.cacheHits,
      peakInFlight: peak,
      failed: failed.length,
      firstFailure: failed[0]?.error,
    };
  } finally {
    await api.close();
    await rm(content, { recursive: true, force: true });
  }
}

export function printPipeline(f: PipelineFigures): void {
  const rows: [string, string][] = [
    ['queries × steps', `${f.queries} × ${f.steps} = ${f.calls} search calls`],
    ['latency per call', `${f.latency} ms`],
    ['concurrency', `${f.concurrency} (peak in flight at the server: ${f.peakInFlight})`],
    ['ideal wall time', `${(f.idealMs / 1000).toFixed(2)} s`],
    ['cold run', `${(f.coldMs / 1000).toFixed(2)} s  (${(f.coldMs / f.idealMs).toFixed(3)}× ideal; target ≤ 1.15×)`],
    ['cold run network calls', String(f.coldNetworkCalls)],
    ['warm rerun', `${(f.warmMs / 1000).toFixed(2)} s, ${f.warmNetworkCalls} network calls, ${f.warmCacheHits} from cache (target: 0 calls)`],
    ['failed queries', String(f.failed)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('\npipeline benchmark');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  if (f.firstFailure) console.log(`  first failure: ${f.firstFailure}`);
}
