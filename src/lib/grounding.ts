// What a briefing page shows of its grounding, worked out from the session alone by the same
// check the pipeline runs (src/core/grounding/), so every briefing, old or new, shows it:
//   - in the prose: each unsupported figure marked with why, and each supported claim followed by
//     a small link to the words in the source card that support it (the render-time transform,
//     src/lib/prose/grounding.ts, places these from `planMarks`);
//   - on the source cards: those words highlighted, with ids the links target (`highlights`);
//   - the "Sources and evidence" panel: each source and the claims that rest on it.
// Ids are built from integers only. Nothing here produces HTML: callers build nodes or let Astro
// escape text.
import { LRUCache } from 'lru-cache';
import { groundSession, type Claim, type GroundingInput, type GroundingReport } from '#core/grounding/index.ts';
import type { Field } from '#core/grounding/support.ts';

export type { Claim, GroundingReport } from '#core/grounding/index.ts';

// Memoised by the session's steps array: the page, its cards and the prose transform (through
// renderProse) share one run of the check. Only the latest few are kept: a build holds every
// session in memory, and a report for each of 10,000 would not fit the memory budget
// (docs/performance.md).
const cache = new LRUCache<object, { summary?: string; analysis: string; report: GroundingReport }>({ max: 64 });

/** The grounding of a session, worked out once per build for the same session. */
export function groundingOf(session: GroundingInput): GroundingReport {
  const hit = cache.get(session.steps);
  if (hit && hit.summary === session.summary && hit.analysis === session.analysis) return hit.report;
  const report = groundSession(session);
  cache.set(session.steps, { summary: session.summary, analysis: session.analysis, report });
  return report;
}

/** Where to read a briefing's session: what the grounding worker needs to check it. */
export interface GroundingRequest {
  file: string;
  digest: string;
  sessionId: string;
}

/** The check on another thread (./grounding-worker.ts), started by `kb build`. */
export interface GroundingWorker {
  request(entry: GroundingRequest): Promise<GroundingReport>;
  stop(): Promise<void>;
}

// The integration that starts the worker runs in `kb build`'s own module graph; the pages are
// bundled apart from it, so it is handed over on a well-known global, as the catalog is.
const WORKER = Symbol.for('briefing-kb.grounding-worker');

export function shareGroundingWorker(worker: GroundingWorker | undefined): void {
  (globalThis as Record<symbol, unknown>)[WORKER] = worker;
}

/** Reports asked of the worker and not yet used, by file digest: the page and the next few. */
const ahead = new Map<string, Promise<GroundingReport | undefined>>();
const AHEAD_MAX = 8;

interface Ahead {
  file: string;
  digest: string;
  meta: { id: string };
  readonly data: GroundingInput;
}

/**
 * Makes the grounding of `current` ready for `groundingOf`, from the worker when there is one,
 * and asks it for the `next` briefings' while this page renders. Without a worker, or when it
 * fails, nothing happens here and the page runs the check itself.
 */
export async function groundingAhead(current: Ahead, next: readonly Ahead[] = []): Promise<void> {
  const worker = (globalThis as Record<symbol, unknown>)[WORKER] as GroundingWorker | undefined;
  if (!worker) return;
  const ask = (b: Ahead) => worker.request({ file: b.file, digest: b.digest, sessionId: b.meta.id }).catch(() => undefined);
  const mine = ahead.get(current.digest) ?? ask(current);
  ahead.delete(current.digest);
  for (const b of next) {
    if (ahead.has(b.digest)) continue;
    // Pages an incremental build skips leave their requests behind: the oldest go.
    if (ahead.size >= AHEAD_MAX) ahead.delete(ahead.keys().next().value!);
    ahead.set(b.digest, ask(b));
  }
  const report = await mine;
  const session = current.data;
  if (report) cache.set(session.steps, { summary: session.summary, analysis: session.analysis, report });
}

// A question page shows the score of each of its briefings, and is rendered after their pages
// (Astro renders the routes file by file): the counts are kept by file digest, a few numbers per
// session, so the check does not run twice for every briefing.
const countsByDigest = new Map<string, GroundingReport['counts']>();

/** The grounding counts of a briefing, worked out once per build. */
export function groundingCounts(b: { digest: string; data: GroundingInput }): GroundingReport['counts'] {
  let counts = countsByDigest.get(b.digest);
  if (!counts) countsByDigest.set(b.digest, (counts = groundingOf(b.data).counts));
  return counts;
}

export const evidenceId = (n: number, k: number) => `kb-ev-${n}-${k}`;
export const claimId = (i: number) => `kb-claim-${i + 1}`;
export const whyId = (i: number) => `kb-why-${i + 1}`;

/** One highlighted range of a source card's title, snippet or passages (offsets into `passagesText`). */
export interface Highlight {
  field: Field;
  start: number;
  end: number;
  id: string;
}

export interface PageGrounding {
  report: GroundingReport;
  /** Per result number: its highlighted ranges (merged, in order), each with an id. */
  highlights: Map<number, Highlight[]>;
  /** Per claim index (supported claims only): the highlight its link goes to. */
  targets: Map<number, { n: number; id: string }>;
  /** Per result number: the claims that rest on it (indices into report.claims). */
  bySource: Map<number, number[]>;
}

/** Everything the page needs, from one run of the check. */
const pages = new WeakMap<GroundingReport, PageGrounding>();

export function pageGrounding(session: GroundingInput): PageGrounding {
  const report = groundingOf(session);
  const known = pages.get(report);
  if (known) return known;
  const spans = new Map<number, Array<{ field: Field; start: number; end: number }>>();
  report.claims.forEach((claim) => {
    for (const e of claim.evidence) {
      // In the passages read, only figures are marked: every shared word of every claim marked
      // through whole paragraphs would weigh more than the quotes themselves (page weight budget).
      if (e.field === 'passages' && e.kind === 'term') continue;
      const list = spans.get(e.n) ?? [];
      list.push({ field: e.field, start: e.start, end: e.end });
      spans.set(e.n, list);
    }
  });
  const highlights = new Map<number, Highlight[]>();
  for (const [n, list] of spans) {
    const merged: Highlight[] = [];
    for (const field of ['title', 'snippet', 'passages'] as const) {
      const sorted = list.filter((s) => s.field === field).sort((a, b) => a.start - b.start || a.end - b.end);
      for (const s of sorted) {
        const last = merged.at(-1);
        if (last && last.field === field && s.start <= last.end) last.end = Math.max(last.end, s.end);
        else merged.push({ field, start: s.start, end: s.end, id: '' });
      }
    }
    merged.forEach((h, k) => (h.id = evidenceId(n, k + 1)));
    highlights.set(n, merged);
  }
  const targets = new Map<number, { n: number; id: string }>();
  const bySource = new Map<number, number[]>();
  report.claims.forEach((claim, i) => {
    if (claim.status !== 'supported') return;
    for (const n of claim.sources) bySource.set(n, [...(bySource.get(n) ?? []), i]);
    // The link goes to the first figure that supports the claim, else its first word.
    const n = claim.sources[0];
    if (n === undefined) return;
    const own = claim.evidence.filter((e) => e.n === n);
    // Title and snippet marks are always on the card; a passage may be folded into another card's.
    const first = own.find((e) => e.kind === 'figure' && e.field !== 'passages') ?? own.find((e) => e.field !== 'passages') ?? own.find((e) => e.kind === 'figure') ?? own[0];
    const target = first && highlights.get(n)?.find((h) => h.field === first.field && h.start <= first.start && first.end <= h.end);
    if (target) targets.set(i, { n, id: target.id });
  });
  const page = { report, highlights, targets, bySource };
  pages.set(report, page);
  return page;
}

/** A text cut into plain and highlighted pieces, for a card to render with Astro's escaping. */
export function segments(text: string, ranges: Highlight[]): Array<{ text: string; id?: string }> {
  const out: Array<{ text: string; id?: string }> = [];
  let at = 0;
  for (const r of ranges) {
    if (r.start < at || r.end > text.length) continue;
    if (r.start > at) out.push({ text: text.slice(at, r.start) });
    out.push({ text: text.slice(r.start, r.end), id: r.id });
    at = r.end;
  }
  if (at < text.length) out.push({ text: text.slice(at) });
  return out;
}

// ---- for the render-time transform ----

/**
 * Positions in a block are counted in "dense" characters: the rendered HTML splits and spaces
 * text differently from the markdown, and typesets it (smart quotes, "--" → "–", "..." → "…"),
 * but it shows the same characters once white space is dropped and typography undone.
 */
const TYPESET: Record<string, string> = { '“': '"', '”': '"', '„': '"', '‘': "'", '’': "'", '–': '--', '—': '---', '…': '...' };

// How many dense characters each UTF-16 code unit stands for, worked out once: a table lookup per
// character instead of a regex run (this is called for every character of every briefing's prose).
const WIDTH = new Uint8Array(0x10000).map((_, c) => {
  const ch = String.fromCharCode(c);
  return /\s/.test(ch) ? 0 : (TYPESET[ch]?.length ?? 1);
});

/** How many dense characters one character of text stands for. */
export function denseWidth(ch: string): number {
  return WIDTH[ch.charCodeAt(0)]!;
}

/** `dense(text).length`, without building the string. */
export function denseLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) n += WIDTH[text.charCodeAt(i)]!;
  return n;
}

export function dense(text: string): string {
  return text.replace(/\s+/g, '').replace(/[“”„‘’–—…]/g, (ch) => TYPESET[ch]!);
}

/** Dense offset of every position of `text` (one pass, then each lookup is free). */
function denseOffsets(text: string): Uint32Array {
  const at = new Uint32Array(text.length + 1);
  for (let i = 0; i < text.length; i++) at[i + 1] = at[i]! + WIDTH[text.charCodeAt(i)]!;
  return at;
}

export interface PlannedBlock {
  part: 'summary' | 'analysis';
  /** The block's text without white space: how the transform recognises it in the HTML. */
  key: string;
  /** Unsupported figures: dense range, the reason, and the marker number (for its id). */
  marks: Array<{ start: number; end: number; why: string; k: number }>;
  /** Supported claims: the dense offset their link goes after, and where it points. */
  links: Array<{ at: number; claim: number; n: number; target: string }>;
}

/** Where the transform puts markers and links, block by block, in reading order. */
const plans = new WeakMap<GroundingReport, PlannedBlock[]>();

export function planMarks(session: GroundingInput): PlannedBlock[] {
  const { report, targets } = pageGrounding(session);
  const known = plans.get(report);
  if (known) return known;
  const blocks: PlannedBlock[] = report.blocks.map((b) => ({ part: b.part, key: dense(b.text), marks: [], links: [] }));
  let k = 0;
  const offsets = new Map<number, Uint32Array>();
  const denseOffset = (blockIndex: number, offset: number) => {
    const text = report.blocks[blockIndex]!.text;
    let at = offsets.get(blockIndex);
    if (!at) offsets.set(blockIndex, (at = denseOffsets(text)));
    return at[Math.max(0, Math.min(offset, text.length))]!;
  };
  report.claims.forEach((claim: Claim, i) => {
    const planned = blocks[claim.block]!;
    if (claim.status === 'unsupported') {
      for (const f of claim.figures) {
        if (f.found || !f.why) continue;
        planned.marks.push({ start: denseOffset(claim.block, f.start), end: denseOffset(claim.block, f.end), why: f.why, k: k++ });
      }
    }
    const target = targets.get(i);
    if (target) planned.links.push({ at: denseOffset(claim.block, claim.end), claim: i, n: target.n, target: target.id });
  });
  plans.set(report, blocks);
  return blocks;
}

/** What the transform records as it renders the prose: the claims it linked and figures it marked. */
export interface GroundingPlaced {
  claims: number[];
  marks: number;
}

/** "supported" in one line, as the page says it. */
export const SUPPORTED_MEANS =
  'A claim is supported when every figure it states, and enough of its key words, are found in the results it cites — or, when it cites none, in one result of this session. This is a lexical and numeric check, not fact-checking against the world.';
