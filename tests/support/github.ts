// A small GitHub REST API on 127.0.0.1 for tests of the GitHub-issues alert channel. It speaks the
// part of the protocol the channel uses, as GitHub does: a Bearer token (401 otherwise), one
// repository (404 for any other), listing a repository's issues filtered by label and state with
// `per_page`/`page` and a `Link` header (`rel="next"`, `rel="last"`, by repository id as GitHub
// writes them), pull requests mixed into that list, opening an issue (labels created on the fly),
// updating one (title, body, state), and commenting. Every request is recorded.
//
//   const gh = await startGithub({ token: 'ghs_x', repository: 'acme/kb' });
//   … GITHUB_API_URL = gh.url …
//   expect(gh.issues[0].comments).toHaveLength(1);
//   gh.fail = (r) => (r.method === 'POST' ? 'rate-limit' : undefined); // the next POSTs are refused
//   await gh.close();
//
// `fail` makes a request answer as GitHub does when things go wrong: 401, 403 (permission, primary
// and secondary rate limits with their headers), 404, 422, 500, a 200 that is not JSON, or no
// answer at all. Error bodies echo the token, as a hostile or buggy server might, so a test can
// check it never reaches a message.
import type http from 'node:http';
import { sendJson, startLoopback, type RecordedRequest } from './loopback.ts';

export interface FakeIssue {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  labels: string[];
  comments: string[];
  /** A pull request: the issues list includes them, with a `pull_request` field. */
  pullRequest?: boolean;
}

export type GithubFailure =
  | 'unauthorized'
  | 'forbidden'
  | 'rate-limit'
  | 'secondary-rate-limit'
  | 'retry-after'
  | 'not-found'
  | 'invalid'
  | 'server-error'
  | 'malformed'
  | 'hang';

export interface GithubServerOptions {
  token: string;
  /** `owner/name`. */
  repository: string;
  /** Issues already there, numbered from 1 in order. */
  issues?: Omit<FakeIssue, 'number' | 'comments'>[];
  /** The largest page the server gives, whatever `per_page` asks (GitHub's is 100). */
  maxPerPage?: number;
}

export interface LoopbackGithub {
  /** The API root, `http://127.0.0.1:<port>`, for GITHUB_API_URL. */
  url: string;
  requests: RecordedRequest[];
  issues: FakeIssue[];
  /** Decides, per request (0-based count), whether it fails and how; undefined answers normally. */
  fail?: (request: RecordedRequest, n: number) => GithubFailure | undefined;
  /** Requests that were answered normally and changed something (POST, PATCH). */
  readonly writes: RecordedRequest[];
  close(): Promise<void>;
}

const REPO_ID = 4242;

export async function startGithub(options: GithubServerOptions): Promise<LoopbackGithub> {
  const issues: FakeIssue[] = (options.issues ?? []).map((i, n) => ({ ...i, number: n + 1, comments: [] }));
  const writes: RecordedRequest[] = [];
  let count = 0;
  const state: { fail?: LoopbackGithub['fail'] } = {};
  const [owner, name] = options.repository.split('/');

  const loopback = await startLoopback(async (req, res, recorded) => {
    const n = count++;
    const failure = state.fail?.(recorded, n);
    if (failure) return answerFailure(res, failure, options.token);
    if (req.headers.authorization !== `Bearer ${options.token}`) return sendJson(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });

    const path = recorded.url.pathname;
    const repoPrefix = `/repos/${owner}/${name}`;
    const base = path.startsWith(`${repoPrefix}/`) ? path.slice(repoPrefix.length) : path.startsWith(`/repositories/${REPO_ID}/`) ? path.slice(`/repositories/${REPO_ID}`.length) : undefined;
    if (base === undefined) return sendJson(res, 404, { message: 'Not Found' });

    if (req.method === 'GET' && base === '/issues') return list(res, recorded, `http://${req.headers.host}`);
    if (req.method === 'POST' && base === '/issues') {
      const body = recorded.json as { title?: unknown; body?: unknown; labels?: unknown } | undefined;
      if (typeof body?.title !== 'string' || !body.title) return sendJson(res, 422, { message: 'Validation Failed', errors: [{ resource: 'Issue', field: 'title', code: 'missing_field' }] });
      const issue: FakeIssue = { number: issues.length + 1, title: body.title, body: typeof body.body === 'string' ? body.body : null, state: 'open', labels: Array.isArray(body.labels) ? body.labels.map(String) : [], comments: [] };
      issues.push(issue);
      writes.push(recorded);
      return sendJson(res, 201, view(issue, `http://${req.headers.host}`));
    }
    const one = /^\/issues\/(\d+)(\/comments)?$/.exec(base);
    const issue = one ? issues.find((i) => i.number === Number(one[1])) : undefined;
    if (one && !issue) return sendJson(res, 404, { message: 'Not Found' });
    if (issue && req.method === 'PATCH' && !one![2]) {
      const body = (recorded.json ?? {}) as { title?: unknown; body?: unknown; state?: unknown };
      if (body.state !== undefined && body.state !== 'open' && body.state !== 'closed') return sendJson(res, 422, { message: 'Validation Failed' });
      if (typeof body.title === 'string') issue.title = body.title;
      if (typeof body.body === 'string') issue.body = body.body;
      if (body.state === 'open' || body.state === 'closed') issue.state = body.state;
      writes.push(recorded);
      return sendJson(res, 200, view(issue, `http://${req.headers.host}`));
    }
    if (issue && req.method === 'POST' && one![2]) {
      const body = recorded.json as { body?: unknown } | undefined;
      if (typeof body?.body !== 'string' || !body.body) return sendJson(res, 422, { message: 'Validation Failed' });
      issue.comments.push(body.body);
      writes.push(recorded);
      return sendJson(res, 201, { id: 1000 + issue.comments.length, body: body.body, issue_url: `http://${req.headers.host}/repos/${owner}/${name}/issues/${issue.number}` });
    }
    return sendJson(res, 404, { message: 'Not Found' });
  });

  function list(res: http.ServerResponse, recorded: RecordedRequest, origin: string) {
    const q = recorded.url.searchParams;
    const want = (q.get('labels') ?? '').split(',').map((l) => l.trim()).filter(Boolean);
    const stateWanted = q.get('state') ?? 'open';
    const perPage = Math.min(Number(q.get('per_page') ?? 30) || 30, 100, options.maxPerPage ?? 100);
    const page = Math.max(1, Number(q.get('page') ?? 1) || 1);
    let found = issues.filter((i) => want.every((l) => i.labels.includes(l)) && (stateWanted === 'all' || i.state === stateWanted));
    if (q.get('direction') !== 'asc') found = [...found].reverse(); // GitHub's default: newest first
    const pages = Math.max(1, Math.ceil(found.length / perPage));
    const link = (p: number, rel: string) => {
      const next = new URLSearchParams(q);
      next.set('page', String(p));
      return `<${origin}/repositories/${REPO_ID}/issues?${next}>; rel="${rel}"`;
    };
    const links = [...(page < pages ? [link(page + 1, 'next'), link(pages, 'last')] : []), ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : [])];
    sendJson(res, 200, found.slice((page - 1) * perPage, page * perPage).map((i) => view(i, origin)), links.length ? { link: links.join(', ') } : {});
  }

  function view(i: FakeIssue, origin: string) {
    return {
      number: i.number,
      title: i.title,
      body: i.body,
      state: i.state,
      labels: i.labels.map((l) => ({ name: l })),
      comments: i.comments.length,
      html_url: `${origin.replace('http://', 'https://')}/${owner}/${name}/issues/${i.number}`,
      ...(i.pullRequest ? { pull_request: { url: `${origin}/repos/${owner}/${name}/pulls/${i.number}` } } : {}),
    };
  }

  return {
    url: loopback.url,
    requests: loopback.requests,
    issues,
    get fail() {
      return state.fail;
    },
    set fail(f) {
      state.fail = f;
    },
    writes,
    close: loopback.close,
  };
}

function answerFailure(res: http.ServerResponse, failure: GithubFailure, token: string): void | Promise<void> {
  const reset = String(Math.floor(Date.now() / 1000) + 3600);
  switch (failure) {
    case 'unauthorized':
      return sendJson(res, 401, { message: `Bad credentials: ${token}` });
    case 'forbidden':
      return sendJson(res, 403, { message: `Resource not accessible by integration (token ${token})` });
    case 'rate-limit':
      return sendJson(res, 403, { message: `API rate limit exceeded for ${token}` }, { 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset });
    case 'secondary-rate-limit':
      return sendJson(res, 403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' });
    case 'retry-after':
      return sendJson(res, 429, { message: 'Too many requests' }, { 'retry-after': '1' });
    case 'not-found':
      return sendJson(res, 404, { message: 'Not Found' });
    case 'invalid':
      return sendJson(res, 422, { message: `Validation Failed ${token}` });
    case 'server-error':
      res.writeHead(500, { 'content-type': 'text/plain' });
      return void res.end(`Internal error while handling Bearer ${token}`);
    case 'malformed':
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(`[{"number": 1, "body": "${token}"`);
    case 'hang':
      return new Promise<void>(() => {});
  }
}
