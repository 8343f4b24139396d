// A search API for the benchmark, in its own process so its fixed latency is not delayed by the
// pipeline's own work on the benchmark's event loop (as a remote API would not be). Speaks the
// Tavily protocol; prints its URL on stdout, then serves until killed.
import { sendJson, startLoopback } from '#tests/support/loopback.ts';

const latency = Number(process.argv[2] ?? 200);
let inFlight = 0;
let peak = 0;
const api = await startLoopback(async (_req, res, recorded) => {
  if (recorded.path === '/stats') return sendJson(res, 200, { peak });
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
console.log(api.url);
