// CBOR for Pagefind's index files, written for their one shape: arrays of arrays of integers and
// strings. The merge decodes every posting of every bundle and encodes them again (tens of
// millions of integers at 10,000 briefings), and cborg's general codec, which makes a token
// object per value, was half the merge's time (docs/performance.md). These do the same in one
// pass over the bytes, with the same output: integers and lengths in their shortest form, as cborg
// and Pagefind's serde_cbor write them. Anything else (a map, a float, a tag, bytes: not in a
// pf_index today) is left to cborg, so a new Pagefind that writes them still merges, if slower.
import { decode as cborgDecode, encode as cborgEncode } from 'cborg';

/** A value outside this codec's shape: the caller falls back to cborg. */
class Unsupported extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

// The decoder's input and place in it: module state, as plain functions over it are what V8
// makes fastest (closures over them were twice as slow).
let input: Uint8Array = new Uint8Array(0);
let at = 0;

function length(info: number): number {
  if (info < 24) return info;
  if (info === 24) return input[at++]!;
  if (info === 25) return (input[at++]! << 8) | input[at++]!;
  if (info === 26) return input[at++]! * 0x1000000 + ((input[at++]! << 16) | (input[at++]! << 8) | input[at++]!);
  // 8-byte lengths and integers (beyond 2^32): cborg's, which also knows when they are unsafe.
  throw new Unsupported();
}

function text(n: number): string {
  const end = at + n;
  if (end > input.length) throw new Unsupported();
  let s = '';
  // Most words are short and ASCII: built by hand, no decoder call.
  if (n <= 32) {
    for (let i = at; i < end; i++) {
      const b = input[i]!;
      if (b >= 0x80) {
        s = utf8.decode(input.subarray(at, end));
        break;
      }
      s += String.fromCharCode(b);
    }
  } else s = utf8.decode(input.subarray(at, end));
  at = end;
  return s;
}

function value(): unknown {
  if (at >= input.length) throw new Unsupported();
  const head = input[at++]!;
  const major = head >> 5;
  const info = head & 31;
  if (major === 0) return length(info);
  if (major === 1) return -1 - length(info);
  if (info === 31) throw new Unsupported(); // indefinite length
  if (major === 4) {
    const n = length(info);
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = value();
    return out;
  }
  if (major === 3) return text(length(info));
  throw new Unsupported();
}

/** Decodes one CBOR value (the whole of `bytes`): cborg's result, made faster for arrays, integers and strings. */
export function decodeCbor(bytes: Uint8Array): unknown {
  input = bytes;
  at = 0;
  try {
    const out = value();
    if (at !== bytes.length) throw new Unsupported();
    return out;
  } catch (error) {
    // A string that is not UTF-8 (TypeError from the fatal decoder) is cborg's to judge too.
    if (!(error instanceof Unsupported) && !(error instanceof TypeError)) throw error;
    return cborgDecode(bytes); // cborg's answer, or its error for a damaged file
  } finally {
    input = new Uint8Array(0); // not kept alive between calls
  }
}

// The encoder's buffer, reused from one call to the next (the merge encodes a chunk at a time).
let buf = new Uint8Array(1 << 17);
let pos = 0;

function room(n: number) {
  if (pos + n <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + n) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, pos));
  buf = next;
}

function head(major: number, n: number) {
  room(9);
  const m = major << 5;
  if (n < 24) buf[pos++] = m | n;
  else if (n <= 0xff) {
    buf[pos++] = m | 24;
    buf[pos++] = n;
  } else if (n <= 0xffff) {
    buf[pos++] = m | 25;
    buf[pos++] = n >> 8;
    buf[pos++] = n & 0xff;
  } else if (n <= 0xffffffff) {
    buf[pos++] = m | 26;
    buf[pos++] = (n >>> 24) & 0xff;
    buf[pos++] = (n >>> 16) & 0xff;
    buf[pos++] = (n >>> 8) & 0xff;
    buf[pos++] = n & 0xff;
  } else throw new Unsupported();
}

function writeNumber(v: number) {
  // cborg writes -0 and non-integers as floats.
  if (!Number.isInteger(v) || (v === 0 && 1 / v < 0)) throw new Unsupported();
  if (v >= 0) head(0, v);
  else head(1, -1 - v);
}

function writeString(v: string) {
  const n = v.length;
  let ascii = true;
  for (let i = 0; i < n; i++) {
    if (v.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    head(3, n);
    room(n);
    for (let i = 0; i < n; i++) buf[pos++] = v.charCodeAt(i);
  } else {
    const bytes = utf8Encoder.encode(v);
    head(3, bytes.length);
    room(bytes.length);
    buf.set(bytes, pos);
    pos += bytes.length;
  }
}

function write(v: unknown): void {
  if (typeof v === 'number') writeNumber(v);
  else if (typeof v === 'string') writeString(v);
  else if (Array.isArray(v)) {
    head(4, v.length);
    for (let i = 0; i < v.length; i++) write(v[i]);
  } else throw new Unsupported();
}

/** Encodes a value: cborg's bytes, made faster for arrays, safe integers and strings. */
export function encodeCbor(value: unknown): Uint8Array {
  pos = 0;
  try {
    write(value);
  } catch (error) {
    if (!(error instanceof Unsupported)) throw error;
    return cborgEncode(value);
  }
  const out = buf.slice(0, pos);
  // A buffer grown for one very large value is not kept for the rest of the build.
  if (buf.length > 1 << 24) buf = new Uint8Array(1 << 17);
  return out;
}
