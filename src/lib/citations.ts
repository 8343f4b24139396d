// The site's side of citations: the element ids a citation links between, and what the prose
// transform (src/lib/prose/citations.ts) records of which places cite which source. What a citation
// looks like is defined once, in src/core/citations.ts.

export const sourceId = (n: number) => `kb-source-${n}`;
export const citeId = (n: number, k: number) => `kb-cite-${n}-${k}`;

/** One place in the prose that cites a source: its element id and the part of the body it is in. */
export interface CitePlace {
  id: string;
  part: 'answer' | 'summary' | 'analysis';
}

/** What the render-time transform records per briefing: for each cited n, the places citing it. */
export type CitationMap = Map<number, CitePlace[]>;
