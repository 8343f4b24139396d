// `kb list`: each question, its sessions, the last one, and when it is next due by the same rule
// `kb run` uses (the newest session that did not fail).
import path from 'node:path';
import { lastSuccessByQuery } from '#core/session.ts';
import { loadConfig, nextDue } from '#kb/config/queries.ts';
import { listSessions } from '#kb/store/store.ts';
import { noExtraArgs, requireContentDir, table, utc, type Options, type Print } from './cli-kit.ts';

export async function listCommand(args: string[], options: Options, print: Print) {
  noExtraArgs('list', args);
  await requireContentDir(options.content);
  const [config, sessions] = await Promise.all([loadConfig(options.content), listSessions(options.content)]);
  const lastSuccess = lastSuccessByQuery(sessions.map((entry) => entry.session));
  const bySlug = new Map<string, typeof sessions>();
  for (const entry of sessions) bySlug.set(entry.session.querySlug, [...(bySlug.get(entry.session.querySlug) ?? []), entry]);
  const now = Date.now();
  const rows: string[][] = [];
  for (const query of config?.queries ?? []) {
    const list = bySlug.get(query.id) ?? [];
    bySlug.delete(query.id);
    const last = list[0]?.session; // listSessions gives newest first
    const due = nextDue(query.schedule, lastSuccess.get(query.id));
    rows.push([query.id, String(list.length), last ? utc(last.generatedAt) : 'never', !due || due.getTime() <= now ? 'due now' : utc(due.toISOString()), query.question]);
  }
  // Sessions of questions that are not (or no longer) in queries.yaml, e.g. imported ones.
  for (const [slug, list] of bySlug) rows.push([slug, String(list.length), utc(list[0]!.session.generatedAt), 'not scheduled', list[0]!.session.query]);
  if (!rows.length) {
    print(`no queries and no sessions yet in ${options.content}. Add questions to ${path.join(options.content, 'queries.yaml')}, or import sessions: kb import FILE…`);
    return 0;
  }
  print(table(['query', 'sessions', 'last session', 'next due', 'question'], rows));
  return 0;
}
