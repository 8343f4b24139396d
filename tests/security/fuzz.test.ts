// Fuzzing in CI: the properties of tests/security/properties.ts with a fixed seed and a small
// budget. KB_FUZZ_SEED / KB_FUZZ_RUNS change them; `npm run fuzz` runs the same ones longer.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { DEFAULT_SEED, fuzzProperties } from './properties.ts';

const seed = Number(process.env.KB_FUZZ_SEED ?? DEFAULT_SEED);
const numRuns = Number(process.env.KB_FUZZ_RUNS ?? 200);

describe(`fuzz (seed ${seed}, ${numRuns} runs each)`, () => {
  for (const { name, property } of fuzzProperties()) {
    it(name, () => {
      fc.assert(property, { seed, numRuns });
    }, 120_000);
  }
});

// Regression: 500 nested blockquotes compiled to 500 levels of nested JSX, and the bundler's
// native parser (Rolldown, in `astro build`) crashed the whole build with SIGSEGV. Deep text is
// now shown literally (flat), so the compiled module stays shallow.
describe('deeply nested markdown', () => {
  it('is shown literally, not nested hundreds deep', async () => {
    const { safeMdx, isInertMdx } = await import('#kb/store/mdx.ts');
    const { mdxToMdast } = await import('satteri');
    const depth = (n: { children?: unknown[] }): number => 1 + Math.max(0, ...(n.children ?? []).map((c) => depth(c as { children?: unknown[] })));
    for (const text of ['>'.repeat(500) + ' deep', '> - '.repeat(200) + 'x', Array.from({ length: 120 }, (_, i) => `${'  '.repeat(i)}- level ${i}`).join('\n')]) {
      const out = safeMdx(text);
      if (!isInertMdx(out)) throw new Error('not inert');
      const d = depth(mdxToMdast(out, { features: { gfm: true, frontmatter: false } }) as { children?: unknown[] });
      if (d > 50) throw new Error(`nested ${d} deep`);
    }
    // Ordinary nesting keeps its structure.
    const normal = safeMdx('> - a\n>   - b\n>     > c');
    if (!normal.startsWith('> - a')) throw new Error(`ordinary nesting lost: ${normal}`);
  });
});
