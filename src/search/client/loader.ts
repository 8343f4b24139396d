// Every download of the search page from dist/pagefind/ (src/search/index-build.ts): the manifest
// at once, pagefind.js once, a filter menu's values when asked, and one Pagefind instance per
// bundle (or for the bundles' merge, MERGED_KEY), created when it is first needed.
import type { BundleManifest } from '#search/bundles.ts';
import type { PagefindInstance, PagefindModule } from './pagefind-api.ts';
import { MERGED_KEY } from '#search/layout.ts';

export type ManifestBundle = BundleManifest['bundles'][number];

export interface SearchIndex {
  manifest: Promise<BundleManifest>;
  json<T>(file: string): Promise<T>;
  /** The bundle's Pagefind instance: creating one fetches the bundle's entry and metadata. */
  instance(key: string): Promise<PagefindInstance>;
}

export function openIndex(base: string): SearchIndex {
  const json = <T>(file: string): Promise<T> =>
    fetch(`${base}pagefind/${file}`).then((r) => {
      if (!r.ok) throw new Error(`${r.status} fetching ${file}`);
      return r.json() as Promise<T>;
    });
  const manifest = json<BundleManifest>('bundles.json');
  const pagefind = import(/* @vite-ignore */ `${base}pagefind/pagefind.js`) as Promise<PagefindModule>;
  const instances = new Map<string, Promise<PagefindInstance>>();
  const instance = (key: string) => {
    let found = instances.get(key);
    if (!found) {
      found = Promise.all([manifest, pagefind]).then(([m, pf]) => {
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
  return { manifest, json, instance };
}
