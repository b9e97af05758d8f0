import { unifiedDiff } from '../core/diff';
import { fail, ScalrConfError } from '../core/errors';
import type { Plan } from '../core/plan';
import { readConfig, resolveRealPath, type ReadResult } from '../io/readConfig';
import { writeAtomic, sweepStaleTemps } from '../io/writeAtomic';
import { withLock } from '../io/lock';
import { resolveBackupDir, saveBackup, type BackupInfo } from '../io/backups';
import { findCtl, runReconfigure } from '../io/ctl';
import { rubySyntaxError } from '../io/verify';
import { createEmptyLike, emptyRead, isMissing, removeIfStillEmpty, type CreatedFile } from '../io/localFile';
import { askYesNo, stdinIsTTY, type Deps } from './deps';
import { EXIT } from './exitCodes';
import { targetFile, type GlobalOptions } from './options';
import { maskSecrets } from './secrets';

export interface WriteResult {
  changed: boolean;
  file: string;
  diff: string;
  dryRun: boolean;
  summary: string[];
  reconfigured: boolean;
  backup?: string;
  rolledBack?: boolean;
}

/**
 * The one place that decides between dry run, review, write and reconfigure. `planner` turns the
 * file's current bytes (one char per byte) into a plan; it runs under the lock for a real write.
 */
export async function applyPlan(opts: GlobalOptions, deps: Deps, planner: (text: string, read: ReadResult) => Plan): Promise<number> {
  const file = targetFile(opts, deps.env);
  const json = !!opts.json;
  const say = (line: string): void => {
    (json ? deps.stderr : deps.stdout).write(line + '\n');
  };
  const result: WriteResult = { changed: false, file, diff: '', dryRun: !!opts.dryRun, summary: [], reconfigured: false };
  const emitResult = (): void => {
    if (json) deps.stdout.write(JSON.stringify(result) + '\n');
  };
  const finish = (code: number): number => {
    emitResult();
    return code;
  };

  // A missing scalr-server-local.rb is edited as an empty one; it is created only to be written.
  const absentLocal = (): boolean => !!opts.local && isMissing(file);
  const prepare = (): { read: ReadResult; plan: Plan } | undefined => {
    const read = absentLocal() ? emptyRead(file) : readConfig(file);
    const plan = planner(read.bytes.toString('latin1'), read);
    result.summary = plan.summary;
    if (plan.after === plan.before) {
      if (!json) say(`nothing to change in ${file}: ${plan.summary.join('; ')}`);
      return undefined;
    }
    result.changed = true;
    const diff = unifiedDiff(file, plan.before, plan.after);
    const shown = Buffer.from(opts.showSecrets ? diff : maskSecrets(diff), 'latin1');
    result.diff = shown.toString('utf8');
    if (!json) deps.stdout.write(shown);
    return { read, plan };
  };

  if (opts.dryRun) {
    prepare();
    return finish(EXIT.OK);
  }

  // Known before anything is written: that the file is there, and where scalr-server-ctl is.
  let realPath = absentLocal() ? undefined : resolveRealPath(file);
  const ctl = opts.reconfigure ? findCtl(opts.ctl, deps.env) : undefined;
  const wait = Number(opts.wait);
  if (!Number.isFinite(wait) || wait < 0) fail('usage', `--wait takes a number of seconds, not ${JSON.stringify(opts.wait)}`);
  const keep = Number(opts.backups);
  if (!Number.isInteger(keep) || keep < 0) fail('usage', `--backups takes a whole number, not ${JSON.stringify(opts.backups)}`);
  let created: CreatedFile | undefined;
  if (!realPath) {
    if (planner('', emptyRead(file)).after === '') {
      prepare();
      return finish(EXIT.OK);
    }
    created = createEmptyLike(file, targetFile({ ...opts, local: false }, deps.env));
    realPath = resolveRealPath(file);
  }
  sweepStaleTemps(realPath);
  let written = false;
  try {
    return await withLock(realPath, { waitSeconds: wait }, async () => {
      const prepared = prepare();
      if (!prepared) return finish(EXIT.OK);
      const { read, plan } = prepared;
      const bytes = Buffer.from(plan.after, 'latin1');
      if (opts.verify) {
        const error = rubySyntaxError(bytes, deps.env);
        if (error) fail('verify-failed', `the new ${file} fails ruby -c (${error}); nothing written`);
      }
      if (stdinIsTTY(deps) && deps.stdout.isTTY && !opts.yes) {
        const what = ctl ? `Write ${file} and run scalr-server-ctl reconfigure?` : `Write ${file}?`;
        if (!(await askYesNo(deps, what))) fail('aborted', 'not confirmed; nothing written');
      }
      let backup: BackupInfo | undefined;
      if (keep > 0) {
        backup = saveBackup(resolveBackupDir(opts.backupDir, deps.env), read.realPath, read.bytes, read.stat, plan.summary.join('; '), keep);
        result.backup = backup.id;
      }
      writeAtomic(read, bytes);
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
        emitResult();
        throw new ScalrConfError(
          'reconfigure-failed',
          `${file} was written, but scalr-server-ctl reconfigure failed (exit ${exitCode}); fix the cause, then run: sudo ${ctl} reconfigure`,
        );
      }
      writeAtomic(readConfig(file), read.bytes);
      result.rolledBack = true;
      say(`restored the previous ${file} because reconfigure failed`);
      const again = await reconfigure();
      emitResult();
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
