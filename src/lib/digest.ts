// "What changed this week" across every question (issue 18): the digest page (/digest/) and its
// feeds (/digest.xml, /digest.json). Pure functions over the catalog's summaries (`meta.changes`,
// the ledger without its claims and unchanged figures): no whole session is read, so the page
// costs the same at 10,000 sessions as at ten.
//
// The week is the 7 UTC days up to and including the day of the newest session in the knowledge
// base, not the build's clock: the same content builds the same page and feeds.
//
// What is listed, per session in the week:
// - a session whose ledger holds a figure that is new, changed or gone, or a material reason
//   (a new, dropped or changed main claim): its changes, material first and flagged;
// - the first session of a question (no earlier one anywhere in the knowledge base): listed as a
//   first briefing, since a new question is news in a week's digest;
// - a session whose ledger found nothing (only reworded): counted, not listed;
// - a session with no ledger that is not the question's first (imported, or made before the
//   ledger), or whose ledger says only why it could not compare: counted as not compared.
import type { SessionMeta } from '#kb/store/catalog.ts';
import type { LedgerClaim, LedgerFigure, LedgerValue } from '#core/ledger/schema.ts';
import { claimReason, figureReason, formatMove, formatValue } from '#core/ledger/index.ts';
import { absolute, plainText, type FeedItem } from './feeds.ts';
import { queryHref } from './url.ts';

/** How many UTC days the digest covers, ending on the newest session's day. */
export const DIGEST_DAYS = 7;
const DAY = 86_400_000;
/** Characters of a feed item's title after the question. */
const HEADLINE_CHARS = 160;

/** What the digest reads of a briefing: `Briefing` (src/lib/sessions.ts) has all of it. */
export interface DigestBriefing {
  meta: Pick<SessionMeta, 'id' | 'query' | 'querySlug' | 'generatedAt' | 'tags' | 'changes'> & { counts?: Pick<SessionMeta['counts'], 'results'> };
  /** Root-relative URL of the briefing page (base included). */
  url: string;
  /** `Date.parse(meta.generatedAt)`. */
  time: number;
}

export interface DigestWindow {
  /** First and last UTC day of the window, `YYYY-MM-DD`, both included. */
  from: string;
  to: string;
  /** Milliseconds: `start` included (00:00 UTC of `from`), `end` excluded (00:00 UTC after `to`). */
  start: number;
  end: number;
  days: number;
}

/** One side of a figure's move, as the page shows it. */
export interface DigestSide {
  /** The value as the source wrote it, else the number with its unit. */
  shown: string;
  asOf?: string;
  cite?: number;
  /** The source card of `cite` on its briefing's page, when that briefing is on the site and has that many results. */
  citeUrl?: string;
}

export interface DigestFigure {
  status: 'new' | 'changed' | 'dropped';
  label: string;
  unit: string;
  material: boolean;
  before?: DigestSide;
  after?: DigestSide;
  /** "+6 points", "−8.1%": changed figures only. */
  move?: string;
  /** The ledger's own words for it (`figureReason`): what the feeds say. */
  text: string;
}

export interface DigestEntry {
  id: string;
  query: string;
  querySlug: string;
  /** The briefing page. */
  url: string;
  /** The question page. */
  questionUrl: string;
  generatedAt: string;
  time: number;
  /** `YYYY-MM-DD` (UTC) of the briefing. */
  date: string;
  tags: string[];
  /** `first`: the question's first briefing, nothing to compare with. */
  kind: 'changed' | 'first';
  material: boolean;
  /** The briefing compared with, when it is on the site. */
  previous?: { id: string; date: string; url: string };
  /** Material first, then in the ledger's order. */
  figures: DigestFigure[];
  /** The material changes of main claims, in the ledger's words (`claimReason`), and any other reason not a figure's. */
  claims: string[];
  claimCounts: { new: number; changed: number; dropped: number };
  note?: string;
  /** The method changed since the briefing compared with, in the ledger's words: a change may be the method's, not new evidence. */
  method?: string;
  /** Every change in words, material first: the feed item's text. */
  lines: string[];
  /** The first of them (or "First briefing on this question"): the feed item's title after the question. */
  headline: string;
}

export interface DigestQuestion {
  slug: string;
  /** The newest listed briefing's wording of the question. */
  query: string;
  url: string;
  material: boolean;
  /** Only first briefings: a question new this week. */
  isNew: boolean;
  /** Newest first. */
  entries: DigestEntry[];
}

export interface Digest {
  /** Absent when the knowledge base has no session. */
  window?: DigestWindow;
  /** The question with the newest listed briefing first. */
  questions: DigestQuestion[];
  /** Every listed briefing, newest first: one feed item each. */
  entries: DigestEntry[];
  counts: {
    /** Sessions in the window. */
    briefings: number;
    /** Listed because something changed. */
    changed: number;
    /** …of which materially. */
    material: number;
    /** Listed as a question's first briefing. */
    first: number;
    /** Compared, and nothing changed but the wording. */
    unchanged: number;
    /** No comparison with the briefing before (no ledger, or one that could not compare). */
    uncompared: number;
  };
}

/** `YYYY-MM-DD` (UTC) of a time in milliseconds. */
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The `days` UTC days up to and including the day of the newest briefing; undefined without one. */
export function digestWindow(briefings: readonly Pick<DigestBriefing, 'time'>[], days = DIGEST_DAYS): DigestWindow | undefined {
  let newest = -Infinity;
  for (const b of briefings) if (Number.isFinite(b.time) && b.time > newest) newest = b.time;
  if (newest === -Infinity) return undefined;
  const end = Math.floor(newest / DAY) * DAY + DAY;
  const start = end - days * DAY;
  return { from: isoDay(start), to: isoDay(end - DAY), start, end, days };
}

/** "2026-03-31 to 2026-04-06" */
export const windowText = (w: DigestWindow) => `${w.from} to ${w.to}`;

// The ledger's words for a claim start with these ("New claim: …"): read from claimReason itself.
const claimPrefix = (status: LedgerClaim['status']) => `${claimReason({ status, text: '', material: true }).split(':')[0]}:`;
const CLAIM_PREFIX = { new: claimPrefix('new'), changed: claimPrefix('changed'), dropped: claimPrefix('dropped') } as const;

function side(v: LedgerValue, unit: string, owner: { url: string; results?: number } | undefined): DigestSide {
  const linked = v.cite !== undefined && owner && owner.results !== undefined && v.cite <= owner.results;
  return {
    shown: v.text?.trim() || formatValue(v.value, unit),
    ...(v.asOf ? { asOf: v.asOf } : {}),
    ...(v.cite !== undefined ? { cite: v.cite } : {}),
    ...(linked ? { citeUrl: `${owner.url}#kb-source-${v.cite}` } : {}),
  };
}

function digestFigure(f: LedgerFigure, current: DigestBriefing, previous: DigestBriefing | undefined): DigestFigure {
  const status = f.status as DigestFigure['status'];
  return {
    status,
    label: f.label,
    unit: f.unit,
    material: f.material,
    ...(f.before ? { before: side(f.before, f.unit, previous && { url: previous.url, results: previous.meta.counts?.results }) } : {}),
    ...(f.after ? { after: side(f.after, f.unit, { url: current.url, results: current.meta.counts?.results }) } : {}),
    ...(status === 'changed' && f.delta !== undefined ? { move: formatMove(f) } : {}),
    text: figureReason(f),
  };
}

function entryOf(b: DigestBriefing, kind: DigestEntry['kind'], previous: DigestBriefing | undefined): DigestEntry {
  const changes = kind === 'changed' ? b.meta.changes : undefined;
  const ledgerFigures = (changes?.figures ?? []).filter((f) => f.status !== 'unchanged');
  const figures = ledgerFigures.map((f) => digestFigure(f, b, previous));
  const ordered = [...figures.filter((f) => f.material), ...figures.filter((f) => !f.material)];
  // The reasons are the material figures' and claims' words; a figure's is listed with the figure.
  // Matched by the figure's label too, for a ledger worded otherwise (older, or written by hand).
  const figureWords = new Set(figures.map((f) => f.text));
  const isFigures = (r: string) => figureWords.has(r) || figures.some((f) => f.material && r.startsWith(`${f.label}:`));
  // A material change made another way than the previous session's: the ledger's first reason says so (ledger version 2).
  const method = changes?.method?.status === 'changed' ? changes.method.note : undefined;
  const claims = (changes?.reasons ?? []).filter((r) => !isFigures(r) && r !== changes?.method?.note);
  const count = (prefix: string) => claims.filter((c) => c.startsWith(prefix)).length;
  const lines =
    kind === 'first'
      ? []
      : [...ordered.filter((f) => f.material).map((f) => f.text), ...claims, ...ordered.filter((f) => !f.material).map((f) => f.text)];
  const note = changes?.note;
  const headline = kind === 'first' ? 'First briefing on this question' : (lines[0] ?? note ?? 'Changed');
  return {
    id: b.meta.id,
    query: b.meta.query,
    querySlug: b.meta.querySlug,
    url: b.url,
    questionUrl: queryHref(b.meta.querySlug),
    generatedAt: b.meta.generatedAt,
    time: b.time,
    date: isoDay(b.time),
    tags: b.meta.tags,
    kind,
    material: !!changes?.material,
    ...(previous ? { previous: { id: previous.meta.id, date: isoDay(previous.time), url: previous.url } } : {}),
    figures: ordered,
    claims,
    claimCounts: { new: count(CLAIM_PREFIX.new), changed: count(CLAIM_PREFIX.changed), dropped: count(CLAIM_PREFIX.dropped) },
    ...(note ? { note } : {}),
    ...(method ? { method } : {}),
    lines,
    headline,
  };
}

/**
 * The digest of the window (by default the 7 UTC days up to the newest briefing) over every
 * briefing of the knowledge base, in any order. The whole list is needed to tell a question's
 * first briefing from one without a ledger, and to find the briefing each was compared with.
 */
export function weekDigest(briefings: readonly DigestBriefing[], window = digestWindow(briefings)): Digest {
  const counts = { briefings: 0, changed: 0, material: 0, first: 0, unchanged: 0, uncompared: 0 };
  if (!window) return { questions: [], entries: [], counts };
  const byId = new Map<string, DigestBriefing>();
  const oldest = new Map<string, DigestBriefing>();
  for (const b of briefings) {
    byId.set(b.meta.id, b);
    const o = oldest.get(b.meta.querySlug);
    if (!o || b.time < o.time || (b.time === o.time && b.url < o.url)) oldest.set(b.meta.querySlug, b);
  }
  const inWindow = briefings.filter((b) => b.time >= window.start && b.time < window.end);
  const entries: DigestEntry[] = [];
  for (const b of inWindow) {
    counts.briefings++;
    const changes = b.meta.changes;
    if (!changes) {
      if (oldest.get(b.meta.querySlug) === b) {
        counts.first++;
        entries.push(entryOf(b, 'first', undefined));
      } else counts.uncompared++;
      continue;
    }
    const changed = changes.figures.some((f) => f.status !== 'unchanged') || changes.reasons.length > 0;
    if (!changed) {
      // "The previous session has no answer…": the comparison said nothing, which is not "unchanged".
      if (changes.note) counts.uncompared++;
      else counts.unchanged++;
      continue;
    }
    counts.changed++;
    if (changes.material) counts.material++;
    const previous = byId.get(changes.previous);
    entries.push(entryOf(b, 'changed', previous && previous.meta.querySlug === b.meta.querySlug ? previous : undefined));
  }
  entries.sort((a, b) => b.time - a.time || b.url.localeCompare(a.url));
  const groups = new Map<string, DigestQuestion>();
  for (const e of entries) {
    let q = groups.get(e.querySlug);
    if (!q) groups.set(e.querySlug, (q = { slug: e.querySlug, query: e.query, url: e.questionUrl, material: false, isNew: true, entries: [] }));
    q.entries.push(e);
    q.material ||= e.material;
    q.isNew &&= e.kind === 'first';
  }
  return { window, questions: [...groups.values()], entries, counts };
}

/** What the window holds, in words, without its dates: "2 briefings changed the answer (1 materially); …". */
export function digestCounts(d: Digest): string {
  if (!d.window) return 'No briefings yet.';
  const { briefings, changed, material, first, unchanged, uncompared } = d.counts;
  if (!d.entries.length) {
    return `No answer changed; ${plural(briefings, 'briefing')} ran${unchanged ? `, ${unchanged === briefings ? 'all' : unchanged} with the same figures and claims as before` : ''}${uncompared ? `, ${uncompared} with nothing to compare with` : ''}.`;
  }
  const parts = [
    changed ? `${plural(changed, 'briefing')} changed the answer${material ? ` (${material} materially)` : ''}` : '',
    first ? `${plural(first, 'question')} had ${first === 1 ? 'its' : 'their'} first briefing` : '',
    unchanged ? `${plural(unchanged, 'briefing')} found the same figures and claims (not listed)` : '',
    uncompared ? `${plural(uncompared, 'briefing')} had no comparison with the one before (not listed)` : '',
  ].filter(Boolean);
  return `${parts.join('; ')}.`;
}

/** The feeds' description: the window's dates and what it holds. */
export function digestSummary(d: Digest): string {
  if (!d.window) return 'No briefings yet.';
  const counts = digestCounts(d);
  return `${windowText(d.window)} (UTC), the ${d.window.days} days up to the newest briefing: ${counts.charAt(0).toLowerCase()}${counts.slice(1)}`;
}

function plural(n: number, one: string) {
  return `${n} ${n === 1 ? one : `${one}s`}`;
}

function clip(text: string, max: number) {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** One feed item per listed briefing, newest first: titled by the question and its first change in words. */
export function digestFeedItems(d: Digest, site: URL | string | undefined): FeedItem[] {
  return d.entries.map((e) => {
    const more = e.lines.length > 1 ? ` (and ${e.lines.length - 1} more)` : '';
    const body =
      e.kind === 'first'
        ? ['The first briefing on this question.']
        : [
            e.previous ? `Since the briefing of ${e.previous.date}${e.material ? ', materially' : ''}:` : `Since the briefing before${e.material ? ', materially' : ''}:`,
            ...(e.method ? [e.method] : []),
            ...e.lines.map((l) => `- ${l}`),
            ...(e.note ? [e.note] : []),
          ];
    return {
      id: `changes-${e.id}`,
      title: plainText(`${e.query} — ${clip(e.headline, HEADLINE_CHARS)}${more}`),
      link: absolute(e.url, site),
      pubDate: new Date(e.generatedAt),
      description: plainText(body.join('\n')),
      categories: e.tags.map(plainText),
    };
  });
}
