// The whole path for untrusted text, end to end: a large hostile corpus (hostile-corpus.ts) in
// every field of a session → `kb import` (the real CLI) → MDX → `kb build` (the real CLI: Astro +
// Sätteri + Pagefind) → HTML. Every built page is parsed with a real HTML parser (Sätteri's
// `htmlToHast`) and checked: no script but the project's own, no event-handler attribute, no
// non-http(s) link, nothing ran at build time (a canary file), and the text is shown to the reader.
// A second test audits src/ for any other way raw text could reach the page.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import { htmlToHast } from 'satteri';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kb } from '#tests/e2e/harness.ts';
import { THEME_SCRIPT } from '#lib/theme-script.ts';
import { safeHref } from '#core/session.ts';
import { flatCorpus, megabyte } from './hostile-corpus.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SESSIONS = 16;
const DATE = '2026-03-01T00:00:00Z';

// ---------------------------------------------------------------------------------------------
// HTML inspection with a real parser

interface HNode {
  type: string;
  tagName?: string;
  properties?: Record<string, unknown>;
  children?: HNode[];
  content?: HNode;
  value?: string;
}

function* elements(node: HNode): Generator<HNode> {
  if (node.type === 'element') yield node;
  for (const child of node.children ?? []) yield* elements(child);
  if (node.content) yield* elements(node.content);
}

/**
 * The text a reader sees: text nodes outside script, style, template and noscript. Elements are
 * set apart by a space (`<p>a</p><p>b</p>` reads "a b", not "ab"); one text node stays whole.
 */
function textOf(node: HNode): string {
  if (node.type === 'text') return node.value ?? '';
  if (node.type === 'element' && ['script', 'style', 'template', 'noscript'].includes(node.tagName!)) return '';
  const inner = (node.children ?? []).map(textOf).join('');
  return node.type === 'element' ? ` ${inner} ` : inner;
}

function find(node: HNode, test: (el: HNode) => boolean): HNode | undefined {
  for (const el of elements(node)) if (test(el)) return el;
  return undefined;
}

/** Attributes (as hast properties) that load or navigate to a URL. */
const URL_PROPS = ['href', 'src', 'action', 'formAction', 'xLinkHref', 'poster', 'data', 'cite', 'background', 'longDesc', 'manifest', 'codeBase', 'icon', 'ping', 'srcSet', 'imageSrcSet'];
const FORBIDDEN_ELEMENTS = ['iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'portal'];

function isSafeUrl(value: string): boolean {
  // Root-relative (not protocol-relative), in-page, or absolute http(s).
  return /^(https?:\/\/|\/(?!\/)|#|$)/i.test(value) && !/[\0-\x1f]/.test(value);
}

function scriptFingerprint(el: HNode): string {
  return JSON.stringify([el.properties ?? {}, textOf({ type: 'root', children: el.children })]);
}

// ---------------------------------------------------------------------------------------------
// Normalisation for "the text is visible"

/** What survives HTML parsing of escaped text, whitespace collapsed. */
function norm(text: string): string {
  return text
    .toWellFormed()
    .replace(/\r\n?/g, '\n')
    .replace(/[\0\uFFFD]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const WORD = /[\p{L}\p{N}]+/gu;
const words = (text: string): Set<string> => new Set(norm(text).match(WORD) ?? []);

/** The words a reader sees of a markdown text (formatting, link targets and definitions are not text). */
function markdownWords(markdown: string): Set<string> {
  const tree = fromMarkdown(markdown.toWellFormed().replaceAll('\0', '\uFFFD'), { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  // Like mdast-util-to-string, but nodes set apart by a space, as `textOf` does for elements.
  const text = (node: { value?: unknown; alt?: unknown; children?: unknown[] }): string =>
    typeof node.value === 'string' ? node.value : typeof node.alt === 'string' ? node.alt : (node.children ?? []).map((c) => text(c as typeof node)).join(' ');
  return words(text(tree));
}

// ---------------------------------------------------------------------------------------------
// The sessions: every corpus string in every field kind

type Field = 'query' | 'title' | 'summary' | 'analysis' | 'tag' | 'step query' | 'note' | 'result title' | 'result url' | 'result snippet' | 'result source';
const FIELDS: Field[] = ['query', 'title', 'summary', 'analysis', 'tag', 'step query', 'note', 'result title', 'result url', 'result snippet', 'result source'];

interface Planned {
  id: string;
  json: Record<string, unknown>;
  /** Each corpus string placed in this session, by field. */
  placed: Map<Field, string[]>;
}

const sessionId = (n: number) => `0badc0de-0000-4000-8000-${String(n).padStart(12, '0')}`;

function plan(corpus: string[], mega: string): Planned[] {
  const planned: Planned[] = [];
  const groups = Array.from({ length: SESSIONS }, () => [] as string[]);
  corpus.forEach((text, i) => groups[i % SESSIONS]!.push(text));
  // Markdown fields take another session's strings, so a page's summary and analysis words are
  // not also in its query, title and sources (the visibility check looks at the prose only).
  const shifted = (n: number, by: number) => groups[(n + by) % SESSIONS]!;
  const build = (n: number, plain: string[], summary: string[], analysis: string[]): Planned => {
    const id = sessionId(n);
    const nonBlankTag = (s: string) => (s.trim() === '' ? `tag${s}` : s);
    const steps = plain.map((text, k) => ({
      id: `step_${k}`,
      query: text,
      note: text,
      results: [{ title: text, url: text, snippet: text, source: text }],
    }));
    const json = {
      id,
      query: `Hostile ${n}: ${plain.join(' | ')}`,
      querySlug: `hostile-${n}`,
      generatedAt: DATE,
      title: `Title ${n}: ${plain.join(' | ')}`,
      summary: summary.join('\n\n'),
      analysis: analysis.join('\n\n'),
      tags: plain.map(nonBlankTag),
      steps,
    };
    const placed = new Map<Field, string[]>();
    for (const f of FIELDS) placed.set(f, f === 'summary' ? summary : f === 'analysis' ? analysis : f === 'tag' ? plain.map(nonBlankTag) : plain);
    return { id, json, placed };
  };
  for (let n = 0; n < SESSIONS; n++) planned.push(build(n, groups[n]!, shifted(n, 1), shifted(n, 2)));
  // One more session carries a 1 MB field in every field kind.
  planned.push(build(SESSIONS, [mega], [mega], [mega]));
  return planned;
}

// ---------------------------------------------------------------------------------------------

describe('a hostile corpus in every field of a session, imported and built with the real CLI', () => {
  let dir: string;
  let canary: string;
  let planned: Planned[];
  let corpusSize: number;
  /** Every built HTML page: path relative to dist → parsed tree. */
  const pages = new Map<string, HNode>();
  /** Script fingerprints of a site built from one benign session: the project's own scripts. */
  const ownScripts = new Set<string>();

  async function htmlFiles(root: string): Promise<string[]> {
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile() && e.name.endsWith('.html')).map((e) => path.join(e.parentPath, e.name));
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kb-security-'));
    canary = path.join(dir, 'CANARY');
    const corpus = flatCorpus(canary).map((c) => c.text);
    corpusSize = corpus.length;
    planned = plan(corpus, megabyte(canary));

    // Baseline: the same site from one benign session, to learn the project's own scripts.
    const benign = path.join(dir, 'benign.json');
    await writeFile(benign, JSON.stringify({ id: 'benign-1', query: 'A benign question?', generatedAt: DATE, summary: 'Fine.', analysis: '## Findings\n\nFine.', tags: ['ok'], steps: [{ id: 'step_0', query: 'q', results: [{ title: 't', url: 'https://example.org/', snippet: 's', source: 'example.org' }] }] }));
    await kb('import', benign, '--content', path.join(dir, 'benign-content'));
    await kb('build', '--content', path.join(dir, 'benign-content'), '--out', path.join(dir, 'benign-dist'));
    for (const file of await htmlFiles(path.join(dir, 'benign-dist'))) {
      for (const el of elements(htmlToHast(await readFile(file, 'utf8')) as HNode)) if (el.tagName === 'script') ownScripts.add(scriptFingerprint(el));
    }

    const input = path.join(dir, 'input');
    await mkdir(input);
    const files: string[] = [];
    for (const p of planned) {
      const file = path.join(input, `${p.id}.json`);
      await writeFile(file, JSON.stringify(p.json));
      files.push(file);
    }
    await kb('import', ...files, '--content', path.join(dir, 'content'));
    await kb('build', '--content', path.join(dir, 'content'), '--out', path.join(dir, 'dist'));
    for (const file of await htmlFiles(path.join(dir, 'dist'))) {
      pages.set(path.relative(path.join(dir, 'dist'), file), htmlToHast(await readFile(file, 'utf8')) as HNode);
    }
  }, 240_000);

  // KB_SECURITY_KEEP=1 keeps the folder (content, dist) for a look after a failure.
  afterAll(() => (dir && !process.env.KB_SECURITY_KEEP ? rm(dir, { recursive: true, force: true }) : console.log(`kept ${dir}`)));

  it('builds every session, and nothing in the text ran at build time (the canary file was never created)', () => {
    expect(corpusSize).toBeGreaterThanOrEqual(150);
    expect(existsSync(canary)).toBe(false);
    const ids = new Set<string>();
    for (const tree of pages.values()) for (const el of elements(tree)) if (typeof el.properties?.dataSessionId === 'string') ids.add(el.properties.dataSessionId);
    expect([...ids].sort()).toEqual(planned.map((p) => p.id).sort());
  });

  it('leaves no script but the project\'s own (the theme script byte for byte, Pagefind\'s on the search page)', () => {
    expect(ownScripts.size).toBeGreaterThan(0);
    expect(ownScripts).toContain(scriptFingerprint({ type: 'element', tagName: 'script', properties: {}, children: [{ type: 'text', value: THEME_SCRIPT }] }));
    const foreign: string[] = [];
    for (const [file, tree] of pages) {
      for (const el of elements(tree)) if (el.tagName === 'script' && !ownScripts.has(scriptFingerprint(el))) foreign.push(`${file}: ${scriptFingerprint(el).slice(0, 200)}`);
    }
    expect(foreign).toEqual([]);
  });

  it('leaves no event-handler attribute, no frame/object/embed/base element, no refresh, and no non-http(s) link', () => {
    const bad: string[] = [];
    let links = 0;
    for (const [file, tree] of pages) {
      for (const el of elements(tree)) {
        if (FORBIDDEN_ELEMENTS.includes(el.tagName!)) bad.push(`${file}: <${el.tagName}>`);
        for (const [name, value] of Object.entries(el.properties ?? {})) {
          if (/^on/i.test(name)) bad.push(`${file}: <${el.tagName} ${name}>`);
          if (name === 'httpEquiv' && /refresh/i.test(String(value))) bad.push(`${file}: meta refresh`);
          if (URL_PROPS.includes(name)) {
            const values = name === 'srcSet' || name === 'imageSrcSet' ? String(value).split(',').map((v) => v.trim().split(/\s+/)[0]!) : [String(value)];
            for (const v of values) {
              links++;
              if (!isSafeUrl(v)) bad.push(`${file}: <${el.tagName} ${name}="${v.slice(0, 120)}">`);
            }
          }
        }
      }
    }
    expect(bad).toEqual([]);
    expect(links).toBeGreaterThan(100);
  });

  it('shows every string, in every field, to the reader', () => {
    const sessionPage = new Map<string, HNode>();
    for (const tree of pages.values()) {
      const el = find(tree, (e) => typeof e.properties?.dataSessionId === 'string');
      if (el) sessionPage.set(el.properties!.dataSessionId as string, el);
    }
    const missing: string[] = [];
    let checks = 0;
    for (const p of planned) {
      const briefing = sessionPage.get(p.id);
      expect(briefing, p.id).toBeDefined();
      const shown = norm(textOf(briefing!));
      const prose = find(briefing!, (e) => Array.isArray(e.properties?.className) && (e.properties.className as string[]).includes('prose'))!;
      expect(prose, `${p.id}: the prose`).toBeDefined();
      const proseWords = words(textOf(prose));
      const hrefs = new Set<string>();
      for (const el of elements(briefing!)) if (el.tagName === 'a' && typeof el.properties?.href === 'string') hrefs.add(el.properties.href);

      for (const [field, strings] of p.placed) {
        for (const text of strings) {
          checks++;
          const label = `${p.id} ${field}: ${JSON.stringify(text.slice(0, 80))}`;
          if (field === 'summary' || field === 'analysis') {
            // Markdown keeps its formatting: the words must be there (or, if the text was shown
            // literally, every word as written).
            const expected = markdownWords(text);
            const ok = [...expected].every((w) => proseWords.has(w)) || [...words(text)].every((w) => proseWords.has(w));
            if (!ok) missing.push(`${label} (words missing: ${[...expected].filter((w) => !proseWords.has(w)).slice(0, 5).join(', ')})`);
          } else if (field === 'result url') {
            const href = safeHref(text);
            if (href ? !hrefs.has(href) : !shown.includes(norm(text))) missing.push(label);
          } else if (!shown.includes(norm(text))) {
            missing.push(label);
          }
        }
      }
    }
    console.log(`hostile corpus: ${corpusSize} strings (+ one 1 MB field) × ${FIELDS.length} field kinds = ${checks} visibility checks on ${planned.length} session pages; ${pages.size} HTML pages checked for scripts, handlers and links`);
    expect(missing).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The audit: the one path for untrusted text into a page is renderProse (prose, src/lib/prose/render.ts)
// and Astro's escaping (everything else). Any other way to put raw HTML or code into a page must be listed here.

/** `file: pattern` → why it is safe. Every occurrence in src/ must be on this list. */
const ALLOWED: Record<string, string> = {
  'src/layouts/Base.astro: set:html': 'the constant THEME_SCRIPT (src/lib/theme-script.ts), no data; the hostile test checks it byte for byte',
  'src/pages/q/[slug]/[session].astro: set:html': 'the prose as renderProse (src/lib/prose/render.ts) renders it: markdown parsed, raw HTML turned to text, only http(s) links, no images; its fuzz property and this whole suite check the built pages',
  'src/components/FigureTrend.astro: set:html': 'only the SVG chart src/lib/figures.ts serialised (Observable Plot drawn into a linkedom document): labels, units and values in it are DOM text, escaped on serialisation, never attributes; its links are checked to be the site\'s own briefing URLs; src/lib/figures.test.ts parses it with hostile labels and tests/e2e/figures.test.ts shows them in Chromium',
  'src/lib/figures.ts: outerHTML': 'the serialisation of that SVG (linkedom escapes text and attribute values), the string FigureTrend.astro inlines',
};
const RAW_PATTERNS: Array<[string, RegExp]> = [
  ['set:html', /set:html/],
  ['dangerouslySetInnerHTML', /dangerouslySetInnerHTML/],
  ['innerHTML', /innerHTML/],
  ['outerHTML', /outerHTML/],
  ['insertAdjacentHTML', /insertAdjacentHTML/],
  ['document.write', /document\.write/],
  ['eval(', /\beval\s*\(/],
  ['new Function', /new\s+Function\b/],
  ['{{+', /\{\{\+/],
  ['is:raw', /is:raw/],
  ['srcdoc', /srcdoc/i],
];

describe('audit: no other path for untrusted text into the page', () => {
  it('finds raw-HTML and code-evaluation sinks in src/ only where the allow-list says why they are safe', async () => {
    const src = path.join(ROOT, 'src');
    const entries = await readdir(src, { recursive: true, withFileTypes: true });
    const files = entries
      .filter((e) => e.isFile() && /\.(ts|tsx|js|mjs|astro|mdx)$/.test(e.name) && !/\.test\.ts$/.test(e.name))
      .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
    expect(files.length).toBeGreaterThan(10);
    const found: string[] = [];
    for (const file of files) {
      const text = await readFile(path.join(ROOT, file), 'utf8');
      for (const [name, pattern] of RAW_PATTERNS) {
        const lines = text.split('\n').map((line, i) => [i + 1, line] as const).filter(([, line]) => pattern.test(line));
        for (const [n] of lines) {
          const key = `${file}: ${name}`;
          if (!(key in ALLOWED)) found.push(`${file}:${n}: ${name}`);
        }
      }
    }
    expect(found, 'a new raw-HTML or eval sink: route the text through renderProse / Astro escaping, or add it to ALLOWED with the reason it is safe').toEqual([]);
  });
});
