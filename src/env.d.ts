// The types Astro gives its modules (import.meta.env and the rest), for `tsc` before any build has
// generated .astro/types.d.ts (a fresh clone running `npm test` first).
/// <reference types="astro/client" />
