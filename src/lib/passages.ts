// What a briefing page shows of the reading its run did (session schema version 2), in plain
// words: each source's read status, the passages of the page that was read (each quote once on
// the page), the passage a citation rests on, each step's round and reason, the run's budget, and
// the key figures of the answer. Version 1 sessions carry none of these fields, and every
// function here then returns nothing, so their pages render as before.
//
// Nothing here produces HTML: the components render these strings with Astro's escaping.
import type { Budget, KeyFigure, Passage, ReadRecord, Result, Session, Step } from '#core/session.ts';
import { numberResults } from '#core/citations.ts';
import { clip, squash } from '#core/text-analysis.ts';

export const passageId = (n: number, k: number) => `kb-passage-${n}-${k}`;

const grouped = new Intl.NumberFormat('en-US');
const plural = (n: number, one: string, many = `${one}s`) => `${grouped.format(n)} ${n === 1 ? one : many}`;

/** A note as a clause: trimmed, without a final full stop (it is put in brackets or a sentence). */
const clause = (note: string | undefined) => note?.trim().replace(/[.\s]+$/u, '') || undefined;

const KIND: Record<NonNullable<ReadRecord['kind']>, string> = { html: 'web page', pdf: 'PDF', text: 'plain text', provided: 'text from the search provider' };

/**
 * What became of opening a result's page, as a sentence: "Read the page (PDF, 12,400
 * characters).", "The page could not be read (timed out); the search snippet is used."
 */
export function readStatus(read: ReadRecord | undefined, hasSnippet: boolean): { text: string; tone: 'ok' | 'warn' | 'info' } | undefined {
  if (!read) return undefined;
  const note = clause(read.note);
  const fallback = hasSnippet ? 'the search snippet is used' : 'only its title is known';
  if (read.status === 'read') {
    const chars = read.chars !== undefined ? plural(read.chars, 'character') : undefined;
    const text =
      read.kind === 'provided'
        ? `Read the text the search provider returned with this result${chars ? ` (${chars})` : ''}.`
        : `Read the page${read.kind || chars ? ` (${[read.kind && KIND[read.kind], chars].filter(Boolean).join(', ')})` : ''}.`;
    return { text: note ? `${text} ${note[0]!.toUpperCase()}${note.slice(1)}.` : text, tone: 'ok' };
  }
  if (read.status === 'snippet') return { text: `The page could not be read${note ? ` (${note})` : ''}; ${fallback}.`, tone: 'warn' };
  return { text: `The page was not opened${note ? ` (${note})` : ''}; ${fallback}.`, tone: 'info' };
}

// A briefing page, its search document and its claims' words ask for the keys of the same
// snippets and passages several times; the latest are remembered (cleared when full).
const keys = new Map<string, string>();
const KEYS_MAX = 4096;

/** How quotes are compared: white space, case, quotation marks and final punctuation (an ellipsis too) do not count. */
export function quoteKey(text: string): string {
  let key = keys.get(text);
  if (key !== undefined) return key;
  key = squash(text)
    .toLowerCase()
    .replace(/^["'“”‘’«»\s]+|["'“”‘’«»\s]+$/gu, '')
    .replace(/[\s.,;:!?…]+$/u, '');
  if (keys.size >= KEYS_MAX) keys.clear();
  keys.set(text, key);
  return key;
}

/** A quote contained in another counts as the same words once it is long enough to mean it. */
const within = (inner: string, outer: string) => inner.length >= 24 && outer.includes(inner);

export interface ShownPassage {
  text: string;
  where?: string;
  /** The element id of the quote (`kb-passage-n-k`). */
  id: string;
  /**
   * The result's snippet is part of this passage, word for word: the card shows it once, here,
   * with the snippet's grounding marks. `at` is where it starts in the passage, `length` how much
   * of the snippet it is (a final full stop or ellipsis may be left out).
   */
  snippet?: { at: number; length: number };
  /** The same words are quoted earlier on the page, in another source's card: shown as a link there, not again. */
  sameAs?: { n: number; id: string };
}

export interface SourceReading {
  /** The read status in words (absent for version 1 results, which record none). */
  status?: { text: string; tone: 'ok' | 'warn' | 'info' };
  /** The passages to show, best first, each quote once on the page. */
  passages: ShownPassage[];
  /** Whether the card shows the search snippet on its own (not when a passage already shows its words). */
  showSnippet: boolean;
}

/** A range of the snippet's grounding marks (src/lib/grounding.ts `Highlight`). */
export interface SnippetMark {
  start: number;
  end: number;
}

/**
 * What each source card shows of its reading, per citation number. The page shows each quote
 * once: a passage repeated within a page's passages is left out; a passage that holds the card's
 * snippet shows it (with its grounding marks, which claims link to) instead of the snippet; a
 * passage another card already quotes becomes a link to it. `snippetMarks(n)`: the grounding
 * marks in card n's snippet.
 */
export function sourceReadings(steps: Step[], snippetMarks: (n: number) => readonly SnippetMark[] = () => []): Map<number, SourceReading> {
  const readings = new Map<number, SourceReading>();
  /** Quotes already on the page (passages, and snippets shown on their own), by their key. */
  const seen: Array<{ key: string; n: number; id: string }> = [];
  const earlier = (key: string) => {
    const found = seen.find((s) => s.key === key || within(key, s.key));
    return found && { n: found.n, id: found.id };
  };
  for (const { n, result } of numberResults(steps)) {
    const reading = readingOf(n, result, snippetMarks(n), earlier);
    readings.set(n, reading);
    for (const p of reading.passages) if (!p.sameAs) seen.push({ key: quoteKey(p.text), n, id: p.id });
    if (reading.showSnippet && result.snippet?.trim()) seen.push({ key: quoteKey(result.snippet), n, id: `kb-source-${n}` });
  }
  return readings;
}

/** Where a passage holds the snippet word for word (its final full stop or ellipsis aside), if it does. */
function snippetIn(passage: string, snippet: string, marks: readonly SnippetMark[]): ShownPassage['snippet'] {
  const core = snippet.replace(/[\s.…]+$/u, '');
  // A short snippet only when it is the whole passage: a few words may well recur by chance.
  if (core.length < 24 && core !== passage.replace(/[\s.…]+$/u, '')) return undefined;
  const at = passage.indexOf(core);
  // Every mark must fit in the part shown, or a claim's link to it would go nowhere.
  if (at < 0 || marks.some((m) => m.end > core.length)) return undefined;
  return { at, length: core.length };
}

function readingOf(n: number, result: Result, marks: readonly SnippetMark[], earlier: (key: string) => { n: number; id: string } | undefined): SourceReading {
  const snippet = result.snippet?.trim() ? result.snippet : undefined;
  const status = readStatus(result.read, !!snippet);
  const snippetKey = snippet ? quoteKey(snippet) : '';
  let showSnippet = !!result.snippet; // as a version 1 card: any non-empty snippet is shown
  const passages: ShownPassage[] = [];
  const kept: string[] = [];
  (result.passages ?? []).forEach((p: Passage, i) => {
    const key = quoteKey(p.text);
    if (!key) return;
    // Repeated within this page's passages: already shown just above.
    if (kept.some((k) => k === key || within(key, k))) return;
    const id = passageId(n, i + 1);
    const where = p.where?.trim() || undefined;
    if (snippet && showSnippet && (key === snippetKey || within(snippetKey, key))) {
      const at = snippetIn(p.text, snippet, marks);
      const before = marks.length ? undefined : earlier(key);
      if (before) {
        // Another card quotes these words already: a link to them stands for passage and snippet.
        showSnippet = false;
        passages.push({ text: p.text, where, id, sameAs: before });
        return;
      }
      if (at || !marks.length) {
        // The passage shows the snippet's words (with its marks when it holds them as written).
        showSnippet = false;
        passages.push({ text: p.text, where, id, ...(at && { snippet: at }) });
        kept.push(key);
        return;
      }
      if (key === snippetKey) return; // the same words, written a little differently: the marked snippet shows them
    }
    const before = earlier(key);
    if (before) {
      passages.push({ text: p.text, where, id, sameAs: before });
      return;
    }
    passages.push({ text: p.text, where, id });
    kept.push(key);
  });
  return { status, passages, showSnippet };
}

/**
 * Per citation number, the passage the citation rests on (the page's best passage, clipped) as
 * the citation link's description: `“…” (where)`. Only results with passages have one. The
 * prose renders whatever a session file holds, so a malformed result is passed over, not fatal.
 */
export function citationNotes(steps: Step[]): Map<number, string> {
  const notes = new Map<number, string>();
  if (!Array.isArray(steps)) return notes;
  // Numbered as `numberResults` and `countCitable` number them, over whatever the steps hold.
  const results = steps.flatMap((step: unknown) => {
    const list = (step as Step | null)?.results;
    return Array.isArray(list) ? (list as unknown[]) : [];
  });
  for (const [i, result] of results.entries()) {
    const n = i + 1;
    const passages: unknown = (result as Result | null)?.passages;
    const best = Array.isArray(passages) ? (passages as Passage[]).find((p) => typeof p?.text === 'string' && squash(p.text)) : undefined;
    if (!best) continue;
    const where = typeof best.where === 'string' ? best.where.trim() : undefined;
    notes.set(n, `“${clip(best.text, 160)}”${where ? ` (${clip(where, 80)})` : ''}`);
  }
  return notes;
}

/** "Round 2 — follow-up: a lead the pages raised: …", or nothing for a step that records no round. */
export function roundLabel(step: Pick<Step, 'round' | 'reason'>): { round: string; reason?: string } | undefined {
  if (step.round === undefined) return undefined;
  const reason = step.reason?.trim() || undefined;
  return { round: `Round ${step.round} — ${step.round === 1 ? 'first search' : 'follow-up'}`, reason };
}

const STOPPED: Record<NonNullable<Budget['stoppedBy']>, string> = {
  pages: 'stopped when the page budget ran out',
  tokens: 'stopped when the token budget ran out',
  cost: 'stopped when the cost budget ran out',
  'no-new-sources': 'stopped when a round found no new sources',
};

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 });

/** The budget line: "Read 4 of at most 8 pages in 2 rounds; stopped when a round found no new sources." and the limits. */
export function budgetLine(budget: Budget | undefined): { text: string; limits?: string } | undefined {
  if (!budget) return undefined;
  const pages = budget.maxPages !== undefined ? `Read ${grouped.format(budget.pagesRead)} of at most ${plural(budget.maxPages, 'page')}` : `Read ${plural(budget.pagesRead, 'page')}`;
  const text = `${pages} in ${plural(budget.rounds, 'round')}; ${budget.stoppedBy ? STOPPED[budget.stoppedBy] : 'finished within its budget'}.`;
  const limits = [budget.maxTokens !== undefined && plural(budget.maxTokens, 'token'), budget.maxCostUsd !== undefined && usd.format(budget.maxCostUsd)].filter(Boolean);
  return { text, limits: limits.length ? `Limits: ${limits.join(', ')}.` : undefined };
}

const figureNumber = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 });

/**
 * A key figure's value: as the source wrote it, with the number and unit after it when the words
 * hold no number ("about 71%", "by half (50%)"); else the number with its unit ("12 t").
 */
export function figureValue(figure: Pick<KeyFigure, 'value' | 'unit' | 'text'>): string {
  const value = figureNumber.format(figure.value);
  const unit = figure.unit.trim();
  const formatted = !unit ? value : unit === '%' ? `${value}%` : `${value} ${unit}`;
  const written = figure.text?.trim();
  if (!written) return formatted;
  // Words with a number in them ("about 71%", "$1.6 billion") say it; words alone ("by half") get the number.
  return /\d/.test(written) ? written : `${written} (${formatted})`;
}
