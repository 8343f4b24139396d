// Alerts from the real offline pipeline (rule planner, corpus search, extractive analyst): two
// questions run a week apart, with the corpus edited in between as a desk would — one figure the
// rare-earths answer rests on revised and a claim added to the same page; the cobalt pages only
// reworded. Against a loopback webhook: exactly rare earths notifies, with its old and new values;
// rewording alone notifies nobody.
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDue } from '#kb/commands/run.ts';
import { listSessions } from '#kb/store/store.ts';
import { numberResults } from '#core/citations.ts';
import type { Session } from '#core/session.ts';
import { sendJson, startLoopback, type Loopback } from '#tests/support/loopback.ts';
import type { AlertPayload } from './index.ts';

const CORPUS = fileURLToPath(new URL('../../../content/corpus/', import.meta.url));

let content: string;
let webhook: Loopback;
let first: Record<string, Session>;
let second: Record<string, Session>;
let notifications: Awaited<ReturnType<typeof runDue>>['notifications'];

const newest = async () => {
  const all = (await listSessions(content)).map((s) => s.session).sort((a, b) => a.generatedAt.localeCompare(b.generatedAt));
  return Object.fromEntries(all.map((s) => [s.querySlug, s]));
};

/** Every corpus file under `dir`, with its text. */
async function corpusFiles(dir: string) {
  const names = (await readdir(dir, { recursive: true })) as string[];
  return Promise.all(names.filter((n) => /\.(md|txt|html)$/.test(n) && !/README/.test(n)).map(async (n) => ({ file: path.join(dir, n), text: await readFile(path.join(dir, n), 'utf8') })));
}

beforeAll(async () => {
  content = await mkdtemp(path.join(os.tmpdir(), 'kb-corpus-alerts-'));
  for (const topic of ['rare-earths', 'cobalt']) await cp(path.join(CORPUS, topic), path.join(content, 'corpus', topic), { recursive: true });
  await writeFile(
    path.join(content, 'queries.yaml'),
    'defaults:\n  schedule: 7d\n  steps: 4\n  maxResults: 6\n  search: corpus\n  llm: extractive\nqueries:\n' +
      '  - id: rare-earths\n    question: What is the import dependency of the US on China for rare earths?\n    steps: 5\n' +
      '  - id: cobalt\n    question: How concentrated is cobalt supply in the Democratic Republic of the Congo, and what are the risks?\n',
  );
  webhook = await startLoopback((_req, res) => sendJson(res, 200, { ok: true }));
  const env = { KB_NOTIFY_URL: `${webhook.url}/hook` };
  let clock = new Date('2026-03-02T06:00:00Z');
  await runDue({ contentDir: content, env, now: () => clock });
  first = await newest();

  // The desk revises the figure the rare-earths answer gives first, on the page it cites, and adds a claim there.
  const figure = first['rare-earths']!.answer!.figures.find((f) => f.unit === '%' && f.text && f.cite)!;
  const cited = numberResults(first['rare-earths']!.steps)[figure.cite! - 1]!.result;
  const files = await corpusFiles(path.join(content, 'corpus', 'rare-earths'));
  const page = files.find((f) => f.text.includes(cited.url!) && f.text.includes(figure.text!))!;
  const revised = figure.text!.replace(String(figure.value), String(figure.value + 7));
  await writeFile(page.file, page.text.replaceAll(figure.text!, revised).replace(/(\n\n)(?=[^\n]*\S)/, '$1A new magnet plant in Texas began making 1,000 tonnes of rare earth magnets a year in 2026, the first US output at that scale.\n\n'));
  // The cobalt pages are reworded only: the same facts and figures in other words.
  for (const f of await corpusFiles(path.join(content, 'corpus', 'cobalt'))) await writeFile(f.file, f.text.replaceAll(' about ', ' roughly ').replaceAll(' around ', ' about '));

  clock = new Date('2026-03-09T06:00:00Z');
  notifications = (await runDue({ contentDir: content, env, now: () => clock })).notifications;
  second = await newest();
}, 120_000);

afterAll(async () => {
  await webhook?.close();
  await rm(content, { recursive: true, force: true });
});

describe('alerts from the offline pipeline, with the corpus edited between two runs', () => {
  it('notifies exactly the question whose figure was revised', () => {
    expect(second['rare-earths']!.id).not.toBe(first['rare-earths']!.id);
    expect(second.cobalt!.id).not.toBe(first.cobalt!.id);
    expect(notifications).toEqual([{ query: 'rare-earths', channel: 'webhook', outcome: 'sent' }]);
    expect(webhook.requests).toHaveLength(1);
  });

  it('sends the old and new values of the revised figure, with both citations', () => {
    const before = first['rare-earths']!.answer!.figures.find((f) => f.unit === '%' && f.text && f.cite)!;
    const payload = webhook.requests[0]!.json as AlertPayload;
    expect(payload.query).toBe('rare-earths');
    const moved = payload.figures.find((f) => f.status === 'changed');
    expect(moved).toMatchObject({ before: { value: before.value, cite: before.cite }, after: { value: before.value + 7 }, material: true });
    expect(payload.text).toContain(`→`);
    // The desk's edit is new evidence, not a new method: the alert does not blame the method.
    expect(payload.method).toEqual({ status: 'same', changes: [] });
    expect(payload.reasons.join('\n')).not.toMatch(/method/i);
  });

  it('rewording alone changes nothing in the ledger that matters', () => {
    const ledger = second.cobalt!.ledger!;
    expect(ledger.previous).toBe(first.cobalt!.id);
    expect(ledger.material).toBe(false);
    expect(ledger.reasons).toEqual([]);
    // The words did change: the answer is the reworded page's.
    expect(second.cobalt!.answer!.text).not.toBe(first.cobalt!.answer!.text);
    expect(ledger.figures.every((f) => f.status === 'unchanged')).toBe(true);
  });
});
