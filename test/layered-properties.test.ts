/**
 * The cross-file property: main + local + secrets generated together, one set or unset in either
 * .rb file, and reconfigure's whole pipeline in real Ruby as the oracle. FUZZ_RUNS and FUZZ_SEED
 * widen or replay a run; `npm run fuzz` runs the same check with any budget.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runCheck, type AnyCheck } from './support/checks';
import { LAYERED_CHECKS } from './support/layered-properties';
import { rubyAvailable } from './support/ruby';

const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);

beforeAll(() => {
  // Ruby is the oracle: without it these tests fail, they are never skipped.
  if (!rubyAvailable()) throw new Error('ruby with mixlib-config is required (apt-get install ruby ruby-mixlib-config)');
});

describe('edits across the three files (checked by Ruby)', () => {
  for (const check of LAYERED_CHECKS as AnyCheck[]) {
    it(check.name, { timeout: 300_000 }, async () => {
      const r = await runCheck(check, { seed: SEED, numRuns: RUNS });
      if (r.report) throw new Error(r.report);
      expect(r.passed).toBe(RUNS);
    });
  }
});
