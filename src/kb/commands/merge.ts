// `kb merge DIR…`: the new sessions and run-log lines of shard folders (`kb run --shard`) into the
// content folder, all or nothing, never overwriting a file (src/kb/store/shards.ts).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { mergeShards } from '#kb/store/shards.ts';
import { plural, requireContentDir, UsageError, type Options, type Print } from './cli-kit.ts';

export async function mergeCommand(dirs: string[], options: Options, print: Print) {
  if (!dirs.length) throw new UsageError('kb merge needs at least one shard folder: kb merge DIR… (each holds briefings/ and runs.jsonl from a kb run --shard)');
  for (const dir of dirs) {
    const stats = await stat(dir).catch(() => undefined);
    if (!stats?.isDirectory()) throw new UsageError(`kb merge: the shard folder ${dir} does not exist`);
  }
  await requireContentDir(options.content);
  const result = await mergeShards(options.content, dirs);
  for (const file of result.added) print(`added ${path.join(options.content, file)}`);
  print(`merged ${plural(dirs.length, 'shard')}: ${plural(result.added.length, 'new session')}, ${result.unchanged.length} already present, ${plural(result.logLines, 'run-log line')}`);
  return 0;
}
