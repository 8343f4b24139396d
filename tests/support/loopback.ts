// A real HTTP server on 127.0.0.1 for tests of code that speaks HTTP: no mocks of fetch, so
// timeouts, broken connections, compression and headers behave as they do on the network.
//
//   const server = await startLoopback((req, res) => sendJson(res, 200, { results: [] }));
//   … point the code under test at server.url …
//   expect(server.requests[0].headers['authorization']).toBe('Bearer k');
//   await server.close();
//
// The handler sees each request after its body has been read (`recorded.body`, and `recorded.json`
// when the body parses). It may answer in any way, or not at all (to test timeouts): `close()`
// destroys open connections, so a handler that never answers does not hang the test run.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query string as sent, e.g. `/res/v1/web/search?q=x&count=5`. */
  path: string;
  /** The full URL, for `searchParams`. */
  url: URL;
  /** Lower-cased header names, as node:http gives them. */
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json?: unknown;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, recorded: RecordedRequest) => void | Promise<void>;

export interface Loopback {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startLoopback(handler: Handler): Promise<Loopback> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', url: new URL(req.url ?? '/', 'http://127.0.0.1'), headers: req.headers, body, json };
    requests.push(recorded);
    try {
      await handler(req, res, recorded);
    } catch (error) {
      if (!res.headersSent) sendJson(res, 500, { error: `loopback handler threw: ${String(error)}` });
      else res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers with a JSON body (and any extra headers). */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A handler that uses the n-th handler for the n-th request, and the last one after that. */
export function inSequence(...handlers: Handler[]): Handler {
  let n = 0;
  return (req, res, recorded) => handlers[Math.min(n++, handlers.length - 1)](req, res, recorded);
}
