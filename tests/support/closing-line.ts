import type { Reporter, TestModule } from 'vitest/node';

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/** What a run came to: each test by its state, and a file that failed outside its tests (it would not load, a hook threw) as one failure. */
export function countTests(modules: ReadonlyArray<TestModule>, unhandledErrors = 0): Counts {
  const counts: Counts = { passed: 0, failed: unhandledErrors, skipped: 0 };
  for (const module of modules) {
    let failedInside = 0;
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') counts.passed++;
      else if (state === 'failed') (counts.failed++, failedInside++);
      else counts.skipped++;
    }
    if (module.state() === 'failed' && failedInside === 0) counts.failed++;
  }
  return counts;
}

export const closingLine = ({ passed, failed, skipped }: Counts) => `tests: ${passed} passed, ${failed} failed, ${skipped} skipped`;

/**
 * Ends a run with one plain line, "tests: N passed, N failed, N skipped", after Vitest's own summary.
 * Why: the workplace's CI reads such a line (with no colour codes) to know that tests ran at all; Vitest's
 * summary is not one it reads, and it took other programs' lines for a run that executed nothing.
 */
export function closingLineReporter(write: (text: string) => void = (t) => process.stdout.write(t)): Reporter {
  return {
    onTestRunEnd(modules, unhandledErrors) {
      write(`${closingLine(countTests(modules, unhandledErrors.length))}\n`);
    },
  };
}
