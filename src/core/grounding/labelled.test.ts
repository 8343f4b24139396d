// The support check against hand-labelled claims (tests/fixtures/grounding/*.json). Each fixture
// is a set of search results and claims, each claim labelled supported / unsupported / uncited
// by reading it against the results, with a reason. This prints precision and recall for the
// "supported" and "unsupported" verdicts and holds both at 0.9 or better.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { groundSession, type ClaimStatus } from './index.ts';

const DIR = fileURLToPath(new URL('../../../tests/fixtures/grounding/', import.meta.url));

interface Fixture {
  name: string;
  results: Array<{ title: string; snippet?: string; publishedAt?: string }>;
  claims: Array<{ text: string; label: ClaimStatus; reason: string }>;
}

const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ file: f, ...(JSON.parse(readFileSync(DIR + f, 'utf8')) as Fixture) }));

/** Each claim as its own list item, so the checker sees exactly the labelled claims. */
function verdicts(fixture: Fixture) {
  const analysis = fixture.claims.map((c) => `- ${c.text}`).join('\n');
  const report = groundSession({ analysis, steps: [{ results: fixture.results }] });
  return report.claims;
}

function scores(pairs: Array<{ label: ClaimStatus; got: ClaimStatus }>, status: ClaimStatus) {
  const tp = pairs.filter((p) => p.got === status && p.label === status).length;
  const predicted = pairs.filter((p) => p.got === status).length;
  const actual = pairs.filter((p) => p.label === status).length;
  return { precision: predicted ? tp / predicted : 1, recall: actual ? tp / actual : 1, tp, predicted, actual };
}

describe('the support check against hand-labelled claims', () => {
  it('has at least 80 labelled claims, each with a label and a reason, and reads each as one claim', () => {
    const total = fixtures.reduce((n, f) => n + f.claims.length, 0);
    expect(total).toBeGreaterThanOrEqual(80);
    for (const fixture of fixtures) {
      for (const claim of fixture.claims) {
        expect(['supported', 'unsupported', 'uncited']).toContain(claim.label);
        expect(claim.reason.trim().length).toBeGreaterThan(3);
      }
      expect(verdicts(fixture).map((c) => c.text), fixture.file).toEqual(fixture.claims.map((c) => c.text));
    }
  });

  it('reaches precision and recall of at least 0.9 for "supported" and for "unsupported" (printed)', () => {
    const pairs: Array<{ label: ClaimStatus; got: ClaimStatus; text: string; why: string; file: string }> = [];
    for (const fixture of fixtures) {
      const claims = verdicts(fixture);
      fixture.claims.forEach((c, i) => pairs.push({ label: c.label, got: claims[i]!.status, text: c.text, why: claims[i]!.why, file: fixture.file }));
    }
    const supported = scores(pairs, 'supported');
    const unsupported = scores(pairs, 'unsupported');
    const uncited = scores(pairs, 'uncited');
    const line = (name: string, s: ReturnType<typeof scores>) =>
      `${name.padEnd(12)} precision ${s.precision.toFixed(3)} (${s.tp}/${s.predicted})  recall ${s.recall.toFixed(3)} (${s.tp}/${s.actual})`;
    const wrong = pairs.filter((p) => p.label !== p.got);
    // Fixtures named heldout-* were written after the checker's rules were settled and run once:
    // their scores are the fairer estimate, since the others were visible while it was built.
    const heldout = pairs.filter((p) => p.file.startsWith('heldout-'));
    console.log(
      [
        `grounding check on ${pairs.length} hand-labelled claims (${fixtures.length} fixtures)`,
        line('supported', supported),
        line('unsupported', unsupported),
        line('uncited', uncited),
        `held out only (${heldout.length} claims):`,
        line('  supported', scores(heldout, 'supported')),
        line('  unsupported', scores(heldout, 'unsupported')),
        `disagreements (${wrong.length}):`,
        ...wrong.map((p) => `  ${p.file}: labelled ${p.label}, checker ${p.got}: ${p.text} — ${p.why}`),
      ].join('\n'),
    );
    expect(supported.precision).toBeGreaterThanOrEqual(0.9);
    expect(supported.recall).toBeGreaterThanOrEqual(0.9);
    expect(unsupported.precision).toBeGreaterThanOrEqual(0.9);
    expect(unsupported.recall).toBeGreaterThanOrEqual(0.9);
  });
});
