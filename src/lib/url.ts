// Every internal link goes through here, so the site works under a project path
// (KB_BASE=/repo/ on GitHub Pages) as well as at the root.

/** The site's base path, always with a trailing slash: `/` or `/repo/`. */
export const BASE = import.meta.env.BASE_URL.endsWith('/') ? import.meta.env.BASE_URL : `${import.meta.env.BASE_URL}/`;

/** A site-internal path → a URL that includes the base. `href('q/x/')` → `/repo/q/x/`. */
export function href(path = ''): string {
  return BASE + path.replace(/^\/+/, '');
}

export const homeHref = () => href('');
export const searchHref = (params?: Record<string, string>) => {
  const qs = params ? new URLSearchParams(params).toString() : '';
  return href('search/') + (qs ? `?${qs}` : '');
};
export const queryHref = (querySlug: string) => href(`q/${encodeURIComponent(querySlug)}/`);
export const sessionHref = (querySlug: string, name: string) =>
  href(`q/${encodeURIComponent(querySlug)}/${encodeURIComponent(name)}/`);
export const pagefindHref = (file = '') => href(`pagefind/${file}`);
