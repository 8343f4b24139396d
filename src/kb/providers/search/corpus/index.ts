// The offline search provider: BM25 full-text search (MiniSearch) over a local corpus of
// documents (`<content>/corpus/`: .md, .txt, .html) and over the results already stored in
// earlier sessions. No key, no network, and the same answer for the same files every time.
// load.ts reads the documents, passages.ts cuts them (and stored results) into passages, search.ts answers.
import path from 'node:path';
import { listSessions } from '#kb/store/store.ts';
import type { Session } from '#core/session.ts';
import type { SearchHit, SearchOptions, SearchProvider } from '#kb/providers/types.ts';
import type { CorpusDocument } from './document.ts';
import { corpusDigest, loadCorpus } from './load.ts';
import { documentPassages, sessionPassages, type Passage } from './passages.ts';
import { passageSearch } from './search.ts';

export { SNIPPET_MAX } from './search.ts';

export interface CorpusSearchOptions {
  /** The knowledge base folder: documents are read from `<contentDir>/corpus/`, stored sessions from `<contentDir>/briefings/`. */
  contentDir: string;
  /** Include the results of stored sessions in the index (default true); a function chooses which (`kb check` rebuilds the index a run saw). */
  includeSessions?: boolean | ((session: Session) => boolean);
  /** Told about files that were skipped (unreadable, too large, bad frontmatter). Default: console.warn. */
  onWarning?: (message: string) => void;
}

export async function createCorpusSearch(options: CorpusSearchOptions): Promise<SearchProvider> {
  const warn = options.onWarning ?? ((message: string) => console.warn(`corpus search: ${message}`));
  const read: Array<{ file: string; text: string }> = [];
  const documents = await loadCorpus(path.join(options.contentDir, 'corpus'), warn, (file, text) => read.push({ file, text }));
  // Each document's whole text, returned with its result as the page to read: offline, reading
  // works as it does on the web, without a fetch.
  const pages = new Map(documents.map((doc) => [pageKey(doc.url, doc.title), documentText(doc)]));
  const found = [
    ...documents.flatMap(documentPassages),
    ...((options.includeSessions ?? true) ? sessionPassages(indexed((await listSessions(options.contentDir)).map(({ session }) => session), options.includeSessions)) : []),
  ];
  // Ids are the insertion order, which breaks score ties stably.
  const passages: Passage[] = found.map((passage, id) => ({ ...passage, id }));

  const search = passageSearch(passages);
  return {
    name: 'corpus',
    offline: true,
    // What the session's `method.corpus` records: the corpus files, not the stored sessions (they are evidence a run adds).
    digest: corpusDigest(read),
    async search(query: string, searchOptions: SearchOptions): Promise<SearchHit[]> {
      searchOptions.signal?.throwIfAborted();
      const since = searchOptions.since;
      return search(query, searchOptions.maxResults)
        .filter((r) => !since || !r.publishedAt || r.publishedAt.slice(0, 10) >= since)
        .map((r) => {
          const content = pages.get(pageKey(r.url, r.title));
          return content ? { ...r, content } : r;
        });
    },
  };
}

const indexed = (sessions: Session[], choose: CorpusSearchOptions['includeSessions']) => (typeof choose === 'function' ? sessions.filter(choose) : sessions);

const pageKey = (url: string | undefined, title: string) => (url ? `url:${url}` : `title:${title}`);

/** A document as the page a reader opens: its headings as markdown headings, then its paragraphs. */
function documentText(doc: CorpusDocument): string {
  return doc.blocks.map((b) => (b.kind === 'heading' ? `## ${b.text}` : b.text)).join('\n\n');
}
