// `kb doctor`: is this knowledge base ready to run? Checks the config, which providers have
// what they need, and whether each endpoint in use answers. It never prints a key, and it sends
// none: endpoints are checked for reachability, and an OpenAI-compatible server that takes no key
// (Ollama, llama.cpp, vLLM, LM Studio) gets one tiny request that shows which structured-output
// mode it accepts. For a server that needs a key, doctor says what `kb run` last found instead.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { providerSettings, type Env } from '#kb/config/env.ts';
import { loadConfig } from '#kb/config/queries.ts';
import { createOpenAiChat } from '#kb/providers/llm/openai.ts';
import { createModeStore, memoryModeStore, modeKey, modesFile, type JsonMode } from '#kb/providers/llm/structured.ts';
import { PROVIDERS } from '#kb/providers/registry.ts';
import type { Options, Print } from './cli-kit.ts';

export interface Check {
  ok: boolean;
  what: string;
  detail: string;
}

/**
 * `timeoutMs` bounds each reachability check; `probeTimeoutMs` the structured-output probe, which
 * may have to wait for a local server to load the model.
 */
export async function doctor(contentDir: string, env: Env, timeoutMs = 5_000, probeTimeoutMs = 60_000): Promise<Check[]> {
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
    const endpoint = await reachable(name, base, timeoutMs);
    checks.push(endpoint);
    if (name === 'openai' && endpoint.ok && !(keyNeeded && !keySet)) {
      const models = [...new Set(config.queries.flatMap((q) => (q.llm === 'openai' && q.model ? [q.model] : [])))];
      for (const model of models.slice(0, MAX_PROBES)) checks.push(await structuredOutput(contentDir, base, model, keySet, probeTimeoutMs));
    }
  }
  return checks;
}

/** At most this many models are probed, one request each. */
const MAX_PROBES = 3;

const MODE_DETAIL: Record<JsonMode, string> = {
  json_schema: 'json_schema (the server takes the schema)',
  json_object: 'json_object (json_schema refused; the schema goes in the prompt)',
  text: 'plain text (response_format refused; the schema goes in the prompt, and the answer is repaired and checked)',
};

/**
 * Which structured-output mode the server takes for `model`. Without a key: one tiny request
 * (a fresh negotiation, json_schema first), whose result is also remembered for `kb run`. With a
 * key: what `kb run` remembered, since doctor sends no key.
 */
async function structuredOutput(contentDir: string, base: string, model: string, keySet: boolean, timeoutMs: number): Promise<Check> {
  const what = `openai structured output (${model})`;
  const remembered = createModeStore(modesFile(contentDir));
  const key = modeKey(base, model);
  if (keySet) {
    const mode = (await remembered.get(key))?.mode;
    return {
      ok: true,
      what,
      detail: mode
        ? `${MODE_DETAIL[mode]}, as kb run last found (doctor sends no key, so it does not ask)`
        : 'not asked (doctor sends no key); kb run tries json_schema, then json_object, then plain text, and remembers what worked',
    };
  }
  const fresh = memoryModeStore();
  let followed = false;
  let problem: string | undefined;
  try {
    const llm = createOpenAiChat({ baseUrl: base, model, modes: fresh, http: { timeoutMs, retries: 0 } });
    const answer = await llm.complete({
      messages: [{ role: 'user', content: 'Reply with exactly this JSON object: {"ok": true}' }],
      json: { name: 'probe', schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false } },
      maxTokens: 64,
    });
    followed = isProbeAnswer(answer.text);
  } catch (error) {
    problem = (error as Error).message;
  }
  // The mode is known as soon as the server took a request, even if the tiny answer was cut off.
  const learned = await fresh.get(key);
  if (!learned?.mode) return { ok: false, what, detail: `the probe request failed: ${problem ?? 'no answer'}` };
  await remembered.set(key, { ...(await remembered.get(key)), ...learned });
  const note = problem
    ? ` (the probe's answer: ${problem})`
    : followed
      ? ''
      : '; the answer was not the JSON asked for, so the server may ignore response_format (kb reads such answers leniently and asks once more)';
  return { ok: true, what, detail: `${MODE_DETAIL[learned.mode]}${note}` };
}

function isProbeAnswer(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
  } catch {
    return false;
  }
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
