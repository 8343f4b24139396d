// A briefing's prose (summary and analysis, untrusted markdown from the session file)
// rendered to HTML once per session, by Sätteri's native markdown compiler, with no MDX module
// per page. Compiling every session as its own MDX module was most of a large site's build time
// (see docs/performance.md); this renders 1,300 words in well under a millisecond.
//
// Safety does not rest on escaping the input: the tree is made safe after parsing.
// - raw HTML is never emitted: each raw node becomes text (shown literally, as before);
// - links keep only in-page anchors and absolute http(s) URLs; anything else becomes text;
// - images are never loaded: each becomes a link (or text) reading "[image: alt]";
// - headings move so the shallowest sits at the part's level, with unique ids for the contents.
// The only markup besides markdown's own is what the plugins below build from integers, our own
// wording, and (as escaped text) the passage a citation rests on. The result is what the briefing
// page inserts as HTML (tests/security audits that).
import GithubSlugger from 'github-slugger';
import { markdownToHtml, type HastPluginEntry } from 'satteri';
import type { Element, Text } from 'hast';
import { safeHref, type Session } from '#core/session.ts';
import { countCitable } from '#core/citations.ts';
import type { CitationMap } from '#lib/citations.ts';
import { planMarks, type GroundingPlaced, type PlannedBlock } from '#lib/grounding.ts';
import { citationNotes } from '#lib/passages.ts';
import { citationLinks } from './citations.ts';
import { groundingMarks } from './grounding.ts';

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
export const PROSE_VERSION = 2; // 2: the answer, and citations described by their passage

/**
 * Renders the answer (top heading at h3, below the page's "Answer" h2), the summary (top heading
 * at h3, below the page's "Executive summary" h2) and the analysis (top heading at h2), each in
 * its `<section data-kb-part>`. The plugins the options ask for run after the safety pass:
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
    const result = markdownToHtml(markdown, {
      // No frontmatter: a summary that starts with `---` lines is text to show, not metadata.
      features: { frontmatter: false, gfm: { footnotes: { clobberPrefix: part === 'analysis' ? 'user-content-' : `user-content-${part}-` } } },
      hastPlugins: [
        placeHeadings(slugger, headings, part, top),
        safeTree(),
        options.citations && citationLinks({ resultCount, part, places: citations }),
        plan && part !== 'answer' && groundingMarks({ plan, part, placed: grounding }),
        notes && passageNotes(notes),
      ],
    });
    // Every plugin here is synchronous, so the result is too; a Promise would mean one is not.
    if (result instanceof Promise) throw new Error('renderProse: a prose plugin is asynchronous; make it synchronous');
    return `<section data-kb-part="${part}">\n${result.html}</section>\n`;
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

const text = (value: string): Text => ({ type: 'text', value });

/**
 * Headings move once all are known: the shallowest goes to `top`, the rest keep their steps, and
 * each gets a unique id. Its own pass, before the safety pass, which then sees the new headings.
 */
function placeHeadings(slugger: GithubSlugger, headings: Heading[], part: Part, top: number): HastPluginEntry {
  const found: Element[] = [];
  return {
    name: 'kb-place-headings',
    element: {
      filter: ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'],
      visit(node) {
        if (node.properties?.id === undefined) found.push(node); // not markdown's own, e.g. the footnotes label
      },
    },
    after(_root, ctx) {
      const shift = found.length ? top - Math.min(...found.map((h) => Number(h.tagName[1]))) : 0;
      for (const node of found) {
        const depth = Math.min(6, Math.max(1, Number(node.tagName[1]) + shift));
        const value = ctx.textContent(node);
        const slug = slugger.slug(value) || slugger.slug('section');
        headings.push({ depth, slug, text: value, part });
        ctx.replaceNode(node, { type: 'element', tagName: `h${depth}`, properties: { ...node.properties, id: slug }, children: [...node.children] } satisfies Element);
      }
    },
  };
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
function passageNotes(notes: ReadonlyMap<number, string>): HastPluginEntry {
  if (!notes.size) return null;
  return {
    name: 'kb-passage-notes',
    element: {
      filter: ['a'],
      visit(node, ctx) {
        const id = typeof node.properties?.id === 'string' ? node.properties.id : '';
        const cite = /^kb-cite-(\d+)-\d+$/.exec(id);
        if (!cite || node.properties?.ariaDescribedBy !== undefined) return;
        const note = notes.get(Number(cite[1]));
        if (!note) return;
        const tip = `${id}-passage`;
        ctx.setProperty(node, 'ariaDescribedBy', [tip]);
        ctx.insertAfter(node, {
          type: 'element',
          tagName: 'span',
          properties: { className: ['kb-cite-passage'], id: tip, role: 'tooltip', dataPagefindIgnore: true },
          children: [text(note)],
        } satisfies Element);
      },
    },
  };
}

/** The safety pass: raw HTML to text, links and images made safe. */
function safeTree(): HastPluginEntry {
  return {
    name: 'kb-safe-tree',
    raw(node, ctx) {
      ctx.replaceNode(node, text(node.value));
    },
    element: [
      {
        filter: ['a'],
        visit(node, ctx) {
          const href = typeof node.properties?.href === 'string' ? node.properties.href : '';
          if (/^#[^\s]*$/.test(href)) return; // footnotes, in-page anchors
          const url = safeHref(href);
          if (!url) {
            ctx.replaceNode(node, { type: 'element', tagName: 'span', properties: { className: ['unlinked'] }, children: [...node.children] } satisfies Element);
            return;
          }
          ctx.setProperty(node, 'href', url);
          ctx.setProperty(node, 'rel', ['noopener', 'noreferrer', 'nofollow']);
          ctx.setProperty(node, 'referrerPolicy', 'no-referrer');
        },
      },
      {
        filter: ['img'],
        visit(node, ctx) {
          const alt = typeof node.properties?.alt === 'string' && node.properties.alt.trim() ? node.properties.alt.trim() : 'image';
          const url = safeHref(typeof node.properties?.src === 'string' ? node.properties.src : undefined);
          const label = [text(`[image: ${alt}]`)];
          ctx.replaceNode(
            node,
            url
              ? { type: 'element', tagName: 'a', properties: { className: ['image-ref'], href: url, rel: ['noopener', 'noreferrer', 'nofollow'], referrerPolicy: 'no-referrer' }, children: label }
              : { type: 'element', tagName: 'span', properties: { className: ['image-ref'] }, children: label },
          );
        },
      },
    ],
  };
}
