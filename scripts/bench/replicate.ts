// `--replicate K`: a large knowledge base made from a generated one by copying, in seconds.
// Its own file so that the generator's cache key (a hash of synthetic.ts) does not change with it.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
/**
 * Multiplies a generated set by `times` without generating more: copy k (k ≥ 1) of every session
 * gets a new id and the question slug `<slug>-x<k>`, as if `times` × as many questions had run.
 * For sizes where generating (tens of minutes) is the slow part: the text repeats, so the search
 * index is smaller than for as many distinct sessions; pages, files and memory are at full size.
 */
export async function replicateContent(contentDir: string, times: number): Promise<number> {
  const root = path.join(contentDir, 'briefings');
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.mdx'));
  let written = 0;
  for (let k = 1; k < times; k++) {
    for (const file of files) {
      const text = await readFile(path.join(root, file), 'utf8');
      const id = /^id: (\S+)$/m.exec(text)?.[1];
      const slug = /^querySlug: (\S+)$/m.exec(text)?.[1];
      if (!id || !slug) throw new Error(`replicate: ${file} has no plain id or querySlug line`);
      const copyId = (old: string) => createHash('sha256').update(`${k}:${old}`).digest('hex').slice(0, 8) + old.slice(8);
      const newId = copyId(id);
      const newSlug = `${slug}-x${k}`;
      const name = path.basename(file).replace(/-[0-9a-f]{8}\.mdx$/, `-${newId.slice(0, 8)}.mdx`);
      const dir = path.join(root, newSlug);
      await mkdir(dir, { recursive: true });
      // A version 2 session names its question's previous session (`previous.id`, `ledger.previous`):
      // in the copy, the copy of that session.
      const copied = text
        .replace(/^id: \S+$/m, `id: ${newId}`)
        .replace(/^querySlug: \S+$/m, `querySlug: ${newSlug}`)
        .replace(/^(previous:\n  id: )(\S+)$/m, (_, head: string, old: string) => head + copyId(old))
        .replace(/^(ledger:\n(?:  .*\n)*?  previous: )(\S+)$/m, (_, head: string, old: string) => head + copyId(old));
      await writeFile(path.join(dir, name), copied, { flag: 'wx' });
      written++;
    }
  }
  return written;
}
