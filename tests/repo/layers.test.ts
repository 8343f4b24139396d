// The folders tell the data flow (docs/architecture.md): config → pipeline → session → file →
// site → search index. A stage may use the stages before it, never one after it: src/core imports
// nothing else of ours, the CLI side (src/kb) never imports the site, and no shipped code imports
// the tests.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ALIASES = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).imports as Record<string, string>;

/** What each stage may import, besides itself. */
const MAY_USE: Record<string, string[]> = {
  'src/core': [],
  'src/kb': ['src/core'],
  'src/lib': ['src/core', 'src/kb'],
  'src/search': ['src/core', 'src/kb', 'src/lib'],
  'src/integrations': ['src/core', 'src/kb', 'src/lib', 'src/search'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|astro|mjs)$/.test(e.name) && !e.name.endsWith('.test.ts'))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

/** The repository paths a file imports (aliases and relative paths resolved; packages left out). */
function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
    const spec = m[1]!;
    const alias = Object.entries(ALIASES).find(([key]) => spec.startsWith(key.replace('*', '')));
    if (alias) out.push(path.normalize(alias[1].replace('*', spec.slice(alias[0].length - 1))).replace(/^\.\//, ''));
    else if (spec.startsWith('.')) out.push(path.normalize(path.join(path.dirname(file), spec)));
  }
  return out;
}

const stageOf = (p: string) => Object.keys(MAY_USE).find((stage) => p === stage || p.startsWith(`${stage}/`));

describe('the source tree follows the data flow', () => {
  it('imports only from the same stage or an earlier one, and never from the tests', () => {
    const wrong: string[] = [];
    for (const stage of Object.keys(MAY_USE)) {
      for (const file of sourceFiles(stage)) {
        for (const target of importsOf(file, readFileSync(path.join(ROOT, file), 'utf8'))) {
          const to = stageOf(target);
          if (target.startsWith('tests/')) wrong.push(`${file} → ${target} (shipped code never imports the tests)`);
          else if (to && to !== stage && !MAY_USE[stage]!.includes(to)) wrong.push(`${file} → ${target} (${stage} comes before ${to})`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('resolves aliases and relative paths, so a wrong arrow is seen', () => {
    expect(importsOf('src/core/x.ts', "import { a } from '#kb/store/store.ts';\nimport b from '../lib/y.ts';\nimport 'astro';")).toEqual(['src/kb/store/store.ts', 'src/lib/y.ts']);
  });
});
