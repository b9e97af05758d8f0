import { fail, ScalrConfError } from '../values/errors';
import { resolveRealPath } from '../io/readConfig';
import { sweepStaleTemps } from '../io/writeAtomic';
import { withLock } from '../io/lock';
import { resolveBackupDir } from '../io/backups';
import { writeRecorded } from './recordedWrite';
import { describeCtlResult, findCtl } from '../io/ctl';
import { parseCtlTimeout, pendingNote, reconfigureError, succeeded, trackedReconfigure } from './reconfigure';
import { keyPathOf, verifyWrite } from '../io/installedLoader';
import { createEmptyLike, emptyRead, removeIfStillEmpty, type CreatedFile } from '../io/localFile';
import type { Pending, Planner } from './pendingWrite';
import { confirmWrite, type Deps } from './deps';
import { maskSecretValues } from './secrets';
import { EXIT } from './exitCodes';
import { localFileFor, mainFile, scalrRoot, type GlobalOptions } from './options';

/**
 * Work done under the lock before the write (edit's editor and questions): it calls `install` to
 * write, reconfigure and end, or returns its own exit status without writing. `abandon` undoes what
 * the write did before it began (the empty local file it created), for a session a signal ends.
 */
export type WriteSession = (install: () => Promise<number>, abandon: () => void) => Promise<number>;

/**
 * The real write after the dry run's checks: under the lock, re-read and re-plan, check with
 * ruby -c, confirm on a terminal, keep a backup, replace the file atomically, reconfigure.
 */
export async function writePlanned(opts: GlobalOptions, deps: Deps, planner: Planner, pending: Pending, session?: WriteSession): Promise<number> {
  const { file, json, result, say, finish } = pending;
  // Known before anything is written: that the file is there, and where scalr-server-ctl is.
  let realPath = pending.absentLocal() ? undefined : resolveRealPath(file);
  const ctl = opts.reconfigure ? findCtl(opts.ctl, deps.env) : undefined;
  const ctlTimeout = parseCtlTimeout(opts.ctlTimeout);
  const backupDir = resolveBackupDir(opts.backupDir, deps.env);
  const wait = Number(opts.wait);
  if (!Number.isFinite(wait) || wait < 0) fail('usage', `--wait takes a number of seconds, not ${JSON.stringify(opts.wait)}`);
  const keep = Number(opts.backups);
  if (!Number.isInteger(keep) || keep < 0) fail('usage', `--backups takes a whole number, not ${JSON.stringify(opts.backups)}`);
  let created: CreatedFile | undefined;
  if (!realPath) {
    if (!session && planner('', emptyRead(file)).after === '') {
      pending.prepare();
      return finish(EXIT.OK);
    }
    created = createEmptyLike(file, mainFile(opts, deps.env));
    realPath = resolveRealPath(file);
  }
  sweepStaleTemps(realPath);
  // One lock for scalr-server.rb and scalr-server-local.rb: reconfigure reads both, so edits of
  // either never interleave, and it is held until reconfigure has ended.
  const lockPath = opts.local ? resolveRealPath(mainFile(opts, deps.env)) : realPath;
  let written = false;
  const abandon = () => {
    if (created && !written) removeIfStillEmpty(created);
  };
  try {
    const install = async (): Promise<number> => {
      const prepared = pending.prepare();
      // Nothing to change, but an earlier reconfigure of what the file holds never succeeded.
      const note = !prepared && ctl ? pendingNote(backupDir) : undefined;
      if (!prepared && !(ctl && note)) return finish(EXIT.OK);
      const out = json ? deps.stderr : deps.stdout;
      const reconfigure = () =>
        trackedReconfigure({ ctl: ctl!, file, backupDir, timeoutSeconds: ctlTimeout, env: deps.env, out: (c) => out.write(c), err: (c) => deps.stderr.write(c), warn: (l) => deps.stderr.write(l + '\n') });
      if (!prepared) {
        say(note!);
        const r = await reconfigure();
        if (succeeded(r)) return (result.reconfigured = true), finish(EXIT.OK);
        pending.emit();
        throw reconfigureError(r, (how) => `scalr-server-ctl reconfigure failed (${how}); it is still pending; fix the cause, then run: sudo scalr-conf reconfigure`, ctlTimeout);
      }
      const { read, plan } = prepared;
      const bytes = Buffer.from(plan.after, 'latin1');
      if (opts.verify) {
        const main = mainFile(opts, deps.env);
        const keys = plan.changes?.map((c) => keyPathOf(c.target));
        const warn = (line: string) => deps.stderr.write(line + '\n');
        try {
          result.check = await verifyWrite({ root: scalrRoot(opts, deps.env), env: deps.env, mainPath: main, localPath: localFileFor(main), target: opts.local ? 'local' : 'main', bytes, keys, warn });
        } catch (e) {
          if (!opts.showSecrets && e instanceof ScalrConfError) e.message = maskSecretValues(e.message, [plan.before, plan.after]);
          throw e;
        }
        say(`checked with ${result.check}`);
      }
      if (!opts.yes) await confirmWrite(deps, ctl ? `Write ${file} and run scalr-server-ctl reconfigure?` : `Write ${file}?`);
      const history = { dir: backupDir, keep };
      if (read.stat.nlink > 1) {
        // The new version is a new file renamed over this name; the other names keep the old one.
        deps.stderr.write(`scalr-conf: warning: ${file} has ${read.stat.nlink - 1} other hard link${read.stat.nlink > 2 ? 's' : ''}, which will keep the previous version\n`);
      }
      const { installed, backup } = writeRecorded(deps, history, read, bytes, plan.summary.join('; '));
      written = true;
      if (backup) result.backup = backup.id;
      say(`wrote ${file}${backup ? ` (previous version saved as backup ${backup.id})` : ''}`);
      if (!ctl) return finish(EXIT.OK);

      say(`running ${ctl} reconfigure`);
      const first = await reconfigure();
      if (succeeded(first)) {
        result.reconfigured = true;
        return finish(EXIT.OK);
      }
      const how = describeCtlResult(first, ctlTimeout);
      if (!opts.rollbackOnFailure || first.interrupted) {
        pending.emit();
        throw reconfigureError(first, (how) => `${file} was written, but scalr-server-ctl reconfigure failed (${how}); fix the cause, then run: sudo scalr-conf reconfigure`, ctlTimeout);
      }
      // Checked against what this run installed: an edit made while reconfigure ran is kept.
      try {
        writeRecorded(deps, history, installed, read.bytes, `roll back: reconfigure failed after ${plan.summary.join('; ')}`);
      } catch (e) {
        if (!(e instanceof ScalrConfError) || e.code !== 'changed-on-disk') throw e;
        pending.emit();
        throw new ScalrConfError(
          'reconfigure-failed',
          `scalr-server-ctl reconfigure failed (${how}); ${file} changed on disk while it ran, so the previous version was not restored` +
            (backup ? ` (it is backup ${backup.id})` : ''),
        );
      }
      result.rolledBack = true;
      say(`restored the previous ${file} because reconfigure failed`);
      const again = await reconfigure();
      pending.emit();
      if (again.interrupted) throw reconfigureError(again, () => '');
      throw new ScalrConfError(
        'reconfigure-failed',
        `scalr-server-ctl reconfigure failed (${how}); the previous ${file} was restored` +
          (succeeded(again) ? ' and reconfigured' : `, but reconfiguring it failed too (${describeCtlResult(again, ctlTimeout)})`),
      );
    };
    return await withLock(lockPath, { waitSeconds: wait }, () => (session ? session(install, abandon) : install()));
  } finally {
    abandon();
  }
}
