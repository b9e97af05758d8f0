import { fail, ScalrConfError } from '../core/errors';
import { resolveRealPath } from '../io/readConfig';
import { writeAtomic, sweepStaleTemps } from '../io/writeAtomic';
import { withLock } from '../io/lock';
import { resolveBackupDir, saveBackup, type BackupInfo } from '../io/backups';
import { findCtl, runReconfigure } from '../io/ctl';
import { keyPathOf, verifyWrite } from '../io/installedLoader';
import { createEmptyLike, emptyRead, removeIfStillEmpty, type CreatedFile } from '../io/localFile';
import type { Pending, Planner } from './apply';
import { askYesNo, isInteractive, type Deps } from './deps';
import { EXIT } from './exitCodes';
import { localFileFor, mainFile, scalrRoot, type GlobalOptions } from './options';

/**
 * The real write after the dry run's checks: under the lock, re-read and re-plan, check with
 * ruby -c, confirm on a terminal, keep a backup, replace the file atomically, reconfigure.
 */
export async function writePlanned(opts: GlobalOptions, deps: Deps, planner: Planner, pending: Pending): Promise<number> {
  const { file, json, result, say, finish } = pending;
  // Known before anything is written: that the file is there, and where scalr-server-ctl is.
  let realPath = pending.absentLocal() ? undefined : resolveRealPath(file);
  const ctl = opts.reconfigure ? findCtl(opts.ctl, deps.env) : undefined;
  const wait = Number(opts.wait);
  if (!Number.isFinite(wait) || wait < 0) fail('usage', `--wait takes a number of seconds, not ${JSON.stringify(opts.wait)}`);
  const keep = Number(opts.backups);
  if (!Number.isInteger(keep) || keep < 0) fail('usage', `--backups takes a whole number, not ${JSON.stringify(opts.backups)}`);
  let created: CreatedFile | undefined;
  if (!realPath) {
    if (planner('', emptyRead(file)).after === '') {
      pending.prepare();
      return finish(EXIT.OK);
    }
    created = createEmptyLike(file, mainFile(opts, deps.env));
    realPath = resolveRealPath(file);
  }
  sweepStaleTemps(realPath);
  let written = false;
  try {
    return await withLock(realPath, { waitSeconds: wait }, async () => {
      const prepared = pending.prepare();
      if (!prepared) return finish(EXIT.OK);
      const { read, plan } = prepared;
      const bytes = Buffer.from(plan.after, 'latin1');
      if (opts.verify) {
        const main = mainFile(opts, deps.env);
        const keys = plan.changes?.map((c) => keyPathOf(c.target));
        const warn = (line: string) => deps.stderr.write(line + '\n');
        result.check = await verifyWrite({ root: scalrRoot(opts, deps.env), env: deps.env, mainPath: main, localPath: localFileFor(main), target: opts.local ? 'local' : 'main', bytes, keys, warn });
        say(`checked with ${result.check}`);
      }
      if (!opts.yes && (await isInteractive(deps))) {
        const what = ctl ? `Write ${file} and run scalr-server-ctl reconfigure?` : `Write ${file}?`;
        if (!(await askYesNo(deps, what))) fail('aborted', 'not confirmed; nothing written');
      }
      let backup: BackupInfo | undefined;
      if (keep > 0) {
        backup = saveBackup(resolveBackupDir(opts.backupDir, deps.env), read.realPath, read.bytes, read.stat, plan.summary.join('; '), keep);
        result.backup = backup.id;
      }
      if (read.stat.nlink > 1) {
        // The new version is a new file renamed over this name; the other names keep the old one.
        deps.stderr.write(`scalr-conf: warning: ${file} has ${read.stat.nlink - 1} other hard link${read.stat.nlink > 2 ? 's' : ''}, which will keep the previous version\n`);
      }
      const installed = writeAtomic(read, bytes);
      written = true;
      say(`wrote ${file}${backup ? ` (previous version saved as backup ${backup.id})` : ''}`);
      if (!ctl) return finish(EXIT.OK);

      say(`running ${ctl} reconfigure`);
      const out = json ? deps.stderr : deps.stdout;
      const reconfigure = () => runReconfigure(ctl, deps.env, (c) => out.write(c), (c) => deps.stderr.write(c));
      const { exitCode } = await reconfigure();
      if (exitCode === 0) {
        result.reconfigured = true;
        return finish(EXIT.OK);
      }
      if (!opts.rollbackOnFailure) {
        pending.emit();
        throw new ScalrConfError(
          'reconfigure-failed',
          `${file} was written, but scalr-server-ctl reconfigure failed (exit ${exitCode}); fix the cause, then run: sudo ${ctl} reconfigure`,
        );
      }
      // Checked against what this run installed: an edit made while reconfigure ran is kept.
      try {
        writeAtomic(installed, read.bytes);
      } catch (e) {
        if (!(e instanceof ScalrConfError) || e.code !== 'changed-on-disk') throw e;
        pending.emit();
        throw new ScalrConfError(
          'reconfigure-failed',
          `scalr-server-ctl reconfigure failed (exit ${exitCode}); ${file} changed on disk while it ran, so the previous version was not restored` +
            (backup ? ` (it is backup ${backup.id})` : ''),
        );
      }
      result.rolledBack = true;
      say(`restored the previous ${file} because reconfigure failed`);
      const again = await reconfigure();
      pending.emit();
      throw new ScalrConfError(
        'reconfigure-failed',
        `scalr-server-ctl reconfigure failed (exit ${exitCode}); the previous ${file} was restored` +
          (again.exitCode === 0 ? ' and reconfigured' : `, but reconfiguring it failed too (exit ${again.exitCode})`),
      );
    });
  } finally {
    if (created && !written) removeIfStillEmpty(created);
  }
}
