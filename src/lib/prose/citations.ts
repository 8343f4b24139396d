// Render-time citation links for briefings: a hast transform that renderProse
// (src/lib/prose/render.ts) runs on each part of the prose. In every text node that is not
// already inside a link or code, each `[n]` with 1 ≤ n ≤ the number of the session's results
// becomes
//   <a href="#kb-source-n" id="kb-cite-n-k">n</a>
// inside its brackets, k counting that source's citations in document order. Numbers that point
// at nothing stay text. The transform records which ids cite which source in the map it is given,
// so each source card can link back to every place that cites it.
//
// Why here and not in `sessionToMdx`: session files are never rewritten once written, so links
// baked into new files would leave every existing briefing unlinked; the results are what the
// numbers point at, and the page renders from them on every build. The only markup it creates
// is these fragment links, with ids and hrefs built from integers, never from text.
import type { Element, Root, Text } from 'hast';
import { splitCitations } from '#core/citations.ts';
import { citeId, sourceId, type CitationMap, type CitePlace } from '#lib/citations.ts';
import { walk } from './walk.ts';

/** Elements whose text is never turned into citation links. */
const NOT_LINKED = new Set(['a', 'code', 'pre', 'script', 'style', 'kbd', 'samp']);

export interface CitationLinksOptions {
  /** How many results the session has (`countCitable`): the highest number a citation can have. */
  resultCount: number;
  /** The part of the prose being rendered, recorded with each place. */
  part: CitePlace['part'];
  /** Filled in: per cited number, its places in document order. Share one across the parts, so k keeps counting. */
  places: CitationMap;
}

export function citationLinks({ resultCount, part, places }: CitationLinksOptions): ((tree: Root) => void) | null {
  if (resultCount <= 0) return null;
  return (tree) =>
    walk(tree, (node, ancestors, index) => {
      if (node.type !== 'text' || !/\[\d/.test(node.value)) return;
      if (ancestors.some((p) => p.type === 'element' && NOT_LINKED.has(p.tagName))) return;
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
      ancestors.at(-1)!.children.splice(index, 1, ...out);
      // The new links are not visited again.
      return index + out.length;
    });
}
