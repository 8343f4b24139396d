// Render-time grounding marks for briefings: a hast transform that renderProse
// (src/lib/prose/render.ts) runs on each part of the prose, a thin adapter over the plan from
// `planMarks` (src/lib/grounding.ts), which runs the grounding check on the session. It finds
// each planned block of prose in the HTML by its text and
//   - wraps each unsupported figure in <mark class="kb-unsupported" tabindex="0"> with the reason
//     as its title and as a described-by tooltip, so keyboards and screen readers reach it too;
//   - puts a small link after each supported claim to the supporting words in its source card
//     (`#kb-ev-n-k`, highlighted by ResultCard).
// It records the claims it linked and the figures it marked in the object it is given, so the
// evidence panel links only to what is on the page. All text it adds is our wording and the
// figure as written, as text nodes and attribute values that the serialiser escapes; ids and
// hrefs are built from integers only.
import type { Element, ElementContent, Root, Text } from 'hast';
import { toString } from 'hast-util-to-string';
import { dense, denseLength, denseWidth, whyId, claimId, type GroundingPlaced, type PlannedBlock } from '#lib/grounding.ts';
import { walk } from './walk.ts';

/** Elements whose text is never marked. */
const UNMARKED = new Set(['a', 'code', 'pre', 'script', 'style', 'kbd', 'samp', 'mark']);
/** Elements that hold one block of prose, as the markdown's paragraphs and table cells. */
const BLOCKS = new Set(['p', 'li', 'td', 'th']);

interface BlockState {
  plan?: PlannedBlock;
  /** Non-white-space characters of the block already passed. */
  offset: number;
  /** Links whose place fell inside a link or code: put at the next text that can take them. */
  pending: PlannedBlock['links'];
}

export interface GroundingMarksOptions {
  /** The session's plan, from `planMarks`: worked out once, shared by the parts. */
  plan: readonly PlannedBlock[];
  /** The part of the prose being rendered: only its blocks are looked for. */
  part: PlannedBlock['part'];
  /** Filled in: the claims linked and the figures marked. Share one across the parts, so it adds up. */
  placed: GroundingPlaced;
}

export function groundingMarks({ plan, part, placed }: GroundingMarksOptions): ((tree: Root) => void) | null {
  const list = plan.filter((b) => b.part === part);
  if (!list.some((b) => b.marks.length || b.links.length)) return null;
  const used = new Set<PlannedBlock>();
  let cursor = 0;
  const states = new Map<Element, BlockState>();

  const blockText = (block: Element): string =>
    block.tagName === 'li'
      ? block.children.map((c) => (c.type === 'element' && (c.tagName === 'ul' || c.tagName === 'ol') ? '' : toString(c))).join('')
      : toString(block);

  const find = (key: string): PlannedBlock | undefined => {
    for (let i = cursor; i < list.length; i++) {
      const b = list[i]!;
      if (used.has(b) || b.key !== key) continue;
      used.add(b);
      cursor = i + 1;
      return b;
    }
    return undefined;
  };

  return (tree) =>
    walk(tree, (node, ancestors, index) => {
      if (node.type !== 'text') return;
      let skipped = false;
      let block: Element | undefined;
      // Up to the nearest block: markdown never puts a block inside a link or code.
      for (let i = ancestors.length - 1; i >= 0 && !block; i--) {
        const p = ancestors[i]!;
        if (p.type !== 'element') continue;
        if (UNMARKED.has(p.tagName)) skipped = true;
        if (BLOCKS.has(p.tagName)) block = p;
      }
      // White space between elements ("\n" inside a loose list item, before its <p>) carries no
      // text and must not claim the block for the wrong element.
      if (!block || !/\S/.test(node.value)) return;
      let state = states.get(block);
      if (!state) {
        // Before anything in the block changes: its text as the markdown gave it.
        state = { plan: find(dense(blockText(block))), offset: 0, pending: [] };
        states.set(block, state);
      }
      const length = denseLength(node.value);
      const from = state.offset;
      state.offset += length;
      const b = state.plan;
      if (!b) return;
      const links = b.links.filter((l) => l.at > from && l.at <= from + length);
      if (skipped) {
        state.pending.push(...links);
        return;
      }
      const pending = state.pending.splice(0);
      const marks = b.marks.filter((m) => m.start >= from && m.end <= from + length);
      if (!marks.length && !links.length && !pending.length) return;

      // The character index in this node where a dense offset falls (one pass, then lookups).
      const starts: number[] = [];
      for (let i = 0; i < node.value.length; i++) for (let k = denseWidth(node.value[i]!); k > 0; k--) starts.push(i);
      const at = (d: number) => starts[d - from] ?? node.value.length;
      type Cut = { index: number; order: number; make: () => ElementContent[]; end?: number };
      const cuts: Cut[] = [];
      for (const m of marks) {
        const start = at(m.start);
        const end = at(m.end - 1) + 1;
        cuts.push({ index: start, end, order: 1, make: () => marker(node.value.slice(start, end), m.why, m.k) });
      }
      for (const l of links) cuts.push({ index: at(l.at - 1) + 1, order: 2, make: () => evidenceLink(l) });
      const out: ElementContent[] = pending.map(evidenceLink).flat();
      cuts.sort((x, y) => x.index - y.index || x.order - y.order);
      let last = 0;
      for (const cut of cuts) {
        if (cut.index < last) continue;
        if (cut.index > last) out.push({ type: 'text', value: node.value.slice(last, cut.index) });
        out.push(...cut.make());
        last = cut.end ?? cut.index;
        if (cut.order === 1) placed.marks++;
      }
      if (last < node.value.length) out.push({ type: 'text', value: node.value.slice(last) });
      for (const l of [...pending, ...links]) placed.claims.push(l.claim);
      ancestors.at(-1)!.children.splice(index, 1, ...out);
      // What was added is not read again: its text is the node's, already counted.
      return index + out.length;
    });
}

function marker(figure: string, why: string, k: number): ElementContent[] {
  const text = `Not borne out by the sources: ${why}.`;
  return [
    {
      type: 'element',
      tagName: 'mark',
      properties: { className: ['kb-unsupported'], tabIndex: 0, title: text, ariaDescribedBy: [whyId(k)] },
      children: [{ type: 'text', value: figure }],
    },
    {
      type: 'element',
      tagName: 'span',
      properties: { className: ['kb-why'], id: whyId(k), role: 'tooltip', dataPagefindIgnore: true },
      children: [{ type: 'text', value: text }],
    },
  ];
}

function evidenceLink(l: PlannedBlock['links'][number]): Element[] {
  return [
    {
      type: 'element',
      tagName: 'a',
      properties: { className: ['kb-evidence-link'], href: `#${l.target}`, id: claimId(l.claim), ariaLabel: `evidence for this claim in source ${l.n}`, dataPagefindIgnore: true },
      children: [{ type: 'text', value: '✓' }],
    },
  ];
}
