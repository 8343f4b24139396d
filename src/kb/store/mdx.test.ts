// Session ↔ MDX, tested against the compiler the site really uses: Astro 7's MDX pipeline runs
// Sätteri (`@astrojs/markdown-satteri`), so every safety test compiles the file exactly as
// `@astrojs/mdx` does, evaluates the compiled module and renders it to HTML with Astro.
import { parseFrontmatter } from '@astrojs/internal-helpers/frontmatter';
import { markdownConfigDefaults } from '@astrojs/internal-helpers/markdown';
import mdxServerRenderer from '@astrojs/mdx/server.js';
import { satteri } from '@astrojs/markdown-satteri';
import { experimental_AstroContainer } from 'astro/container';
import { init as initModuleLexer, parse as parseModule } from 'es-module-lexer';
import fc from 'fast-check';
import matter from 'gray-matter';
import type { Nodes as MdastNodes } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import { htmlToHast, markdownToHast, mdxToHast } from 'satteri';
import { beforeAll, describe, expect, it } from 'vitest';
import { _internal, isInertMdx, mdxToSession, safeMdx, sessionToMdx } from './mdx.ts';
import { Session, type Session as SessionType } from '#core/session.ts';
import { canonical } from '#tests/security/properties.ts';

// Fixed seed for repeatable runs; KB_FC_SEED / KB_FC_RUNS explore further (e.g. 50 seeds × 2000).
const FC = { seed: Number(process.env.KB_FC_SEED ?? 4242), numRuns: Number(process.env.KB_FC_RUNS ?? 300) };
const FILE = '/kb/content/briefings/q/2026-01-27-8e0c65b3.mdx';

// ---------------------------------------------------------------------------------------------
// The site's compiler, evaluator and renderer

type Renderer = { process(content: string, filePath: string, frontmatter: Record<string, unknown>): Promise<{ code: string }> };
let renderer: Renderer;
let container: Awaited<ReturnType<typeof experimental_AstroContainer.create>>;

beforeAll(async () => {
  await initModuleLexer;
  // Exactly what @astrojs/mdx does (vite-plugin-mdx.js): the default processor, its defaults.
  renderer = (await satteri().createMdxRenderer!(
    {
      syntaxHighlight: markdownConfigDefaults.syntaxHighlight,
      shikiConfig: markdownConfigDefaults.shikiConfig,
      gfm: markdownConfigDefaults.gfm,
      smartypants: markdownConfigDefaults.smartypants,
    },
    { optimize: false, srcDir: new URL('file:///kb/src/'), sourcemap: false },
  )) as Renderer;
  container = await experimental_AstroContainer.create();
  container.addServerRenderer({ renderer: mdxServerRenderer, name: 'astro:jsx' });
});

/** Compiles an MDX file the way @astrojs/mdx does: Astro's frontmatter parser, then Sätteri. */
async function compile(file: string): Promise<{ code: string; frontmatter: Record<string, unknown> }> {
  const { frontmatter, content } = parseFrontmatter(file, { frontmatter: 'empty-with-spaces' });
  const { code } = await renderer.process(content, FILE, frontmatter);
  return { code, frontmatter };
}

/** The module's imports and exports, read with the lexer Astro's own post-processing uses. */
function moduleSurface(code: string) {
  const [imports, exports] = parseModule(code);
  return {
    imports: imports.map((i) => ({ specifier: i.n, dynamic: i.d !== -1 })),
    exports: exports.map((e) => e.n).sort(),
  };
}

function expectOnlyAstrosOwnModuleSurface(code: string) {
  const surface = moduleSurface(code);
  expect(surface.imports).toEqual(surface.imports.map(() => ({ specifier: 'astro/jsx-runtime', dynamic: false })));
  expect(surface.exports).toEqual(['frontmatter', 'getHeadings']);
}

/**
 * Evaluates the compiled module (with the exports @astrojs/mdx's post-processing adds) and
 * renders its Content with Astro's container.
 */
async function render(code: string): Promise<{ html: string; module: Record<string, unknown> }> {
  let source = code;
  if (!/[\s,{]_Fragment[\s,}]/.test(source)) source += `\nimport { Fragment as _Fragment } from 'astro/jsx-runtime';`;
  source += `
export const Content = (props = {}) => MDXContent({ ...props, components: { Fragment: _Fragment, ...props.components } });
export default Content;
Content[Symbol.for('mdx-component')] = true;
import { __astro_tag_component__ } from 'astro/runtime/server/index.js';
__astro_tag_component__(Content, 'astro:jsx');`;
  source = source.replace(/(from\s*)(['"])(astro\/[^'"]+)\2/g, (_m, from: string, q: string, spec: string) => `${from}${q}${import.meta.resolve(spec)}${q}`);
  const module = (await import(/* @vite-ignore */ `data:text/javascript;base64,${Buffer.from(source).toString('base64')}`)) as Record<string, unknown>;
  const html = await container.renderToString(module.default as never);
  return { html, module };
}

interface HastNode {
  type: string;
  tagName?: string;
  value?: string;
  properties?: Record<string, unknown>;
  children?: HastNode[];
}

const FORBIDDEN_ELEMENTS = new Set(['script', 'style', 'iframe', 'frame', 'object', 'embed', 'img', 'picture', 'source', 'video', 'audio', 'track', 'link', 'meta', 'base', 'form', 'svg', 'math', 'template', 'noscript', 'textarea', 'button', 'select']);
const URL_PROPERTIES = ['href', 'src', 'srcSet', 'action', 'formAction', 'poster', 'xLinkHref', 'data', 'cite', 'background', 'ping'];

function textOf(node: HastNode): string {
  if (node.type === 'text') return node.value ?? '';
  return (node.children ?? []).map(textOf).join('');
}

function findAll(node: HastNode, test: (n: HastNode) => boolean, out: HastNode[] = []): HastNode[] {
  if (test(node)) out.push(node);
  for (const child of node.children ?? []) findAll(child, test, out);
  return out;
}

/** What rendered HTML does that it must not: forbidden elements, handlers, non-http(s) URLs. */
function problemsIn(html: string): string[] {
  const problems: string[] = [];
  if (/<script/i.test(html)) problems.push('contains <script');
  const tree = htmlToHast(html, { fragment: true }) as HastNode;
  for (const el of findAll(tree, (n) => n.type === 'element')) {
    if (FORBIDDEN_ELEMENTS.has(el.tagName!)) problems.push(`element <${el.tagName}>`);
    for (const [name, value] of Object.entries(el.properties ?? {})) {
      if (/^on/i.test(name)) problems.push(`handler attribute ${name}`);
      if (URL_PROPERTIES.includes(name)) {
        const url = String(value);
        if (!(url.startsWith('#') || /^https?:\/\//i.test(url))) problems.push(`${name}=${JSON.stringify(url)}`);
      }
    }
  }
  return problems;
}

/** Footnote call numbers depend on the whole page; they are left out of text comparisons. */
const isFootnoteLink = (n: HastNode) => n.properties?.dataFootnoteRef !== undefined || n.properties?.dataFootnoteBackref !== undefined;
const isFootnotes = (n: HastNode) => n.tagName === 'section' && n.properties?.dataFootnotes !== undefined;

function proseText(node: HastNode, raw = false): string {
  if (node.type === 'text' || (raw && node.type === 'raw')) return node.value ?? '';
  if (isFootnoteLink(node)) return '';
  return (node.children ?? []).map((child) => proseText(child, raw)).join('');
}

/** The page's text: each `data-kb-part` section's, and the (page-wide) footnotes'. */
function sectionTexts(html: string): Record<string, string> {
  const tree = htmlToHast(html, { fragment: true }) as HastNode;
  const out: Record<string, string> = {};
  for (const el of findAll(tree, (n) => n.tagName === 'section' && n.properties?.dataKbPart !== undefined)) {
    out[String(el.properties!.dataKbPart)] = proseText(el);
  }
  const footnotes = findAll(tree, isFootnotes)[0];
  if (footnotes) out.footnotes = proseText(footnotes);
  return out;
}

/** Letters and digits of a text, in order: what a reader reads, minus spacing and punctuation. */
const alnum = (s: string) => (s.match(/[\p{L}\p{N}]/gu) ?? []).join('');

function isSubsequence(needle: string, haystack: string): boolean {
  const wanted = [...needle];
  let i = 0;
  for (const c of haystack) if (c === wanted[i]) i++;
  return i === wanted.length;
}

/** Astro renders with smart punctuation on; compare text with plain quotes, dashes, dots. */
const unsmart = (s: string) => s.replace(/[“”]/g, '"').replace(/[‘’]/g, "'").replace(/—/g, '---').replace(/–/g, '--').replace(/…/g, '...');

/**
 * The visible text of a plain (non-MDX) markdown rendering of the text, with its raw HTML shown
 * as the source text it is (which is what the site does with it).
 */
function referenceText(markdown: string): { body: string; footnotes: string } {
  const tree = markdownToHast(markdown.toWellFormed().replaceAll('\0', '\uFFFD'), { features: { gfm: true } }) as HastNode;
  const footnotes = findAll(tree, isFootnotes)[0];
  const body = { ...tree, children: (tree.children ?? []).filter((n) => !isFootnotes(n)) };
  return { body: proseText(body, true), footnotes: footnotes ? proseText(footnotes, true) : '' };
}

/**
 * The same, from micromark's reading of the text (the parser safeMdx uses): the two parsers
 * disagree on some contrived block structures (lazy lines in footnotes, HTML blocks), where a
 * construct that hides text (a link definition) exists for one and not the other.
 */
function micromarkReferenceText(markdown: string): { body: string; footnotes: string } {
  const tree = fromMarkdown(markdown.toWellFormed().replaceAll('\0', '\uFFFD').replace(/\r\n?/g, '\n'), { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  const definitions = new Map<string, MdastNodes>();
  const called: string[] = [];
  const collect = (node: MdastNodes) => {
    if (node.type === 'footnoteDefinition' && !definitions.has(node.identifier)) definitions.set(node.identifier, node);
    if (node.type === 'footnoteReference' && !called.includes(node.identifier)) called.push(node.identifier);
    if ('children' in node) node.children.forEach((child) => collect(child as MdastNodes));
  };
  collect(tree);
  const visible = (node: MdastNodes): string => {
    if (node.type === 'footnoteDefinition' || node.type === 'definition' || node.type === 'image' || node.type === 'imageReference') return '';
    if ('value' in node && typeof node.value === 'string') return node.value;
    return 'children' in node ? node.children.map((child) => visible(child as MdastNodes)).join('') : '';
  };
  const footnotes = called.map((id) => definitions.get(id)).filter((d) => d !== undefined);
  const inside = (d: MdastNodes) => ('children' in d ? d.children.map((c) => visible(c as MdastNodes)).join('') : '');
  return { body: visible(tree), footnotes: footnotes.map(inside).join('') };
}

/**
 * Every letter and digit a plain rendering of `markdown` shows is on the page, in order (by
 * Sätteri's markdown reading or by micromark's).
 */
function expectTextKept(markdown: string, section: string | undefined, footnotes: string | undefined) {
  const kept = (reference: { body: string; footnotes: string }) =>
    isSubsequence(alnum(reference.body), alnum(section ?? '')) && isSubsequence(alnum(reference.footnotes), alnum(footnotes ?? ''));
  expect(kept(referenceText(markdown)) || kept(micromarkReferenceText(markdown)), `text of ${JSON.stringify(markdown)} is on the page`).toBe(true);
}

// ---------------------------------------------------------------------------------------------
// Generators

const SPECIAL_CHARS = ['\0', '\u0001', '\u0008', '\u000b', '\u000c', '\u001b', '\u007f', '\u0085', '\r', '\n', '\r\n', '\t', '\u2028', '\u2029', '\uFEFF', '\u200B', '\u200F', '\u202E', '\u00A0', ' ', '"', "'", ':', '#', '-', '{', '}', '<', '>', '|', '&', '*', '!', '%', '@', '`', '\\', '/', '🦀', '👩🏽‍💻', 'é', 'ﬀ', '中', 'ع'];
const anyChar = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_CHARS) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
);
const YAML_TRICKY = ['yes', 'no', 'on', 'off', 'y', 'N', 'true', 'False', 'null', 'Null', '~', '', ' ', ' lead', 'trail ', '  both  ', '2026-01-27', '2026-01-27T05:52:47Z', '2001-12-14 21:59:43.10 -5', '1e3', '0x1F', '0o17', '012', '+1', '-0', '.5', '.inf', '-.Inf', '.NaN', '1_000', '12:30:00', '<<', '=', '&anchor', '*alias', '!tag', '!!binary', '%YAML 1.2', '---', '...', '--- x', '- item', '? key', 'a: b', 'a:b', '#comment', 'a #b', '"quoted"', "'single'", '|', '>', '@x', '`x`', 'x'.repeat(300), 'line1\nline2', 'line1\n\n  indented\n', '\n', '\n\n', ' \n ', '\ttab', 'trailing\n', 'a\r\nb', 'a\rb', 'x\n---\ny', 'x\n---', '---\nlayout: x\n---'];
const plainString = fc.string({ unit: anyChar, maxLength: 40 });
const longString = fc.string({ unit: anyChar, minLength: 100, maxLength: 400 });

const FRAGMENTS = ['{', '}', '<', '>', '</x>', '<x>', '</section>', '<section data-kb-part="summary">', '<X.y {...z} />', '{/* c */}', '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', 'import x from "y"', 'export const x = 1', 'export default function () {}', '{globalThis.pwned = 1}', '[a](javascript:alert(1))', '<javascript:alert(1)>', '![i](http://x/y.png)', '![j](javascript:alert(2))', '[ok](https://example.com/ok "t{x}")', '[r][d]', '[d]: javascript:alert(3)', '[e]: https://e.example/{x}', '[e]', '[f](</a b>)', '# ', '## ', '###### ', '- ', '* ', '+ ', '1. ', '2) ', '> ', '```', '~~~', '```js', '```{x}', '    ', '\t', '|a|b|', '|-|-|', '***', '---', '___', '===', '\\', '&lt;', '&#123;', '&amp;', '&#105;', '&', '<!-- c -->', '<!--', '-->', '<![CDATA[ x ]]>', '<?php x ?>', '<!DOCTYPE html>', '<div>', '</div>', '<a href="javascript:alert(4)">l</a>', '<style>p{}</style>', '`', '``', '*', '_', '**', '~~', '[^1]', '[^1]: note', '[ ]', '[x]', 'www.example.com', 'https://example.com/p?q=1&r={x}', 'a@b.co', 'mailto:m@n.op', '$', '$$', ':', '!', '"', "'", '...', '--', '\0', '\r', '\r\n', '\u2028', '\uFEFF', 'é', '中文', '🦀', '\u200F', 'alpha', 'bravo', 'import', 'export', 'default', '=', ';', '(', ')', '[', ']'];
const fragment = fc.constantFrom(...FRAGMENTS);
const markdownLike = fc.oneof(
  // Fragments run together: inline constructs, and blocks where a newline falls.
  fc
    .array(fc.oneof({ weight: 4, arbitrary: fragment }, { weight: 3, arbitrary: fc.constantFrom(' ', '\n', '\n\n') }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) }), { maxLength: 30 })
    .map((parts) => parts.join('')),
  // Blocks: every line starts with a fragment, where MDX looks for ESM, JSX and expressions.
  fc.array(fc.array(fragment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(' ')), { minLength: 1, maxLength: 8 }).chain((lines) => fc.constantFrom(lines.join('\n'), lines.join('\n\n'))),
);

const anyString = fc.oneof({ weight: 4, arbitrary: plainString }, { weight: 2, arbitrary: fc.constantFrom(...YAML_TRICKY) }, { weight: 2, arbitrary: markdownLike }, { weight: 1, arbitrary: longString });
const nonBlank = anyString.filter((s) => s.toWellFormed().trim() !== '');

const isoDateTime = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true })
  .chain((d) => {
    const iso = d.toISOString();
    return fc.constantFrom(iso, iso.replace(/\.\d{3}Z$/, 'Z'), iso.replace(/Z$/, '+05:30'), iso.replace(/\.\d{3}Z$/, '-08:00'));
  });

const resultArb = fc.record(
  { title: anyString, url: fc.oneof(anyString, fc.webUrl()), snippet: anyString, source: anyString, publishedAt: fc.oneof(anyString, isoDateTime), partial: fc.boolean() },
  { requiredKeys: ['title'] },
);
const stepArb = fc.record(
  { id: nonBlank, query: anyString, results: fc.array(resultArb, { maxLength: 3 }), truncated: fc.boolean(), error: anyString, note: anyString },
  { requiredKeys: ['id', 'results'] },
);
const sessionArb = fc
  .record(
    {
      id: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$/),
      query: nonBlank,
      querySlug: fc.stringMatching(/^[a-z0-9]{1,8}(?:-[a-z0-9]{1,8}){0,3}$/),
      title: anyString,
      generatedAt: isoDateTime,
      summary: anyString,
      analysis: anyString,
      tags: fc.array(nonBlank, { maxLength: 3 }),
      steps: fc.array(stepArb, { maxLength: 3 }),
      status: fc.constantFrom('complete', 'partial', 'failed'),
      providers: fc.record({ search: anyString, llm: anyString, model: anyString, planner: anyString }, { requiredKeys: [] }),
      provenance: fc.record(
        {
          format: fc.constantFrom('mica-report', 'session-json', 'pipeline'),
          file: anyString,
          sha256: anyString,
          importedAt: isoDateTime,
          generator: anyString,
          otherTimestamps: fc.array(anyString, { maxLength: 3 }),
          notes: fc.array(anyString, { maxLength: 3 }),
        },
        { requiredKeys: ['format'] },
      ),
    },
    { requiredKeys: ['id', 'query', 'querySlug', 'generatedAt', 'analysis', 'tags', 'steps', 'status'] },
  )
  // Optional keys present with the value undefined must be dropped, not break the YAML dump.
  .chain((s) => fc.constantFrom(s, { ...s, title: undefined }, { ...s, summary: undefined, providers: undefined }))
  .map((s) => s as SessionType);

const baseSession: SessionType = {
  id: '8e0c65b3-0d2f-48bd-bf11-594d2ccc9279',
  query: 'What is the import dependency of the US on China for rare earths?',
  querySlug: 'us-china-rare-earths',
  generatedAt: '2026-01-27T05:52:47Z',
  analysis: 'Findings.',
  tags: [],
  steps: [],
  status: 'complete',
};

// ---------------------------------------------------------------------------------------------

describe('sessionToMdx and mdxToSession', () => {
  it('write a typical session as a file a person can read in git', () => {
    const file = sessionToMdx({
      ...baseSession,
      title: 'US dependency on Chinese rare earths',
      summary: 'The US imports **most** of its rare earths from China.',
      analysis: '# Findings\n\n1. China refines ~90% of rare earths.\n2. See [USGS](https://www.usgs.gov/).\n\n## Limitations\n\n- One step returned nothing.\n\n## Conclusion\n\nDependence is high.',
      tags: ['rare earths', 'trade'],
      steps: [{ id: 'step_0', results: [{ title: 'Rare earths: yes, China', url: 'https://www.cnn.com/x', snippet: 'No.', source: 'www.cnn.com' }] }],
      provenance: { format: 'mica-report', file: 'seeds/report.txt', otherTimestamps: ['2026-01-27 05:52:47'] },
    });
    expect(file).toBe(`---
id: 8e0c65b3-0d2f-48bd-bf11-594d2ccc9279
query: What is the import dependency of the US on China for rare earths?
querySlug: us-china-rare-earths
title: US dependency on Chinese rare earths
generatedAt: '2026-01-27T05:52:47Z'
summary: The US imports **most** of its rare earths from China.
analysis: |-
  # Findings

  1. China refines ~90% of rare earths.
  2. See [USGS](https://www.usgs.gov/).

  ## Limitations

  - One step returned nothing.

  ## Conclusion

  Dependence is high.
tags:
  - rare earths
  - trade
steps:
  - id: step_0
    results:
      - title: 'Rare earths: yes, China'
        url: https://www.cnn.com/x
        snippet: No.
        source: www.cnn.com
status: complete
provenance:
  format: mica-report
  file: seeds/report.txt
  otherTimestamps:
    - '2026-01-27 05:52:47'
---
<section data-kb-part="summary">

The US imports **most** of its rare earths from China.

</section>

<section data-kb-part="analysis">

## Findings

1. China refines \\~90% of rare earths.
2. See [USGS](https://www.usgs.gov/).

### Limitations

- One step returned nothing.

### Conclusion

Dependence is high.

</section>
`);
  });

  it('write the answer and its key figures first in the body, inert, and read the session back exactly', () => {
    const session = {
      ...baseSession,
      answer: { text: 'Reliance was about 80% in 2024 [1]. {process.exit()} <img src=x onerror=alert(1)>', figures: [{ label: 'Net import | reliance', value: 80, unit: '%', text: 'about 80%', asOf: '2024', cite: 1 }] },
    };
    const file = sessionToMdx(session);
    const body = file.slice(file.indexOf('\n---\n', 4) + 5);
    expect(body.indexOf('<section data-kb-part="answer">')).toBe(0);
    // Markdown a person reads in git (safeMdx aligns the table and escapes what MDX would act on).
    expect(body).toMatch(/^\| Key figure +\| Value +\| As of \| Source \|$/m);
    expect(body).toMatch(/^\| Net import \\\| reliance \| about 80% \| 2024 +\| \\\[1\] +\|$/m);
    // sessionToMdx itself refuses a body that is not plain markdown in its sections; the braces are escaped.
    expect(body).toContain('\\{process.exit()}');
    expect(mdxToSession(file, 'a.mdx')).toEqual(session);
  });

  it('write frontmatter keys in schema order whatever order the object has, and leave out the summary section when there is no summary', () => {
    const shuffled = { status: 'partial', steps: [{ results: [], id: 's' }], tags: ['t'], analysis: 'A', generatedAt: '2026-01-27T05:52:47Z', querySlug: 'q', query: 'Q', id: 'x1' } as SessionType;
    const file = sessionToMdx(shuffled);
    const { frontmatter } = parseFrontmatter(file);
    expect(Object.keys(frontmatter)).toEqual(['id', 'query', 'querySlug', 'generatedAt', 'analysis', 'tags', 'steps', 'status']);
    expect(Object.keys((frontmatter.steps as object[])[0]!)).toEqual(['id', 'results']);
    expect(file).not.toContain('data-kb-part="summary"');
    expect(sessionToMdx({ ...shuffled, summary: ' \n ' })).not.toContain('data-kb-part="summary"');
  });

  it('round-trip every generated session exactly, through gray-matter and through Astro’s own frontmatter parser', () => {
    fc.assert(
      fc.property(sessionArb, (raw) => {
        const expected = canonical(raw);
        // What goes to disk is UTF-8; what comes back is decoded from it.
        const file = Buffer.from(sessionToMdx(raw), 'utf8').toString('utf8');
        expect(mdxToSession(file, FILE)).toStrictEqual(expected);
        // A plain `matter(file)` (gray-matter's default js-yaml 3 engine) reads the same.
        expect(matter(file, {}).data).toStrictEqual(expected);
        const astro = parseFrontmatter(file, { frontmatter: 'empty-with-spaces' });
        expect(astro.frontmatter).toStrictEqual(expected);
        expect(Session.parse(astro.frontmatter)).toStrictEqual(expected);
      }),
      FC,
    );
  });

  it('store dates, numbers, yes/no, null and spaces as the strings they are', () => {
    const values = YAML_TRICKY.filter((v) => v.trim() !== '');
    const session = { ...baseSession, title: values.join(' '), tags: values, steps: [{ id: 's', results: values.map((title) => ({ title, url: title, snippet: title, source: title, publishedAt: title })) }] };
    const file = sessionToMdx(session);
    expect(mdxToSession(file, FILE)).toStrictEqual(canonical(session));
    expect(parseFrontmatter(file).frontmatter).toStrictEqual(canonical(session));
    expect(matter(file, {}).data).toStrictEqual(canonical(session));
  });

  it('replace lone surrogates with U+FFFD and keep NUL, control characters, emoji and RTL marks', () => {
    const odd = 'a\u0000b\u0001\u001b[31m\u007f\u0085\u2028\u2029\uFEFF\u200F\u202Eשלום🦀\uD800x\uDC00';
    const file = sessionToMdx({ ...baseSession, title: odd, summary: odd, analysis: odd, tags: [odd] });
    const back = mdxToSession(file, FILE);
    expect(back.title).toBe(odd.toWellFormed());
    expect(back.title).toContain('\u0000');
    expect(back.title).toContain('\uFFFDx\uFFFD');
    expect(back.tags).toEqual([odd.toWellFormed()]);
  });

  it('reject a file with bad fields, naming the file and every bad field', () => {
    const file = `---\nid: bad id\nquery: q\nquerySlug: q\ngeneratedAt: 2026-01-27T05:52:47Z\ntags: []\nsteps: []\nstatus: complete\nlayout: ../../x.astro\n---\n`;
    let message = '';
    try {
      mdxToSession(file, 'content/briefings/q/2026-01-27-bad.mdx');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('content/briefings/q/2026-01-27-bad.mdx');
    expect(message).toMatch(/^\s+- id: /m);
    // Unquoted, YAML reads this as a date: a session file must never have it so.
    expect(message).toMatch(/^\s+- generatedAt: /m);
    expect(message).toMatch(/^\s+- analysis: /m);
    expect(message).toMatch(/layout/);
  });

  it('reject unparseable YAML and a file without frontmatter, naming the file', () => {
    expect(() => mdxToSession('---\nid: [unclosed\n---\n', 'x/broken.mdx')).toThrow(/x\/broken\.mdx/);
    expect(() => mdxToSession('# just markdown\n', 'x/plain.mdx')).toThrow(/x\/plain\.mdx/);
  });

  it('refuse to write an invalid session', () => {
    expect(() => sessionToMdx({ ...baseSession, id: '../etc' })).toThrow(/id: /);
  });
});

describe('code in a session never runs', () => {
  const payloads = ['{globalThis.pwned = 1}', 'export const x = globalThis.pwned = 1', 'import fs from "node:fs"', '<script>globalThis.pwned = 1</script>', '<img src=x onerror="globalThis.pwned = 1">'];
  const everywhere = payloads.join('\n\n');

  it('not from the summary, the analysis or any frontmatter string: the page compiles, renders and shows the text', async () => {
    const session: SessionType = {
      ...baseSession,
      query: everywhere,
      title: everywhere,
      summary: everywhere,
      analysis: everywhere,
      tags: payloads,
      steps: [{ id: everywhere, query: everywhere, error: everywhere, note: everywhere, results: [{ title: everywhere, url: everywhere, snippet: everywhere, source: everywhere, publishedAt: everywhere }] }],
      providers: { search: everywhere, llm: everywhere, model: everywhere, planner: everywhere },
      provenance: { format: 'pipeline', file: everywhere, sha256: everywhere, generator: everywhere, otherTimestamps: payloads, notes: payloads },
    };
    delete (globalThis as { pwned?: unknown }).pwned;
    const file = sessionToMdx(session);
    const { code } = await compile(file);
    expectOnlyAstrosOwnModuleSurface(code);
    const { html, module } = await render(code);
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
    expect(problemsIn(html)).toEqual([]);
    expect(module.frontmatter).toStrictEqual(canonical(session));
    const sections = sectionTexts(html);
    for (const part of ['summary', 'analysis']) {
      for (const payload of payloads) expect(unsmart(sections[part]!)).toContain(payload);
    }
  });

  it('not when each payload is the whole text, alone on its line', async () => {
    for (const payload of payloads) {
      delete (globalThis as { pwned?: unknown }).pwned;
      const { code } = await compile(sessionToMdx({ ...baseSession, summary: payload, analysis: `${payload}\n` }));
      expectOnlyAstrosOwnModuleSurface(code);
      const { html } = await render(code);
      expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
      expect(problemsIn(html)).toEqual([]);
      const sections = sectionTexts(html);
      expect({ summary: unsmart(sections.summary!), analysis: unsmart(sections.analysis!) }).toEqual({ summary: payload, analysis: payload });
    }
  });

  it('for any text and any markdown-like text in every field: compiles with Sätteri, exports nothing of its own, renders inert, keeps all visible text', async () => {
    const text = fc.oneof(plainString, markdownLike, longString);
    await fc.assert(
      fc.asyncProperty(text, text, async (summary, analysis) => {
        delete (globalThis as { pwned?: unknown }).pwned;
        const session = { ...baseSession, title: summary, query: `q ${analysis}`, summary, analysis, tags: [`t${summary}`] };
        const { code } = await compile(sessionToMdx(session));
        expectOnlyAstrosOwnModuleSurface(code);
        const { html } = await render(code);
        expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
        expect(problemsIn(html)).toEqual([]);
        const sections = sectionTexts(html);
        expectTextKept(analysis, sections.analysis, sections.footnotes);
        if (summary.trim() !== '') expectTextKept(summary, sections.summary, sections.footnotes);
      }),
      FC,
    );
  });
});

describe('safeMdx', () => {
  const hast = (mdx: string) => mdxToHast(mdx, { features: { gfm: true } }) as HastNode;
  const links = (mdx: string) => findAll(hast(mdx), (n) => n.tagName === 'a').map((a) => ({ href: a.properties!.href, text: textOf(a) }));

  it('shows raw HTML, comments, CDATA and processing instructions as text', () => {
    for (const html of ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '<!-- c -->', '<![CDATA[ x ]]>', '<?php x ?>', '<div>\n*x*\n</div>']) {
      const out = safeMdx(html);
      expect(isInertMdx(out)).toBe(true);
      expect(textOf(hast(out)).trim()).toBe(html);
    }
  });

  it('keeps only absolute http(s) links live; other links show their label and address as text', () => {
    const out = safeMdx('[a](javascript:alert(1)) <javascript:alert(2)> [r](/relative) [d](data:text/html,x) [ok](https://example.com/ok "T") [ref][y] [m](mailto:x@y.z)\n\n[y]: vbscript:x');
    expect(links(out)).toEqual([{ href: 'https://example.com/ok', text: 'ok' }]);
    expect(textOf(hast(out))).toBe('a (javascript:alert(1)) javascript:alert(2) r (/relative) d (data:text/html,x) ok ref (vbscript:x) m (mailto:x@y.z)');
  });

  it('turns images into links to the image, so prose never loads anything', () => {
    const out = safeMdx('![chart](http://x.example/y.png) ![](https://x.example/z.png) ![bad](javascript:x) ![ref][i]\n\n[i]: https://x.example/i.png');
    expect(findAll(hast(out), (n) => n.tagName === 'img')).toEqual([]);
    expect(links(out)).toEqual([
      { href: 'http://x.example/y.png', text: 'Image: chart' },
      { href: 'https://x.example/z.png', text: 'Image: https://x.example/z.png' },
      { href: 'https://x.example/i.png', text: 'Image: ref' },
    ]);
    expect(textOf(hast(out))).toContain('bad (javascript:x)');
  });

  it('keeps bare URLs bare and shows email addresses as code, never as mailto links', () => {
    const out = safeMdx('See https://example.com/a?b=1&c=2, www.example.org and ops@example.com.');
    expect(out).toBe('See https://example.com/a?b=1&c=2, www.example.org and `ops@example.com`.\n');
    expect(links(out).map((l) => l.href)).toEqual(['https://example.com/a?b=1&c=2', 'http://www.example.org']);
  });

  it('shifts headings so the shallowest has the top depth, capped at 6', () => {
    const depths = (mdx: string) => findAll(hast(mdx), (n) => /^h[1-6]$/.test(n.tagName ?? '')).map((n) => Number(n.tagName![1]));
    expect(depths(safeMdx('# A\n\n## B\n\n###### C', { topHeadingDepth: 3 }))).toEqual([3, 4, 6]);
    expect(depths(safeMdx('### A\n\n#### B\n\nSetext\n===', { topHeadingDepth: 2 }))).toEqual([4, 5, 2]);
    expect(depths(safeMdx('#### A\n\n##### B'))).toEqual([2, 3]);
  });

  it('turns a paragraph starting with import or export into text, also in lists and quotes', () => {
    const out = safeMdx('import x from "y"\n\nexport const x = 1\n\n- export default 1\n\n> import("z")\n\ntext\nexport let y');
    expect(isInertMdx(out)).toBe(true);
    expect(textOf(hast(out)).replace(/\s+/g, ' ').trim()).toBe('import x from "y" export const x = 1 export default 1 import("z") text export let y');
  });

  it('keeps code blocks verbatim, with a plain language name only', () => {
    const out = safeMdx('```js" onload="x {1}\nimport a from "b"\n{x}\n```\n\n```python\n<y>\n```');
    const codes = findAll(hast(out), (n) => n.tagName === 'code');
    expect(codes.map(textOf)).toEqual(['import a from "b"\n{x}\n', '<y>\n']);
    expect(out).not.toContain('onload');
    expect(out).toContain('```python');
  });

  it('copes with NUL, control characters, CR line endings and lone surrogates', () => {
    const out = safeMdx('a\0b\u0001c\u001b[31m\r\nd\re\uD800');
    expect(isInertMdx(out)).toBe(true);
    expect(textOf(hast(out))).toBe('a\uFFFDb\u0001c\u001b[31m\nd\ne\uFFFD');
  });

  it('renumbers footnotes with a prefix, so a summary and an analysis on one page keep their own notes', async () => {
    expect(safeMdx('a[^x] b[^Y]\n\n[^x]: one\n[^y]: two', { footnotePrefix: 'summary-' })).toBe('a[^summary-1] b[^summary-2]\n\n[^summary-1]: one\n\n[^summary-2]: two\n');
    const { code } = await compile(sessionToMdx({ ...baseSession, summary: 'S[^1]\n\n[^1]: summary note', analysis: 'A[^1]\n\n[^1]: analysis note' }));
    const { html } = await render(code);
    const notes = findAll(htmlToHast(html, { fragment: true }) as HastNode, (n) => n.tagName === 'li').map((li) => [li.properties!.id, textOf(li).replace('↩', '').trim()]);
    expect(notes).toEqual([
      ['user-content-fn-summary-1', 'summary note'],
      ['user-content-fn-1', 'analysis note'],
    ]);
  });

  it('returns an empty string for blank text', () => {
    expect(safeMdx('')).toBe('');
    expect(safeMdx(' \n\t\n')).toBe('');
  });

  it('always gives inert MDX for any text', () => {
    fc.assert(
      fc.property(fc.oneof(plainString, markdownLike, longString), fc.integer({ min: 1, max: 6 }), (text, top) => {
        expect(isInertMdx(safeMdx(text, { topHeadingDepth: top }))).toBe(true);
      }),
      FC,
    );
  });

  it('has a fallback encoding that is inert and shows the text exactly', () => {
    const visible = (s: string) => s.replace(/\s+/g, '');
    fc.assert(
      fc.property(fc.oneof(plainString, markdownLike, longString), (text) => {
        const normalized = text.toWellFormed().replaceAll('\0', '\uFFFD').replace(/\r\n?/g, '\n');
        const literal = _internal.literalMdx(normalized);
        expect(isInertMdx(literal)).toBe(true);
        expect(visible(textOf(hast(literal)))).toBe(visible(normalized));
        if (normalized.trim() === '') return;
        const fenced = _internal.fencedMdx(normalized);
        expect(isInertMdx(fenced)).toBe(true);
        expect(textOf(hast(fenced))).toBe(normalized.replace(/\n+$/, '') + '\n');
      }),
      FC,
    );
  });

  it('isInertMdx refuses everything MDX would run or render as markup', () => {
    for (const bad of ['{x}', 'import a from "b"', 'export const a = 1', '<b>x</b>', '<!-- c -->', '[a](javascript:x)', '![i](https://x/y.png)', 'a@b.co', '[x]: https://x\n\n[y][x]']) {
      expect(isInertMdx(bad), bad).toBe(false);
    }
    expect(isInertMdx('# Title\n\n- a _b_ **c** `d` [e](https://e.example)\n\n| a |\n| - |\n| 1 |\n')).toBe(true);
  });
});
