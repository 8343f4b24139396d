// The reading benchmark's labelled set (fixtures/reading-set.json) and the web made from it: every
// article page rendered as the outlet that "publishes" it would serve it (HTML with navigation, a
// cookie banner, a newsletter box, related links and a footer; a PDF; or plain text), its body made
// of its lead, sentences about the question shared by the question's pages, sentences any article
// on the trade could carry, and its labelled facts. Deterministic: the same set, the same bytes.
//
// `checkSet` refuses a set whose labels could lie: a fact missing from its page's text, a figure
// found anywhere else in the web (another page, a title, a snippet, the question), a digit outside
// the facts. So a figure seen in a briefing can only have come from its page's body.
import { readFileSync } from 'node:fs';
import { makePdf } from '#tests/support/web.ts';

export type OutletId = 'wire' | 'journal' | 'agency' | 'consult' | 'trade' | 'datahub';

export interface Fact {
  id: string;
  /** The sentence as the page's body gives it. */
  text: string;
  /** What is looked for in the briefing: the figure as written in `text`. */
  figure: string;
}

export interface ArticlePage {
  id: string;
  outlet: OutletId;
  kind: 'html' | 'pdf' | 'text';
  path: string;
  title: string;
  /** The first paragraph, and the search snippet. */
  lead: string;
  facts: Fact[];
}

export interface LabelledQuestion {
  id: string;
  question: string;
  /** Sentences on the question that its pages share (no figures). */
  context: string[];
  pages: ArticlePage[];
}

export interface HostilePage {
  id: string;
  kind: 'gzip-bomb' | 'drip' | '404' | 'js-shell';
  outlet: OutletId;
  path: string;
  title: string;
  snippet: string;
  /** The questions whose searches it is worded to come up in. */
  for: string[];
}

export interface ReadingSet {
  outlets: Record<OutletId, string>;
  generic: string[];
  follow: string[];
  questions: LabelledQuestion[];
  hostile: HostilePage[];
}

export const SET_FILE = new URL('./fixtures/reading-set.json', import.meta.url);

export function loadSet(): ReadingSet {
  const set = JSON.parse(readFileSync(SET_FILE, 'utf8')) as ReadingSet;
  checkSet(set);
  return set;
}

/** A page as served: media type and bytes. */
export interface Rendered {
  type: string;
  body: Buffer;
}

/** A paragraph of a page's body, with the heading above it (HTML and text only). */
interface Paragraph {
  text: string;
  heading?: string;
}

// ── The body of a page ──────────────────────────────────────────────────────────────────────────

/** mulberry32, seeded from the page id: the same page, the same paragraphs. */
function rng(seed: string): () => number {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 3432918353), (h = (h << 13) | (h >>> 19));
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const HEADINGS = ['Background', 'The market', 'What comes next', 'Supply and demand', 'Outlook', 'Policy'];
/** Paragraphs besides the lead and the facts. */
const FILLER_PARAGRAPHS = 5;

/**
 * The page's paragraphs in reading order: the lead, then five paragraphs of two or three shared
 * sentences (the question's context and the trade's generic lines), with each fact, followed by
 * an unrelated sentence, as a paragraph of its own at a seeded position.
 */
export function paragraphsOf(set: ReadingSet, question: LabelledQuestion, page: ArticlePage): Paragraph[] {
  const random = rng(page.id);
  const context = shuffled(question.context, random);
  const generic = shuffled(set.generic, random);
  const follow = shuffled(set.follow, random);
  // No sentence twice on one page: the context is dealt out in order, a second context sentence
  // only while more than one is left per paragraph to come, a generic line in about half of them.
  const filler: string[] = [];
  let next = 0;
  for (let i = 0; i < FILLER_PARAGRAPHS; i++) {
    const sentences = [context[next++ % context.length]!];
    const spare = context.length - next - (FILLER_PARAGRAPHS - 1 - i);
    if (spare > 0 && random() < 0.5) sentences.push(context[next++]!);
    if (sentences.length === 1 || random() < 0.5) sentences.push(generic[i]!);
    filler.push(sentences.join(' '));
  }
  // Where each fact goes: 0 is straight after the lead, FILLER_PARAGRAPHS at the end.
  const slots = shuffled(
    Array.from({ length: FILLER_PARAGRAPHS + 1 }, (_, i) => i),
    random,
  ).slice(0, page.facts.length);
  const body: string[] = [];
  for (let i = 0; i <= FILLER_PARAGRAPHS; i++) {
    page.facts.forEach((fact, k) => {
      if (slots[k] === i) body.push(`${fact.text} ${follow[k % follow.length]}`);
    });
    if (i < FILLER_PARAGRAPHS) body.push(filler[i]!);
  }
  const headingAt = 2 + Math.floor(random() * 3);
  const heading = HEADINGS[Math.floor(random() * HEADINGS.length)]!;
  return [{ text: page.lead }, ...body.map((text, i) => (i >= headingAt ? { text, heading } : { text }))];
}

// ── Rendering ───────────────────────────────────────────────────────────────────────────────────

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const NAV = ['Home', 'Markets', 'Metals', 'Energy', 'Policy', 'Data', 'Opinion'];

function head(title: string, outlet: string, description: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)} | ${esc(outlet)}</title><meta name="description" content="${esc(description)}"><link rel="stylesheet" href="/static/site.css"><script async src="/static/analytics.js"></script><script>window.dataLayer = window.dataLayer || []; window.dataLayer.push({ event: 'pageview' });</script></head>`;
}

function nav(): string {
  return `<nav aria-label="Sections"><ul>${NAV.map((n) => `<li><a href="/${n === 'Home' ? '' : n.toLowerCase()}">${n}</a></li>`).join('')}</ul></nav>`;
}

const COOKIE_BANNER = `<div class="cookie-banner" role="dialog" aria-label="Cookies"><p>We use cookies to improve your experience on our site and to show you relevant advertising.</p><button type="button">Accept all</button> <button type="button">Manage preferences</button></div>`;
const NEWSLETTER = `<section class="newsletter"><h3>Newsletter</h3><p>Subscribe to our newsletter for the week's metals news in your inbox.</p><form action="/subscribe"><input type="email" name="email" placeholder="Email address"><button>Sign up</button></form></section>`;
const SHARE = `<div class="share">Share this article: <a href="#">Facebook</a> <a href="#">Twitter</a> <a href="#">LinkedIn</a> <a href="#">Email</a></div>`;

function footer(outlet: string): string {
  return `<footer class="site-footer"><p>© ${esc(outlet)}. All rights reserved.</p><p><a href="/privacy">Privacy policy</a> · <a href="/terms">Terms of use</a> · <a href="/contact">Contact us</a> · <a href="/cookies">Cookie settings</a></p></footer>`;
}

function related(links: Array<{ title: string; path: string }>, label = 'Related stories'): string {
  return `<aside class="related"><h3>${label}</h3><ul>${links.map((l) => `<li><a href="${esc(l.path)}">${esc(l.title)}</a></li>`).join('')}</ul></aside>`;
}

/** Paragraphs as HTML, an `<h2>` where the heading changes, `extra(i)` after paragraph i. */
function paragraphsHtml(paragraphs: Paragraph[], extra: (i: number) => string = () => ''): string {
  let out = '';
  let heading: string | undefined;
  paragraphs.forEach((p, i) => {
    if (p.heading && p.heading !== heading) out += `<h2>${esc(p.heading)}</h2>`;
    heading = p.heading;
    out += `<p>${esc(p.text)}</p>${extra(i)}`;
  });
  return out;
}

/** Each outlet has its own page layout, as real sites do; the furniture is what readers must drop. */
function articleHtml(outletId: OutletId, outlet: string, page: ArticlePage, paragraphs: Paragraph[], others: Array<{ title: string; path: string }>): string {
  const top = head(page.title, outlet, page.lead);
  switch (outletId) {
    case 'wire':
      return `${top}<body><header class="site-header"><a class="logo" href="/">${esc(outlet)}</a>${nav()}</header>${COOKIE_BANNER}<main><article><h1>${esc(page.title)}</h1><p class="byline">By a staff reporter</p>${paragraphsHtml(paragraphs)}${SHARE}</article>${related(others)}${NEWSLETTER}</main>${footer(outlet)}</body></html>`;
    case 'journal':
      return `${top}<body><div class="topbar"><a href="#main">Skip to content</a> | <a href="/login">Log in</a> | <a href="/subscribe">Subscribe</a></div><header>${nav()}</header><div id="main" class="layout"><div class="article-body"><h1>${esc(page.title)}</h1><div class="meta">Analysis</div><section>${paragraphsHtml(paragraphs)}</section></div><div class="sidebar">${related(others, 'Most read')}</div></div>${COOKIE_BANNER}${footer(outlet)}</body></html>`;
    case 'consult': {
      // The consent notice and the newsletter prompt sit inside the article, with inline "read more" links.
      const readMore = (i: number) => (i === 1 && others[0] ? `<p><strong>Read more:</strong> <a href="${esc(others[0].path)}">${esc(others[0].title)}</a></p>` : i === 3 ? `<p class="cta">Sign up for our newsletter to get new insights in your inbox.</p>` : '');
      return `${top}<body><header>${nav()}</header><article class="insight"><div class="consent">This site uses cookies. By continuing to browse you agree to our cookie policy.</div><h1>${esc(page.title)}</h1><p class="kicker">Insight</p>${paragraphsHtml(paragraphs, readMore)}${SHARE}</article>${related(others.slice(1), 'More insights')}${footer(outlet)}</body></html>`;
    }
    case 'agency':
      return `${top}<body><div id="header"><div class="logo">${esc(outlet)}</div><ul class="menu">${NAV.map((n) => `<li><a href="/${n.toLowerCase()}">${n}</a></li>`).join('')}</ul></div><div id="content"><h1>${esc(page.title)}</h1>${paragraphsHtml(paragraphs)}<p class="note">Contact us with questions about this release.</p></div><div id="footer">${footer(outlet)}</div>${COOKIE_BANNER}</body></html>`;
    case 'trade':
    case 'datahub': {
      const ad = (i: number) => (i % 2 === 1 ? `<div class="ad"><span>Advertisement</span></div>` : '');
      return `${top}<body>${COOKIE_BANNER}<header><a class="logo" href="/">${esc(outlet)}</a>${nav()}</header><div class="story"><h1>${esc(page.title)}</h1><div class="tools"><button>Listen to this article</button></div><div class="story-body">${paragraphsHtml(paragraphs, ad)}</div>${SHARE}</div>${related(others, 'More from Markets')}${NEWSLETTER}${footer(outlet)}</body></html>`;
    }
  }
}

function articleText(page: ArticlePage, outlet: string, paragraphs: Paragraph[]): string {
  const lines = [page.title, outlet, ''];
  let heading: string | undefined;
  for (const p of paragraphs) {
    if (p.heading && p.heading !== heading) lines.push(`## ${p.heading}`, '');
    heading = p.heading;
    lines.push(p.text, '');
  }
  return lines.join('\n');
}

/** Words wrapped into lines of at most `width` characters. */
function wrap(text: string, width = 88): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function articlePdf(page: ArticlePage, outlet: string, paragraphs: Paragraph[]): Buffer {
  const half = Math.ceil(paragraphs.length / 2);
  const pageLines = (ps: Paragraph[], first: boolean) => [...(first ? [page.title, outlet, ''] : []), ...ps.flatMap((p) => [...wrap(p.text), ''])];
  return makePdf([pageLines(paragraphs.slice(0, half), true), pageLines(paragraphs.slice(half), false)], page.title);
}

/** Where each question's pages are found, by id. */
export function questionOf(set: ReadingSet, pageId: string): LabelledQuestion | undefined {
  return set.questions.find((q) => q.pages.some((p) => p.id === pageId));
}

export function renderPage(set: ReadingSet, question: LabelledQuestion, page: ArticlePage): Rendered {
  const outlet = set.outlets[page.outlet];
  const paragraphs = paragraphsOf(set, question, page);
  if (page.kind === 'pdf') return { type: 'application/pdf', body: articlePdf(page, outlet, paragraphs) };
  if (page.kind === 'text') return { type: 'text/plain; charset=utf-8', body: Buffer.from(articleText(page, outlet, paragraphs)) };
  // Related links: the outlet's other pages (their titles carry no figures).
  const others = set.questions.flatMap((q) => q.pages).filter((p) => p.outlet === page.outlet && p.id !== page.id && p.kind === 'html').slice(0, 4).map((p) => ({ title: p.title, path: p.path }));
  return { type: 'text/html; charset=utf-8', body: Buffer.from(articleHtml(page.outlet, outlet, page, paragraphs, others)) };
}

/** An app shell: an empty root, three scripts, and a noscript line. */
export function jsShell(page: HostilePage, outlet: string): string {
  return `${head(page.title, outlet, page.snippet)}<body><div id="root"></div><noscript>You need to enable JavaScript to run this app.</noscript><script src="/static/runtime.js"></script><script src="/static/vendor.js"></script><script src="/static/main.js"></script></body></html>`;
}

// ── Checks ──────────────────────────────────────────────────────────────────────────────────────

/** The figure as a whole token: "12 tonnes" is not found in "112 tonnes", "40%" not in "1.40%". */
export function figurePattern(figure: string): RegExp {
  const escaped = figure.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\p{N}.,$])${escaped}(?![\\p{N}]|[.,]\\p{N})`, 'u');
}

/** Every way the set could make its own measurement wrong, as one error. */
export function checkSet(set: ReadingSet): void {
  const problems: string[] = [];
  const texts: Array<{ where: string; text: string }> = [];
  for (const q of set.questions) {
    texts.push({ where: `${q.id}: question`, text: q.question });
    for (const p of q.pages) {
      const body = paragraphsOf(set, q, p).map((x) => x.text).join('\n');
      texts.push({ where: `${p.id}: title`, text: p.title }, { where: `${p.id}: lead`, text: p.lead }, { where: `${p.id}: body`, text: body });
      for (const f of p.facts) {
        if (!body.includes(f.text)) problems.push(`${f.id}: not in the body of ${p.id}`);
        if (!f.text.includes(f.figure)) problems.push(`${f.id}: its figure "${f.figure}" is not in its text`);
        if (!figurePattern(f.figure).test(f.text)) problems.push(`${f.id}: its figure "${f.figure}" is not a whole token of its text`);
      }
    }
  }
  for (const h of set.hostile) texts.push({ where: `${h.id}: title`, text: h.title }, { where: `${h.id}: snippet`, text: h.snippet });
  for (const [, name] of Object.entries(set.outlets)) texts.push({ where: 'outlet name', text: name });
  // Digits come only from facts: a figure in shared text or a snippet could stand in for a fact.
  const digitFree = [...set.generic, ...set.follow, ...set.questions.flatMap((q) => [...q.context, ...q.pages.flatMap((p) => [p.title, p.lead])]), ...set.hostile.flatMap((h) => [h.title, h.snippet])];
  for (const t of digitFree) if (/\d/.test(t)) problems.push(`a figure outside the facts: "${t}"`);
  const figures = new Map<string, string>();
  for (const q of set.questions)
    for (const p of q.pages)
      for (const f of p.facts) {
        if (figures.has(f.figure)) problems.push(`${f.id}: figure "${f.figure}" is also ${figures.get(f.figure)}'s`);
        figures.set(f.figure, f.id);
        const pattern = figurePattern(f.figure);
        // Once in the whole web: in its own page's body, nowhere else (its title and lead included).
        const seen = texts.filter((t) => pattern.test(t.where === `${p.id}: body` ? t.text.replace(f.text, '') : t.text));
        for (const t of seen) problems.push(`${f.id}: figure "${f.figure}" also appears in ${t.where}`);
      }
  const ids = new Set<string>();
  for (const id of [...set.questions.flatMap((q) => [q.id, ...q.pages.map((p) => p.id)]), ...set.hostile.map((h) => h.id)]) {
    if (ids.has(id)) problems.push(`id "${id}" is used twice`);
    ids.add(id);
  }
  for (const h of set.hostile) for (const q of h.for) if (!set.questions.some((x) => x.id === q)) problems.push(`${h.id}: for an unknown question "${q}"`);
  if (problems.length) throw new Error(`the reading set ${SET_FILE.pathname} is not usable:\n  ${problems.join('\n  ')}`);
}
