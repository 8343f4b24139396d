// The one place that reads kb's environment variables: the content folder the site is built from,
// the provider choices that override queries.yaml, and each provider's key and base URL (which
// variables those are is the provider registry's business). Everything else is handed an `env`
// and asks here, so a variable's name and its blank-means-unset rule live in one spot.
// Keys leave this module only towards the provider that sends them: nothing here logs or stores
// a value, and neither may a caller.
import path from 'node:path';
import type { ProviderEnv } from '#kb/providers/types.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** kb's own variables (providers' variables are in the registry). */
export const KB_VARS = {
  /** Set by `kb build` for the Astro build it starts; the site reads its sessions from there. */
  contentDir: 'KB_CONTENT_DIR',
  search: 'KB_SEARCH_PROVIDER',
  llm: 'KB_LLM_PROVIDER',
  model: 'KB_LLM_MODEL',
  /** `1`: the reader may open pages on private, loopback and link-local addresses (intranets, tests). */
  allowPrivateHosts: 'KB_ALLOW_PRIVATE_HOSTS',
  /** A webhook `kb run` posts an alert to when a question's answer changed materially (it may hold a token). */
  notifyUrl: 'KB_NOTIFY_URL',
  /** `smtp://user:password@host:port` (or `smtps://`) for e-mail alerts; holds a password. */
  smtpUrl: 'SMTP_URL',
  /** Where e-mail alerts go: one address, or several separated by commas. */
  notifyEmail: 'KB_NOTIFY_EMAIL',
  /** `1` (or `true`, `yes`, `on`): alerts also go to GitHub, one issue per question (the scheduled workflow). */
  notifyGithub: 'KB_NOTIFY_GITHUB',
  /** The token the GitHub channel writes issues with (Actions' own, in the workflow); a secret. */
  githubToken: 'GITHUB_TOKEN',
  /** `owner/name` of the repository the issues go to (Actions sets it). */
  githubRepository: 'GITHUB_REPOSITORY',
  /** GitHub's REST API (Actions sets it; https://api.github.com by default; GitHub Enterprise has its own). */
  githubApiUrl: 'GITHUB_API_URL',
  /** The most briefings indexed as one Pagefind index at dist/pagefind/ (src/search/layout.ts); more are split into date bundles. */
  searchOneIndexMax: 'KB_SEARCH_ONE_INDEX_MAX',
  /** The site's origin and base path (read by astro.config.mjs too): alerts link to the briefing there. */
  site: 'KB_SITE',
  base: 'KB_BASE',
} as const;

/** A variable's value, trimmed; blank counts as unset, so `FOO=` in a CI file means no FOO. */
export function readVar(env: Env, name: string): string | undefined {
  return env[name]?.trim() || undefined;
}

/** The content folder the site is built from: KB_CONTENT_DIR (set by `kb build`), else ./content. */
export function siteContentDir(env: Env = process.env): string {
  return path.resolve(env[KB_VARS.contentDir] ?? 'content');
}

/** Points the site build in this process at a content folder (`kb build`, before Astro starts). */
export function setSiteContentDir(dir: string): void {
  process.env[KB_VARS.contentDir] = dir;
}

/** Whether the environment allows reading private addresses: KB_ALLOW_PRIVATE_HOSTS=1, and nothing else. */
export function privateHostsAllowed(env: Env = process.env): boolean {
  return readVar(env, KB_VARS.allowPrivateHosts) === '1';
}

/** The provider choices the environment makes for every query, as written (config validates them). */
export function providerOverrides(env: Env): { search?: string; llm?: string; model?: string } {
  return { search: readVar(env, KB_VARS.search), llm: readVar(env, KB_VARS.llm), model: readVar(env, KB_VARS.model) };
}

/** A provider's key and base URL from the variables it declares; unset ones are undefined. */
export function providerSettings(env: Env, vars: ProviderEnv | undefined): { key?: string; base?: string } {
  if (!vars) return {};
  return { key: vars.key ? readVar(env, vars.key) : undefined, base: readVar(env, vars.base) };
}

/**
 * Where alerts of material change go: a webhook, e-mail when both SMTP_URL and KB_NOTIFY_EMAIL
 * are set, and GitHub issues when KB_NOTIFY_GITHUB is on. The URLs and the token are secrets (a
 * webhook's path may be its token, SMTP_URL holds a password): they go to the sender and nowhere
 * else.
 */
export function notifySettings(env: Env): NotifySettings {
  const webhook = readVar(env, KB_VARS.notifyUrl);
  const smtp = readVar(env, KB_VARS.smtpUrl);
  const email = readVar(env, KB_VARS.notifyEmail);
  const github = githubSettings(env);
  return { ...(webhook ? { webhook } : {}), ...(smtp && email ? { smtp, email } : {}), ...(github ? { github } : {}) };
}

export interface NotifySettings {
  webhook?: string;
  smtp?: string;
  email?: string;
  github?: GithubSettings;
}

/** The GitHub-issues channel. Token or repository may be missing: the channel then fails each alert saying which. */
export interface GithubSettings {
  token?: string;
  repository?: string;
  apiUrl: string;
}

export const GITHUB_API_DEFAULT = 'https://api.github.com';

/**
 * The GitHub-issues channel, only when KB_NOTIFY_GITHUB switches it on. GITHUB_TOKEN and
 * GITHUB_REPOSITORY alone never do: every Actions job (and many other CI systems) has them, and
 * a test run or another workflow calling kb must not file issues by accident.
 */
export function githubSettings(env: Env): GithubSettings | undefined {
  if (!/^(1|true|yes|on)$/i.test(readVar(env, KB_VARS.notifyGithub) ?? '')) return undefined;
  const token = readVar(env, KB_VARS.githubToken);
  const repository = readVar(env, KB_VARS.githubRepository);
  return { ...(token ? { token } : {}), ...(repository ? { repository } : {}), apiUrl: readVar(env, KB_VARS.githubApiUrl) ?? GITHUB_API_DEFAULT };
}

/** The site's origin (KB_SITE, when set) and base path (KB_BASE, `/` by default, always with slashes), as the Astro build reads them. */
export function siteSettings(env: Env): { site?: string; base: string } {
  const base = `/${(readVar(env, KB_VARS.base) ?? '').replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/');
  const site = readVar(env, KB_VARS.site);
  return { ...(site ? { site } : {}), base };
}

/** `KB_SEARCH_ONE_INDEX_MAX` as a count of briefings, else `fallback`; a value that is not a whole number ≥ 0 is an error that says so. */
export function searchOneIndexMax(env: Env, fallback: number): number {
  const raw = readVar(env, KB_VARS.searchOneIndexMax);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${KB_VARS.searchOneIndexMax} must be a whole number of briefings (0 or more), not "${raw}". Unset it for the default, ${fallback}.`);
  return Number(raw);
}
