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
import { sendJson, startLoopback } from '../tests/support/loopback.ts';

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

let inFlight = 0;
let peak = 0;
const api = await startLoopback(async (_req, res, recorded) => {
  inFlight++;
  peak = Math.max(peak, inFlight);
  await new Promise((r) => setTimeout(r, latency));
  inFlight--;
  const q = (recorded.json as { query: string }).query;
  sendJson(res, 200, {
    results: Array.from({ length: 6 }, (_, i) => ({
      title: `${q}: finding ${i + 1}`,
      url: `https://bench.example.org/${encodeURIComponent(q)}/${i}`,
      content: `Output of the material grew ${10 + i}% in 2025, and imports fell to ${1000 + i * 37} tonnes, according to the survey on ${q}.`,
      score: 1 - i / 10,
    })),
  });
});

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
