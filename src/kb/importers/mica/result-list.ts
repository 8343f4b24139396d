// A tolerant reader for the result lists in MICA report exports.
//
// The export prints each step's results as a Python-literal list of dicts, but not as valid
// Python: single-quoted strings hold unescaped apostrophes (`'… Trump's trade truce …'`), some
// strings are double-quoted, values span lines, `$` is written `\$`, and the list may stop in
// the middle of a record. Nothing here evaluates anything. A quoted value ends at the first
// matching quote that is followed by what must come after a value (`, 'key':` or `}` and then
// `, {` / `]` / the end); if that reading breaks the record later (a repeated key, a missing
// colon), the next possible end is tried. Running out of text is a truncation, not an error.

export interface ScannedField {
  key: string;
  /** `null` for Python's `None`; numbers and booleans are kept as their literal text. */
  value: string | null;
  /** False only for the last field of a record cut off mid-value. */
  complete: boolean;
  /** The value as written held backslash escapes (`\$`, `\'`, `\n` …) that were undone. */
  escaped: boolean;
}

export interface ScannedRecord {
  fields: ScannedField[];
  /** False when the text ended before the record's closing `}`. */
  complete: boolean;
}

export type ScanOutcome =
  | { ok: true; records: ScannedRecord[]; truncated: boolean }
  | { ok: false; pos: number; expected: string };

interface Failure {
  pos: number;
  expected: string;
}

const KEY_CHARS = /[A-Za-z_][A-Za-z0-9_]*/y;
const LITERAL = /None|True|False|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function isWs(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r' || ch === '\f' || ch === '\v';
}

function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s[i])) i++;
  return i;
}

/** Could the text at `j` (just after a quote) be what follows a complete value? */
function closesValue(s: string, j: number): boolean {
  const n = s.length;
  let k = skipWs(s, j);
  if (k >= n) return true;
  if (s[k] === ',') {
    k = skipWs(s, k + 1);
    if (k >= n) return true;
    const q = s[k];
    if (q !== "'" && q !== '"') return false;
    KEY_CHARS.lastIndex = k + 1;
    const m = KEY_CHARS.exec(s);
    if (!m) return k + 1 >= n;
    let e = k + 1 + m[0].length;
    if (e >= n) return true;
    if (s[e] !== q) return false;
    e = skipWs(s, e + 1);
    return e >= n || s[e] === ':';
  }
  if (s[k] === '}') {
    k = skipWs(s, k + 1);
    if (k >= n) return true;
    if (s[k] === ']') return skipWs(s, k + 1) >= n;
    if (s[k] !== ',') return false;
    k = skipWs(s, k + 1);
    if (k >= n) return true;
    if (s[k] === ']') return skipWs(s, k + 1) >= n;
    if (s[k] !== '{') return false;
    k = skipWs(s, k + 1);
    return k >= n || s[k] === "'" || s[k] === '"' || s[k] === '}';
  }
  return false;
}

interface StringCandidate {
  raw: string;
  /** Index just after the closing quote, or the text's length when the string was cut off. */
  end: number;
  complete: boolean;
}

/**
 * Whether a reading of a value would swallow structure: an unescaped quote of the value's own
 * kind followed by `, 'key':` (or `'key':` with the comma missing) or by a record boundary
 * `}, {` (or `} {`). Such a reading only comes up when
 * the shorter readings broke the list, so taking it would hide a broken list, not repair one.
 */
const SWALLOWED: Record<string, RegExp> = {
  "'": /(?:^|[^\\])(?:\\\\)*'\s*(?:,?\s*['"][A-Za-z_]\w*['"]\s*:|\}\s*,?\s*\{)/,
  '"': /(?:^|[^\\])(?:\\\\)*"\s*(?:,?\s*['"][A-Za-z_]\w*['"]\s*:|\}\s*,?\s*\{)/,
};

function swallowsStructure(raw: string, q: string): boolean {
  return SWALLOWED[q].test(raw);
}

/**
 * The possible readings of a quoted string opening at `start`, shortest first. The reading that
 * runs to the end of the text (a cut-off value) is offered only when no closing quote fits.
 */
function* stringCandidates(s: string, start: number): Generator<StringCandidate> {
  const q = s[start];
  let found = false;
  let j = start + 1;
  while (j < s.length) {
    const ch = s[j];
    if (ch === '\\') {
      j += 2;
      continue;
    }
    if (ch === q && closesValue(s, j + 1)) {
      found = true;
      const raw = s.slice(start + 1, j);
      if (!swallowsStructure(raw, q)) yield { raw, end: j + 1, complete: true };
    }
    j++;
  }
  if (!found) {
    let raw = s.slice(start + 1);
    // A backslash at the very end started an escape that was cut off.
    const trailing = /\\+$/.exec(raw);
    if (trailing && trailing[0].length % 2 === 1) raw = raw.slice(0, -1);
    yield { raw, end: s.length, complete: false };
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  $: '$',
};

/** Python string escapes plus the export's `\$`; unknown escapes stay as written, as in Python. */
export function unescapeValue(raw: string): string {
  return raw.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[\s\S])/g, (whole, esc: string) => {
    if (esc.length > 1) {
      const code = Number.parseInt(esc.slice(1), 16);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return SIMPLE_ESCAPES[esc] ?? whole;
  });
}

interface RecordScan {
  record: ScannedRecord;
  end: number;
}

function scanRecord(s: string, open: number, noteFailure: (f: Failure) => void): RecordScan | null {
  const n = s.length;

  // Expecting a key or the closing brace.
  const fieldsAt = (i: number, acc: ScannedField[]): RecordScan | null => {
    i = skipWs(s, i);
    if (i >= n) return { record: { fields: acc, complete: false }, end: n };
    if (s[i] === '}') return { record: { fields: acc, complete: true }, end: i + 1 };
    const q = s[i];
    if (q !== "'" && q !== '"') {
      noteFailure({ pos: i, expected: 'a quoted key or "}"' });
      return null;
    }
    let e = i + 1;
    while (e < n && s[e] !== q && s[e] !== '\n') e++;
    if (e >= n) return { record: { fields: acc, complete: false }, end: n };
    const key = s.slice(i + 1, e);
    if (!key || s[e] !== q) {
      noteFailure({ pos: i, expected: 'a quoted key' });
      return null;
    }
    if (acc.some((f) => f.key === key)) {
      noteFailure({ pos: i, expected: `no second "${key}" in one record` });
      return null;
    }
    let c = skipWs(s, e + 1);
    if (c >= n) return { record: { fields: acc, complete: false }, end: n };
    if (s[c] !== ':') {
      noteFailure({ pos: c, expected: `":" after the key "${key}"` });
      return null;
    }
    c = skipWs(s, c + 1);
    if (c >= n) return { record: { fields: acc, complete: false }, end: n };
    const v = s[c];
    if (v === "'" || v === '"') {
      for (const cand of stringCandidates(s, c)) {
        const field: ScannedField = {
          key,
          value: unescapeValue(cand.raw),
          complete: cand.complete,
          escaped: cand.raw.includes('\\'),
        };
        if (!cand.complete) return { record: { fields: [...acc, field], complete: false }, end: n };
        const rest = afterValue(cand.end, [...acc, field]);
        if (rest) return rest;
      }
      noteFailure({ pos: c, expected: `the value of "${key}" to end with a quote followed by "," or "}"` });
      return null;
    }
    LITERAL.lastIndex = c;
    const lit = LITERAL.exec(s);
    if (lit) {
      const after = c + lit[0].length;
      // A literal running into the end of the text may itself be cut off: keep what is certain.
      if (after >= n) return { record: { fields: acc, complete: false }, end: n };
      const value = lit[0] === 'None' ? null : lit[0];
      return afterValue(after, [...acc, { key, value, complete: true, escaped: false }]);
    }
    if ('None'.startsWith(s.slice(c)) || 'True'.startsWith(s.slice(c)) || 'False'.startsWith(s.slice(c))) {
      return { record: { fields: acc, complete: false }, end: n };
    }
    noteFailure({ pos: c, expected: `a value for "${key}"` });
    return null;
  };

  // Expecting "," or "}" after a value; a closing brace must be followed by ", {", "]" or the end.
  const afterValue = (i: number, acc: ScannedField[]): RecordScan | null => {
    i = skipWs(s, i);
    if (i >= n) return { record: { fields: acc, complete: false }, end: n };
    if (s[i] === ',') return fieldsAt(i + 1, acc);
    if (s[i] === '}') {
      let k = skipWs(s, i + 1);
      if (k < n && s[k] !== ',' && s[k] !== ']') {
        noteFailure({ pos: k, expected: '"," or "]" after a record' });
        return null;
      }
      if (k < n && s[k] === ',') {
        k = skipWs(s, k + 1);
        if (k < n && s[k] !== '{' && s[k] !== ']') {
          noteFailure({ pos: k, expected: 'the next record "{" or "]"' });
          return null;
        }
      }
      return { record: { fields: acc, complete: true }, end: i + 1 };
    }
    noteFailure({ pos: i, expected: '"," or "}" after a value' });
    return null;
  };

  return fieldsAt(open + 1, []);
}

/** Reads one step's result list. `text` is the block without its code fences. */
export function scanResultList(text: string): ScanOutcome {
  const s = text;
  const n = s.length;
  let furthest: Failure = { pos: 0, expected: 'a result list' };
  const noteFailure = (f: Failure): void => {
    if (f.pos >= furthest.pos) furthest = f;
  };
  const records: ScannedRecord[] = [];
  const done = (truncated: boolean): ScanOutcome => ({ ok: true, records, truncated });
  const fail = (pos: number, expected: string): ScanOutcome => ({ ok: false, pos, expected });

  let i = skipWs(s, 0);
  if (i >= n) return done(true);
  if (s[i] !== '[') return fail(i, 'a list starting with "["');
  i = skipWs(s, i + 1);
  if (i >= n) return done(true);
  const closeList = (j: number): ScanOutcome => {
    const k = skipWs(s, j);
    return k < n ? fail(k, 'nothing after the closing "]"') : done(false);
  };
  if (s[i] === ']') return closeList(i + 1);
  for (;;) {
    if (i >= n) return done(true);
    if (s[i] !== '{') return fail(i, 'a record starting with "{"');
    const scanned = scanRecord(s, i, noteFailure);
    if (!scanned) return fail(furthest.pos, furthest.expected);
    records.push(scanned.record);
    if (!scanned.record.complete) return done(true);
    i = skipWs(s, scanned.end);
    if (i >= n) return done(true);
    if (s[i] === ']') return closeList(i + 1);
    if (s[i] !== ',') return fail(i, '"," or "]" after a record');
    i = skipWs(s, i + 1);
    if (i >= n) return done(true);
    if (s[i] === ']') return closeList(i + 1);
  }
}
