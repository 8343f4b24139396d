// Render-time citation links for briefings. A Sätteri hast plugin for MDX: in every text node of
// the body that is not already inside a link or code, each `[n]` with 1 ≤ n ≤ the number of the
// session's results (read from the file's frontmatter) becomes
//   <a href="#kb-source-n" id="kb-cite-n-k">n</a>
// inside its brackets, k counting that source's citations in document order. Numbers that point
// at nothing stay text. The plugin reports which ids cite which source by adding `kbCitations`
// to the module's frontmatter, which Astro returns from `render()` as `remarkPluginFrontmatter`,
// so each source card can link back to every place that cites it.
//
// Why here and not in `sessionToMdx`: session files are never rewritten once written, so links
// baked into new files would leave every existing briefing unlinked; the frontmatter (the
// results) is what the numbers point at, and the plugin reads it on every build. The only markup
// it creates is these fragment links, with ids and hrefs built from integers, never from text.
import type { Element, Text } from 'hast';
import type { HastPluginEntry, PluginFactoryContext } from 'satteri';
import { countCitable, splitCitations } from '#core/citations.ts';
import { citeId, sourceId, type CitationMap } from '#lib/citations.ts';

/** Elements whose text is never turned into citation links. */
const SKIP = new Set(['a', 'code', 'pre', 'script', 'style', 'kbd', 'samp']);

interface AstroData {
  frontmatter?: Record<string, unknown>;
}

type Ancestor = { type: string; tagName?: string; name?: string | null; attributes?: Array<{ type: string; name?: string; value?: unknown }> };

export const citationLinks: HastPluginEntry = (factory: PluginFactoryContext) => {
  const data = factory.data as { astro?: AstroData; kbPart?: unknown };
  const frontmatter = data.astro?.frontmatter;
  const count = countCitable(frontmatter?.steps);
  if (!frontmatter || count === 0) return null;
  // A briefing rendered part by part (src/lib/prose/render.ts) names the part in the data bag and
  // shares one map across the parts, so the k in each id keeps counting.
  const given = data.kbPart === 'summary' || data.kbPart === 'analysis' ? data.kbPart : undefined;
  const map: CitationMap = (frontmatter.kbCitations as CitationMap | undefined) ?? {};
  return {
    name: 'kb-citation-links',
    text(node: Readonly<Text>, ctx) {
      if (!/\[\d/.test(node.value)) return;
      let part: 'summary' | 'analysis' | undefined = given;
      for (let p = ctx.parent(node) as Ancestor | undefined; p; p = ctx.parent(p as never) as Ancestor | undefined) {
        if (p.type === 'element' && p.tagName && SKIP.has(p.tagName)) return;
        if ((p.type === 'mdxJsxFlowElement' || p.type === 'mdxJsxTextElement') && p.name === 'section') {
          const value = p.attributes?.find((a) => a.type === 'mdxJsxAttribute' && a.name === 'data-kb-part')?.value;
          if (value === 'summary' || value === 'analysis') part ??= value;
        }
      }
      const parts = splitCitations(node.value, count);
      if (!parts.some((x) => 'n' in x)) return;
      const out: Array<Text | Element> = parts.map((x) => {
        if (!('n' in x)) return { type: 'text', value: x.text };
        const places = (map[x.n] ??= []);
        const id = citeId(x.n, places.length + 1);
        places.push(part ? { id, part } : { id });
        return {
          type: 'element',
          tagName: 'a',
          properties: { href: `#${sourceId(x.n)}`, id, ariaLabel: `source ${x.n}` },
          children: [{ type: 'text', value: String(x.n) }],
        };
      });
      ctx.replaceNode(node, out);
    },
    after() {
      frontmatter.kbCitations = map;
    },
  };
};
