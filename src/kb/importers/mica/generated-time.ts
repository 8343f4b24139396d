// The session's generatedAt, reconciled from the export's "Generated:" lines (one zoned, one with seconds).
import { ImportError } from '#kb/importers/common.ts';
import type { Header } from './header.ts';

interface ParsedTime {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s?: string;
  frac?: string;
  /** Offset from UTC in minutes, undefined when the text names no time zone. */
  offset?: number;
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(UTC|GMT|Z|[+-]\d{2}:?\d{2})?$/i;

function parseTime(text: string): ParsedTime | undefined {
  const m = TIME.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const t: ParsedTime = { y, mo, d, h, mi, s: m[6], frac: m[7] };
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, m[6] ? Number(m[6]) : 0));
  if (
    date.getUTCFullYear() !== y ||
    date.getUTCMonth() !== mo - 1 ||
    date.getUTCDate() !== d ||
    date.getUTCHours() !== h ||
    date.getUTCMinutes() !== mi ||
    (m[6] !== undefined && date.getUTCSeconds() !== Number(m[6]))
  ) {
    return undefined;
  }
  const zone = m[8];
  if (zone) {
    if (/^(UTC|GMT|Z)$/i.test(zone)) t.offset = 0;
    else {
      const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
      t.offset = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3]));
    }
  }
  return t;
}

/** Milliseconds of the wall-clock minute, read as if it were UTC. */
const wallMinuteMs = (t: ParsedTime): number => Date.UTC(t.y, t.mo - 1, t.d, t.h, t.mi);

function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '−' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export function chooseGeneratedAt(file: string, generated: Header['generated'], notes: string[]): string {
  if (generated.length === 0) {
    throw new ImportError(
      file,
      'no "Generated:" line — the export does not say when the session was generated. Add a line such as "Generated: 2026-01-27 05:52 UTC" under the Query line and import again.',
    );
  }
  const parsed = generated.map((g) => ({ ...g, time: parseTime(g.value) }));
  const zoned = parsed.find((p) => p.time?.offset !== undefined);
  if (!zoned || !zoned.time) {
    const list = generated.map((g) => `"${g.value}"`).join(', ');
    throw new ImportError(
      file,
      `no usable "Generated:" time — ${list} ${generated.length === 1 ? 'gives' : 'give'} no time zone (or no valid date), so the moment the session was generated is unknown. Add " UTC" (or the offset, e.g. "+02:00") to a Generated line and import again.`,
    );
  }
  const t = zoned.time;
  const utcMinuteMs = wallMinuteMs(t) - (t.offset ?? 0) * 60_000;
  if (t.s !== undefined) return `${isoMinute(utcMinuteMs)}:${t.s}${t.frac ?? ''}Z`;

  // The zoned time has no seconds. A zoneless time with seconds that names the same minute at a
  // whole-quarter-hour offset within ±14h is the same moment in local time: take its seconds.
  for (const other of parsed) {
    const o = other.time;
    if (other === zoned || !o || o.offset !== undefined || o.s === undefined) continue;
    const diff = wallMinuteMs(o) - utcMinuteMs;
    if (diff % (15 * 60_000) === 0 && Math.abs(diff) <= 14 * 3_600_000) {
      const iso = `${isoMinute(utcMinuteMs)}:${o.s}${o.frac ?? ''}Z`;
      notes.push(
        `Generated time: the export gives "${zoned.value}" and, with no time zone, "${other.value}"; these agree to the minute at ${formatOffset(diff / 60_000)}, so generatedAt takes its seconds from the second one: ${iso}.`,
      );
      return iso;
    }
  }
  notes.push(
    `Generated time: the export gives "${zoned.value}", to the minute only; generatedAt shows it with ":00" seconds.`,
  );
  return `${isoMinute(utcMinuteMs)}:00Z`;
}
