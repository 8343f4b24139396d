// Render-time grounding marks for briefings: a Sätteri hast plugin, a thin adapter over
// `planMarks` (src/lib/grounding.ts), which runs the grounding check on the session in the
// frontmatter. It finds each planned block of prose in the HTML by its text and
//   - wraps each unsupported figure in <mark class="kb-unsupported" tabindex="0"> with the reason
//     as its title and as a described-by tooltip, so keyboards and screen readers reach it too;
//   - puts a small link after each supported claim to the supporting words in its source card
//     (`#kb-ev-n-k`, highlighted by ResultCard).
// It reports the claims it linked and the figures it marked as `kbGrounding` in the frontmatter
// (Astro returns it as `remarkPluginFrontmatter`), so the evidence panel links only to what is
// on the page. All text it adds is our wording and the figure as written, as text nodes and
// attribute values that the serialiser escapes; ids and hrefs are built from integers only.
import type { Element, ElementContent, Text } from 'hast';
import type { HastPluginEntry, HastVisitorContext, PluginFactoryContext } from 'satteri';
import { dense, denseWidth, planMarks, whyId, claimId, type GroundingPlaced, type PlannedBlock } from '#lib/grounding.ts';
import { countCitable } from '#core/citations.ts';

/** Elements whose text is never marked. */
const SKIP = new Set(['a', 'code', 'pre', 'script', 'style', 'kbd', 'samp', 'mark']);
/** Elements that hold one block of prose, as the markdown's paragraphs and table cells. */
const BLOCKS = new Set(['p', 'li', 'td', 'th']);

interface AstroData {
  frontmatter?: Record<string, unknown>;
}

type Node = { type: string; tagName?: string; name?: string | null; children?: Node[]; attributes?: Array<{ type: string; name?: string; value?: unknown }> };

interface BlockState {
  plan?: PlannedBlock;
  /** Non-white-space characters of the block already passed. */
  offset: number;
  /** Links whose place fell inside a link or code: put at the next text that can take them. */
  pending: PlannedBlock['links'];
}

export const groundingMarks: HastPluginEntry = (factory: PluginFactoryContext) => {
  const data = factory.data as { astro?: AstroData; kbPart?: unknown };
  const frontmatter = data.astro?.frontmatter;
  if (!frontmatter || typeof frontmatter.analysis !== 'string' || countCitable(frontmatter.steps) === 0) return null;
  // Rendered part by part (src/lib/prose/render.ts), the part is named in the data bag and the parts
  // share one frontmatter object: the plan is worked out once for it, and the report adds up.
  const given = data.kbPart === 'summary' || data.kbPart === 'analysis' ? data.kbPart : undefined;
  let plan: PlannedBlock[];
  try {
    plan = planMarks(frontmatter as never);
  } catch {
    return null; // a frontmatter the check cannot read: the page renders without marks
  }
  if (!plan.some((b) => (!given || b.part === given) && (b.marks.length || b.links.length))) return null;
  const used = new Set<PlannedBlock>();
  const cursor = { summary: 0, analysis: 0 };
  const states = new Map<unknown, BlockState>();
  const placed = (frontmatter.kbGrounding as GroundingPlaced | undefined) ?? { claims: [], marks: 0 };

  const blockText = (block: Node, ctx: HastVisitorContext): string =>
    block.tagName === 'li'
      ? (block.children ?? []).map((c) => (c.type === 'element' && (c.tagName === 'ul' || c.tagName === 'ol') ? '' : c.type === 'text' ? (c as unknown as Text).value : ctx.textContent(c as never))).join('')
      : ctx.textContent(block as never);

  const find = (part: 'summary' | 'analysis', key: string): PlannedBlock | undefined => {
    const list = plan.filter((b) => b.part === part);
    for (let i = cursor[part]; i < list.length; i++) {
      const b = list[i]!;
      if (used.has(b) || b.key !== key) continue;
      used.add(b);
      cursor[part] = i + 1;
      return b;
    }
    return undefined;
  };

  return {
    name: 'kb-grounding-marks',
    text(node: Readonly<Text>, ctx) {
      let skipped = false;
      let block: Node | undefined;
      let part: 'summary' | 'analysis' | undefined = given;
      for (let p = ctx.parent(node) as Node | undefined; p; p = ctx.parent(p as never) as Node | undefined) {
        if (p.type === 'element' && p.tagName) {
          if (SKIP.has(p.tagName)) skipped = true;
          if (!block && BLOCKS.has(p.tagName)) block = p;
        }
        if ((p.type === 'mdxJsxFlowElement' || p.type === 'mdxJsxTextElement') && p.name === 'section') {
          const value = p.attributes?.find((a) => a.type === 'mdxJsxAttribute' && a.name === 'data-kb-part')?.value;
          if (value === 'summary' || value === 'analysis') part ??= value;
        }
      }
      // White space between elements ("\n" inside a loose list item, before its <p>) carries no
      // text and must not claim the block for the wrong element.
      if (!block || !part || !/\S/.test(node.value)) return;
      let state = states.get(block);
      if (!state) {
        state = { plan: find(part, dense(blockText(block, ctx))), offset: 0, pending: [] };
        states.set(block, state);
      }
      const length = dense(node.value).length;
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
      ctx.replaceNode(node, out);
    },
    after() {
      frontmatter.kbGrounding = placed;
    },
  };
};

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
