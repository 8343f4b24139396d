// A briefing's prose (summary and analysis, untrusted markdown from the session file)
// rendered to HTML once per session, with no MDX module per page: Sätteri's native parser gives
// the hast tree once, the transforms below change it in plain JavaScript, and hast-util-to-html
// writes it. Compiling every session as its own MDX module was most of a large site's build time
// (see docs/performance.md). The transforms were Sätteri plugins; each pass of those crossed into
// JavaScript node by node: a briefing with citations and grounding took 4.3 ms, now 2.4 ms.
//
// Safety does not rest on escaping the input: the tree is made safe after parsing.
// - raw HTML is never emitted: each raw node becomes text (shown literally, as before);
// - links keep only in-page anchors and absolute http(s) URLs; anything else becomes text;
// - images are never loaded: each becomes a link (or text) reading "[image: alt]";
// - headings move so the shallowest sits at the part's level, with unique ids for the contents.
// The only markup besides markdown's own is what the transforms below build from integers, our own
// wording, and (as escaped text) the passage a citation rests on. The result is what the briefing
// page inserts as HTML (tests/security audits that).
import GithubSlugger from 'github-slugger';
import { markdownToHast } from 'satteri';
import type { Element, Parents, Root, Text } from 'hast';
import { toHtml } from 'hast-util-to-html';
import { toString } from 'hast-util-to-string';
import { safeHref, type Session } from '#core/session.ts';
import { countCitable } from '#core/citations.ts';
import type { CitationMap } from '#lib/citations.ts';
import { planMarks, type GroundingPlaced, type PlannedBlock } from '#lib/grounding.ts';
import { citationNotes } from '#lib/passages.ts';
import { citationLinks } from './citations.ts';
import { groundingMarks } from './grounding.ts';
import { walk } from './walk.ts';

export interface Heading {
  depth: number;
  slug: string;
  text: string;
  part: Part;
}

export interface RenderedProse {
  /** The summary and the analysis. */
  html: string;
  /**
   * The answer the briefing opens with (schema version 2), in its own
   * `<section data-kb-part="answer">`; absent when the session has none. It is rendered first, so
   * its citations count first, as the page shows it first.
   */
  answer?: string;
  headings: Heading[];
  /** Per cited result number, the places in the prose that cite it (empty without `citations`). */
  citations: CitationMap;
  /** The claims linked to their evidence and the figures marked (none without `grounding`). */
  grounding: GroundingPlaced;
}

/** What to add to the prose besides markdown's own markup. By default, nothing. */
export interface ProseOptions {
  /**
   * Link each `[n]` to its source card (src/lib/prose/citations.ts), described by the passage of
   * the page it rests on when the session has one (`passageNotes` below).
   */
  citations?: boolean;
  /** Mark unsupported figures and link supported claims to their evidence (src/lib/prose/grounding.ts). */
  grounding?: boolean;
}

type Part = 'answer' | 'summary' | 'analysis';

/** Bump when the output for the same session changes, so cached pages are rendered again. */
export const PROSE_VERSION = 3; // 2: the answer, and citations described by their passage; 3: written by hast-util-to-html

/**
 * Renders the answer (top heading at h3, below the page's "Answer" h2), the summary (top heading
 * at h3, below the page's "Executive summary" h2) and the analysis (top heading at h2), each in
 * its `<section data-kb-part>`. The transforms the options ask for run after the safety pass:
 * citation links, then grounding marks (summary and analysis: what the grounding check reads),
 * then the citations' passages.
 */
export function renderProse(session: Session, options: ProseOptions = {}): RenderedProse {
  const slugger = new GithubSlugger();
  const headings: Heading[] = [];
  const parts: string[] = [];
  const citations: CitationMap = new Map();
  const grounding: GroundingPlaced = { claims: [], marks: 0 };
  const resultCount = countCitable(session.steps);
  // The grounding check runs once for the session, not once per part.
  const plan = options.grounding && resultCount > 0 ? groundingPlan(session) : undefined;
  const notes = options.citations && resultCount > 0 ? citationNotes(session.steps) : undefined;
  const render = (part: Part, markdown: string, top: number): string => {
    const tree = proseTree(markdown, part);
    placeHeadings(tree, slugger, headings, part, top);
    safeTree(tree);
    if (options.citations) citationLinks({ resultCount, part, places: citations })?.(tree);
    if (plan && part !== 'answer') groundingMarks({ plan, part, placed: grounding })?.(tree);
    if (notes?.size) passageNotes(tree, notes);
    return `<section data-kb-part="${part}">\n${proseHtml(tree)}</section>\n`;
  };
  const answer = session.answer?.text.trim() ? render('answer', session.answer.text, 3) : undefined;
  if (session.summary?.trim()) parts.push(render('summary', session.summary, 3));
  parts.push(render('analysis', session.analysis, 2));
  return { html: parts.join(''), ...(answer !== undefined && { answer }), headings, citations, grounding };
}

/** The grounding plan, or none for a session the check cannot read: the page renders without marks. */
function groundingPlan(session: Session): PlannedBlock[] | undefined {
  try {
    return planMarks(session);
  } catch {
    return undefined;
  }
}

/** The hast tree of one part's markdown, as Sätteri parses it, no deeper than MAX_DEPTH. */
export function proseTree(markdown: string, part: Part = 'analysis'): Root {
  const tree = markdownToHast(markdown, {
    // No frontmatter: a summary that starts with `---` lines is text to show, not metadata.
    features: { frontmatter: false, gfm: { footnotes: { clobberPrefix: part === 'analysis' ? 'user-content-' : `user-content-${part}-` } } },
  }) as Root;
  flattenDeep(tree);
  return tree;
}

/**
 * Elements nested deeper than this become their text. Markdown nests lists and quotes a few
 * levels; a hostile or runaway text can nest thousands ("> > > …"), and the transforms and the
 * HTML writer recurse once or more per level, which would overflow the stack.
 */
const MAX_DEPTH = 100;

function flattenDeep(tree: Root): void {
  const stack: Array<[Parents, number]> = [[tree, 0]];
  while (stack.length) {
    const [parent, depth] = stack.pop()!;
    const children = parent.children as Array<Parents['children'][number]>;
    children.forEach((child, i) => {
      if (child.type !== 'element') return;
      if (depth < MAX_DEPTH) stack.push([child, depth + 1]);
      else children[i] = text(textOf(child));
    });
  }
}

/** A node's text, read without recursion (it may be nested arbitrarily deep). */
function textOf(node: Element): string {
  let out = '';
  const stack: Array<Element['children'][number]> = [...node.children].reverse();
  while (stack.length) {
    const next = stack.pop()!;
    if (next.type === 'element') for (let i = next.children.length - 1; i >= 0; i--) stack.push(next.children[i]!);
    // Text, and raw HTML (made text by the safety pass elsewhere): nothing of what was written is lost.
    else if (next.type !== 'comment' && 'value' in next) out += next.value;
  }
  return out;
}

/** The tree as HTML, each block on its own line. Named references (`&lt;`, `&amp;`), as before. */
export function proseHtml(tree: Root): string {
  const html = toHtml(tree, { characterReferences: { useNamedReferences: true } });
  return html ? `${html}\n` : '';
}

const text = (value: string): Text => ({ type: 'text', value });

/**
 * Headings move once all are known: the shallowest goes to `top`, the rest keep their steps, and
 * each gets a unique id. Before the safety pass, which then sees the new headings.
 */
function placeHeadings(tree: Root, slugger: GithubSlugger, headings: Heading[], part: Part, top: number): void {
  const found: Element[] = [];
  walk(tree, (node) => {
    // Not markdown's own headings (the footnotes label) have an id already.
    if (node.type === 'element' && /^h[1-6]$/.test(node.tagName) && node.properties.id === undefined) found.push(node);
  });
  const shift = found.length ? top - Math.min(...found.map((h) => Number(h.tagName[1]))) : 0;
  for (const node of found) {
    const depth = Math.min(6, Math.max(1, Number(node.tagName[1]) + shift));
    const value = toString(node);
    const slug = slugger.slug(value) || slugger.slug('section');
    headings.push({ depth, slug, text: value, part });
    node.tagName = `h${depth}`;
    node.properties = { ...node.properties, id: slug };
  }
}

/**
 * The passage a citation rests on, shown without JavaScript. Each citation link whose source has
 * passages gets a description, the source's best passage clipped, in a span right after it:
 *   <a href="#kb-source-n" id="kb-cite-n-k" aria-label="source n" aria-describedby="kb-cite-n-k-passage">n</a>
 *   <span class="kb-cite-passage" id="kb-cite-n-k-passage" role="tooltip">“…” (where)</span>
 * The span is hidden (display: none) and CSS shows it as a popover while the link is hovered or
 * has keyboard focus; a screen reader reads it as the link's description when the link is focused
 * (aria-describedby reads hidden text too), and not a second time in the flow of the sentence.
 * Why this and not the alternatives: a `title` shows on mouse hover only, never on keyboard focus
 * or touch; a `<details>` is a block with its own control, so it would break the sentence and
 * add a second tab stop per citation; a `:target` footnote would take the link away from the
 * source card. Following the link still lands on the card, which quotes the passages in full.
 * The note is our wording around the untrusted passage, added as a text node (escaped by the
 * serialiser); the id is built from the citation's id, which is built from integers.
 */
function passageNotes(tree: Root, notes: ReadonlyMap<number, string>): void {
  walk(tree, (node, ancestors, index) => {
    if (node.type !== 'element' || node.tagName !== 'a') return;
    const id = typeof node.properties.id === 'string' ? node.properties.id : '';
    const cite = /^kb-cite-(\d+)-\d+$/.exec(id);
    if (!cite || node.properties.ariaDescribedBy !== undefined) return;
    const note = notes.get(Number(cite[1]));
    if (!note) return;
    const tip = `${id}-passage`;
    node.properties.ariaDescribedBy = [tip];
    ancestors.at(-1)!.children.splice(index + 1, 0, {
      type: 'element',
      tagName: 'span',
      properties: { className: ['kb-cite-passage'], id: tip, role: 'tooltip', dataPagefindIgnore: true },
      children: [text(note)],
    } satisfies Element);
    // The note is text of ours: the walk goes on after it.
    return index + 2;
  });
}

/** The safety pass: raw HTML to text, links and images made safe. */
function safeTree(tree: Root): void {
  walk(tree, (node, ancestors, index) => {
    const parent = ancestors.at(-1)!;
    if (node.type === 'raw') {
      parent.children[index] = text(node.value);
      return;
    }
    if (node.type !== 'element') return;
    if (node.tagName === 'a') {
      const href = typeof node.properties.href === 'string' ? node.properties.href : '';
      if (/^#[^\s]*$/.test(href)) return; // footnotes, in-page anchors
      const url = safeHref(href);
      if (!url) {
        // Its children stay, and are walked (and made safe) in their new place.
        parent.children[index] = { type: 'element', tagName: 'span', properties: { className: ['unlinked'] }, children: node.children } satisfies Element;
        return;
      }
      node.properties.href = url;
      node.properties.rel = ['noopener', 'noreferrer', 'nofollow'];
      node.properties.referrerPolicy = 'no-referrer';
      return;
    }
    if (node.tagName === 'img') {
      const alt = typeof node.properties.alt === 'string' && node.properties.alt.trim() ? node.properties.alt.trim() : 'image';
      const url = safeHref(typeof node.properties.src === 'string' ? node.properties.src : undefined);
      const label = [text(`[image: ${alt}]`)];
      parent.children[index] = url
        ? { type: 'element', tagName: 'a', properties: { className: ['image-ref'], href: url, rel: ['noopener', 'noreferrer', 'nofollow'], referrerPolicy: 'no-referrer' }, children: label }
        : { type: 'element', tagName: 'span', properties: { className: ['image-ref'] }, children: label };
    }
  });
}
