/**
 * The fuzz run behind `npm run fuzz`: the core properties and the command-line model with any
 * budget, split across the checks by weight. Bundled and started by scripts/fuzz.mjs.
 */
import { runCheck, type AnyCheck } from './checks';
import { CORE_CHECKS } from './core-properties';
import { LAYERED_CHECKS } from './layered-properties';
import { modelBased } from './model-checks';

export interface FuzzOptions {
  runs: number;
  seed: number;
  /** Only checks whose name contains this. */
  only?: string;
  shrinkSeconds: number;
  log: (line: string) => void;
}

export const CHECKS: AnyCheck[] = [...(CORE_CHECKS as AnyCheck[]), ...(LAYERED_CHECKS as AnyCheck[]), modelBased as AnyCheck];

/** Runs per check: the budget split by weight, at least one each. */
export function budget(checks: AnyCheck[], runs: number): number[] {
  const total = checks.reduce((a, c) => a + c.weight, 0);
  const shares = checks.map((c) => Math.max(1, Math.floor((runs * c.weight) / total)));
  shares[0] += Math.max(0, runs - shares.reduce((a, b) => a + b, 0));
  return shares;
}

export async function fuzz(opts: FuzzOptions): Promise<{ passed: number; failed: number }> {
  const checks = CHECKS.filter((c) => !opts.only || c.name.includes(opts.only));
  if (checks.length === 0) throw new Error(`no check matches ${JSON.stringify(opts.only)}; checks: ${CHECKS.map((c) => c.name).join(', ')}`);
  const shares = budget(checks, opts.runs);
  let passed = 0;
  let failed = 0;
  for (const [i, check] of checks.entries()) {
    const started = Date.now();
    let lastReport = started;
    opts.log(`${check.name}: ${shares[i]} runs`);
    const r = await runCheck(check, {
      seed: opts.seed,
      numRuns: shares[i],
      shrinkMs: opts.shrinkSeconds * 1000,
      progress: (done, total) => {
        if (Date.now() - lastReport > 30_000 && done < total) {
          lastReport = Date.now();
          opts.log(`  ${done}/${total} runs (${Math.round((Date.now() - started) / 1000)} s)`);
        }
      },
    });
    passed += r.passed;
    failed += r.failed;
    opts.log(`  ${r.failed ? 'FAILED' : 'ok'}: ${r.passed} passed, ${r.failed} failed in ${(r.ms / 1000).toFixed(1)} s`);
    if (r.report) opts.log('\n' + r.report + '\n');
  }
  return { passed, failed };
}
