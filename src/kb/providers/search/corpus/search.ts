// Answering queries: a MiniSearch (BM25) index over the passages, ranked by how much of the
// query each hit covers, one result per source, each with its best excerpt as the snippet.
import MiniSearch, { type SearchResult } from 'minisearch';
import type { Result } from '#core/session.ts';
import { clip, contentTerms, isStopWord, normaliseTerm, splitSentences, squash, wordTokens } from '#core/text-analysis.ts';
import type { Passage } from './passages.ts';

/** Snippets are cut to about this many characters. */
export const SNIPPET_MAX = 400;
/** Hits scoring below this share of the best hit are noise from single common words. */
const RELATIVE_SCORE_FLOOR = 0.05;
/** Hits must match query words carrying at least this share of the query's IDF weight. */
const MIN_COVERAGE = 0.35;

/** Indexes the passages (in their id order) and returns the query function: results for a query, at most `maxResults`. */
export function passageSearch(passages: Passage[]): (query: string, maxResults: number) => Result[] {
  const index = new MiniSearch<Passage>({
    idField: 'id',
    fields: ['title', 'heading', 'text'],
    tokenize: (text) => wordTokens(text),
    processTerm: (term) => (isStopWord(term) ? null : normaliseTerm(term) || null),
    searchOptions: {
      boost: { title: 2.5, heading: 1.5, text: 1 },
      // Light matching: prefix for words of 4+ letters, one edit for words of 6+ letters.
      prefix: (term) => term.length >= 4,
      fuzzy: (term) => (term.length >= 6 ? 0.2 : false),
      maxFuzzy: 2,
      weights: { fuzzy: 0.3, prefix: 0.5 },
      combineWith: 'OR',
    },
  });
  index.addAll(passages);

  // Document frequency of every indexed term, for the coverage test below.
  const documentFrequency = new Map<string, number>();
  for (const passage of passages) {
    for (const term of new Set(indexTerms(`${passage.title} ${passage.heading} ${passage.text}`))) {
      documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
    }
  }
  const idf = (term: string) => Math.log(1 + passages.length / ((documentFrequency.get(term) ?? 0) + 1));

  return (query, maxResults) => {
    const max = Math.max(0, Math.trunc(maxResults));
    if (max === 0 || passages.length === 0) return [];
    const queryTerms = contentTerms(query);
    if (queryTerms.length === 0) return [];

    // A hit must cover enough of the query's weight: matching "US" and "China" but not
    // "rare earths" is a different topic. Words no passage contains do not count either way.
    const weighted = [...new Set(indexTerms(query))].filter((term) => documentFrequency.has(term));
    const totalWeight = weighted.reduce((sum, term) => sum + idf(term), 0);
    const coverage = (hit: SearchResult) => {
      if (totalWeight === 0) return 1;
      const matched = new Set(hit.queryTerms);
      return weighted.reduce((sum, term) => sum + (matched.has(term) ? idf(term) : 0), 0) / totalWeight;
    };
    // Ranking: BM25 scaled by coverage squared, so a passage that matches the topic words
    // beats one that matches many common words. Ties go to the earlier-indexed passage.
    const hits = index
      .search(query)
      .map((hit) => {
        const covered = coverage(hit);
        return { id: hit.id as number, coverage: covered, score: round(hit.score * covered ** 2) };
      })
      .filter((hit) => hit.coverage >= MIN_COVERAGE)
      .sort((a, b) => b.score - a.score || a.id - b.id);
    if (hits.length === 0) return [];
    const floor = hits[0]!.score * RELATIVE_SCORE_FLOOR;

    // Group hits by source (url, or document): the group ranks by its best hit; a corpus
    // passage stands for its group when there is one, so stored copies of the same page
    // never crowd out the corpus, and they still count when they bring a new source.
    const groups = new Map<string, { score: number; id: number; corpus?: Passage; session?: Passage }>();
    for (const hit of hits) {
      if (hit.score < floor) break;
      const passage = passages[hit.id]!;
      let group = groups.get(passage.key);
      if (!group) {
        group = { score: hit.score, id: passage.id };
        groups.set(passage.key, group);
      }
      if (passage.kind === 'corpus') group.corpus ??= passage;
      else group.session ??= passage;
    }

    const ranked = [...groups.values()].sort((a, b) => b.score - a.score || a.id - b.id);
    const results: Result[] = [];
    const snippets = new Set<string>();
    for (const group of ranked) {
      const passage = (group.corpus ?? group.session)!;
      const snippet = passage.kind === 'corpus' ? bestWindow(passage.text, queryTerms) : clip(passage.text, SNIPPET_MAX);
      const identity = squash(snippet).toLowerCase();
      if (identity && snippets.has(identity)) continue;
      snippets.add(identity);
      results.push(toResult(passage, snippet));
      if (results.length >= max) break;
    }
    return results;
  };
}

/** The terms the index holds for a text (same tokenizer and term processing as MiniSearch). */
function indexTerms(text: string): string[] {
  const terms: string[] = [];
  for (const token of wordTokens(text)) {
    if (isStopWord(token)) continue;
    const term = normaliseTerm(token);
    if (term) terms.push(term);
  }
  return terms;
}

/** Scores are rounded so that ranking never depends on the last bits of a float. */
function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function toResult(passage: Passage, snippet: string): Result {
  const result: Result = { title: passage.title || passage.source || 'Untitled' };
  if (passage.url) result.url = passage.url;
  if (snippet) result.snippet = snippet;
  if (passage.source) result.source = passage.source;
  if (passage.publishedAt) result.publishedAt = passage.publishedAt;
  return result;
}

/**
 * The passage's best excerpt for the query: the run of whole sentences, at most SNIPPET_MAX
 * characters, that covers the most query terms (ties: the earliest). A single sentence longer
 * than that is cut at a word boundary.
 */
function bestWindow(text: string, queryTerms: string[]): string {
  const sentences = splitSentences(text);
  if (sentences.length === 0) return '';
  const wanted = new Set(queryTerms);
  const termsOf = sentences.map((s) => contentTerms(s));
  const matches = (term: string) => wanted.has(term) || queryTerms.some((q) => q.length >= 4 && term.startsWith(q));

  let best = { start: 0, end: 1, covered: -1, hits: -1 };
  for (let start = 0; start < sentences.length; start++) {
    let length = -1;
    const covered = new Set<string>();
    let hits = 0;
    for (let end = start; end < sentences.length; end++) {
      length += sentences[end]!.length + 1;
      if (end > start && length > SNIPPET_MAX) break;
      for (const term of termsOf[end]!) {
        if (!matches(term)) continue;
        hits++;
        covered.add(term);
      }
      if (covered.size > best.covered || (covered.size === best.covered && hits > best.hits)) {
        best = { start, end: end + 1, covered: covered.size, hits };
      }
    }
  }
  return clip(sentences.slice(best.start, best.end).join(' '), SNIPPET_MAX);
}
