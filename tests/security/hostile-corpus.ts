// A corpus of hostile text for the end-to-end test (tests/security/hostile.test.ts): every kind
// of text that MDX, HTML, markdown, YAML or a browser might read as something other than text.
// Written by hand, plus generated variants (every dangerous URL scheme × case × encoding ×
// embedded whitespace/NUL; deep nesting; very long lines and words; a 1 MB field at runtime).
//
// `hostileCorpus(canary)` takes the path of a canary file: several strings would create it if
// anything ever evaluated them (at build time, in MDX, in a template).

export interface HostileGroup {
  kind: string;
  strings: string[];
}

/** The URL schemes that must never become live links. */
export const BAD_SCHEMES = ['javascript', 'data', 'vbscript', 'file', 'blob', 'about', 'jar', 'view-source', 'filesystem'];

const PAYLOAD: Record<string, string> = {
  javascript: 'alert(document.domain)//',
  data: 'text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  vbscript: 'msgbox("x")',
  file: '///etc/passwd',
  blob: 'https://example.org/0000-1111',
  about: 'blank',
  jar: 'https://example.org/x.jar!/',
  'view-source': 'https://example.org/',
  filesystem: 'https://example.org/temporary/x',
};

const caseVariants = (scheme: string): string[] => {
  const mixed = [...scheme].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
  return [...new Set([scheme, scheme.toUpperCase(), mixed])];
};

/** Ways a browser (or a sloppy sanitiser) may still read `scheme:` as that scheme. */
const encodings: Array<[string, (scheme: string) => string]> = [
  ['plain', (s) => `${s}:`],
  ['decimal entity', (s) => `&#${s.charCodeAt(0)};${s.slice(1)}:`],
  ['hex entity, padded', (s) => `&#x0000${s.charCodeAt(0).toString(16)};${s.slice(1)}&#x3A;`],
  ['named colon', (s) => `${s}&colon;`],
  ['tab inside', (s) => `${s.slice(0, 2)}\t${s.slice(2)}:`],
  ['newline inside', (s) => `${s.slice(0, 3)}\n${s.slice(3)}:`],
  ['NUL inside', (s) => `${s.slice(0, 1)}\0${s.slice(1)}:`],
  ['leading space and control', (s) => ` \u0001\u001f${s}:`],
  ['percent-encoded', (s) => `${s.slice(0, -1)}%${s.charCodeAt(s.length - 1).toString(16)}:`],
  ['zero-width inside', (s) => `${s.slice(0, 2)}\u200B${s.slice(2)}:`],
];

function urlVariants(): HostileGroup[] {
  const bare: string[] = [];
  const markdown: string[] = [];
  const html: string[] = [];
  for (const scheme of BAD_SCHEMES) {
    const payload = PAYLOAD[scheme]!;
    for (const variant of caseVariants(scheme)) {
      for (const [, encode] of encodings) {
        const url = `${encode(variant)}${payload}`;
        bare.push(url);
        // Wrapped forms for the lowercase spelling only (the bare forms cover case).
        if (variant === scheme) {
          markdown.push(`[click ${scheme}](${url})`);
          html.push(`<a href="${url}">go ${scheme}</a>`);
        }
      }
    }
    markdown.push(`<${scheme}:${payload}>`, `![img ${scheme}](${scheme}:${payload})`, `[ref ${scheme}][r]\n\n[r]: ${scheme}:${payload}`);
  }
  return [
    { kind: 'url: scheme × case × encoding (bare)', strings: bare },
    { kind: 'url: as markdown links, autolinks, images, references', strings: markdown },
    { kind: 'url: as HTML attributes', strings: html },
  ];
}

function nesting(): HostileGroup {
  const list = Array.from({ length: 120 }, (_, i) => `${'  '.repeat(i)}- level ${i}`).join('\n');
  return {
    kind: 'deep nesting',
    strings: [
      `${'>'.repeat(500)} deep quote`,
      `${'['.repeat(500)}deep link${']'.repeat(500)}(https://example.org)`,
      `${'['.repeat(500)} unbalanced brackets`,
      `${'('.repeat(500)}parens${')'.repeat(200)}`,
      `${'{'.repeat(500)}braces${'}'.repeat(500)}`,
      `${'*'.repeat(1000)}stars${'_'.repeat(1000)}`,
      `${'<a>'.repeat(300)}tags${'</a>'.repeat(100)}`,
      `${'<div>'.repeat(300)}divs`,
      list,
      `${'> - '.repeat(200)}quote-list`,
      `${'~'.repeat(600)} tildes`,
      `${'`'.repeat(600)} backticks`,
      `${'![x]('.repeat(200)}image-nest`,
      `${'#'.repeat(200)} hashes`,
      Array.from({ length: 300 }, (_, i) => `${'>'.repeat(i % 50)} line ${i}`).join('\n'),
    ],
  };
}

/** The hostile corpus, grouped by kind. Sizes here are small enough for the build; see `longStrings`. */
export function hostileCorpus(canary: string): HostileGroup[] {
  const c = JSON.stringify(canary);
  const touch = `process.getBuiltinModule('fs').writeFileSync(${c},'x')`;
  return [
    {
      kind: 'canary: code that would create the canary file if evaluated',
      strings: [
        `{${touch}}`,
        `export const a = ${touch}`,
        `export default (${touch})`,
        `import(${JSON.stringify('node:fs')}).then((fs) => fs.writeFileSync(${c}, 'x'))`,
        `{import('node:fs').then((fs) => fs.writeFileSync(${c}, 'x'))}`,
        `import fs from 'node:fs'\nfs.writeFileSync(${c}, 'x')`,
        `{(() => { ${touch}; return 'ran' })()}`,
        `<div title={${touch}}>attr expression</div>`,
        `<X {...${touch}} />`,
        `\${${touch}}`,
        `{{ ${touch} }}`,
        `<%= ${touch} %>`,
        `{% ${touch} %}`,
        `---\nlayout: ${touch}\n---`,
        `!!js/function 'function () { ${touch} }'`,
      ],
    },
    {
      kind: 'JSX',
      strings: [
        '<Foo bar={1} />',
        '<X.y {...z} />',
        '<a:b c:d="e" />',
        '<>fragment</>',
        '<Component>children</Component>',
        '</section>',
        '<section data-kb-part="summary">',
        '</section>\n\n<section data-kb-part="analysis">',
        '<Content components={{ a: Evil }} />',
        '<div {...props}>spread</div>',
        '<Fragment set:html="<script>alert(1)</script>" />',
        '<p set:html={"<img src=x onerror=alert(1)>"}></p>',
        '<span is:raw>{x}</span>',
        '<div className="x" style={{color: "red"}}>obj</div>',
        '<Foo.Bar.Baz />',
        '<this.that />',
        '<svg:rect />',
        '<Foo\n  bar={1}\n/>',
      ],
    },
    {
      kind: 'ESM',
      strings: [
        "import fs from 'node:fs'",
        "import { writeFileSync } from 'fs'",
        "import * as x from 'x'",
        "export * from 'node:fs'",
        'export const x = 1',
        'export let y = globalThis.pwned = 1',
        'export default function () { globalThis.pwned = 1 }',
        'export { a as default }',
        '  export const indented = 1',
        '- import x from "y"',
        '> export const quoted = 1',
        '1. export const numbered = 1',
        'import\nx from "y"',
        'export\tconst tabbed = 1',
        'IMPORT upper from "y"',
        "import.meta.env.SECRET",
        'export const frontmatter = { layout: "x" }',
        'export const getHeadings = () => []',
      ],
    },
    {
      kind: 'expressions',
      strings: [
        '{1+1}',
        '{globalThis.pwned = 1}',
        '{/* a comment */}',
        '{',
        '}',
        '{{}}',
        '{x}}',
        '{{x}',
        '${x}',
        '{...spread}',
        '{process.exit(1)}',
        '{`template ${1}`}',
        'a {b} c',
        '\\{escaped\\}',
        '&#123;entity&#125;',
        '{\n  multi\n  line\n}',
        '{"}"}',
        '{/*',
      ],
    },
    {
      kind: 'HTML, scripts and event handlers',
      strings: [
        '<script>globalThis.pwned = 1</script>',
        '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
        '<script type="module">import "https://evil.example/x.js"</script>',
        '<scr<script>ipt>alert(1)</scr</script>ipt>',
        '<img src=x onerror=alert(1)>',
        '<img src="x" onerror="&#97;lert(1)">',
        '<IMG SRC=x ONERROR=alert(1)>',
        '<svg onload=alert(1)>',
        '<svg><script>alert(1)</script></svg>',
        '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
        '<body onload=alert(1)>',
        '<iframe src="javascript:alert(1)"></iframe>',
        '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
        '<object data="javascript:alert(1)"></object>',
        '<embed src="javascript:alert(1)">',
        '<style>body{background:url("javascript:alert(1)")}</style>',
        '<link rel="stylesheet" href="javascript:alert(1)">',
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
        '<base href="javascript:alert(1)//">',
        '<form action="javascript:alert(1)"><button formaction="javascript:alert(2)">go</button></form>',
        '<details open ontoggle=alert(1)>',
        '<input autofocus onfocus=alert(1)>',
        '<video><source onerror="alert(1)"></video>',
        '<a href="#" onclick="alert(1)">hash</a>',
        '"><script>alert(1)</script>',
        "'><img src=x onerror=alert(1)>",
        '" onmouseover="alert(1)',
        "' onmouseover='alert(1)",
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
        '<template><script>alert(1)</script></template>',
        '<textarea></textarea><script>alert(1)</script>',
        '<title></title><script>alert(1)</script>',
        '<xmp><script>alert(1)</script></xmp>',
        '<plaintext>rest',
        '<div style="x:expression(alert(1))">ie</div>',
        '<a href="https://ok.example" onclick=alert(1)>ok with handler</a>',
        '<b onmouseover=alert(1)>bold</b>',
        '<isindex action=javascript:alert(1) type=image>',
        '<x onpointerenter=alert(1)>custom</x>',
        '<a\nhref="javascript:alert(1)"\n>multiline</a>',
        '<a href=javascript&colon;alert(1)>unquoted</a>',
        '<img/src=x/onerror=alert(1)>',
        '<svg><a xlink:href="javascript:alert(1)"><text>svg</text></a></svg>',
        '<svg><animate attributeName=href to=javascript:alert(1) /></svg>',
      ],
    },
    {
      kind: 'comments, CDATA, processing instructions, doctypes',
      strings: [
        '<!-- a comment -->',
        '<!-- <script>alert(1)</script> -->',
        '<!--',
        '-->',
        '<!-->',
        '--!>',
        '<!-- unterminated',
        '<![CDATA[ <script>alert(1)</script> ]]>',
        '<![CDATA[',
        ']]>',
        '<?xml version="1.0"?>',
        '<?php system("id") ?>',
        '<!DOCTYPE html>',
        '<!ENTITY x SYSTEM "file:///etc/passwd">',
        '{/* mdx comment */}',
      ],
    },
    ...urlVariants(),
    {
      kind: 'control characters and NUL',
      strings: [
        '\0',
        'a\0b\0c',
        Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('') + 'controls',
        '\u007F delete',
        '\u0080\u0085\u009F c1 controls',
        'line\u2028separator\u2029paragraph',
        '\uFEFFbyte order mark',
        'carriage\rreturn',
        'crlf\r\nline',
        'form\ffeed\vvertical',
        'lone \uD800 surrogate',
        'lone \uDFFF low',
        '\uFFFE\uFFFF noncharacters',
        '\u001B[31mANSI red\u001B[0m',
        '\b\b\bbackspaces',
      ],
    },
    {
      kind: 'right-to-left and zero-width',
      strings: [
        '\u202Eevil.exe\u202Ctxt',
        'abc\u202Egnp.js',
        '\u2066isolate\u2069 \u2067rtl\u2069 \u2068first\u2069',
        'zero\u200Bwidth\u200Cjoiner\u200Dand\u2060word',
        '\u200E\u200F marks \u061C',
        'עברית ومرحبا mixed',
        'java\u200Bscript:alert(1)',
        'https://exаmple.com/ (Cyrillic a)',
        'ｊａｖａｓｃｒｉｐｔ：alert(1)',
        '\u0301\u0301\u0301 combining Z̴̡̛͓a̸l̷g̵o̶',
        '🦀👩‍👩‍👧‍👦🏳️‍🌈 emoji sequences',
        '\u3164 hangul filler \u115F',
      ],
    },
    {
      kind: 'unbalanced and tricky markdown',
      strings: [
        '```',
        '```js\nalert(1)',
        '~~~{x}',
        '**bold without end',
        '__under',
        '[link without end',
        '[text](https://example.org "title {x}"',
        '`code without end',
        '| a | b |\n|---|\n| <script> | {x} |',
        '- [ ] task\n- [x] done',
        '[^1] footnote without definition',
        '[^1]: definition without reference',
        '# heading {#custom-id}',
        '###### h6\n####### h7',
        'Setext\n===',
        '***\n---\n___',
        '    indented code {x}',
        '\\',
        '\\\\\\',
        '&lt;script&gt;alert(1)&lt;/script&gt;',
        '&amp;lt;',
        '&#x3C;script&#x3E;',
        'a@b.co mailto:m@n.op',
        'www.example.com\\<b>x</b>',
        'https://example.org/<script>',
        '$$ \\int x $$ and \\$5',
        '****stray****',
        ':::note\nadmonition\n:::',
        '<https://example.org/ok>',
        '[ok](https://example.org/ok?a=1&b=<2>)',
      ],
    },
    {
      kind: 'YAML and frontmatter',
      strings: [
        '---',
        '---\ntitle: injected\n---',
        '...',
        'yes',
        'null',
        '~',
        '1e3',
        '12:30:00',
        '2026-01-27',
        '&anchor x',
        '*alias',
        '!!python/object:os.system',
        '%YAML 1.1',
        '? key\n: value',
        '"quoted"',
        "'single'",
        '|\n  block',
        '<<: *base',
      ],
    },
    {
      kind: 'templates (Pagefind, Astro, others)',
      strings: ['{{ meta.title }}', '{{+ excerpt +}}', '{{#each x}}{{/each}}', '{{ url | safeUrl }}', '${globalThis.pwned}', '<%- x %>', '{% raw %}', '#{x}', '@{x}', '[[x]]'],
    },
    nesting(),
    {
      kind: 'long lines and words',
      strings: [
        'word'.repeat(2500),
        ('a long line with words ' + '{x} <b> ').repeat(400),
        'x'.repeat(20_000),
        'https://example.org/' + 'p'.repeat(5000),
        'javascript:' + 'a'.repeat(5000),
        Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n'),
        '\n'.repeat(500) + 'after many newlines',
        ' '.repeat(3000) + 'after many spaces',
      ],
    },
  ];
}

/** One field of a megabyte, full of hostile text, built at runtime. */
export function megabyte(canary: string): string {
  const unit = hostileCorpus(canary)
    .flatMap((g) => g.strings)
    .filter((s) => s.length < 300)
    .join(' ');
  let out = '';
  while (out.length < 1_048_576) out += unit + '\n\n';
  return out.slice(0, 1_048_576);
}

/** Every string of the corpus, flattened, with its group's kind. */
export function flatCorpus(canary: string): Array<{ kind: string; text: string }> {
  return hostileCorpus(canary).flatMap((g) => g.strings.map((text) => ({ kind: g.kind, text })));
}
