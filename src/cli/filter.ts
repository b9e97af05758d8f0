import type { Command } from 'commander';
import { fail } from '../values/errors';
import type { Deps } from '../app/deps';
import { FILTER, type GlobalOptions } from '../app/options';

const FILTER_COMMANDS = ['set', 'unset', 'merge'];

/** `--file -` only where it means something, and stdin cannot carry two things. */
export function registerFilter(program: Command, _deps: Deps, globals: () => GlobalOptions): void {
  program.hook('preAction', (_program, action) => {
    if (globals().file !== FILTER) return;
    if (!FILTER_COMMANDS.includes(action.name())) fail('usage', `--file - (configuration on stdin) works with ${FILTER_COMMANDS.join(', ')}, not ${action.name()}`);
    const values = action.name() === 'set' ? action.args.slice(1).filter((_, i) => i % 2 === 0) : action.name() === 'merge' ? action.args : [];
    if (values.flat().includes('-')) fail('usage', 'with --file - stdin holds the configuration, so a value or snippet cannot be read from it too');
  });
}
