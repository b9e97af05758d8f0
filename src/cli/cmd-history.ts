import type { Command } from 'commander';
import { resolveRealPath } from '../io/readConfig';
import { applyPlan } from './apply';
import type { Deps } from './deps';
import { targetFile, type GlobalOptions } from './options';
import type { Run } from './exitCodes';

// Backups load node:crypto, so they are imported by the commands that use them.

/** history lists the kept versions; restore puts one back through the normal write path. */
export function registerHistory(program: Command, deps: Deps, run: Run, globals: () => GlobalOptions): void {
  program
    .command('history')
    .description('list the previous versions scalr-conf kept of the file, newest first')
    .addHelpText('after', '\nExamples:\n  sudo scalr-conf history\n  sudo scalr-conf history --json\n')
    .action(async () => {
      const opts = globals();
      const file = targetFile(opts, deps.env);
      const { listBackups, resolveBackupDir } = await import('../io/backups');
      const backups = listBackups(resolveBackupDir(opts.backupDir, deps.env), resolveRealPath(file));
      if (opts.json) {
        deps.stdout.write(JSON.stringify(backups.map(({ id, time, summary, size }) => ({ id, time, summary, size }))) + '\n');
        return;
      }
      if (backups.length === 0) {
        deps.stdout.write(`no backups of ${file} yet\n`);
        return;
      }
      for (const b of backups) deps.stdout.write(`${b.id}  ${b.time}  ${b.size} bytes  before: ${b.summary}\n`);
    });

  program
    .command('restore')
    .description('put back a kept version; without ID, undo the last change (twice changes nothing): shows the diff, writes, reconfigures')
    .argument('[id]', 'a backup ID from `scalr-conf history`')
    .addHelpText('after', '\nExamples:\n  sudo scalr-conf restore --dry-run\n  sudo scalr-conf restore 20261130T071502.123Z-1a2b\n')
    .action(async (id: string | undefined) => {
      const opts = globals();
      const file = targetFile(opts, deps.env);
      const { listBackups, readBackup, resolveBackupDir } = await import('../io/backups');
      const dir = resolveBackupDir(opts.backupDir, deps.env);
      const realPath = resolveRealPath(file);
      // Without an ID, restore undoes the last change; when that change was a restore, it is done
      // already, and a second run changes nothing rather than flipping back.
      const newest = id === undefined ? listBackups(dir, realPath)[0] : undefined;
      const undone = newest?.summary.startsWith(RESTORED) ? newest.summary.slice(RESTORED.length) : undefined;
      if (newest && undone !== undefined) {
        run.code = await applyPlan(opts, deps, (text) => ({
          before: text,
          after: text,
          summary: [`the last change already restored backup ${undone}; to undo that, run: scalr-conf restore ${newest.id}`],
        }));
        return;
      }
      const { info, bytes } = readBackup(dir, realPath, id);
      const after = bytes.toString('latin1');
      run.code = await applyPlan(opts, deps, (text) => ({
        before: text,
        after,
        summary: [text === after ? `already as backup ${info.id}` : `${RESTORED}${info.id}`],
      }));
    });
}

/** How a restore's own backup is summarised; `restore` without an ID looks for it. */
const RESTORED = 'restore backup ';
