// The claim and figure ledger of a standing question: a new session's key figures and main claims
// set against the question's previous session — new, changed (old → new, with both citations),
// unchanged, dropped — and whether any of it is material, which is what alerts.
//
// Matching is deterministic and about meaning, not wording:
//   - Key figures are matched by series: the same unit (`%`, `percent` and `per cent` are one
//     unit) and the same subject, the Jaccard similarity of the labels' stemmed content terms
//     (years left out, they name a period) at least LABEL_MATCH. A figure's period (`asOf`, or a
//     year its label names) is a point in its series: figures of the same period pair first; a
//     figure for another period of the same series is a new data point of it and is compared with
//     the previous point ("74% (2023) → 80% (2024)"); a figure for an earlier period than the
//     previous one had is listed as new, not as a change.
//   - Main claims are the answer's sentences and the summary's key findings (a list item whole,
//     else a sentence), citations out.
//     Two claims are the same claim when their stemmed content terms (numbers aside) have a
//     Jaccard similarity of at least CLAIM_MATCH, or at least CLAIM_MATCH_WITH_FIGURES when they
//     share a figure (a year aside). The same claim reworded is `unchanged`; with other figures it is
//     `changed`. A claim another one restates in part (a sentence split in two, two merged) is
//     `unchanged` too.
//   - Material: a key figure moves by at least the threshold (a fraction of the old value, or
//     percentage points for figures in %), a main claim appears or is dropped, or a claim's
//     figures move by the threshold. A figure that appears or disappears is listed but not
//     material by itself: the claim that states it is.
//   - The method (ledger version 2): whether the session was made as the previous one was (the
//     pipeline version, prompt hashes, analyst, providers and model; ./method.ts; the offline corpus
//     is evidence, not method).
//     When it changed, the first reason says so, and whether any source is new: a change that
//     coincides with a method change may be the method's, not the world's. A previous session that
//     records no method makes it unknown, not changed.
import { numberResults, splitCitations } from '#core/citations.ts';
import { splitClaims } from '#core/grounding/claims.ts';
import { textBlocks } from '#core/markdown-text.ts';
import { extractFigures, sameFigure, type Figure } from '#core/grounding/figures.ts';
import type { KeyFigure, Session } from '#core/session.ts';
import { clip, contentTerms, squash } from '#core/text-analysis.ts';
import { compareMethods } from './method.ts';
import { DEFAULT_THRESHOLD, type AlertThreshold, type Ledger, type LedgerClaim, type LedgerFigure, type LedgerValue } from './schema.ts';

export { DEFAULT_THRESHOLD };

/** 1: the first rules; 2: the method comparison; 3: the offline corpus is evidence, not method; as described above. */
export const LEDGER_VERSION = 3;

/** Label similarity (Jaccard of stemmed terms) at which two key figures are one series. */
export const LABEL_MATCH = 0.5;
/** Term similarity at which two claims are one claim. */
export const CLAIM_MATCH = 0.5;
/** …and at which they are when they share a figure (not a year). */
export const CLAIM_MATCH_WITH_FIGURES = 0.3;
/** Share of a claim's terms another claim must hold for it to restate it. */
const RESTATED = 0.8;
/** Main claims kept per session, and characters per claim. */
const MAX_CLAIMS = 40;
const CLAIM_CHARS = 280;
const REASON_CHARS = 160;
const MAX_REASONS = 60;

type Side = Pick<Session, 'id' | 'summary' | 'answer' | 'steps' | 'method' | 'providers'>;

/** The ledger of `current` against `previous`, the question's earlier session. */
export function compareSessions(previous: Side, current: Side, threshold: Partial<AlertThreshold> = {}): Ledger {
  const limits: AlertThreshold = { ...DEFAULT_THRESHOLD, ...threshold };
  const figures = compareFigures(figuresOf(previous), figuresOf(current), limits);
  const beforeClaims = claimsOf(previous);
  const claims = compareClaims(beforeClaims, claimsOf(current), limits);

  const reasons: string[] = [];
  for (const f of figures) if (f.material) reasons.push(figureReason(f));
  for (const c of claims) if (c.material) reasons.push(claimReason(c));
  const note =
    !previous.answer && beforeClaims.length === 0
      ? 'The previous session has no answer or summary to compare with.'
      : !previous.answer?.figures.length && current.answer?.figures.length
        ? 'The previous session has no key figures to compare with.'
        : undefined;
  // With nothing to compare with, everything would read as new: that is no change to alert on.
  const comparable = !!previous.answer || beforeClaims.length > 0;
  const material = comparable && reasons.length > 0;
  const method = compareMethods(previous, current);
  // A material change made with another method says so first: the method changed, maybe not the world.
  if (material && method.status === 'changed' && method.note) reasons.unshift(method.note);
  return {
    version: LEDGER_VERSION,
    previous: previous.id,
    threshold: limits,
    figures,
    claims: comparable ? claims : claims.map((c) => ({ ...c, material: false })),
    material,
    reasons: material ? reasons.slice(0, MAX_REASONS) : [],
    ...(note ? { note } : {}),
    method,
  };
}

// ---------------------------------------------------------------- figures

/** What series matching reads of a key figure (`figureKey`). */
export interface FigureKey {
  label: string;
  /** The unit as matching sees it (`unitKey`). */
  unit: string;
  /** The label's stemmed content terms, years left out. */
  terms: Set<string>;
  /** The period it describes: `asOf`, else a year its label names; lowercased. */
  period?: string;
  /** The period's year, for ordering periods. */
  year?: number;
}

interface SeriesFigure extends FigureKey {
  figure: KeyFigure;
  index: number;
  url?: string;
}

const YEAR = /^(?:1[89]|2\d)\d\d$/;

/** A key figure's unit, label terms and period, as series matching reads them. */
export function figureKey(figure: Pick<KeyFigure, 'label' | 'unit' | 'asOf'>): FigureKey {
  const labelTerms = contentTerms(figure.label);
  const labelYears = labelTerms.filter((t) => YEAR.test(t));
  const period = squash(figure.asOf ?? '').toLowerCase() || (labelYears.length === 1 ? labelYears[0] : undefined);
  const year = period ? Number(/(?:1[89]|2\d)\d\d/.exec(period)?.[0]) || undefined : undefined;
  return { label: figure.label, unit: unitKey(figure.unit), terms: new Set(labelTerms.filter((t) => !YEAR.test(t))), period, year };
}

/** How alike two figures' subjects are: 0 for other units, else their labels' similarity; one series from LABEL_MATCH. */
export function seriesSimilarity(a: FigureKey, b: FigureKey): number {
  return a.unit === b.unit ? labelSimilarity(a, b) : 0;
}

function figuresOf(session: Side): SeriesFigure[] {
  const urls = new Map(numberResults(session.steps ?? []).map((r) => [r.n, r.result.url]));
  return (session.answer?.figures ?? []).map((figure, index) => {
    const url = figure.cite !== undefined ? urls.get(figure.cite) : undefined;
    return { ...figureKey(figure), figure, index, ...(url ? { url } : {}) };
  });
}

/** A unit as matching sees it: `percent`, `per cent` and `%` are one; `$`, `US$` and `USD` another. */
export function unitKey(unit: string): string {
  const u = squash(unit).toLowerCase().replace(/\.$/, '');
  if (['%', 'percent', 'per cent', 'pct', 'percentage', 'share'].includes(u)) return '%';
  if (['pp', 'pt', 'pts', 'point', 'points', 'percentage point', 'percentage points'].includes(u)) return 'pp';
  if (['$', 'us$', 'usd', 'dollar', 'dollars', 'us dollars'].includes(u)) return 'usd';
  if (['€', 'eur', 'euro', 'euros'].includes(u)) return 'eur';
  if (['t', 'tonne', 'tonnes', 'ton', 'tons', 'metric tons'].includes(u)) return 't';
  return u;
}

const inPoints = (unit: string) => unit === '%' || unit === 'pp';

function labelSimilarity(a: FigureKey, b: FigureKey): number {
  if (a.terms.size === 0 && b.terms.size === 0) return squash(a.label).toLowerCase() === squash(b.label).toLowerCase() ? 1 : 0;
  return jaccard(a.terms, b.terms);
}

function compareFigures(before: SeriesFigure[], after: SeriesFigure[], limits: AlertThreshold): LedgerFigure[] {
  const sameSeries = seriesSimilarity;
  const pairOf = new Map<number, SeriesFigure>(); // after index → before figure
  const taken = new Set<number>(); // before indexes paired one to one

  // 1. The same series and period (or a side that names no period); 2. the same series, a later
  // (or not comparable) period: the new data point of a series the previous answer gave a point of.
  const samePeriod = (a: SeriesFigure, b: SeriesFigure) => !a.period || !b.period || a.period === b.period;
  const laterPeriod = (a: SeriesFigure, b: SeriesFigure) => !samePeriod(a, b) && !(a.year !== undefined && b.year !== undefined && b.year < a.year);
  for (const periods of [samePeriod, laterPeriod]) {
    const candidates: Array<{ a: SeriesFigure; b: SeriesFigure; score: number }> = [];
    for (const a of before) {
      if (taken.has(a.index)) continue;
      for (const b of after) {
        if (pairOf.has(b.index) || !periods(a, b)) continue;
        const score = sameSeries(a, b);
        if (score >= LABEL_MATCH) candidates.push({ a, b, score: score + (a.period === b.period ? 0.001 : 0) });
      }
    }
    candidates.sort((x, y) => y.score - x.score || x.a.index - y.a.index || x.b.index - y.b.index);
    for (const { a, b } of candidates) {
      if (taken.has(a.index) || pairOf.has(b.index)) continue;
      taken.add(a.index);
      pairOf.set(b.index, a);
    }
  }
  // 3. A later period of a series whose earlier point is paired already ("2023" kept, "2024"
  // added): compared with the latest earlier point. An earlier period is new, not a change.
  for (const b of after) {
    if (pairOf.has(b.index) || b.year === undefined) continue;
    const earlier = before
      .filter((a) => a.year !== undefined && a.year < b.year! && sameSeries(a, b) >= LABEL_MATCH)
      .sort((x, y) => y.year! - x.year! || sameSeries(y, b) - sameSeries(x, b) || x.index - y.index)[0];
    if (earlier) {
      pairOf.set(b.index, earlier);
      taken.add(earlier.index);
    }
  }

  const out: LedgerFigure[] = [];
  for (const b of after) {
    const a = pairOf.get(b.index);
    const label = b.figure.label;
    const unit = b.figure.unit;
    if (!a) {
      out.push({ status: 'new', label, unit, after: valueOf(b), material: false });
      continue;
    }
    const delta = round(b.figure.value - a.figure.value);
    const moved = delta !== 0;
    const relative = a.figure.value !== 0 ? round(delta / Math.abs(a.figure.value)) : undefined;
    out.push({
      status: moved ? 'changed' : 'unchanged',
      label,
      unit,
      before: valueOf(a),
      after: valueOf(b),
      ...(moved ? { delta, ...(relative !== undefined ? { relative } : {}) } : {}),
      material: moved && isMaterialMove(a.figure.value, b.figure.value, inPoints(b.unit), limits),
    });
  }
  for (const a of before) if (!taken.has(a.index)) out.push({ status: 'dropped', label: a.figure.label, unit: a.figure.unit, before: valueOf(a), material: false });
  return out;
}

function valueOf(f: SeriesFigure): LedgerValue {
  const { value, text, asOf, cite } = f.figure;
  return { value, ...(text ? { text } : {}), ...(asOf ? { asOf } : {}), ...(cite !== undefined ? { cite } : {}), ...(f.url ? { url: f.url } : {}) };
}

/** Whether a move from `from` to `to` reaches the threshold: points for %, else a share of the old value. */
export function isMaterialMove(from: number, to: number, points: boolean, limits: AlertThreshold = DEFAULT_THRESHOLD): boolean {
  const move = Math.abs(to - from);
  if (points) return move >= limits.points - 1e-9;
  if (from === 0) return to !== 0;
  return move / Math.abs(from) >= limits.relative - 1e-9;
}

// ---------------------------------------------------------------- claims

interface MainClaim {
  index: number;
  /** The claim as written, citations kept, clipped. */
  text: string;
  cites: number[];
  terms: Set<string>;
  figures: Figure[];
}

/**
 * The main claims: the answer's sentences, then the summary's key findings (a list item is one
 * finding, whole; other paragraphs give a claim a sentence). Citations are kept in the text and
 * left out of the terms; a claim the answer already made is kept once.
 */
export function claimsOf(session: Side): MainClaim[] {
  const resultCount = (session.steps ?? []).reduce((n, s) => n + s.results.length, 0);
  const out: MainClaim[] = [];
  for (const markdown of [session.answer?.text, session.summary]) {
    if (!markdown?.trim()) continue;
    for (const block of textBlocks(markdown)) {
      if (block.type !== 'paragraph') continue;
      const texts = block.marker ? [block.text] : splitClaims(block.text).map((c) => c.text);
      for (const text of texts) {
        const parts = splitCitations(text, resultCount);
        const cites = [...new Set(parts.flatMap((p) => ('n' in p ? [p.n] : [])))];
        // What is left of a citation's brackets ("[, ]") goes with it.
        const plain = squash(parts.map((p) => ('n' in p ? ' ' : p.text)).join('').replace(/\[[\s,–-]*\]/g, ' '));
        const terms = new Set(contentTerms(plain).filter((t) => !/\d/.test(t)));
        if (terms.size < 2) continue;
        const figures = extractFigures(plain);
        if (out.some((c) => jaccard(c.terms, terms) >= 0.8 && sameFigures(c.figures, figures))) continue;
        out.push({ index: out.length, text: clip(text, CLAIM_CHARS), cites, terms, figures });
        if (out.length >= MAX_CLAIMS) return out;
      }
    }
  }
  return out;
}

function compareClaims(before: MainClaim[], after: MainClaim[], limits: AlertThreshold): LedgerClaim[] {
  const candidates: Array<{ a: MainClaim; b: MainClaim; score: number }> = [];
  for (const a of before) {
    for (const b of after) {
      const score = jaccard(a.terms, b.terms);
      const figureShared = a.figures.some((f) => f.kind !== 'year' && b.figures.some((g) => equalFigure(f, g)));
      if (score >= CLAIM_MATCH || (figureShared && score >= CLAIM_MATCH_WITH_FIGURES)) candidates.push({ a, b, score: score + (figureShared ? 0.001 : 0) });
    }
  }
  candidates.sort((x, y) => y.score - x.score || x.a.index - y.a.index || x.b.index - y.b.index);
  const pairOf = new Map<number, MainClaim>();
  const taken = new Set<number>();
  for (const { a, b } of candidates) {
    if (taken.has(a.index) || pairOf.has(b.index)) continue;
    taken.add(a.index);
    pairOf.set(b.index, a);
  }

  const out: LedgerClaim[] = [];
  const cites = (c: MainClaim) => (c.cites.length ? { cites: c.cites } : {});
  const wording = (a: MainClaim, b: MainClaim) => (a.text !== b.text ? { before: { text: a.text, ...cites(a) } } : {});
  for (const b of after) {
    const a = pairOf.get(b.index);
    if (a) {
      const same = sameFigures(a.figures, b.figures);
      out.push({ status: same ? 'unchanged' : 'changed', text: b.text, ...cites(b), ...wording(a, b), material: !same && figuresMoved(a.figures, b.figures, limits) });
      continue;
    }
    // Restated in part by a claim of the previous session (a sentence split in two, say).
    const whole = before.find((c) => restates(c, b));
    if (whole) out.push({ status: 'unchanged', text: b.text, ...cites(b), ...wording(whole, b), material: false });
    else out.push({ status: 'new', text: b.text, ...cites(b), material: true });
  }
  for (const a of before) {
    if (taken.has(a.index)) continue;
    const whole = after.find((c) => restates(c, a));
    // Said now as part of another claim: kept, not dropped; the claim that says it is listed already.
    if (!whole) out.push({ status: 'dropped', text: a.text, ...cites(a), material: true });
  }
  return out;
}

/** `whole` holds most of `part`'s terms and every figure of it. */
function restates(whole: MainClaim, part: MainClaim): boolean {
  if (part.terms.size < 3) return false;
  let shared = 0;
  for (const t of part.terms) if (whole.terms.has(t)) shared++;
  return shared / part.terms.size >= RESTATED && part.figures.every((f) => whole.figures.some((g) => equalFigure(f, g)));
}

/** One figure written twice: the same unit and value within rounding, a range only as the same range. */
function equalFigure(a: Figure, b: Figure): boolean {
  return (a.high === undefined) === (b.high === undefined) && sameFigure(a, b) && sameFigure(b, a);
}

/** The same figures both ways, in any order. */
function sameFigures(a: Figure[], b: Figure[]): boolean {
  const covered = (xs: Figure[], ys: Figure[]) => xs.every((x) => ys.some((y) => equalFigure(x, y)));
  return covered(a, b) && covered(b, a);
}

/**
 * Whether the figures of a claim moved materially: a figure of one side that the other does not
 * state is compared with the other side's figure of the same unit (in order), by the threshold;
 * one with no counterpart at all is a figure the claim gained or lost. Years move nothing.
 */
function figuresMoved(a: Figure[], b: Figure[], limits: AlertThreshold): boolean {
  const unmatched = (xs: Figure[], ys: Figure[]) => xs.filter((x) => x.kind !== 'year' && !ys.some((y) => equalFigure(x, y)));
  const gone = unmatched(a, b);
  const added = unmatched(b, a);
  const used = new Set<Figure>();
  for (const f of added) {
    const old = gone.find((g) => !used.has(g) && g.unit === f.unit && g.kind === f.kind);
    if (!old) return true;
    used.add(old);
    const points = f.unit === '%' || f.unit === 'pp';
    // A range moves with either end: "120 GWh" → "from 120 to 135 GWh" is a move to 135.
    if (isMaterialMove(old.value, f.value, points, limits) || isMaterialMove(old.high ?? old.value, f.high ?? f.value, points, limits)) return true;
  }
  return gone.some((g) => !used.has(g));
}

// ---------------------------------------------------------------- words

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 });

/** A key figure's value with its unit, as a reason shows it: "74%", "1,200 t", "3.5 USD bn". */
export function formatValue(value: number, unit: string): string {
  const u = unit.trim();
  if (!u) return number.format(value);
  return unitKey(u) === '%' ? `${number.format(value)}%` : `${number.format(value)} ${u}`;
}

/** How a figure moved, in words: "+6 points", "−8.1%". */
export function formatMove(f: LedgerFigure): string {
  if (f.delta === undefined) return 'unchanged';
  const sign = f.delta > 0 ? '+' : '−';
  if (inPoints(unitKey(f.unit))) return `${sign}${number.format(Math.abs(f.delta))} point${Math.abs(f.delta) === 1 ? '' : 's'}`;
  if (f.relative === undefined) return `${sign}${formatValue(Math.abs(f.delta), f.unit)}`;
  return `${sign}${new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(Math.abs(f.relative) * 100)}%`;
}

const side = (v: LedgerValue, unit: string) => `${formatValue(v.value, unit)}${v.asOf ? ` (${v.asOf})` : ''}${v.cite !== undefined ? ` [${v.cite}]` : ''}`;

/** "Net import reliance: 74% (2023) [2] → 80% (2024) [5], +6 points". */
export function figureReason(f: LedgerFigure): string {
  if (f.status === 'new') return `${f.label}: new, ${side(f.after!, f.unit)}`;
  if (f.status === 'dropped') return `${f.label}: no longer given (was ${side(f.before!, f.unit)})`;
  return `${f.label}: ${side(f.before!, f.unit)} → ${side(f.after!, f.unit)}, ${formatMove(f)}`;
}

export function claimReason(c: LedgerClaim): string {
  const text = `“${clip(c.text, REASON_CHARS)}”`;
  if (c.status === 'new') return `New claim: ${text}`;
  if (c.status === 'dropped') return `Dropped claim: ${text}`;
  if (c.status === 'changed') return `Claim changed: ${text}${c.before ? ` (was “${clip(c.before.text, REASON_CHARS)}”)` : ''}`;
  return `Claim unchanged: ${text}`;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let shared = 0;
  for (const t of a) if (b.has(t)) shared++;
  return shared / (a.size + b.size - shared);
}

const round = (n: number) => Math.round(n * 1e9) / 1e9;
