// Files that must never be seen half-written (sessions, the lock) are written through here.
import { open } from 'node:fs/promises';

/** Creates `file` (never an existing one) and flushes it to disk before returning. */
export async function writeNewFileDurably(file: string, text: string): Promise<void> {
  const handle = await open(file, 'wx', 0o644);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}
