import { fail } from '../values/errors';
import { emptyRead } from '../io/localFile';
import type { Planner, WriteResult } from './pendingWrite';
import { readStdin, type Deps } from './deps';
import { EXIT } from './exitCodes';
import { FILTER, type GlobalOptions } from './options';
import { maskFileDiff } from './secrets';
import { diffBytes, wantsColour } from './colour';

/**
 * `--file -`: the configuration comes on stdin and the edited text goes to stdout, so a file read
 * from elsewhere (`ssh host cat ...`) is planned here and installed there. Nothing is locked,
 * backed up or reconfigured: this process never sees the real file. With --dry-run the diff (or,
 * with --json, the usual result) is printed instead of the text.
 */
export async function filterPlan(opts: GlobalOptions, deps: Deps, planner: Planner): Promise<number> {
  const { unifiedDiff } = await import('../edit/diff');
  const bytes = await readStdin(deps);
  const before = bytes.toString('latin1');
  const plan = planner(before, { ...emptyRead(FILTER), bytes });
  const changed = plan.after !== plan.before;
  const diff = changed ? unifiedDiff('stdin', plan.before, plan.after) : '';
  const shown = Buffer.from(opts.showSecrets ? diff : maskFileDiff(diff, plan.before, plan.after), 'latin1');
  if (opts.dryRun) {
    const result: WriteResult = { changed, file: FILTER, diff: shown.toString('utf8'), dryRun: true, summary: plan.summary, reconfigured: false };
    deps.stdout.write(opts.json ? JSON.stringify(result) + '\n' : diffBytes(shown, await wantsColour(opts.color, deps)));
    return EXIT.OK;
  }
  const after = Buffer.from(plan.after, 'latin1');
  if (changed && opts.verify) {
    const { rubySyntaxError } = await import('../io/verify');
    const error = rubySyntaxError(after, deps.env);
    if (error) fail('verify-failed', `the new text fails ruby -c (${error}); nothing printed`);
  }
  if (!changed) deps.stderr.write(`scalr-conf: nothing to change: ${plan.summary.join('; ')}\n`);
  deps.stdout.write(after);
  return EXIT.OK;
}
