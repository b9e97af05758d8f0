import type { Deps } from './deps';
import { EXIT } from './exitCodes';
import { FILTER, type GlobalOptions } from './options';
import type { Planner } from './pendingWrite';

/**
 * The one place that decides between dry run, review, write and reconfigure. `planner` turns the
 * file's current bytes (one char per byte) into a plan; it runs under the lock for a real write.
 */
export async function applyPlan(opts: GlobalOptions, deps: Deps, planner: Planner): Promise<number> {
  if (opts.file === FILTER) {
    const { filterPlan } = await import('./filterPlan');
    return filterPlan(opts, deps, planner);
  }
  // Diffs, backups and the pending-reconfigure mark load only with a command that may write.
  const { pendingWrite } = await import('./pendingWrite');
  const pending = await pendingWrite(opts, deps, planner);
  if (opts.dryRun) {
    pending.prepare();
    return pending.finish(EXIT.OK);
  }
  // The lock, backups, ruby -c and the ctl runner load only for a real write.
  const { writePlanned } = await import('./write');
  return writePlanned(opts, deps, planner, pending);
}
