import type { Command } from 'commander';
import { fail } from '../values/errors';
import type { Deps } from '../app/deps';
import { EXIT, type Run } from '../app/exitCodes';
import { mainFile, type GlobalOptions } from '../app/options';

/** The backup directory and its pending mark: loaded when these commands run, not with every command (crypto comes with them). */
async function markReaders() {
  const [{ resolveBackupDir }, { readPending, describePending }] = await Promise.all([import('../io/backups'), import('../io/pending')]);
  return { resolveBackupDir, readPending, describePending };
}

/**
 * `reconfigure` runs scalr-server-ctl reconfigure under the lock and clears a pending mark;
 * `status` says whether one is pending. Both read the mark from the backup directory.
 */
export function registerReconfigure(program: Command, deps: Deps, run: Run, globals: () => GlobalOptions): void {
  program
    .command('reconfigure')
    .description('run scalr-server-ctl reconfigure now (under the lock) and clear a pending reconfigure when it succeeds')
    .option('--if-pending', 'only when a reconfigure is pending (after a failed or interrupted one)')
    .addHelpText('after', '\nExamples:\n  sudo scalr-conf reconfigure\n  sudo scalr-conf reconfigure --if-pending --ctl-timeout 1800\n')
    .action(async (cmd: { ifPending?: boolean }) => {
      const opts = globals();
      const { resolveBackupDir, readPending, describePending } = await markReaders();
      const backupDir = resolveBackupDir(opts.backupDir, deps.env);
      const json = !!opts.json;
      const say = (line: string) => (json ? deps.stderr : deps.stdout).write(line + '\n');
      const emit = (ran: boolean, reconfigured: boolean) => {
        if (json) deps.stdout.write(JSON.stringify({ ran, reconfigured, pendingReconfigure: readPending(backupDir) !== undefined }) + '\n');
      };
      if (!opts.reconfigure) fail('usage', 'reconfigure with --no-reconfigure does nothing');
      const [{ findCtl }, { withLock }, { resolveRealPath }, rc] = await Promise.all([
        import('../io/ctl'),
        import('../io/lock'),
        import('../io/readConfig'),
        import('../app/reconfigure'),
      ]);
      const ctl = findCtl(opts.ctl, deps.env);
      const timeoutSeconds = rc.parseCtlTimeout(opts.ctlTimeout);
      const wait = Number(opts.wait);
      if (!Number.isFinite(wait) || wait < 0) fail('usage', `--wait takes a number of seconds, not ${JSON.stringify(opts.wait)}`);
      const file = mainFile(opts, deps.env);
      // The same lock a write of the main file takes: no write lands while reconfigure reads it.
      run.code = await withLock(resolveRealPath(file), { waitSeconds: wait }, async () => {
        const mark = readPending(backupDir);
        if (cmd.ifPending && !mark) {
          say('no reconfigure is pending; nothing to do');
          emit(false, false);
          return EXIT.OK;
        }
        say(mark ? `${describePending(mark)}; running ${ctl} reconfigure` : `running ${ctl} reconfigure`);
        const out = json ? deps.stderr : deps.stdout;
        const r = await rc.trackedReconfigure({
          ctl,
          file: mark && mark.file !== '(unknown)' ? mark.file : file,
          backupDir,
          timeoutSeconds,
          env: deps.env,
          out: (c) => out.write(c),
          err: (c) => deps.stderr.write(c),
          warn: (l) => deps.stderr.write(l + '\n'),
        });
        emit(true, rc.succeeded(r));
        if (!rc.succeeded(r)) throw rc.reconfigureError(r, (how) => `scalr-server-ctl reconfigure failed (${how}); it is still pending`, timeoutSeconds);
        say('reconfigure succeeded; nothing is pending');
        return EXIT.OK;
      });
    });

  program
    .command('status')
    .description('say whether a reconfigure is pending (a write that Scalr has not applied yet)')
    .addHelpText(
      'after',
      [
        '',
        'Exits 0 when nothing is pending and 5 (RECONFIGURE_FAILED) when a reconfigure is pending:',
        'the file on disk holds settings Scalr is not running, as after a failed, timed-out or',
        'interrupted reconfigure, so scripts can run: scalr-conf status || sudo scalr-conf reconfigure',
        '',
        'Examples:',
        '  scalr-conf status',
        '  scalr-conf status --json',
        '',
      ].join('\n'),
    )
    .action(async () => {
      const opts = globals();
      const { resolveBackupDir, readPending, describePending } = await markReaders();
      const mark = readPending(resolveBackupDir(opts.backupDir, deps.env));
      if (opts.json) deps.stdout.write(JSON.stringify({ pendingReconfigure: mark !== undefined, ...(mark ? { pending: mark } : {}) }) + '\n');
      else deps.stdout.write(mark ? `${describePending(mark)}\nrun: sudo scalr-conf reconfigure\n` : 'no reconfigure is pending\n');
      run.code = mark ? EXIT.RECONFIGURE_FAILED : EXIT.OK;
    });
}
