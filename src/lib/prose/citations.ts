// Render-time citation links for briefings: a Sätteri hast plugin that renderProse
// (src/lib/prose/render.ts) runs on each part of the prose. In every text node that is not
// already inside a link or code, each `[n]` with 1 ≤ n ≤ the number of the session's results
// becomes
//   <a href="#kb-source-n" id="kb-cite-n-k">n</a>
// inside its brackets, k counting that source's citations in document order. Numbers that point
// at nothing stay text. The plugin records which ids cite which source in the map it is given,
// so each source card can link back to every place that cites it.
//
// Why here and not in `sessionToMdx`: session files are never rewritten once written, so links
// baked into new files would leave every existing briefing unlinked; the results are what the
// numbers point at, and the page renders from them on every build. The only markup it creates
// is these fragment links, with ids and hrefs built from integers, never from text.
import type { Element, Parents, Text } from 'hast';
import type { HastPluginEntry } from 'satteri';
import { splitCitations } from '#core/citations.ts';
import { citeId, sourceId, type CitationMap, type CitePlace } from '#lib/citations.ts';

/** Elements whose text is never turned into citation links. */
const SKIP = new Set(['a', 'code', 'pre', 'script', 'style', 'kbd', 'samp']);

export interface CitationLinksOptions {
  /** How many results the session has (`countCitable`): the highest number a citation can have. */
  resultCount: number;
  /** The part of the prose being rendered, recorded with each place. */
  part: CitePlace['part'];
  /** Filled in: per cited number, its places in document order. Share one across the parts, so k keeps counting. */
  places: CitationMap;
}

export function citationLinks({ resultCount, part, places }: CitationLinksOptions): HastPluginEntry {
  if (resultCount <= 0) return null;
  return {
    name: 'kb-citation-links',
    text(node: Readonly<Text>, ctx) {
      if (!/\[\d/.test(node.value)) return;
      for (let p: Readonly<Parents> | undefined = ctx.parent(node); p; p = ctx.parent(p)) if (p.type === 'element' && SKIP.has(p.tagName)) return;
      const pieces = splitCitations(node.value, resultCount);
      if (!pieces.some((x) => 'n' in x)) return;
      const out: Array<Text | Element> = pieces.map((x) => {
        if (!('n' in x)) return { type: 'text', value: x.text };
        let cited = places.get(x.n);
        if (!cited) places.set(x.n, (cited = []));
        const id = citeId(x.n, cited.length + 1);
        cited.push({ id, part });
        return {
          type: 'element',
          tagName: 'a',
          properties: { href: `#${sourceId(x.n)}`, id, ariaLabel: `source ${x.n}` },
          children: [{ type: 'text', value: String(x.n) }],
        };
      });
      ctx.replaceNode(node, out);
    },
  };
}
