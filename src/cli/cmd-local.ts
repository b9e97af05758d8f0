import type { Command } from 'commander';
import { formatKey, parseKey } from '../values/keys';
import { fail } from '../values/errors';
import { isMissing } from '../io/localFile';
import type { Deps } from '../app/deps';
import { targetFile, type GlobalOptions } from '../app/options';
import type { Run } from '../app/exitCodes';

/**
 * --local on reading commands: scalr-server-local.rb is optional, so a missing one gets its own
 * message instead of a bare "no such file". (Writing commands create it: see applyPlan.)
 */
export function registerLocal(program: Command, deps: Deps, _run: Run, globals: () => GlobalOptions): void {
  program.hook('preAction', (_program, action) => {
    const opts = globals();
    if (!opts.local || !['get', 'show'].includes(action.name())) return;
    const file = targetFile(opts, deps.env);
    if (!isMissing(file)) return;
    const why = `${file} does not exist, so it overrides nothing (scalr-conf set --local KEY VALUE creates it)`;
    if (action.name() === 'show') fail('unreadable', why);
    const key = formatKey(parseKey(String(action.args[0])));
    if (opts.json) deps.stdout.write(JSON.stringify({ key, set: false, file }) + '\n');
    fail('not-set', `${key} is not set: ${why}`);
  });
}
