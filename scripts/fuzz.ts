// `npm run fuzz -- [--runs N] [--seed S]`: the fuzz properties of tests/security/properties.ts
// (the same ones CI runs with a small budget), run longer. Prints runs, seed, time and any
// counterexample; exits 1 when a property fails.
import fc from 'fast-check';
import { parseArgs } from 'node:util';
import { DEFAULT_SEED, fuzzProperties } from '#tests/security/properties.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20000' }, seed: { type: 'string' } } });
const runs = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  console.error('usage: npm run fuzz -- [--runs N] [--seed S]');
  process.exit(2);
}
console.log(`fuzz: ${runs} runs per property, seed ${seed} (repeat with --seed ${seed})`);
let failed = 0;
const started = performance.now();
for (const { name, property } of fuzzProperties()) {
  const t = performance.now();
  const details = fc.check(property, { seed, numRuns: runs });
  const secs = ((performance.now() - t) / 1000).toFixed(1);
  if (details.failed) {
    failed++;
    console.log(`FAIL ${name} (${details.numRuns} runs, ${secs} s)`);
    console.log(fc.defaultReportMessage(details) ?? '');
  } else {
    console.log(`ok   ${name}: ${details.numRuns} runs, ${secs} s`);
  }
}
console.log(`${failed ? `${failed} failed` : 'all passed'} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
