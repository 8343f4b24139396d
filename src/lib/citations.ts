// Citations in rendered prose: `[n]` cites the n-th result of the session, counting from 1 across
// all steps in step order (see `numberResults` in src/kb/pipeline/citations.ts). These pure
// helpers find them in a text node; src/integrations/citations.ts turns them into links.

/** A piece of a text node: plain text, or one citation number that points at a result. */
export type CitationPart = { text: string } | { text: string; n: number };

// `[3]`, `[3, 5]`, `[3][5]`, `[3-5]`/`[3–5]` — but not `[3](…)` or `[3]: …` (the same shapes
// the pipeline checks with `checkCitations`).
const GROUP = /\[(\d+(?:\s*(?:,|-|–)\s*\d+)*)\](?![(:])/g;

/**
 * Splits `text` into plain parts and citation numbers. Only a number n with 1 ≤ n ≤ resultCount
 * becomes a citation part; everything else (brackets, separators, numbers that point at nothing)
 * stays plain text, so joining every part's `text` gives `text` back exactly.
 */
export function splitCitations(text: string, resultCount: number): CitationPart[] {
  const parts: CitationPart[] = [];
  let plain = '';
  let last = 0;
  for (const match of text.matchAll(GROUP)) {
    const start = match.index;
    plain += text.slice(last, start);
    last = start + match[0].length;
    // Inside the brackets: numbers and separators, walked in order.
    for (const piece of match[0].matchAll(/\d+|[^\d]+/g)) {
      const value = piece[0];
      const n = /^\d+$/.test(value) ? Number(value) : NaN;
      if (Number.isSafeInteger(n) && n >= 1 && n <= resultCount) {
        if (plain) parts.push({ text: plain });
        plain = '';
        parts.push({ text: value, n });
      } else plain += value;
    }
  }
  plain += text.slice(last);
  if (plain) parts.push({ text: plain });
  return parts;
}

/** How many results a session's steps hold (what `[n]` may point at); 0 for anything else. */
export function countCitable(steps: unknown): number {
  if (!Array.isArray(steps)) return 0;
  let count = 0;
  for (const step of steps) {
    const results = (step as { results?: unknown } | null)?.results;
    if (Array.isArray(results)) count += results.length;
  }
  return count;
}

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
