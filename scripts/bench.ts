// npm run bench: measures what the issues set targets for, and prints the figures.
//
//   pipeline   kb run over N queries against a loopback search API with a fixed latency per
//              call, at the configured concurrency; wall time against the ideal that the
//              concurrency allows, then a rerun that must be answered from the cache.
//
// Options: --queries N (100), --latency MS (200), --concurrency C (8), --steps S (4)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runDue } from '../src/kb/runner.ts';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const { values } = parseArgs({
  options: {
    queries: { type: 'string', default: '100' },
    latency: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '8' },
    steps: { type: 'string', default: '4' },
  },
});
const queries = Number(values.queries);
const latency = Number(values.latency);
const concurrency = Number(values.concurrency);
const steps = Number(values.steps);

// The API runs in a child process: its latency must not wait on this process's CPU work.
const server = spawn(process.execPath, [fileURLToPath(new URL('./bench-search-server.ts', import.meta.url)), String(latency)], { stdio: ['ignore', 'pipe', 'inherit'] });
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
  const rows: [string, string][] = [
    ['queries × steps', `${queries} × ${steps} = ${calls} search calls`],
    ['latency per call', `${latency} ms`],
    ['concurrency', `${concurrency} (peak in flight at the server: ${peak})`],
    ['ideal wall time', `${(idealMs / 1000).toFixed(2)} s`],
    ['cold run', `${(coldMs / 1000).toFixed(2)} s  (${(coldMs / idealMs).toFixed(3)}× ideal; target ≤ 1.15×)`],
    ['cold run network calls', String(cold.networkCalls)],
    ['warm rerun', `${(warmMs / 1000).toFixed(2)} s, ${warm.networkCalls} network calls, ${warm.cacheHits} from cache (target: 0 calls)`],
    ['failed queries', String(failed.length)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('\npipeline benchmark');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  if (failed.length) console.log(`  first failure: ${failed[0].error}`);
} finally {
  await api.close();
  await rm(content, { recursive: true, force: true });
}
