// The GitHub-issues channel, for the scheduled workflow: one issue per question, labelled
// `kb-alert` and marked in its body with a hidden `<!-- kb-question: <id> -->`. The first material
// change of a question opens its issue; each later one adds a comment to the same issue (reopening
// it if someone closed it) and brings its title and body up to date, so a question never gets two.
//
// Plain fetch against the REST API (no client library: the few calls below, PATCH among them, and
// the Link header for pagination are all this needs, and kb's provider helper neither speaks PATCH
// nor shows headers). The token goes in the Authorization header of requests to GITHUB_API_URL's
// origin and nowhere else: redirects are not followed, a pagination link to another origin is
// refused, and every failure is described in words of our own — the host, the step, the HTTP
// status — never GitHub's reply text. Rate limits (403/429 with `retry-after` or
// `x-ratelimit-reset`) get one bounded wait and one retry per run; anything else is one try, as a
// second POST after a timeout could comment twice.
//
// What a briefing says is untrusted (claims come from web pages and a model) and an issue is
// Markdown that GitHub renders and acts on: every piece of it is written as inert text (HTML and
// Markdown punctuation escaped, `$` too, for GitHub's maths), and `@name` and `#123` are broken
// with a zero-width space, so an answer cannot ping anyone or cross-reference another issue.
import type { GithubSettings } from '#kb/config/env.ts';
import { NotifyError, hostOf, parseChannelUrl } from './errors.ts';
import type { AlertMessage } from './message.ts';

export const ALERT_LABEL = 'kb-alert';

/** The hidden marker that ties an issue to one question. */
export const questionMarker = (query: string) => `<!-- kb-question: ${query.replace(/[^A-Za-z0-9._-]/g, '')} -->`;

export interface GithubOptions {
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** The longest wait for a rate limit before the one retry; longer waits are failures. Default 60 s. */
  maxWaitMs?: number;
  /** Pages of 100 issues searched for a question's issue; default 50. */
  maxPages?: number;
  /** Test seams. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface IssueOutcome {
  number: number;
  created: boolean;
  reopened: boolean;
}

/** One run's GitHub channel: the issue list is read once, and writes go one at a time. */
export interface GithubIssues {
  /** Opens or updates the question's issue; rejects with a NotifyError. */
  alert(query: string, message: AlertMessage): Promise<IssueOutcome>;
}

interface Issue {
  number: number;
  state: string;
}

interface Target {
  token: string;
  /** The API root, no trailing slash. */
  base: string;
  origin: string;
  repo: string;
  where: string;
}

const USER_AGENT = 'kb (research briefings)';
const MAX_BYTES = 20 * 1024 * 1024;

export function githubIssues(settings: GithubSettings, options: GithubOptions = {}): GithubIssues {
  let target: Target | undefined;
  let problem: NotifyError | undefined;
  try {
    target = targetOf(settings);
  } catch (error) {
    problem = error instanceof NotifyError ? error : new NotifyError('GitHub: the settings could not be read');
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const maxPages = options.maxPages ?? 50;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const state = { waited: false, limited: undefined as string | undefined };
  let issues: Promise<Map<string, Issue>> | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  async function request(t: Target, method: 'GET' | 'POST' | 'PATCH', url: URL, doing: string, body?: unknown): Promise<{ data: unknown; link: string | null }> {
    const fail = (why: string) => new NotifyError(`${t.where}: ${doing}: ${why}`);
    for (;;) {
      if (state.limited) throw fail(`not tried: ${state.limited} earlier in this run`);
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, {
          method,
          headers: {
            accept: 'application/vnd.github+json',
            authorization: `Bearer ${t.token}`,
            'x-github-api-version': '2022-11-28',
            'user-agent': USER_AGENT,
            ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
        text = await readCapped(response);
      } catch (error) {
        throw fail(networkFailure(error, timeoutMs));
      }
      if (response.status >= 200 && response.status < 300) {
        try {
          return { data: JSON.parse(text), link: response.headers.get('link') };
        } catch {
          throw fail(`answered HTTP ${response.status} with something other than JSON`);
        }
      }
      const limit = rateLimit(response, text, now());
      if (limit) {
        if (!state.waited && limit.waitMs <= maxWaitMs) {
          state.waited = true;
          await sleep(limit.waitMs);
          continue;
        }
        state.limited = `GitHub's rate limit was reached (HTTP ${response.status})`;
        throw fail(`rate limited (HTTP ${response.status}${limit.until ? `; it resets at ${limit.until}` : ''}); not retried${state.waited ? ' again' : ` (a wait of ${seconds(limit.waitMs)})`}`);
      }
      throw fail(statusWords(response.status));
    }
  }

  /** Every kb-alert issue with a question marker, by question; the oldest wins if there are two. */
  async function listIssues(t: Target): Promise<Map<string, Issue>> {
    const found = new Map<string, Issue>();
    const doing = `listing the ${ALERT_LABEL} issues`;
    let url: URL | undefined = new URL(`${t.base}/repos/${t.repo}/issues`);
    url.search = new URLSearchParams({ labels: ALERT_LABEL, state: 'all', sort: 'created', direction: 'asc', per_page: '100' }).toString();
    for (let page = 1; url; page++) {
      if (page > maxPages) throw new NotifyError(`${t.where}: ${doing}: more than ${maxPages * 100} issues; not searched further (no issue was opened, to avoid a duplicate)`);
      const { data, link } = await request(t, 'GET', url, doing);
      if (!Array.isArray(data)) throw new NotifyError(`${t.where}: ${doing}: the answer is not a list of issues`);
      for (const item of data) {
        const issue = item as { number?: unknown; state?: unknown; body?: unknown; pull_request?: unknown };
        if (issue.pull_request !== undefined || !Number.isSafeInteger(issue.number) || typeof issue.body !== 'string') continue;
        const query = /<!-- kb-question: ([A-Za-z0-9._-]+) -->/.exec(issue.body)?.[1];
        if (query && !found.has(query)) found.set(query, { number: issue.number as number, state: String(issue.state) });
      }
      url = nextPage(link, t, doing);
    }
    return found;
  }

  async function alertOnce(t: Target, query: string, message: AlertMessage): Promise<IssueOutcome> {
    issues ??= listIssues(t);
    const known = await issues;
    const text = issueText(query, message);
    const existing = known.get(query);
    if (!existing) {
      const { data } = await request(t, 'POST', new URL(`${t.base}/repos/${t.repo}/issues`), `opening the issue for ${query}`, { title: text.title, body: text.body, labels: [ALERT_LABEL] });
      const number = (data as { number?: unknown } | null)?.number;
      if (!Number.isSafeInteger(number)) throw new NotifyError(`${t.where}: opening the issue for ${query}: the answer has no issue number`);
      known.set(query, { number: number as number, state: 'open' });
      return { number: number as number, created: true, reopened: false };
    }
    const reopened = existing.state !== 'open';
    const issueUrl = `${t.base}/repos/${t.repo}/issues/${existing.number}`;
    await request(t, 'PATCH', new URL(issueUrl), `updating issue ${existing.number}`, { title: text.title, body: text.body, ...(reopened ? { state: 'open' } : {}) });
    existing.state = 'open';
    await request(t, 'POST', new URL(`${issueUrl}/comments`), `commenting on issue ${existing.number}`, { body: text.comment });
    return { number: existing.number, created: false, reopened };
  }

  return {
    alert(query, message) {
      if (problem || !target) return Promise.reject(problem ?? new NotifyError('GitHub: not configured'));
      const t = target;
      // One write at a time: GitHub asks integrations not to make content-creating requests concurrently.
      const next = queue.then(() => alertOnce(t, query, message));
      queue = next.catch(() => {});
      return next;
    },
  };
}

function targetOf(settings: GithubSettings): Target {
  if (!settings.token) throw new NotifyError('GitHub: KB_NOTIFY_GITHUB is on but GITHUB_TOKEN is not set');
  const repository = settings.repository ?? '';
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) throw new NotifyError(settings.repository ? 'GitHub: GITHUB_REPOSITORY is not owner/name' : 'GitHub: KB_NOTIFY_GITHUB is on but GITHUB_REPOSITORY is not set');
  const api = parseChannelUrl(settings.apiUrl, 'GITHUB_API_URL', ['https:', 'http:']);
  if (api.username || api.password) throw new NotifyError('GITHUB_API_URL must not hold a login');
  // The token must not cross the network in clear: http:// only to this machine (tests).
  if (api.protocol === 'http:' && !/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(api.hostname)) throw new NotifyError('GITHUB_API_URL must be an https:// URL (http:// only on this machine)');
  const base = `${api.origin}${api.pathname.replace(/\/+$/, '')}`;
  const [owner, name] = repository.split('/') as [string, string];
  return { token: settings.token, base, origin: api.origin, repo: `${encodeURIComponent(owner)}/${encodeURIComponent(name)}`, where: `GitHub at ${hostOf(api)} (${repository})` };
}

/** The `rel="next"` link of a list, on the API's own origin (else the token could follow it elsewhere). */
function nextPage(link: string | null, t: Target, doing: string): URL | undefined {
  if (!link) return undefined;
  for (const [, href, rel] of link.matchAll(/<([^>]*)>\s*;\s*rel="([^"]*)"/g)) {
    if (!rel!.split(/\s+/).includes('next')) continue;
    let url: URL;
    try {
      url = new URL(href!, `${t.base}/`);
    } catch {
      throw new NotifyError(`${t.where}: ${doing}: the next page's link is not a URL`);
    }
    if (url.origin !== t.origin) throw new NotifyError(`${t.where}: ${doing}: the next page's link points to another host; not followed`);
    return url;
  }
  return undefined;
}

/** A rate-limit answer: how long GitHub asks to wait, and when the limit resets. */
function rateLimit(response: Response, text: string, now: number): { waitMs: number; until?: string } | undefined {
  if (response.status !== 403 && response.status !== 429) return undefined;
  const retryAfter = response.headers.get('retry-after')?.trim();
  if (retryAfter) {
    const ms = /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : Date.parse(retryAfter) - now;
    if (Number.isFinite(ms)) return { waitMs: Math.max(0, ms) };
  }
  const reset = response.headers.get('x-ratelimit-reset')?.trim();
  if (response.headers.get('x-ratelimit-remaining')?.trim() === '0' && reset && /^\d+$/.test(reset)) {
    const at = Number(reset) * 1000;
    return { waitMs: Math.max(0, at - now), until: new Date(at).toISOString().slice(11, 16) + ' UTC' };
  }
  // A secondary limit without headers: GitHub asks for at least a minute.
  if (response.status === 429 || /rate limit/i.test(text.slice(0, 2000))) return { waitMs: 60_000 };
  return undefined;
}

function statusWords(status: number): string {
  if (status >= 300 && status < 400) return `answered with a redirect (HTTP ${status}), not followed: has the repository moved? Check GITHUB_REPOSITORY`;
  switch (status) {
    case 401:
      return 'GITHUB_TOKEN was refused (HTTP 401)';
    case 403:
      return 'the token may not do this (HTTP 403): the workflow job needs `permissions: issues: write`';
    case 404:
      return 'no such repository, or the token cannot see it (HTTP 404): check GITHUB_REPOSITORY';
    case 410:
      return 'issues are turned off in this repository (HTTP 410)';
    case 422:
      return 'GitHub refused the request as invalid (HTTP 422)';
    default:
      return `answered HTTP ${status}`;
  }
}

async function readCapped(response: Response): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_BYTES) {
      await response.body.cancel().catch(() => {});
      throw Object.assign(new Error('too large'), { name: 'TooLarge' });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function networkFailure(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${seconds(timeoutMs)}`;
  if (name === 'TooLarge') return `the answer is larger than ${MAX_BYTES / 1024 / 1024} MB`;
  const code = (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? `could not connect (${code})` : 'could not connect';
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

// ---------------------------------------------------------------------------------------------
// The issue's text

const SHOWN = 40;

/** The issue's title and body, and the comment for one change; every untrusted part is inert. */
export function issueText(query: string, message: AlertMessage): { title: string; body: string; comment: string } {
  const p = message.payload;
  const date = p.generatedAt.slice(0, 10);
  const changes = message.changes.slice(0, SHOWN).map((c) => `- ${markdownInline(c)}`);
  if (message.changes.length > SHOWN) changes.push(`- …and ${message.changes.length - SHOWN} more`);
  const sources = p.figures
    .filter((f) => f.material)
    .slice(0, SHOWN)
    .map((f) => `- ${markdownInline(f.label, 200)}: was ${sourceOf(f.before)}; now ${sourceOf(f.after)}`);
  const link = /^https?:\/\//.test(p.url) ? `[Read the briefing](${linkTarget(p.url)})` : `The briefing is at \`${p.url.replace(/`/g, '')}\` on the site (set \`KB_SITE\` for a link).`;
  const change = [
    `### The briefing of ${date}`,
    '',
    ...changes,
    ...(sources.length ? ['', '**Sources of the figures that moved**', '', ...sources] : []),
    '',
    link,
    '',
    `<sub>Compared with the briefing \`${p.previous.replace(/`/g, '')}\`.</sub>`,
  ].join('\n');
  const body = [
    questionMarker(query),
    `**Question** (\`${query.replace(/`/g, '')}\`): ${markdownInline(p.question, 1000)}`,
    '',
    `The answer to this standing question changed materially. This issue follows the question: \`kb run\` opened it (label \`${ALERT_LABEL}\`) and adds a comment on each later material change, reopening it if it was closed. Closing it is fine.`,
    '',
    '## Latest change',
    '',
    change,
  ].join('\n');
  return { title: plainInline(message.subject, 250), body, comment: change };
}

/** A source as `74% \[2\] <https://…>`: its value, citation and page. */
function sourceOf(v: AlertMessage['payload']['figures'][number]['before']): string {
  if (!v) return '—';
  const value = markdownInline(`${v.text ?? v.value}${v.cite !== undefined ? ` [${v.cite}]` : ''}`, 200);
  return v.url && /^https?:\/\//.test(v.url) ? `${value} ${linkTarget(v.url) ? `<${linkTarget(v.url)}>` : ''}`.trim() : value;
}

/** An http(s) URL as an autolink target: normalised (spaces, `<` and `>` percent-encoded), or '' when it is not one. */
function linkTarget(url: string): string {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href.replace(/[<>()\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`) : '';
  } catch {
    return '';
  }
}

/** Breaks what GitHub acts on in plain text: `@name` mentions and `#123` / `GH-123` references. */
function unlink(text: string): string {
  return text.replace(/@(?=[A-Za-z0-9_-])/g, '@\u200b').replace(/#(?=\d)/g, '#\u200b').replace(/\b(GH)-(?=\d)/gi, '$1-\u200b');
}

/** A title: one line, mentions and references broken (titles are not Markdown). */
function plainInline(text: string, max: number): string {
  return clipLine(unlink(text), max);
}

/**
 * Untrusted text as one line of inert Markdown: no tag, link, image, emphasis, maths, mention or
 * issue reference survives, and it cannot start a heading, list or quote.
 */
export function markdownInline(text: string, max = 500): string {
  return unlink(clipLine(text, max))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]!|~$]/g, '\\$&')
    .replace(/^([#+=-]|\d+(?=[.)]))/, (m) => (/^\d/.test(m) ? `${m}\\` : `\\${m}`));
}

function clipLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
