// `kb doctor`: is this knowledge base ready to run? Checks the config, which providers have
// what they need, and whether each endpoint in use answers. It never prints a key, and it sends
// none: endpoints are checked for reachability only, so the check costs nothing.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { providerSettings, type Env } from '#kb/config/env.ts';
import { loadConfig } from '#kb/config/queries.ts';
import { PROVIDERS } from '#kb/providers/registry.ts';
import type { Options, Print } from './cli-kit.ts';

export interface Check {
  ok: boolean;
  what: string;
  detail: string;
}

export async function doctor(contentDir: string, env: Env, timeoutMs = 5_000): Promise<Check[]> {
  const checks: Check[] = [];
  const isDir = await stat(contentDir).then((s) => s.isDirectory(), () => false);
  checks.push({ ok: isDir, what: 'content folder', detail: isDir ? path.resolve(contentDir) : `${contentDir} does not exist` });
  if (!isDir) return checks;

  let config;
  try {
    config = await loadConfig(contentDir, env);
  } catch (error) {
    checks.push({ ok: false, what: 'queries.yaml', detail: (error as Error).message });
    return checks;
  }
  if (!config) {
    checks.push({ ok: false, what: 'queries.yaml', detail: `${path.join(contentDir, 'queries.yaml')} does not exist; kb run has nothing to run` });
    return checks;
  }
  checks.push({ ok: true, what: 'queries.yaml', detail: `${config.queries.length} queries` });

  const inUse = new Set<string>(config.queries.flatMap((q) => [q.search, q.llm]));
  if (inUse.has('corpus')) {
    const files = await readdir(path.join(contentDir, 'corpus'), { recursive: true }).catch(() => [] as string[]);
    const docs = files.filter((f) => /\.(md|txt|html?)$/i.test(f) && path.basename(f).toLowerCase() !== 'readme.md').length;
    checks.push({ ok: true, what: 'search: corpus', detail: `${docs} documents in ${path.join(contentDir, 'corpus')}, plus the results of stored sessions` });
  }
  if (inUse.has('extractive')) checks.push({ ok: true, what: 'analyst: extractive', detail: 'offline, no key needed' });

  // Every HTTP provider in the registry: those in use are checked, the others only mentioned.
  for (const provider of PROVIDERS) {
    if (provider.offline) continue;
    const { name, env: vars, needsKey } = provider;
    const settings = providerSettings(env, vars);
    const keySet = !!settings.key;
    if (!inUse.has(name)) {
      // Keys never switch a provider on; say so, so nobody wonders why a key is not used.
      if (keySet) checks.push({ ok: true, what: name, detail: `${vars.key} is set, but no query uses ${name} (choose it with the config or KB_*_PROVIDER)` });
      continue;
    }
    const base = settings.base ?? vars.defaultBase;
    if (!base) {
      checks.push({ ok: false, what: name, detail: `${vars.base} is not set` });
      continue;
    }
    const keyNeeded = needsKey === 'always' || (needsKey === 'at-default-base' && base === vars.defaultBase);
    if (keyNeeded && !keySet) checks.push({ ok: false, what: `${name} key`, detail: `${vars.key} is not set` });
    else if (vars.key) checks.push({ ok: true, what: `${name} key`, detail: keySet ? `${vars.key} is set` : 'not needed for this server' });
    checks.push(await reachable(name, base, timeoutMs));
  }
  return checks;
}

/** Any HTTP answer means the server is there; only a network failure or silence is a problem. */
async function reachable(name: string, base: string, timeoutMs: number): Promise<Check> {
  const what = `${name} endpoint`;
  try {
    const response = await fetch(base, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.body?.cancel();
    return { ok: true, what, detail: `${new URL(base).origin} answers (HTTP ${response.status})` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const why = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000}s` : (cause ?? (error as Error).message);
    return { ok: false, what, detail: `${safeOrigin(base)} does not answer (${why})` };
  }
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the configured URL';
  }
}

/** `kb doctor`: one line per check; 1 if any failed. */
export async function doctorCommand(options: Options, print: Print) {
  const checks = await doctor(options.content, process.env);
  for (const c of checks) print(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.what}: ${c.detail}`);
  return checks.every((c) => c.ok) ? 0 : 1;
}
