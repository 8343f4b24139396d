// The site's side of citations: the element ids a citation links between, and the report of the
// prose plugin (src/lib/prose/citations.ts) of which places cite which source. What a citation
// looks like is defined once, in src/core/citations.ts.

export const sourceId = (n: number) => `kb-source-${n}`;
export const citeId = (n: number, k: number) => `kb-cite-${n}-${k}`;

/** One place in the prose that cites a source: its element id and the part of the body it is in. */
export interface CitePlace {
  id: string;
  part?: 'summary' | 'analysis';
}

/** What the render-time plugin reports per briefing: for each cited n, the places citing it. */
export type CitationMap = Record<string, CitePlace[]>;

/** Reads the plugin's report back from `remarkPluginFrontmatter` (defensively: it is data). */
export function readCitationMap(value: unknown): Map<number, CitePlace[]> {
  const out = new Map<number, CitePlace[]>();
  if (!value || typeof value !== 'object') return out;
  for (const [key, places] of Object.entries(value)) {
    const n = Number(key);
    if (!Number.isSafeInteger(n) || n < 1 || !Array.isArray(places)) continue;
    const ok = places.filter((p): p is CitePlace => !!p && typeof p.id === 'string' && /^kb-cite-\d+-\d+$/.test(p.id));
    if (ok.length) out.set(n, ok.map((p) => ({ id: p.id, part: p.part === 'summary' || p.part === 'analysis' ? p.part : undefined })));
  }
  return out;
}
