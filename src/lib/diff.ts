// What changed between two sessions of one question: sources added and dropped, figures that
// appeared, disappeared or changed, and the two summaries. Pure TypeScript, no Astro imports, so
// the CLI and tests can use it as well as the pages.
import { LRUCache } from 'lru-cache';
import { domainOf, normaliseUrl } from '#core/facets.ts';
import { textBlocks } from '#core/markdown-text.ts';
import type { Result, Session } from '#core/session.ts';
import { stem } from '#core/text-analysis.ts';

// ---------------------------------------------------------------- sources

export interface SourceRef {
  title: string;
  url?: string;
  domain?: string;
}

export interface SourceChanges {
  added: SourceRef[];
  dropped: SourceRef[];
  kept: number;
}

export { normaliseUrl };

function sourceKey(r: Result): string {
  const url = r.url ? normaliseUrl(r.url) : undefined;
  if (url) return `url:${url}`;
  if (r.url?.trim()) return `url:${r.url.trim()}`;
  return `title:${r.title.trim().toLowerCase().replace(/\s+/g, ' ')}`;
}

function sourcesOf(s: Session): Map<string, SourceRef> {
  const map = new Map<string, SourceRef>();
  for (const step of s.steps) {
    for (const r of step.results) {
      const key = sourceKey(r);
      if (map.has(key)) continue;
      const ref: SourceRef = { title: r.title.trim() || r.url || '(untitled)' };
      if (r.url) ref.url = r.url;
      const domain = domainOf(r);
      if (domain) ref.domain = domain;
      map.set(key, ref);
    }
  }
  return map;
}

/** Sources of `newer` that `older` did not have, and the other way round, in result order. */
export function sourceChanges(older: Session, newer: Session): SourceChanges {
  const a = sourcesOf(older);
  const b = sourcesOf(newer);
  const added = [...b].filter(([k]) => !a.has(k)).map(([, v]) => v);
  const dropped = [...a].filter(([k]) => !b.has(k)).map(([, v]) => v);
  const kept = [...b.keys()].filter((k) => a.has(k)).length;
  return { added, dropped, kept };
}

// ---------------------------------------------------------------- figures

export interface Figure {
  value: number;
  /** Normalised: `%`, `GWh`, `GW`, `t`, `h`, `EUR`, `USD`, `GBP`, `EUR/kWh`, … */
  unit: string;
  /** The figure exactly as written. */
  text: string;
  /** Up to six lowercase words before the figure (same sentence or table row), stop words out. */
  context: string;
}

const CURRENCY_SYMBOL: Record<string, string> = { '€': 'EUR', '$': 'USD', '£': 'GBP', '¥': 'JPY', 'US$': 'USD' };
const CURRENCY_CODE = /^(EUR|USD|GBP|JPY|CNY|CHF|SEK|NOK|DKK|PLN)$/i;

const SCALE: Record<string, number> = {
  thousand: 1e3, k: 1e3,
  million: 1e6, mn: 1e6, m: 1e6, mio: 1e6,
  billion: 1e9, bn: 1e9, b: 1e9,
  trillion: 1e12, tn: 1e12, trn: 1e12,
};

/** Physical units as written (lowercase key) → normalised spelling. */
const UNITS: Record<string, string> = {
  twh: 'TWh', gwh: 'GWh', mwh: 'MWh', kwh: 'kWh',
  tw: 'TW', gw: 'GW', mw: 'MW', kw: 'kW',
  tonnes: 't', tonne: 't', tons: 't', ton: 't', t: 't',
  kt: 'kt', mt: 'Mt',
  hours: 'h', hour: 'h', hrs: 'h', h: 'h',
  km: 'km', kilometres: 'km', kilometers: 'km',
  'percentage points': 'pp', 'percentage point': 'pp', pp: 'pp',
};

const NUM = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?`;
const SCALE_WORDS = String.raw`thousand|million|billion|trillion|mn|bn|tn|trn|mio|m|b|k`;
const UNIT_WORDS = String.raw`TWh|GWh|MWh|kWh|TW|GW|MW|kW|tonnes|tonne|tons|ton|kt|Mt|t|hours|hour|hrs|h|km|kilometres|kilometers|percentage points?|pp`;
const PER = String.raw`(?:\s*(?:\/|per\s+)(?:kWh|MWh|kW|MW|tonne|t|year|yr)\b)*`;

// One pass over the text, alternatives in priority order:
//  1. currency symbol amount [scale] [per unit]      €185 per kWh, $1.6bn, £62/kW/year
//  2. amount [scale] currency code                    185 EUR, 1.6 billion USD
//  3. percent                                         61%, 61 percent, 61 per cent
//  4. amount [scale] physical unit                    16.4 GWh, 8,500 tonnes, 3.4 GW
const FIGURE = new RegExp(
  String.raw`(?<![\w.,])(?:(US\$|[€$£¥])\s?(${NUM})(?:\s?(${SCALE_WORDS})\b)?(${PER})` +
    String.raw`|(${NUM})(?:\s?(${SCALE_WORDS})\b)?\s?(EUR|USD|GBP|JPY|CNY|CHF|SEK|NOK|DKK|PLN)\b(${PER})` +
    String.raw`|(${NUM})\s?(%|percent\b|per\s?cent\b)` +
    String.raw`|(${NUM})(?:\s?(${SCALE_WORDS})\b)?\s?(${UNIT_WORDS})\b(?!-)(${PER}))`,
  'g',
);

const STOP = new Set(
  'a an the of in on at to for from by with and or but as is are was were be been being its it this that these those than then there their which who whom what when where while about around roughly some more less over under up down into out per just only also still now new against after before between across each year’s about almost nearly approximately some such so has have had do does did will would could should may might can'.split(
    ' ',
  ),
);

function parseNumber(s: string): number {
  return Number(s.replace(/,/g, ''));
}

function perSuffix(raw: string | undefined): string {
  if (!raw) return '';
  const parts = raw.split(/\s*(?:\/|per\s+)/i).map((p) => p.trim()).filter(Boolean);
  return parts
    .map((p) => {
      const low = p.toLowerCase();
      if (low === 'yr' || low === 'year') return '/year';
      if (low === 'kw/year' || low === 'kw/yr') return '/kW/year';
      return `/${UNITS[low] ?? p}`;
    })
    .join('');
}

function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[’']s\b/g, '')
    .split(/[^a-z0-9-]+/)
    .map((w) => w.replace(/^-+|-+$/g, ''))
    .filter((w) => w && !STOP.has(w) && !/^\d+(\.\d+)?$/.test(w) || /^(19|20)\d\d$/.test(w));
}

/** Markdown → one plain line per paragraph or table row; headings, code and citation markers out. */
function plainLines(markdown: string): string[] {
  return textBlocks(markdown)
    .filter((b) => b.type !== 'heading' && b.type !== 'code')
    .map((b) => b.text.replace(/\[\d+(?:[,–-]\s*\d+)*\]/g, ' '));
}

/** Figures in a markdown text, in reading order. Years, citation markers and list numbers are not figures. */
export function extractFigures(markdown: string): Figure[] {
  return extractWithKeys(markdown).map(({ key: _k, after: _a, ...f }) => f);
}

interface KeyedFigure extends Figure {
  /** The words used to match this figure with another: before it, and a few after it. */
  key: string[];
  /** Up to four words after the figure, same clause. */
  after: string[];
}

function extractWithKeys(markdown: string): KeyedFigure[] {
  const figures: KeyedFigure[] = [];
  for (const line of plainLines(markdown)) {
    // Table cells and sentences bound the context; a decimal point does not end a sentence.
    for (const segment of line.split(/\||[.;!?](?=\s|$)/)) {
      const found: { m: RegExpExecArray; fig: { value: number; unit: string } | undefined }[] = [];
      FIGURE.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = FIGURE.exec(segment))) found.push({ m, fig: toFigure(m) });
      found.forEach(({ m, fig }, i) => {
        if (!fig) return;
        const start = m.index;
        const prevEnd = i > 0 ? found[i - 1].m.index + found[i - 1].m[0].length : 0;
        const nextStart = i + 1 < found.length ? found[i + 1].m.index : segment.length;
        let before = unique(tokens(segment.slice(prevEnd, start)));
        if (before.length < 2) {
          // Too little since the previous figure ("…, 16.4 GWh in 2025"): reach back past it.
          let earlier: string[] = [];
          for (let j = 0, from = 0; j < i; j++) {
            earlier.push(...tokens(segment.slice(from, found[j].m.index)));
            from = found[j].m.index + found[j].m[0].length;
          }
          earlier = earlier.filter((w) => !before.includes(w));
          before = unique([...earlier, ...before]).slice(-4);
        }
        before = before.slice(-6);
        const afterText = segment.slice(start + m[0].length, nextStart).split(/[,:(]/)[0];
        const after = unique(tokens(afterText)).slice(0, 4);
        figures.push({ ...fig, text: m[0].trim(), context: (before.length ? before : after).join(' '), after, key: unique([...before, ...after].map(stem)) });
      });
    }
  }
  return figures;
}

function unique(words: string[]): string[] {
  return [...new Set(words)];
}

function toFigure(m: RegExpExecArray): { value: number; unit: string } | undefined {
  if (m[2] !== undefined) {
    const scale = m[3] ? SCALE[m[3].toLowerCase()] ?? 1 : 1;
    return { value: parseNumber(m[2]) * scale, unit: CURRENCY_SYMBOL[m[1]] + perSuffix(m[4]) };
  }
  if (m[5] !== undefined) {
    const scale = m[6] ? SCALE[m[6].toLowerCase()] ?? 1 : 1;
    if (!CURRENCY_CODE.test(m[7])) return undefined;
    return { value: parseNumber(m[5]) * scale, unit: m[7].toUpperCase() + perSuffix(m[8]) };
  }
  if (m[9] !== undefined) return { value: parseNumber(m[9]), unit: '%' };
  if (m[11] !== undefined) {
    // A scale word before a physical unit ("3 million tonnes") multiplies; "m" alone is metres, not million.
    const scaleWord = m[12]?.toLowerCase();
    const scale = scaleWord && scaleWord.length > 1 ? SCALE[scaleWord] ?? 1 : 1;
    if (scaleWord && scaleWord.length === 1) return undefined;
    const unit = UNITS[m[13].toLowerCase()] ?? (m[13] === 'Mt' ? 'Mt' : m[13]);
    return { value: parseNumber(m[11]) * scale, unit: (m[13] === 'Mt' ? 'Mt' : unit) + perSuffix(m[14]) };
  }
  return undefined;
}

export interface FigureChange {
  context: string;
  from: number;
  to: number;
  unit: string;
  fromText: string;
  toText: string;
}

export interface FigureChanges {
  changed: FigureChange[];
  appeared: Figure[];
  disappeared: Figure[];
}

// Each figure's context is compared with every figure of the other session: its word set is made
// once, not once per comparison.
const wordSets = new WeakMap<string[], Set<string>>();
const wordSet = (words: string[]) => wordSets.get(words) ?? wordSets.set(words, new Set(words)).get(words)!;

function similarity(a: string[], b: string[]): number {
  const A = wordSet(a);
  const B = wordSet(b);
  // Fewer than two words cannot say what a figure measures.
  if (A.size < 2 || B.size < 2) return 0;
  let both = 0;
  for (const w of A) if (B.has(w)) both++;
  return both / (A.size + B.size - both);
}

const key = (f: { value: number; unit: string }) => `${f.unit} ${f.value}`;

// A session is compared with the one before it and the one after it: its figures are read once.
// Only the latest few are kept, so a build over every session does not hold them all.
const figuresBySession = new LRUCache<Session, KeyedFigure[]>({ max: 64 });

function figuresOf(s: Session): KeyedFigure[] {
  let figures = figuresBySession.get(s);
  if (!figures) figuresBySession.set(s, (figures = [...extractWithKeys(s.summary ?? ''), ...extractWithKeys(s.analysis)]));
  return figures;
}

/** Minimum context overlap (Jaccard over stemmed words) for two figures to measure the same thing. */
export const MATCH_THRESHOLD = 0.5;

/**
 * Figures over summary + analysis that changed, appeared and disappeared. A change pairs an older
 * and a newer figure with the same unit, a different value and a matching context, where the new
 * value is new to the newer session and each is the other's best match. Precision over recall.
 */
export function figureChanges(older: Session, newer: Session): FigureChanges {
  const a = figuresOf(older);
  const b = figuresOf(newer);
  const aKeys = new Set(a.map(key));
  const bKeys = new Set(b.map(key));

  const best = (f: KeyedFigure, pool: Map<string, KeyedFigure[]>) => {
    let top: KeyedFigure | undefined;
    let score = 0;
    for (const g of pool.get(f.unit) ?? []) {
      const s = similarity(f.key, g.key);
      // On a tie, the same value wins: the figure is still there, nothing changed.
      if (s > score || (s === score && top && g.value === f.value && top.value !== f.value)) {
        top = g;
        score = s;
      }
    }
    return { top, score };
  };

  // Only figures of the same unit can match: each is compared with those alone.
  const byUnit = (list: KeyedFigure[]) => {
    const out = new Map<string, KeyedFigure[]>();
    for (const f of list) {
      const same = out.get(f.unit);
      if (same) same.push(f);
      else out.set(f.unit, [f]);
    }
    return out;
  };
  const aByUnit = byUnit(a);
  const bByUnit = byUnit(b);
  const changed: FigureChange[] = [];
  const seen = new Set<string>();
  for (const o of a) {
    const { top: n, score } = best(o, bByUnit);
    if (!n || score < MATCH_THRESHOLD || n.value === o.value) continue;
    if (aKeys.has(key(n))) continue; // the "new" value was already in the older briefing
    const back = best(n, aByUnit).top;
    if (!back || back.value !== o.value) continue;
    const id = `${o.unit} ${o.value} ${n.value}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const richer = n.key.length >= o.key.length ? n : o;
    const context = richer.after.length && !richer.context.endsWith(richer.after.join(' ')) ? `${richer.context} … ${richer.after.join(' ')}` : richer.context;
    changed.push({ context, from: o.value, to: n.value, unit: o.unit, fromText: o.text, toText: n.text });
  }

  const fromKeys = new Set(changed.map((c) => key({ value: c.from, unit: c.unit })));
  const toKeys = new Set(changed.map((c) => key({ value: c.to, unit: c.unit })));
  const once = (list: KeyedFigure[]): Figure[] => {
    const out = new Map<string, Figure>();
    for (const { key: _k, after: _a, ...f } of list) if (!out.has(key(f))) out.set(key(f), f);
    return [...out.values()];
  };
  const appeared = once(b.filter((f) => !aKeys.has(key(f)) && !toKeys.has(key(f))));
  const disappeared = once(a.filter((f) => !bKeys.has(key(f)) && !fromKeys.has(key(f))));
  return { changed, appeared, disappeared };
}

// ---------------------------------------------------------------- summaries

export interface SummaryPair {
  older: string;
  newer: string;
}

/** The two executive summaries as markdown text (never HTML); a missing one is an empty string. */
export function summaryPair(older: Session, newer: Session): SummaryPair {
  return { older: (older.summary ?? '').trim(), newer: (newer.summary ?? '').trim() };
}

/**
 * Markdown → plain-text blocks (headings, paragraphs, list items, table rows) for side-by-side
 * reading, list numbers kept. The page shows the result as text.
 */
export function plainBlocks(markdown: string): string[] {
  return textBlocks(markdown).map((b) => (b.marker ? `${b.marker} ${b.text}` : b.text));
}

/** `16.4 GWh`, `€185 per kWh`, `61%` — the figure's own text is shown; this is for sorting and tests. */
export function describeChange(c: FigureChange): string {
  return `${c.context}: ${c.fromText} → ${c.toText}`;
}
