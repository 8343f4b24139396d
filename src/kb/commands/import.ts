// `kb import FILE…`: MICA report exports and session JSON into the content folder, each file
// whole or not at all, under the lock that `kb run` takes too.
import path from 'node:path';
import type { Session } from '#core/session.ts';
import { loadConfig, type Query } from '#kb/config/queries.ts';
import { importFile } from '#kb/importers/index.ts';
import { acquireContentLock } from '#kb/store/lock.ts';
import { sweepTempFiles, writeSession } from '#kb/store/store.ts';
import { formatError, UsageError, type Options, type Print } from './cli-kit.ts';

export async function importCommand(files: string[], options: Options, print: Print, printError: Print) {
  if (!files.length) throw new UsageError('kb import needs at least one file: kb import FILE…');
  const config = await loadConfig(options.content);
  // Imports and runs take turns on one content folder; leftovers of a killed writer are swept.
  const release = await acquireContentLock(options.content, 'kb import');
  try {
    await sweepTempFiles(options.content);
    let failed = 0;
    for (const file of files) {
      try {
        // Parse the whole file before writing anything, so a refused file writes nothing.
        const sessions = await importFile(file);
        for (const imported of sessions) {
          const session = fileUnderConfiguredQuery(imported, config?.queries ?? []);
          await release.verify(); // the lock is still ours: a racing takeover can lose it
          const { path: written, status } = await writeSession(options.content, session);
          const shown = path.relative(process.cwd(), written) || written;
          print(status === 'written' ? `imported ${file} → ${shown}` : `unchanged ${file}: already imported as ${shown}`);
        }
      } catch (error) {
        failed++;
        printError(`kb: ${formatError(error, options.verbose)}`);
      }
    }
    if (failed) {
      const rest = failed < files.length ? '; the others were imported' : '';
      printError(`kb: ${failed} of ${files.length} file${files.length === 1 ? '' : 's'} refused${rest}.`);
    }
    return failed ? 1 : 0;
  } finally {
    await release();
  }
}

/**
 * An imported session whose question is one of queries.yaml's is filed under that query, so its
 * history and schedule include it; it takes the query's tags when it brought none.
 */
function fileUnderConfiguredQuery(session: Session, queries: Query[]): Session {
  const key = (q: string) => q.toLowerCase().replace(/\s+/g, ' ').replace(/[\s?.!]+$/, '').trim();
  const match = queries.find((q) => key(q.question) === key(session.query));
  if (!match || match.id === session.querySlug) return session;
  return { ...session, querySlug: match.id, tags: session.tags.length ? session.tags : match.tags };
}
