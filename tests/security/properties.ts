// Fuzz properties over the MDX writer and the importers, shared by tests/security/fuzz.test.ts
// (CI: fixed seed, small budget) and scripts/fuzz.ts (`npm run fuzz -- --runs N --seed S`).
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { ImportError, parseMicaReport, parseSessionJson } from '#kb/importers/index.ts';
import { isInertMdx, mdxToSession, safeMdx, sessionToMdx } from '#kb/store/mdx.ts';
import { Session } from '#core/session.ts';
import { flatCorpus } from './hostile-corpus.ts';

const FRAGMENTS = [
  ...new Set(flatCorpus('/tmp/kb-fuzz-canary').map((c) => c.text).filter((t) => t.length < 200)),
  '{', '}', '<', '>', '[', ']', '(', ')', '`', '```', '~~~', '*', '_', '**', '#', '- ', '1. ', '> ', '|', '\\', '&', ';', ':', '!', '\n', '\n\n', '    ', '\t',
  'import', 'export', 'www.', 'https://', 'javascript:', 'a@b.co', '[^1]', '[^1]: n', '[r]: javascript:x', '&#123;', '&#x69;', '\0', '\r\n', '\u2028', '\uD800',
];
const fragment = fc.constantFrom(...FRAGMENTS);
const anyChar = fc.oneof({ weight: 5, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }, { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) });

/** Any text, weighted towards text made of hostile fragments where MDX/markdown look for code. */
export const hostileText = fc.oneof(
  { weight: 2, arbitrary: fc.string({ unit: anyChar, maxLength: 60 }) },
  { weight: 4, arbitrary: fc.array(fc.oneof({ weight: 3, arbitrary: fragment }, { weight: 1, arbitrary: fc.string({ maxLength: 5 }) }), { maxLength: 24 }).map((p) => p.join('')) },
  { weight: 2, arbitrary: fc.array(fc.array(fragment, { minLength: 1, maxLength: 3 }).map((p) => p.join(' ')), { minLength: 1, maxLength: 6 }).map((lines) => lines.join('\n')) },
);
const nonBlank = hostileText.filter((s) => s.toWellFormed().trim() !== '');
const isoDate = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z'));

const resultArb = fc.record({ title: hostileText, url: fc.oneof(hostileText, fc.webUrl()), snippet: hostileText, source: hostileText }, { requiredKeys: ['title'] });
const stepArb = fc.record({ id: nonBlank, query: hostileText, note: hostileText, error: hostileText, truncated: fc.boolean(), results: fc.array(resultArb, { maxLength: 3 }) }, { requiredKeys: ['id', 'results'] });

/** A valid stored session with hostile text in every string field. */
export const sessionArb = fc
  .record(
    {
      id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,30}$/),
      query: nonBlank,
      querySlug: fc.stringMatching(/^[a-z0-9]{1,8}(?:-[a-z0-9]{1,8}){0,2}$/),
      title: hostileText,
      generatedAt: isoDate,
      summary: hostileText,
      analysis: hostileText,
      tags: fc.array(nonBlank, { maxLength: 3 }),
      steps: fc.array(stepArb, { maxLength: 3 }),
      status: fc.constantFrom('complete', 'partial', 'failed'),
    },
    { requiredKeys: ['id', 'query', 'querySlug', 'generatedAt', 'analysis', 'tags', 'steps', 'status'] },
  )
  .map((s) => s as Session);

/** What a session reads back as: strings well-formed, undefined dropped, zod's output. */
export function canonical(session: Session): Session {
  const deep = (v: unknown): unknown =>
    typeof v === 'string'
      ? v.toWellFormed()
      : Array.isArray(v)
        ? v.map(deep)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, deep(x)]))
          : v;
  return deep(Session.parse(deep(session))) as Session;
}

/** An importer may return sessions or throw ImportError; what it returns must be storable and inert. */
function importedOk(run: () => Session | Session[]): void {
  let out: Session | Session[];
  try {
    out = run();
  } catch (error) {
    if (error instanceof ImportError) return;
    throw error;
  }
  for (const session of Array.isArray(out) ? out : [out]) {
    Session.parse(session);
    const file = sessionToMdx(session); // throws if the body is not plain markdown
    if (!isDeepStrictEqual(mdxToSession(file, 'fuzz.mdx'), canonical(session))) throw new Error('imported session does not read back the same');
  }
}

function reports(): string[] {
  const here = (p: string) => new URL(p, import.meta.url);
  return [here('../fixtures/mica/lithium-report.txt'), here('../fixtures/mica/magnets-report.txt')].map((u) => readFileSync(u, 'utf8'));
}

/** A mutation of a real report: cuts, insertions of hostile text, byte flips, line swaps. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.integer({ min: 0, max: 400 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), text: hostileText }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bit: fc.integer({ min: 0, max: 15 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(text: string, m: Mutation): string {
  if (m.kind === 'swap') {
    const lines = text.split('\n');
    const a = m.a % lines.length;
    const b = m.b % lines.length;
    [lines[a], lines[b]] = [lines[b]!, lines[a]!];
    return lines.join('\n');
  }
  const at = Math.floor(m.at * text.length);
  if (m.kind === 'cut') return text.slice(0, at) + text.slice(at + m.len);
  if (m.kind === 'insert') return text.slice(0, at) + m.text + text.slice(at);
  if (m.kind === 'truncate') return text.slice(0, at);
  return text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ (1 << m.bit)) + text.slice(at + 1);
}

/** A session-shaped JSON value with hostile or wrong-typed fields, or any JSON at all. */
const jsonInput = fc.oneof(
  fc.jsonValue(),
  fc.record({ id: fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,12}$/), fc.jsonValue()), query: fc.oneof(hostileText, fc.jsonValue()), generatedAt: fc.oneof(isoDate, hostileText), analysis: fc.oneof(hostileText, fc.jsonValue()), summary: hostileText, title: hostileText, tags: fc.oneof(fc.array(hostileText, { maxLength: 3 }), fc.jsonValue()), steps: fc.oneof(fc.array(fc.oneof(stepArb, fc.jsonValue()), { maxLength: 3 }), fc.jsonValue()), extra: fc.jsonValue() }, { requiredKeys: [] }),
  fc.array(sessionArb.map((s) => ({ ...s }) as unknown), { minLength: 1, maxLength: 3 }),
);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each property has its own tuple type
type AnyProperty = fc.IProperty<any>;

export interface NamedProperty {
  name: string;
  property: AnyProperty;
}

/** The properties, built once per call (the report texts are read from disk). */
export function fuzzProperties(): NamedProperty[] {
  const real = reports();
  const props: Array<[string, AnyProperty]> = [
    ['safeMdx: any text becomes inert MDX', fc.property(hostileText, fc.integer({ min: 1, max: 6 }), (text, top) => {
      if (!isInertMdx(safeMdx(text, { topHeadingDepth: top, footnotePrefix: 'p-' }) || '\n')) throw new Error('safeMdx output is not inert');
    })],
    ['sessionToMdx: any session writes an inert file that reads back exactly', fc.property(sessionArb, (session) => {
      const file = Buffer.from(sessionToMdx(session), 'utf8').toString('utf8');
      if (!isDeepStrictEqual(mdxToSession(file, 'fuzz.mdx'), canonical(session))) throw new Error('session does not round-trip');
      // (sessionToMdx itself parses the body with Sätteri and throws unless it is plain markdown in its sections.)
    })],
    ['parseMicaReport: arbitrary text throws only ImportError', fc.property(fc.oneof(hostileText, hostileText.map((t) => `Session ID: abc\nQuery: q\nGenerated: 2026-01-27 05:52 UTC\n${t}`)), (text) => {
      importedOk(() => parseMicaReport(text, 'fuzz.txt'));
    })],
    ['parseSessionJson: any JSON value throws only ImportError', fc.property(jsonInput, (value) => {
      importedOk(() => parseSessionJson(value, 'fuzz.json'));
    })],
  ];
  if (real.length) {
    props.push([
      `parseMicaReport: mutated real reports (${real.length}) throw only ImportError`,
      fc.property(fc.constantFrom(...real), fc.array(mutation, { minLength: 1, maxLength: 6 }), (report, mutations) => {
        importedOk(() => parseMicaReport(mutations.reduce(mutate, report), 'fuzz.txt'));
      }),
    ]);
  }
  return props.map(([name, property]) => ({ name, property }));
}

export const DEFAULT_SEED = 20261127;
