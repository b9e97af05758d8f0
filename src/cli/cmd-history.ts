import type { Command } from 'commander';
import { ScalrConfError } from '../values/errors';
import { resolveRealPathAllowMissing } from '../io/readConfig';
import { applyPlan } from '../app/apply';
import type { Deps } from '../app/deps';
import { targetFile, type GlobalOptions } from '../app/options';
import type { Run } from '../app/exitCodes';
import { maskFile, maskFileDiff } from '../app/secrets';
import { diffBytes, wantsColour } from '../app/colour';

// Backups load node:crypto, so they are imported by the commands that use them.

/**
 * history lists the changes scalr-conf installed, newest first; `history show ID` prints the file
 * as change ID left it, `history diff ID` what it changed. restore puts back the file as it was
 * before a change, through the normal write path. All of them work with the file deleted.
 */
export function registerHistory(program: Command, deps: Deps, run: Run, globals: () => GlobalOptions): void {
  const where = async () => {
    const opts = globals();
    const file = targetFile(opts, deps.env);
    const backups = await import('../io/backups');
    return { opts, file, backups, dir: backups.resolveBackupDir(opts.backupDir, deps.env), realPath: resolveRealPathAllowMissing(file) };
  };
  const shownFile = (opts: GlobalOptions, text: string): Buffer => Buffer.from(opts.showSecrets ? text : maskFile(text), 'latin1');
  // A diff is masked by the parse of each side: the old text for removed lines, the new for the rest.
  const shownDiff = (opts: GlobalOptions, diff: string, before: string, after: string): Buffer =>
    Buffer.from(opts.showSecrets ? diff : maskFileDiff(diff, before, after), 'latin1');
  const printDiff = async (opts: GlobalOptions, diff: Buffer) => deps.stdout.write(diffBytes(diff, await wantsColour(opts.color, deps)));

  const history = program
    .command('history')
    .description('list the changes scalr-conf made to the file, newest first: who, the command, what changed')
    .addHelpText(
      'after',
      '\nExamples:\n  sudo scalr-conf history\n  sudo scalr-conf history --json\n  sudo scalr-conf history diff 20261130T071502.123Z-1a2b\n',
    )
    .action(async () => {
      const { opts, file, backups, dir, realPath } = await where();
      const list = backups.listBackups(dir, realPath);
      if (opts.json) {
        const rows = list.map(({ id, time, summary, size, who, command, installedSize }) => ({ id, time, summary, size, who, command, installedSize }));
        deps.stdout.write(JSON.stringify(rows) + '\n');
        return;
      }
      if (list.length === 0) {
        deps.stdout.write(`no backups of ${file} yet\n`);
        return;
      }
      for (const b of list) {
        deps.stdout.write(`${b.id}  ${b.time}  ${b.who ?? '?'}  ${b.summary}${b.command ? `  (${b.command})` : ''}\n`);
      }
    });

  history
    .command('show')
    .description('print the file as change ID left it')
    .argument('<id>', 'an ID from `scalr-conf history`')
    .addHelpText('after', '\nExamples:\n  sudo scalr-conf history show 20261130T071502.123Z-1a2b\n')
    .action(async (id: string) => {
      const { opts, backups, dir, realPath } = await where();
      const { bytes } = backups.readInstalled(dir, realPath, id);
      deps.stdout.write(shownFile(opts, bytes.toString('latin1')));
    });

  history
    .command('diff')
    .description('show what change ID changed: the diff from the file before it to the file it left')
    .argument('<id>', 'an ID from `scalr-conf history`')
    .addHelpText('after', '\nExamples:\n  sudo scalr-conf history diff 20261130T071502.123Z-1a2b\n')
    .action(async (id: string) => {
      const { opts, file, backups, dir, realPath } = await where();
      const after = backups.readInstalled(dir, realPath, id).bytes.toString('latin1');
      const before = backups.readBackup(dir, realPath, id).bytes.toString('latin1');
      const { unifiedDiff } = await import('../edit/diff');
      await printDiff(opts, shownDiff(opts, unifiedDiff(file, before, after), before, after));
    });

  program
    .command('restore')
    .description(
      'put back the file as it was before change ID and every later one; without ID, undo the last change (twice changes nothing). ' +
        'Refused when the file was edited after the last change scalr-conf made, unless --force; a deleted file is recreated',
    )
    .argument('[id]', 'an ID from `scalr-conf history`')
    .addHelpText('after', '\nExamples:\n  sudo scalr-conf restore --dry-run\n  sudo scalr-conf restore 20261130T071502.123Z-1a2b\n  sudo scalr-conf restore --force\n')
    .action(async (id: string | undefined) => {
      const { opts, file, backups, dir, realPath } = await where();
      const { isMissing, createEmptyWith, removeIfStillEmpty } = await import('../io/localFile');
      const all = backups.listBackups(dir, realPath);
      const newest = all[0];
      const missing = isMissing(file);

      // Without an ID, restore undoes the last change; when that change was a restore, it is done
      // already, and a second run changes nothing rather than flipping back.
      const undone = id === undefined ? restoredBy(newest?.summary) : undefined;
      if (newest && undone !== undefined && !missing) {
        run.code = await applyPlan(opts, deps, (text) => ({
          before: text,
          after: text,
          summary: [`the last change already restored backup ${undone}; to undo that, run: scalr-conf restore ${newest.id}`],
        }));
        return;
      }

      // A deleted file is put back as the last change left it: undoing the deletion, not that change.
      const recreate = missing && id === undefined && newest?.installedSha256 !== undefined;
      const { info, bytes } = recreate ? backups.readInstalled(dir, realPath, newest.id) : backups.readBackup(dir, realPath, id);
      const after = bytes.toString('latin1');
      const summary = recreate ? `${RECREATED}${info.id}` : `${RESTORED}${info.id}`;
      const { unifiedDiff } = await import('../edit/diff');
      if (missing && opts.dryRun) {
        const diff = shownDiff(opts, unifiedDiff(file, '', after), '', after);
        if (opts.json) {
          const result = { changed: true, file, diff: diff.toString('utf8'), dryRun: true, summary: [summary], reconfigured: false };
          deps.stdout.write(JSON.stringify(result) + '\n');
        } else await printDiff(opts, diff);
        return;
      }
      const colour = !opts.json && (await wantsColour(opts.color, deps));
      const created = missing ? createEmptyWith(file, info) : undefined;
      try {
        run.code = await applyPlan(opts, deps, (text) => {
          // Edits nobody recorded would be thrown away with the changes being undone: shown, and refused.
          const current = Buffer.from(text, 'latin1');
          if (!missing && !opts.force && newest && newest.installedSha256 !== undefined && !backups.isInstalledBy(newest, current)) {
            if (!opts.json) deps.stdout.write(diffBytes(shownDiff(opts, unifiedDiff(file, text, after), text, after), colour));
            throw new ScalrConfError(
              'changed-on-disk',
              `${file} was edited after change ${newest.id} (the last scalr-conf made); restoring would discard those edits too; to restore anyway, add --force`,
            );
          }
          return { before: text, after, summary: [text === after ? `already as backup ${info.id}` : summary] };
        });
      } finally {
        if (created) removeIfStillEmpty(created);
      }
    });
}

/** How a restore's own entry is summarised; `restore` without an ID looks for it. */
const RESTORED = 'restore backup ';
/** How the entry of recreating a deleted file is summarised. */
const RECREATED = 'recreate the file as left by ';

function restoredBy(summary: string | undefined): string | undefined {
  for (const prefix of [RESTORED, RECREATED]) if (summary?.startsWith(prefix)) return summary.slice(prefix.length);
  return undefined;
}
