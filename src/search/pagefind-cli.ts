// Runs the Pagefind CLI over a folder of search documents and trims what it writes to what the
// search page uses. The CLI, not the Node API: at 10,000 briefings it took 59 s where the Node API
// took 115–132 s.
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PAGEFIND_LIB = path.dirname(fileURLToPath(import.meta.resolve('pagefind')));

/**
 * The platform binary, found as the npm package's own launcher (`npx pagefind`) finds it, with its
 * PAGEFIND_BINARY_PATH override. Run directly: the launcher is a Node process per bundle that does
 * nothing but start the binary (40 ms of CPU each).
 */
let binary: Promise<string> | undefined;
const pagefindBinary = () =>
  (binary ??= import(pathToFileURL(path.join(PAGEFIND_LIB, 'resolveBinary.js')).href).then(
    (m: { resolveBinaryPath: (names: string[]) => string }) => m.resolveBinaryPath(['pagefind_extended', 'pagefind']),
  ));

/** Pagefind's scripts: its API and WebAssembly, its ready-made UIs and web worker; kept once, at the top of dist/pagefind/, for every bundle and the merged index. */
export const SCRIPTS = /^(pagefind\.js|wasm\.en\.pagefind|pagefind-(component-ui|modular-ui|ui|highlight)\.(js|css)|pagefind-worker\.js)$/;

/**
 * Indexes the documents under `site` into `outputPath`, checking that each of the `expected` pages
 * was indexed. A date bundle is trimmed to what the search page uses and shares the WebAssembly;
 * the one index (`standard`) keeps Pagefind's own files, for its API, UIs and web worker.
 */
export async function indexDocuments(site: string, outputPath: string, expected: number, { standard = false } = {}): Promise<void> {
  const output = await runPagefind(site, outputPath);
  const pages = Number(/Indexed (\d+) pages?/.exec(output)?.[1] ?? NaN);
  if (pages !== expected) throw new Error(`Pagefind indexed ${pages} pages for ${expected} briefings:\n${output.trim()}`);
  // Forced English: Pagefind's fallback WebAssembly is never used.
  await rm(path.join(outputPath, 'wasm.unknown.pagefind'), { force: true });
  if (!standard) await shareWasm(outputPath);
}

/** Part of every bundle's cache key: another Pagefind version may write another index. */
export async function pagefindPackageVersion(): Promise<string> {
  return (JSON.parse(await readFile(path.join(PAGEFIND_LIB, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Points the bundle's WebAssembly at the shared copy, dist/pagefind/wasm.en.pagefind. Pagefind
 * fetches `<bundle>/wasm.<languages.en.wasm>.pagefind` for every instance, although its worker
 * compiles the module only once (wasm-bindgen's init returns the first module); with this, every
 * bundle's fetch is the same URL, which the browser's HTTP cache answers after the first.
 * URLs resolve "x/../../" before they are requested: <bundle>/wasm.x/../../wasm.en.pagefind is
 * dist/pagefind/wasm.en.pagefind, for every one-segment bundle key.
 */
async function shareWasm(bundleDir: string) {
  const file = path.join(bundleDir, 'pagefind-entry.json');
  const entry = JSON.parse(await readFile(file, 'utf8')) as { languages: Record<string, { wasm?: string }> };
  for (const [language, index] of Object.entries(entry.languages)) {
    if (index.wasm !== 'en') throw new Error(`Pagefind wrote a ${language} index with wasm "${index.wasm}"; the site forces English (--force-language en). Check the Pagefind version in package.json.`);
    index.wasm = 'x/../../wasm.en';
  }
  await writeFile(file, JSON.stringify(entry));
}

async function runPagefind(site: string, outputPath: string): Promise<string> {
  const cli = await pagefindBinary().catch((error: Error) => {
    throw new Error(`Pagefind's program for this platform was not found (${error.message.split('\n')[0]}); run \`npm ci\` again, or set PAGEFIND_BINARY_PATH to a Pagefind binary.`);
  });
  return new Promise((resolve, reject) => {
    execFile(cli, ['--site', site, '--output-path', outputPath, '--force-language', 'en'], { maxBuffer: 64 * 1024 * 1024, windowsHide: true }, (error, stdout, stderr) => {
      const said = `${stdout}\n${stderr}`.trim();
      if (error) reject(new Error(`Pagefind could not index the briefings:\n${said ? said.split('\n').slice(-15).join('\n') : `${error.message} (${cli})`}`));
      else resolve(stdout);
    });
  });
}
