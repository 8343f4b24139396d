// A clone of this repository alone must pass its own tests. The folder beside it that holds the
// real seed export exists only on the development machines, so no tracked file may name it except
// tests/support/seed.ts (the one way in, with its skip message) and this guard.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUTSIDE = ['..', 'shared'].join('/');
const ALLOWED = new Set(['tests/support/seed.ts', 'tests/repo/self-contained.test.ts']);
const SKIP_DIRS = new Set(['.git', 'node_modules', 'dist', '.astro', '.cache', 'test-results']);

/** The tracked files; a copy without git (a source archive) is walked instead. */
function trackedFiles(): string[] {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\0').filter(Boolean);
  } catch {
    const out: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        const rel = dir ? `${dir}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (!SKIP_DIRS.has(entry.name)) walk(rel);
        } else out.push(rel);
      }
    };
    walk('');
    return out;
  }
}

/** Files that name the folder beyond the repository, with the first line that does. */
function filesNamingOutside(files: string[], read: (file: string) => string): string[] {
  const found: string[] = [];
  for (const file of files) {
    if (ALLOWED.has(file)) continue;
    const lines = read(file).split('\n');
    const at = lines.findIndex((line) => line.includes(OUTSIDE) || line.includes(OUTSIDE.replace('/', '\\')));
    if (at >= 0) found.push(`${file}:${at + 1}: ${lines[at]!.trim().slice(0, 160)}`);
  }
  return found;
}

describe('the repository is self-contained', () => {
  it('names the folder beside it in no tracked file but the seed module and this guard', () => {
    const files = trackedFiles().filter((f) => {
      try {
        return statSync(path.join(ROOT, f)).size < 5_000_000; // a deleted-but-tracked file is skipped
      } catch {
        return false;
      }
    });
    expect(files.length).toBeGreaterThan(100);
    expect(filesNamingOutside(files, (f) => readFileSync(path.join(ROOT, f), 'latin1'))).toEqual([]);
  });

  it('catches a file that reaches outside, in either slash style, and lets the allowed ones be', () => {
    const texts: Record<string, string> = {
      'src/a.ts': `const x = 1;\nconst seed = new URL('../../${OUTSIDE}/seeds/x.txt', import.meta.url);\n`,
      'scripts/b.ts': "path.resolve(root, '..\\shared\\seeds')",
      'docs/c.md': 'nothing outside here\n',
      'tests/support/seed.ts': `'../../${OUTSIDE}/seeds/x.txt'`,
    };
    expect(filesNamingOutside(Object.keys(texts), (f) => texts[f]!)).toEqual([
      `src/a.ts:2: const seed = new URL('../../${OUTSIDE}/seeds/x.txt', import.meta.url);`,
      expect.stringMatching(/^scripts\/b\.ts:1: /),
    ]);
  });
});
