import { fail } from '../values/errors';
import type { Layer } from '../ruby/writes';
import { loadErrors } from '../knowledge/doctor';
import type { ScalrTarget } from '../knowledge/versions';

/**
 * Before an edit is planned: a file reconfigure already cannot load, for a reason doctor knows,
 * is refused with that reason. Planned over, it would fail only at the write's check, which
 * blames the new text.
 */
export function refuseUnloadable(files: { name: string; text: string | undefined; layer: Layer }[], target: ScalrTarget): void {
  for (const f of files) {
    if (f.text === undefined) continue;
    const [problem] = loadErrors(f.text, f.layer, target);
    if (!problem) continue;
    const local = f.layer === 'local' ? ' --local' : '';
    const how =
      problem.code === 'placeholder'
        ? `scalr-conf doctor --fix${local} --choose VALUE`
        : problem.fixable
          ? `scalr-conf doctor --fix${local}`
          : 'an edit by hand (scalr-conf doctor shows it)';
    fail(
      'breaks-load',
      `${f.name}:${problem.line}: reconfigure cannot load this file as it is: ${problem.message}; repair it first with ${how}; nothing written`,
      { line: problem.line, column: problem.column ?? 1 },
      f.name,
    );
  }
}
