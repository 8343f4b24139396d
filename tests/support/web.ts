// A small web of our own on 127.0.0.1, for tests of code that reads pages: routes by path, the
// page fixtures of tests/fixtures/web/, and the hostile answers a reader must survive (compression
// bombs streamed from zeros, a body that drips forever), plus a PDF maker with a real text layer.
//
//   const web = await startWeb({ '/a': (req, res) => sendPage(res, fixture('article.html')) });
//   … read `${web.url}/a` …
//   expect(web.hits('/a')).toBe(1);
//   await web.close();
//
// Every request counts towards `maxInFlight` until its response closes, so a test can check a
// concurrency limit; robots.txt is 404 unless a route serves it.
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { startLoopback, type Handler, type Loopback } from './loopback.ts';

export interface Web extends Loopback {
  /** `127.0.0.1:<port>`, as `URL.host` spells it. */
  host: string;
  /** Requests received for a path (without the query string). */
  hits(path: string): number;
  /** The most page requests (robots.txt aside) in flight at once. */
  readonly maxInFlight: number;
}

export async function startWeb(routes: Record<string, Handler>): Promise<Web> {
  let inFlight = 0;
  let maxInFlight = 0;
  const server = await startLoopback((req, res, recorded) => {
    const path = recorded.url.pathname;
    const counted = path !== '/robots.txt';
    if (counted) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.on('close', () => inFlight--);
    }
    const route = routes[path];
    if (route) return route(req, res, recorded);
    sendPage(res, '<!doctype html><title>Not found</title><p>Not found</p>', { status: 404 });
  });
  return {
    ...server,
    host: new URL(server.url).host,
    hits: (path) => server.requests.filter((r) => r.url.pathname === path).length,
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

/** A test page from tests/fixtures/web/. */
export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/web/${name}`, import.meta.url), 'utf8');
}

export function sendPage(res: http.ServerResponse, body: string | Buffer, { status = 200, type = 'text/html; charset=utf-8', headers = {} as Record<string, string> } = {}): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'content-type': type, 'content-length': bytes.byteLength, ...headers });
  res.end(bytes);
}

export function redirect(res: http.ServerResponse, location: string, status = 302): void {
  res.writeHead(status, { location, 'content-length': 0 });
  res.end();
}

/**
 * A compression bomb: `size` bytes of zeros, compressed as they stream (never held in memory).
 * `produced()` tells how many zeros were generated before the client hung up.
 */
export function bomb(encoding: 'gzip' | 'br', size: number): Handler & { produced(): number } {
  let produced = 0;
  const handler = async (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': encoding });
    const chunk = Buffer.alloc(64 * 1024);
    const zeros = Readable.from(
      (function* () {
        while (produced < size) {
          produced += chunk.byteLength;
          yield chunk;
        }
      })(),
    );
    const compress = encoding === 'gzip' ? zlib.createGzip({ level: 9 }) : zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } });
    // The client hanging up ends the pipeline with an error: that is the expected way out.
    await pipeline(zeros, compress, res).catch(() => {});
  };
  return Object.assign(handler, { produced: () => produced });
}

/** A page that sends its headers, then one byte every `everyMs` for ever (until the client hangs up). */
export function drip(everyMs = 50): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.write('<!doctype html><p>');
    const timer = setInterval(() => res.write('a'), everyMs);
    res.on('close', () => clearInterval(timer));
  };
}

/**
 * A valid PDF with a text layer: one page per entry, each a list of lines set in Helvetica (a
 * standard font, so no font file is needed). Offsets in the xref table are exact.
 */
export function makePdf(pages: string[][], title?: string): Buffer {
  const escape = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);
  const objects: string[] = [];
  const pageIds = pages.map((_, i) => 4 + i * 2);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  pages.forEach((lines, i) => {
    const stream = `BT /F1 11 Tf 14 TL 72 720 Td ${lines.map((l) => `(${escape(l)}) Tj T*`).join(' ')} ET`;
    objects[pageIds[i]!] = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${pageIds[i]! + 1} 0 R >>`;
    objects[pageIds[i]! + 1] = `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`;
  });
  const infoId = objects.length;
  objects[infoId] = `<< /Title (${escape(title ?? 'Untitled')}) /Producer (briefing-kb tests) >>`;
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = Buffer.byteLength(out, 'latin1');
    out += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) out += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info ${infoId} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
