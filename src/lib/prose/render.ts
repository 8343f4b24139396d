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
// The only markup besides markdown's own is what the plugins below build from integers and our
// own wording. The result is what the briefing page inserts as HTML (tests/security audits that).
import GithubSlugger from 'github-slugger';
import { markdownToHtml, type HastPluginEntry } from 'satteri';
import type { Element, Text } from 'hast';
import { safeHref, type Session } from '#core/session.ts';
import { countCitable } from '#core/citations.ts';
import type { CitationMap } from '#lib/citations.ts';
import { planMarks, type GroundingPlaced, type PlannedBlock } from '#lib/grounding.ts';
import { citationLinks } from './citations.ts';
import { groundingMarks } from './grounding.ts';

export interface Heading {
  depth: number;
  slug: string;
  text: string;
  part: Part;
}

export interface RenderedProse {
  html: string;
  headings: Heading[];
  /** Per cited result number, the places in the prose that cite it (empty without `citations`). */
  citations: CitationMap;
  /** The claims linked to their evidence and the figures marked (none without `grounding`). */
  grounding: GroundingPlaced;
}

/** What to add to the prose besides markdown's own markup. By default, nothing. */
export interface ProseOptions {
  /** Link each `[n]` to its source card (src/lib/prose/citations.ts). */
  citations?: boolean;
  /** Mark unsupported figures and link supported claims to their evidence (src/lib/prose/grounding.ts). */
  grounding?: boolean;
}

type Part = 'summary' | 'analysis';

/** Bump when the output for the same session changes, so cached pages are rendered again. */
export const PROSE_VERSION = 1;

/**
 * Renders the summary (top heading at h3, below the page's "Executive summary" h2) and the
 * analysis (top heading at h2), each in its `<section data-kb-part>`. The plugins the options ask
 * for run after the safety pass: citation links, then grounding marks.
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
  const render = (part: Part, markdown: string, top: number) => {
    const result = markdownToHtml(markdown, {
      // No frontmatter: a summary that starts with `---` lines is text to show, not metadata.
      features: { frontmatter: false, gfm: { footnotes: { clobberPrefix: part === 'summary' ? 'user-content-summary-' : 'user-content-' } } },
      hastPlugins: [
        placeHeadings(slugger, headings, part, top),
        safeTree(),
        options.citations && citationLinks({ resultCount, part, places: citations }),
        plan && groundingMarks({ plan, part, placed: grounding }),
      ],
    });
    // Every plugin here is synchronous, so the result is too; a Promise would mean one is not.
    if (result instanceof Promise) throw new Error('renderProse: a prose plugin is asynchronous; make it synchronous');
    const { html } = result;
    parts.push(`<section data-kb-part="${part}">\n${html}</section>\n`);
  };
  if (session.summary?.trim()) render('summary', session.summary, 3);
  render('analysis', session.analysis, 2);
  return { html: parts.join(''), headings, citations, grounding };
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
