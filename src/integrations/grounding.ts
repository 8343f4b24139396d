// Starts the grounding worker (src/lib/grounding-worker.ts) for the build and stops it at the
// end: the briefing pages ask it for their grounding a few pages ahead, so the check runs on
// another core while Astro renders (docs/performance.md).
import type { AstroIntegration } from 'astro';
import path from 'node:path';
import { startGroundingWorker } from '#lib/grounding-worker.ts';
import { shareGroundingWorker, type GroundingWorker } from '#lib/grounding.ts';

export default function groundingIntegration(): AstroIntegration {
  let worker: GroundingWorker | undefined;
  const stop = async () => {
    shareGroundingWorker(undefined);
    await worker?.stop();
    worker = undefined;
  };
  return {
    name: 'kb-grounding',
    hooks: {
      'astro:build:start': () => {
        worker = startGroundingWorker(path.resolve(process.env.KB_CONTENT_DIR ?? 'content'));
        shareGroundingWorker(worker);
      },
      'astro:build:done': stop,
    },
  };
}
