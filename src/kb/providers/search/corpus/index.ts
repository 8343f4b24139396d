// The offline search provider: BM25 full-text search (MiniSearch) over a local corpus of
// documents (`<content>/corpus/`: .md, .txt, .html) and over the results already stored in
// earlier sessions. No key, no network, and the same answer for the same files every time.
// load.ts reads the documents, passages.ts cuts them (and stored results) into passages, search.ts answers.
import path from 'node:path';
import { listSessions } from '#kb/store/store.ts';
import type { Result } from '#core/session.ts';
import type { SearchOptions, SearchProvider } from '#kb/providers/types.ts';
import { loadCorpus } from './load.ts';
import { documentPassages, sessionPassages, type Passage } from './passages.ts';
import { passageSearch } from './search.ts';

export { SNIPPET_MAX } from './search.ts';

export interface CorpusSearchOptions {
  /** The knowledge base folder: documents are read from `<contentDir>/corpus/`, stored sessions from `<contentDir>/briefings/`. */
  contentDir: string;
  /** Include the results of stored sessions in the index (default true). */
  includeSessions?: boolean;
  /** Told about files that were skipped (unreadable, too large, bad frontmatter). Default: console.warn. */
  onWarning?: (message: string) => void;
}

export async function createCorpusSearch(options: CorpusSearchOptions): Promise<SearchProvider> {
  const warn = options.onWarning ?? ((message: string) => console.warn(`corpus search: ${message}`));
  const found = [
    ...(await loadCorpus(path.join(options.contentDir, 'corpus'), warn)).flatMap(documentPassages),
    ...((options.includeSessions ?? true) ? sessionPassages((await listSessions(options.contentDir)).map(({ session }) => session)) : []),
  ];
  // Ids are the insertion order, which breaks score ties stably.
  const passages: Passage[] = found.map((passage, id) => ({ ...passage, id }));

  const search = passageSearch(passages);
  return {
    name: 'corpus',
    async search(query: string, searchOptions: SearchOptions): Promise<Result[]> {
      searchOptions.signal?.throwIfAborted();
      return search(query, searchOptions.maxResults);
    },
  };
}
