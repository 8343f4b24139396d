// `kb import`: read a file, tell its format from its content (not its name), hand it to the
// right importer. Nothing here writes anything; the caller stores what comes back.
import { readFile } from 'node:fs/promises';
import type { Session } from '#core/session.ts';
import { ImportError, WHAT_KB_TAKES, sha256Hex } from './common.ts';
import { parseMicaReport } from './mica/report.ts';
import { parseSessionJson } from './json.ts';

export { ImportError } from './common.ts';
export { parseMicaReport } from './mica/report.ts';
export { parseSessionJson } from './json.ts';

function readProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file. Check the path and import again.';
  if (code === 'EISDIR') return 'is a folder, not a file. Name the files to import (e.g. exports/*.txt).';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied). Make it readable and import again.';
  return `cannot be read (${error instanceof Error ? error.message : String(error)}).`;
}

/** Reads one file and returns the sessions it holds (a JSON file may hold several). */
export async function importFile(file: string): Promise<Session[]> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ImportError(file, readProblem(error));
  }
  const sha256 = sha256Hex(bytes);

  if (bytes.length === 0) throw new ImportError(file, `is empty — there is nothing to import. ${WHAT_KB_TAKES}`);
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) {
    throw new ImportError(file, `is not a text file (it holds binary data). ${WHAT_KB_TAKES}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ImportError(file, `is not UTF-8 text. ${WHAT_KB_TAKES} Save the file as UTF-8 and import again.`);
  }
  if (text.trim() === '') throw new ImportError(file, `holds only white space — there is nothing to import. ${WHAT_KB_TAKES}`);

  const start = text.trimStart()[0];
  if (start === '{' || start === '[') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new ImportError(file, `looks like JSON but is not valid JSON (${detail}). Fix the JSON and import again.`);
    }
    return parseSessionJson(value, file, { sha256 });
  }
  return [parseMicaReport(text, file, { sha256 })];
}
