// The project's example knowledge base as committed, for tests that run the schedule or read the
// run log. `npm run build` is the main job and writes into content/ whenever example questions
// are due (a new session each, a line in runs.jsonl), so a test that copied the working tree would
// pass or fail by the time of day. The committed example is the same on every clone at every hour.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function inGitCheckout(): boolean {
  try {
    return execFileSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() === 'true';
  } catch {
    return false;
  }
}

/**
 * Writes the example content/ folder of the last commit into `dest` (created), leaving out the
 * files `leaveOut` names by their path inside content/. Outside a git checkout (a source archive)
 * the working tree is copied instead, caches excluded.
 */
export async function copyExampleContent(dest: string, leaveOut: (relative: string) => boolean = () => false): Promise<void> {
  await mkdir(dest, { recursive: true });
  if (inGitCheckout()) {
    // `git archive` gives the committed bytes, whatever the working tree holds now.
    execFileSync('sh', ['-c', 'git archive --format=tar HEAD content | tar -x -C "$1" --strip-components=1', 'sh', dest], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    for (const file of execFileSync('git', ['ls-tree', '-r', '--name-only', 'HEAD', 'content'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean)) {
      const relative = path.relative('content', file);
      if (leaveOut(relative)) await rm(path.join(dest, relative), { force: true });
    }
    return;
  }
  const source = path.join(ROOT, 'content');
  await cp(source, dest, { recursive: true, filter: (src) => !src.includes(`${path.sep}.cache`) && !leaveOut(path.relative(source, src)) });
}
