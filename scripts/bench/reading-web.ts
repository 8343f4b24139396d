// The reading benchmark's web, in its own process (as a real web would not share the reader's CPU):
// one loopback server per outlet on 127.0.0.1, each on its own port, so the reader's per-host limits
// apply as they would to separate sites. Serves the labelled set's pages (scripts/bench/reading-set.ts)
// and the hostile ones: a gzip bomb (1 GB of zeros, compressed as it streams), a page that drips a
// byte every 50 ms for ever, a 404 and a JavaScript-only shell. robots.txt is 404 everywhere.
//
// Prints `{"outlets":{"wire":"http://127.0.0.1:<port>",…}}` on stdout, then serves until killed.
// GET /__bench/stats on any outlet: requests per page, and what the hostile pages sent.
import type http from 'node:http';
import { bomb, drip, sendPage, startWeb, type Web } from '#tests/support/web.ts';
import type { Handler } from '#tests/support/loopback.ts';
import { jsShell, loadSet, renderPage, type OutletId } from './reading-set.ts';

const BOMB_BYTES = 2 ** 30;
const DRIP_EVERY_MS = 50;

const set = loadSet();
const routes = new Map<OutletId, Record<string, Handler>>();
const route = (outlet: OutletId, path: string, handler: Handler) => {
  if (!routes.has(outlet)) routes.set(outlet, {});
  routes.get(outlet)![path] = handler;
};

for (const q of set.questions) {
  for (const page of q.pages) {
    const rendered = renderPage(set, q, page);
    route(page.outlet, page.path, (_req, res) => sendPage(res, rendered.body, { type: rendered.type }));
  }
}

const gzipBomb = bomb('gzip', BOMB_BYTES);
/** How long each drip response stayed open, in ms, and how many bytes it sent. */
const drips: Array<{ ms: number; bytes: number }> = [];
const dripping = drip(DRIP_EVERY_MS);
for (const h of set.hostile) {
  if (h.kind === 'gzip-bomb') route(h.outlet, h.path, gzipBomb);
  else if (h.kind === 'drip')
    route(h.outlet, h.path, (req: http.IncomingMessage, res: http.ServerResponse, recorded) => {
      const started = performance.now();
      let bytes = 0;
      const write = res.write.bind(res) as (chunk: string) => boolean;
      res.write = ((chunk: string) => ((bytes += Buffer.byteLength(chunk)), write(chunk))) as typeof res.write;
      res.on('close', () => drips.push({ ms: Math.round(performance.now() - started), bytes }));
      return dripping(req, res, recorded);
    });
  else if (h.kind === 'js-shell') route(h.outlet, h.path, (_req, res) => sendPage(res, jsShell(h, set.outlets[h.outlet])));
  // '404': no route, so the server's own 404 answers.
}

const webs = new Map<OutletId, Web>();
const stats: Handler = (_req, res) => {
  const hits: Record<string, number> = {};
  for (const [outlet, web] of webs) for (const r of web.requests) if (r.url.pathname !== '/__bench/stats') hits[`${outlet}${r.url.pathname}`] = (hits[`${outlet}${r.url.pathname}`] ?? 0) + 1;
  sendPage(res, JSON.stringify({ hits, bombZerosProduced: gzipBomb.produced(), bombBytes: BOMB_BYTES, drips }), { type: 'application/json' });
};
for (const outlet of Object.keys(set.outlets) as OutletId[]) {
  webs.set(outlet, await startWeb({ ...routes.get(outlet), '/__bench/stats': stats }));
}
console.log(JSON.stringify({ outlets: Object.fromEntries([...webs].map(([outlet, web]) => [outlet, web.url])) }));
