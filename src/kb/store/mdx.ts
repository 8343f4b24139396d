// Session ↔ MDX. A session file is YAML frontmatter (the session itself, exactly) and a body
// derived from it: the answer with its key figures, the summary and the analysis as markdown. Every piece of text that enters
// the body goes through `safeMdx`, which guarantees the MDX compiler reads it as markdown and
// nothing else: no ESM, no `{expressions}`, no JSX, no raw HTML, no non-http(s) links.
import matter from 'gray-matter';
import { createRequire } from 'node:module';
import { isDeepStrictEqual } from 'node:util';
import type { FootnoteDefinition, Link, Nodes, Parents, PhrasingContent, Root, RootContent, Text } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown, gfmToMarkdown } from 'mdast-util-gfm';
import { mdxToMarkdown } from 'mdast-util-mdx';
import { defaultHandlers, toMarkdown, type Options as ToMarkdownOptions } from 'mdast-util-to-markdown';
import { gfm } from 'micromark-extension-gfm';
import { mdxToMdast } from 'satteri';
import { safeHref, Session, sessionProblems, type Answer } from '#core/session.ts';

export interface SafeMdxOptions {
  /** The depth the shallowest heading of the text gets (1–6, default 2). */
  topHeadingDepth?: number;
  /**
   * Footnotes are renumbered `[^<prefix>1]`, `[^<prefix>2]`… in order of appearance. Texts that
   * share one page need different prefixes, or their footnotes would clash (GFM footnotes are
   * page-wide, listed together at the end).
   */
  footnotePrefix?: string;
}

/** Node types the body may contain once Sätteri has parsed it as MDX. Anything else is refused. */
const ALLOWED_NODES = new Set([
  'root',
  'paragraph',
  'heading',
  'thematicBreak',
  'blockquote',
  'list',
  'listItem',
  'table',
  'tableRow',
  'tableCell',
  'code',
  'inlineCode',
  'text',
  'emphasis',
  'strong',
  'delete',
  'break',
  'link',
  'footnoteDefinition',
  'footnoteReference',
]);

const SATTERI_FEATURES = { gfm: true, frontmatter: false } as const;

/**
 * Makes any text safe MDX: the result compiles with Astro's MDX compiler (Sätteri) to markdown
 * content only. Markdown formatting is kept; raw HTML is shown as text; only absolute http(s)
 * URLs stay links; images become links to the image (untrusted prose never loads anything);
 * headings are shifted so the shallowest one has depth `topHeadingDepth`.
 */
export function safeMdx(markdown: string, options: SafeMdxOptions = {}): string {
  const top = Math.min(6, Math.max(1, Math.trunc(options.topHeadingDepth ?? 2)));
  const text = normalizeText(markdown);
  if (text.trim() === '') return '';

  const prefix = (options.footnotePrefix ?? '').replace(/[^A-Za-z0-9-]/g, '');
  const serialised = structuredMdx(text, top, prefix);
  if (serialised !== undefined && isInertMdx(serialised)) return serialised;

  // The structured route failed (a serialiser corner case): show the text literally.
  const literal = literalMdx(text);
  if (isInertMdx(literal)) return literal;
  const fenced = fencedMdx(text);
  if (isInertMdx(fenced)) return fenced;
  throw new Error('safeMdx: could not make the text safe MDX');
}

/** The main route: markdown → sanitised mdast → MDX-aware serialiser. Unverified. */
function structuredMdx(text: string, topHeadingDepth: number, footnotePrefix = ''): string | undefined {
  try {
    return serialise(sanitiseTree(parseMarkdown(text), topHeadingDepth, text, footnotePrefix));
  } catch {
    return undefined;
  }
}

/** Lone surrogates become U+FFFD, NUL becomes U+FFFD (as CommonMark does), line endings LF. */
function normalizeText(value: string): string {
  return value.toWellFormed().replaceAll('\0', '\uFFFD').replace(/\r\n?/g, '\n');
}

function parseMarkdown(text: string): Root {
  return fromMarkdown(text, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
}

/** Constructs in which the serialiser writes characters as they are, or that are never links. */
const LITERAL_SPANS: NonNullable<ToMarkdownOptions['unsafe']>[number]['notInConstruct'] = ['autolink', 'destinationLiteral', 'destinationRaw', 'reference', 'titleQuote', 'titleApostrophe', 'label'];

const toMarkdownOptions: ToMarkdownOptions = {
  extensions: [mdxToMarkdown(), gfmToMarkdown()],
  bullet: '-',
  emphasis: '_',
  strong: '*',
  rule: '-',
  fences: true,
  resourceLink: true,
  handlers: {
    // A bare URL in the text (a GFM autolink literal) is written back bare, as its author wrote
    // it, when it is made only of characters that mean nothing to markdown or MDX; Sätteri
    // links it again. Everything else is written as `[text](url)`.
    link(node, parent, state, info) {
      const literal = (node.data as { kbLiteral?: string } | undefined)?.kbLiteral;
      // Only when whitespace (or the end) follows: Sätteri's autolink literal runs on to the
      // next space, swallowing a following backslash escape (`www.x.y\<b>` would free `<b>`).
      const siblings = (parent as { children?: Nodes[] } | undefined)?.children ?? [];
      const next = siblings[siblings.indexOf(node) + 1];
      const followedBySpace = next === undefined || (next.type === 'text' && /^[.,;:?)'"]*(?:\s|$)/.test(next.value));
      return literal !== undefined && followedBySpace ? literal : defaultHandlers.link(node, parent, state, info);
    },
  },
  unsafe: [
    // A line starting with `import`/`export` is ESM in MDX; the serialiser does not know, so
    // the first letter becomes a character reference (`&#x69;mport`), which MDX reads as text.
    { atBreak: true, character: 'i', after: 'mport' },
    { atBreak: true, character: 'e', after: 'xport' },
    // Sätteri reads `www.` and `http://` literals (any case) in the tokenizer and runs them on
    // to the next space or `<`, swallowing backslashes: in `www.x\<b>` the `<b>` would be free
    // JSX. An escaped `.`/`:` stops that literal from starting (gfmToMarkdown covers lowercase
    // and `www.` before word characters only).
    { character: '.', before: '[Ww]{3}', inConstruct: 'phrasing', notInConstruct: LITERAL_SPANS },
    { character: ':', before: '[PpSs]', after: '\\/', inConstruct: 'phrasing', notInConstruct: LITERAL_SPANS },
  ],
};

function serialise(tree: Root): string {
  return toMarkdown(tree, toMarkdownOptions).replace(/\n+$/, '') + '\n';
}

type Definitions = Map<string, { url: string; title?: string | null }>;

/** Rewrites the parsed markdown so that everything left in it is safe to show. */
function sanitiseTree(tree: Root, topHeadingDepth: number, source: string, footnotePrefix: string): Root {
  const definitions: Definitions = new Map();
  const footnotes = new Map<string, string>();
  let shallowest = 7;
  walk(tree, (node) => {
    if (node.type === 'definition') definitions.set(node.identifier, { url: node.url, title: node.title });
    if (node.type === 'heading') shallowest = Math.min(shallowest, node.depth);
    if (node.type === 'footnoteReference' && !footnotes.has(node.identifier)) footnotes.set(node.identifier, `${footnotePrefix}${footnotes.size + 1}`);
  });
  const shift = shallowest === 7 ? 0 : topHeadingDepth - shallowest;
  const root: Root = { type: 'root', children: sanitiseChildren(tree.children, { definitions, footnotes, defined: new Set(), shift, source }, true) as RootContent[] };
  protectEmails(root);
  return root;
}

/**
 * Sätteri finds GFM email autolinks (`a@b.co` → `mailto:`) in the decoded text, so no escape
 * prevents them; an address outside a link is shown as inline code instead, which is never
 * autolinked and keeps the address exactly as written.
 */
const EMAIL_LIKE = /[A-Za-z0-9._+-]+@(?:[A-Za-z0-9_-]*\.+)+[A-Za-z0-9_-]+/g;

function protectEmails(node: Nodes): void {
  if (!('children' in node) || node.type === 'link') return;
  const children: Nodes[] = [];
  for (const child of node.children as Nodes[]) {
    const previous = children.at(-1);
    if (child.type === 'text' && previous?.type === 'text') previous.value += child.value;
    else children.push(child.type === 'text' ? { ...child } : child);
  }
  const out: Nodes[] = [];
  for (const child of children) {
    if (child.type !== 'text') {
      protectEmails(child);
      out.push(child);
      continue;
    }
    let last = 0;
    for (const match of child.value.matchAll(EMAIL_LIKE)) {
      if (match.index > last) out.push(text(child.value.slice(last, match.index)));
      out.push({ type: 'inlineCode', value: match[0] });
      last = match.index + match[0].length;
    }
    if (last === 0) out.push(child);
    else if (last < child.value.length) out.push(text(child.value.slice(last)));
  }
  (node as Parents).children = out as Parents['children'];
}

function walk(node: Nodes, visit: (node: Nodes) => void): void {
  visit(node);
  if ('children' in node) for (const child of node.children) walk(child as Nodes, visit);
}

interface Context {
  definitions: Definitions;
  /** Referenced footnotes: original identifier → new label. */
  footnotes: Map<string, string>;
  /** Footnote identifiers whose (first) definition has been kept. */
  defined: Set<string>;
  /** How much heading depths move. */
  shift: number;
  source: string;
}

function sanitiseChildren(children: readonly Nodes[], ctx: Context, flow: boolean): Nodes[] {
  const out: Nodes[] = [];
  for (const child of children) out.push(...sanitiseNode(child, ctx, flow));
  return out;
}

/** Characters a bare URL may consist of to be written back bare (no markdown or MDX meaning). */
const BARE_URL = /^(?:https?:\/\/|www\.)[A-Za-z0-9./?=&%#~+:-]*[A-Za-z0-9/]$/;

const text = (value: string): Text => ({ type: 'text', value });

function sanitiseNode(node: Nodes, ctx: Context, flow: boolean): Nodes[] {
  const { definitions: defs, shift } = ctx;
  switch (node.type) {
    case 'definition':
      // References are resolved into inline links below; definitions themselves show nothing.
      return [];
    case 'html': {
      if (!flow) return [text(node.value)];
      // A block of raw HTML is shown as text, one paragraph per blank-line separated chunk.
      return node.value
        .split(/\n[ \t]*\n/)
        .filter((chunk) => chunk.trim() !== '')
        .map((chunk) => ({ type: 'paragraph', children: [text(chunk)] }));
    }
    case 'heading':
      return [
        {
          ...node,
          depth: Math.min(6, Math.max(1, node.depth + shift)) as 1 | 2 | 3 | 4 | 5 | 6,
          children: sanitiseChildren(node.children, ctx, false) as PhrasingContent[],
        },
      ];
    case 'link': {
      const result = linkOrText(node.url, node.title, sanitiseChildren(node.children, ctx, false) as PhrasingContent[]);
      const [only] = node.children;
      const start = node.position?.start.offset;
      const end = node.position?.end.offset;
      const written = start !== undefined && end !== undefined ? ctx.source.slice(start, end) : undefined;
      if (result.length === 1 && result[0]!.type === 'link' && node.children.length === 1 && only?.type === 'text' && only.value === written && BARE_URL.test(written)) {
        result[0]!.data = { kbLiteral: written } as Link['data'];
      }
      return result;
    }
    case 'linkReference': {
      const def = defs.get(node.identifier);
      const children = sanitiseChildren(node.children, ctx, false) as PhrasingContent[];
      return def ? linkOrText(def.url, def.title, children) : children;
    }
    case 'image':
      return imageAsLink(node.url, node.title, node.alt);
    case 'imageReference': {
      const def = defs.get(node.identifier);
      return def ? imageAsLink(def.url, def.title, node.alt) : node.alt ? [text(node.alt)] : [];
    }
    case 'footnoteReference': {
      const label = ctx.footnotes.get(node.identifier)!;
      return [{ ...node, identifier: label, label }];
    }
    case 'footnoteDefinition': {
      const children = sanitiseChildren(node.children, ctx, true) as FootnoteDefinition['children'];
      const label = ctx.footnotes.get(node.identifier);
      if (label !== undefined && !ctx.defined.has(node.identifier)) {
        ctx.defined.add(node.identifier);
        return [{ ...node, identifier: label, label, children }];
      }
      // GFM renders nothing for a footnote nobody calls (or a second definition of one); its
      // text is shown where it stands instead, as written.
      const marker = text(`[^${node.label ?? node.identifier}]: `);
      const [first, ...rest] = children;
      if (first?.type === 'paragraph') return [{ ...first, children: [marker, ...first.children] }, ...rest];
      return [{ type: 'paragraph', children: [marker] }, ...children];
    }
    case 'code':
      // The language picks a highlighter; keep it only when it is a plain name. `meta` is
      // never shown, so it is dropped.
      return [{ type: 'code', value: node.value, lang: plainLang(node.lang) }];
    default:
      if ('children' in node) {
        const childFlow = node.type !== 'paragraph' && node.type !== 'tableCell' && !isPhrasingParent(node);
        return [{ ...node, children: sanitiseChildren(node.children, ctx, childFlow) } as Nodes];
      }
      return [node];
  }
}

function isPhrasingParent(node: Parents): boolean {
  return ['emphasis', 'strong', 'delete', 'link', 'linkReference', 'heading'].includes(node.type);
}

function plainLang(lang: string | null | undefined): string | null {
  return lang && /^[A-Za-z0-9_+#.-]{1,40}$/.test(lang) ? lang : null;
}

function linkOrText(url: string, title: string | null | undefined, children: PhrasingContent[]): PhrasingContent[] {
  const href = safeHref(url);
  if (href) return [{ type: 'link', url: href, title: title || null, children }];
  const label = children.map(plainText).join('').trim();
  const shown = url.trim();
  if (!shown || shown === label || shown === `mailto:${label}`) return children;
  return [...children, text(` (${url})`)];
}

function imageAsLink(url: string, title: string | null | undefined, alt: string | null | undefined): PhrasingContent[] {
  const href = safeHref(url);
  const label = alt?.trim() ? alt : '';
  if (href) return [{ type: 'link', url: href, title: title || null, children: [text(label ? `Image: ${label}` : `Image: ${href}`)] }];
  if (!url.trim()) return label ? [text(label)] : [];
  return [text(label ? `${label} (${url})` : url)];
}

function plainText(node: Nodes): string {
  if ('value' in node && typeof node.value === 'string') return node.value;
  if ('children' in node) return node.children.map((child) => plainText(child as Nodes)).join('');
  return '';
}

/**
 * The fallback: every ASCII punctuation character backslash-escaped (so no markdown, MDX or
 * HTML construct can start), line-initial `import`/`export` made text with a character
 * reference. Paragraph breaks are kept; everything else shows literally.
 */
function literalMdx(text: string): string {
  const escape = (part: string) => part.replace(/[!-/:-@[-`{-~]/g, (c) => `\\${c}`);
  const line = (value: string) => {
    let out = '';
    let last = 0;
    for (const match of value.matchAll(EMAIL_LIKE)) {
      out += escape(value.slice(last, match.index)) + '`' + match[0] + '`';
      last = match.index + match[0].length;
    }
    out += escape(value.slice(last));
    return out.replace(/^([ \t]*)(i(?=mport)|e(?=xport))/, (_m, space: string, letter: string) => `${space}&#x${letter.charCodeAt(0).toString(16)};`);
  };
  return text.split('\n').map(line).join('\n').replace(/\n+$/, '') + '\n';
}

/** The last resort: the whole text as a fenced code block, which MDX never reads as code. */
function fencedMdx(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text.replace(/\n+$/, '')}\n${fence}\n`;
}

/** The fallback encodings, exported for their own tests. */
export const _internal = { structuredMdx, literalMdx, fencedMdx };

/** Parses `source` as MDX with Sätteri (Astro's MDX compiler) and checks it is markdown only. */
export function isInertMdx(source: string): boolean {
  let tree: unknown;
  try {
    tree = mdxToMdast(source, { features: SATTERI_FEATURES, position: false });
  } catch {
    return false;
  }
  return inertTree(tree);
}

/**
 * How deep the body's markdown may nest (node levels below the root). Hostile text can nest far
 * deeper (500 `>` make 500 blockquotes), and each level becomes one level of nested JSX calls in
 * the compiled module, which the bundler's native parser (Rolldown, in `astro build`) recurses
 * through: a few hundred levels crash the whole build with a stack overflow (SIGSEGV). Real
 * prose stays far below this; deeper text is shown literally (the fallback is flat).
 */
const MAX_NESTING = 48;

function inertTree(node: unknown, depth = 0): boolean {
  if (!node || typeof node !== 'object' || depth > MAX_NESTING) return false;
  const n = node as { type?: unknown; url?: unknown; children?: unknown };
  if (typeof n.type !== 'string' || !ALLOWED_NODES.has(n.type)) return false;
  // Sätteri may link an http(s) URL that WHATWG URL cannot parse (e.g. `www.x.com` followed
  // by letters of other scripts); its scheme is still http(s), which is what matters here.
  if (n.type === 'link' && (typeof n.url !== 'string' || !/^https?:\/\//i.test(n.url))) return false;
  if (n.children === undefined) return true;
  return Array.isArray(n.children) && n.children.every((child) => inertTree(child, depth + 1));
}

// ---------------------------------------------------------------------------------------------
// Session ↔ MDX file

interface YamlType {
  readonly tag: string;
}
interface JsYaml4 {
  load(source: string): unknown;
  dump(value: unknown, options?: Record<string, unknown>): string;
  Type: new (tag: string, options: { kind: 'scalar'; resolve: (data: string | null) => boolean; construct: (data: string) => unknown }) => YamlType;
  DEFAULT_SCHEMA: { extend(types: { implicit: YamlType[] }): unknown };
}
interface JsYaml3 {
  safeLoad(source: string): unknown;
}

const require = createRequire(import.meta.url);
/** js-yaml 4: the YAML parser Astro reads frontmatter with (`@astrojs/internal-helpers/frontmatter`). */
const yaml = require('js-yaml') as JsYaml4;
/** js-yaml 3: the parser a plain `matter(file)` (gray-matter's default engine) reads with. */
const yaml3 = createRequire(require.resolve('gray-matter'))('js-yaml') as JsYaml3;

/**
 * js-yaml 4 quotes a string when js-yaml 4 would read it as something else (a date, a number,
 * `null`…). YAML 1.1 readers see more: js-yaml 3 reads `1_000` as 1000 and `12:30:00` as 45000.
 * This extra implicit type makes the dumper also quote every string js-yaml 3 would misread, so
 * the file reads back the same with both. It is used for dumping only.
 */
const misreadByYaml11 = new yaml.Type('tag:kb.local,2026:misread-by-yaml-1.1', {
  kind: 'scalar',
  resolve: (data) => {
    if (data === null) return false;
    try {
      return typeof yaml3.safeLoad(data) !== 'string';
    } catch {
      return true;
    }
  },
  construct: (data) => data,
});
const DUMP_SCHEMA = yaml.DEFAULT_SCHEMA.extend({ implicit: [misreadByYaml11] });

function dumpYaml(data: unknown): string {
  // No line folding (long lines stay one line, exactly as written), no anchors/aliases.
  return yaml.dump(data, { schema: DUMP_SCHEMA, lineWidth: -1, noRefs: true });
}

/** gray-matter with Astro's YAML parser, so the CLI reads exactly what the site reads. */
const MATTER_OPTIONS = { engines: { yaml: { parse: (source: string) => yaml.load(source) as object, stringify: dumpYaml } } };

/** Strings made well-formed (lone surrogates → U+FFFD), undefined keys dropped, recursively. */
function clean(value: unknown): unknown {
  if (typeof value === 'string') return value.toWellFormed();
  if (Array.isArray(value)) return value.map(clean);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = clean(v);
    return out;
  }
  return value;
}

/**
 * Validates a session, naming each bad field. Returns the schema's output, whose keys zod
 * writes in schema order at every level, so the frontmatter always reads in the same order.
 */
function validate(value: unknown, where: string): Session {
  const result = Session.safeParse(value);
  if (!result.success) {
    throw new Error(`${where}: not a valid session:\n${sessionProblems(result.error, value).map((line) => `  - ${line}`).join('\n')}`);
  }
  return clean(result.data) as Session;
}

/**
 * The session exactly as any reader will get it back from its file (what `sessionToMdx` writes
 * and checks), without parsing the file again.
 */
export function storedSession(session: Session): Session {
  return validate(clean(session), 'storedSession');
}

/** The section wrappers are the only JSX in a session file, written here, never from input. */
function section(part: 'answer' | 'summary' | 'analysis', body: string): string {
  return `<section data-kb-part="${part}">\n\n${body}${body ? '\n' : ''}</section>\n`;
}

/**
 * The MDX file for a session: the session as YAML frontmatter (schema key order, undefined keys
 * dropped, strings made well-formed) and a body with the summary and the analysis.
 */
export function sessionToMdx(session: Session): string {
  const data = validate(clean(session), 'sessionToMdx');
  const parts: string[] = [];
  if (data.answer) parts.push(section('answer', safeMdx(answerMarkdown(data.answer), { topHeadingDepth: 3, footnotePrefix: 'answer-' })));
  if (data.summary !== undefined && data.summary.trim() !== '') parts.push(section('summary', safeMdx(data.summary, { topHeadingDepth: 3, footnotePrefix: 'summary-' })));
  parts.push(section('analysis', safeMdx(data.analysis, { topHeadingDepth: 2 })));
  const body = parts.join('\n');
  assertBodyShape(body);
  // Assembled like gray-matter's `matter.stringify`, minus its trim of the YAML, which would
  // cut the trailing blank lines of a last value written as a `|+` block. gray-matter's reader
  // also drops the newline before the closing `---`; a comment line after such a value keeps
  // them (it is only needed, and only written, when the YAML ends with a blank line).
  let yamlText = dumpYaml(data);
  if (yamlText.endsWith('\n\n')) yamlText += '# (the value above ends with blank lines)\n';
  const file = `---\n${yamlText}---\n${body}`;
  assertReadsBack(file, data);
  return file;
}

/** Astro's frontmatter block (`@astrojs/internal-helpers/frontmatter`), read with js-yaml 4. */
const ASTRO_FRONTMATTER = /(?:^\uFEFF?|^\s*\n)(?:---|\+\+\+)([\s\S]*?\n)(?:---|\+\+\+)/;

/** Every reader of the file gets exactly the session back: ours, Astro's and plain gray-matter's. */
function assertReadsBack(file: string, data: Session): void {
  const readers: Array<[string, () => unknown]> = [
    ['gray-matter with js-yaml 4', () => matter(file, MATTER_OPTIONS).data],
    ["Astro's frontmatter parser", () => yaml.load(ASTRO_FRONTMATTER.exec(file)?.[1] ?? '')],
    ['gray-matter with js-yaml 3', () => matter(file, {}).data],
  ];
  for (const [name, read] of readers) {
    if (!isDeepStrictEqual(read(), data)) throw new Error(`sessionToMdx: the YAML would read back differently with ${name} (session ${data.id})`);
  }
}

/** Defence in depth: the whole body parses to our sections with markdown inside, nothing else. */
function assertBodyShape(body: string): void {
  const tree = mdxToMdast(body, { features: SATTERI_FEATURES, position: false }) as unknown as {
    children: Array<{ type: string; name?: string; attributes?: Array<{ type: string; name: string; value: unknown }>; children: unknown[] }>;
  };
  const ok = tree.children.every(
    (child) =>
      child.type === 'mdxJsxFlowElement' &&
      child.name === 'section' &&
      child.attributes?.length === 1 &&
      child.attributes[0]!.type === 'mdxJsxAttribute' &&
      child.attributes[0]!.name === 'data-kb-part' &&
      (child.attributes[0]!.value === 'answer' || child.attributes[0]!.value === 'summary' || child.attributes[0]!.value === 'analysis') &&
      child.children.every((grandchild) => inertTree(grandchild)),
  );
  if (!ok) throw new Error('sessionToMdx: the MDX body is not plain markdown inside its sections (a safeMdx bug)');
}

/** The answer as people reading the file see it: the text, then its key figures as a table. */
function answerMarkdown(answer: Answer): string {
  const cell = (text: string) => text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
  const rows = answer.figures.map((f) => `| ${cell(f.label)} | ${cell(f.text ?? `${f.value}${f.unit ? ` ${f.unit}` : ''}`)} | ${cell(f.asOf ?? '')} | ${f.cite ? `[${f.cite}]` : ''} |`);
  return [answer.text, ...(rows.length ? ['', '| Key figure | Value | As of | Source |', '| --- | --- | --- | --- |', ...rows] : [])].join('\n');
}

/** Reads a session file's frontmatter and validates it; errors name the file and each bad field. */
export function mdxToSession(source: string, file: string): Session {
  if (!/^\uFEFF?---\r?\n/.test(source)) throw new Error(`${file}: no frontmatter (a session file starts with a "---" line)`);
  let data: unknown;
  try {
    // Passing options also turns off gray-matter's process-wide cache of every file it parsed.
    data = matter(source, MATTER_OPTIONS).data;
  } catch (error) {
    throw new Error(`${file}: unreadable frontmatter: ${(error as Error).message}`);
  }
  return validate(data, file);
}
