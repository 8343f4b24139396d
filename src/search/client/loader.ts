// Every download of the search page from dist/pagefind/ (src/search/index-build.ts): the manifest
// at once, pagefind.js once, a filter menu's values when asked, and one Pagefind instance per
// bundle (or for the bundles' merge, MERGED_KEY), created when it is first needed.
import type { BundleManifest } from '#search/bundles.ts';
import type { PagefindInstance, PagefindModule } from './pagefind-api.ts';
import { DIRECTORY_DIR, MERGED_KEY, type DirectoryEntry } from '#search/layout.ts';
import { directoryLookup, type DirectoryAnswer } from './directory.ts';

export type ManifestBundle = BundleManifest['bundles'][number];

export interface SearchIndex {
  manifest: Promise<BundleManifest>;
  json<T>(file: string): Promise<T>;
  /** The bundle's Pagefind instance: creating one fetches the bundle's entry and metadata. */
  instance(key: string): Promise<PagefindInstance>;
  /** A one-word search's first page from the word directory, when it lists the word (./directory.ts). */
  directory(term: string): Promise<DirectoryAnswer | undefined>;
}

export function openIndex(base: string): SearchIndex {
  const json = <T>(file: string): Promise<T> =>
    fetch(`${base}pagefind/${file}`).then((r) => {
      if (!r.ok) throw new Error(`${r.status} fetching ${file}`);
      return r.json() as Promise<T>;
    });
  const manifest = json<BundleManifest>('bundles.json');
  // pagefind.js only when a bundle is first searched: a one-word search answered by the word
  // directory never needs it.
  let pagefindModule: Promise<PagefindModule> | undefined;
  const pagefind = () => (pagefindModule ??= import(/* @vite-ignore */ `${base}pagefind/pagefind.js`) as Promise<PagefindModule>);
  const instances = new Map<string, Promise<PagefindInstance>>();
  const instance = (key: string) => {
    let found = instances.get(key);
    if (!found) {
      found = Promise.all([manifest, pagefind()]).then(([m, pf]) => {
        const bundle = key === MERGED_KEY ? m.merged! : m.bundles.find((b) => b.key === key)!;
        // The tag lets the browser cache the bundle's entry file until the bundle changes. No web
        // worker: it is a second copy of pagefind.js (12 KB gzipped) to download, and a bundle is
        // small enough to search on the page's thread (see BUNDLE_LIMIT).
        return pf.createInstance({ basePath: `${base}${bundle.path}`, baseUrl: base, metaCacheTag: bundle.hash, noWorker: true });
      });
      instances.set(key, found);
    }
    return found;
  };
  const shards = new Map<string, Promise<Record<string, DirectoryEntry>>>();
  const lookup = manifest.then((m) => {
    if (!m.merged?.directory?.length) return undefined;
    const at = `${base}${m.merged.path}`;
    const shard = (n: number) => {
      const file = `${DIRECTORY_DIR}/${n}.json`;
      let found = shards.get(file);
      if (!found) {
        found = fetch(`${at}${file}?${m.merged!.hash}`).then((r) => {
          if (!r.ok) throw new Error(`${r.status} fetching ${file}`);
          return r.json() as Promise<Record<string, DirectoryEntry>>;
        });
        shards.set(file, found);
        found.catch(() => shards.delete(file)); // tried again next time
      }
      return found;
    };
    return directoryLookup(shard, m.merged.directory, at, base);
  });
  // The directory only saves downloads: when a shard cannot be had, the merged index answers.
  const directory = async (term: string) => {
    try {
      return await (await lookup)?.(term);
    } catch (error) {
      console.warn('the word directory could not be read; searching the index instead', error);
      return undefined;
    }
  };
  return { manifest, json, instance, directory };
}
