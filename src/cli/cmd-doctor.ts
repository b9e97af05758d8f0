import type { Command } from 'commander';
import { fail } from '../values/errors';
import type { Layer } from '../ruby/writes';
import { diagnose, type SyntaxReport } from '../knowledge/doctor';
import { describeTarget, isVersion } from '../knowledge/versions';
import { scalrTarget } from '../app/scalrTarget';

export { scalrTarget };
import { readConfigFiles } from '../app/configFiles';
import type { Deps } from '../app/deps';
import { EXIT, type Run } from '../app/exitCodes';
import { scalrRoot, targetFile, type GlobalOptions } from '../app/options';
import { applyPlan } from '../app/apply';

export function registerDoctor(program: Command, deps: Deps, run: Run, globals: () => GlobalOptions): void {
  program
    .command('doctor')
    .description('check scalr-server.rb and scalr-server-local.rb for mistakes scalr-server-ctl would fail on or silently misread')
    .option('--scalr-version <version>', 'judge by this Scalr version (default: $SCALR_SERVER_ROOT/version-manifest.txt, else the installed cookbook)')
    .option('--fix', 'repair what pasting the docs leaves: curly quotes become straight ones, and with --choose a list of choices becomes one; shows the diff and writes as set does (lock, backup, reconfigure)')
    .option('--choose <value...>', 'with --fix: the value to keep where the file holds the docs\' list of choices ("local" or "public")')
    .addHelpText(
      'after',
      [
        '',
        'Prints one finding per line as FILE:LINE: error|warning: message, or says the files are clean.',
        'Names and syntax are judged by the Scalr version: --scalr-version, else the first line of',
        '<root>/version-manifest.txt, else the groups of the installed <root>/embedded/cookbooks/scalr-server/',
        'libraries/scalr_server.rb (root: $SCALR_SERVER_ROOT, else /opt/scalr-server); with none of these, a name',
        'no known version accepts is a warning, not an error.',
        `Exit status: 0 when there are no errors (warnings alone pass), ${EXIT.REFUSED} (REFUSED) when there is at least one error.`,
        '',
        '--fix repairs the file scalr-conf edits (scalr-server.rb, or with --local scalr-server-local.rb) and',
        'nothing else: straight quotes for curly ones around a literal, and for a pasted list of choices the',
        'one --choose names; it never picks a choice itself. --dry-run shows the diff only.',
        '',
        'Examples:',
        '  scalr-conf doctor',
        '  scalr-conf doctor --file ./scalr-server.rb',
        '  scalr-conf doctor --scalr-version 7.7.3',
        '  sudo scalr-conf doctor --fix --dry-run',
        "  scalr-conf doctor --json | jq '.findings[] | select(.severity == \"error\")'",
        '',
      ].join('\n'),
    )
    .action(async (own: { scalrVersion?: string; fix?: boolean; choose?: string[] }) => {
      const opts = globals();
      if (own.choose && !own.fix) fail('usage', '--choose goes with --fix');
      if (own.fix) {
        const { fixPlanner, otherFileNote } = await import('./doctorFix');
        const choose = (own.choose ?? []).map((v) => Buffer.from(v, 'utf8').toString('latin1'));
        run.code = await applyPlan(opts, deps, fixPlanner(targetFile(opts, deps.env), choose, deps));
        const note = opts.file === '-' ? undefined : otherFileNote(opts, deps.env);
        if (note) deps.stderr.write(`scalr-conf: note: ${note}\n`);
        return;
      }
      if (own.scalrVersion !== undefined && !isVersion(own.scalrVersion)) fail('usage', `--scalr-version ${own.scalrVersion}: expected a version such as 7.7.3`);
      const root = scalrRoot(opts, deps.env);
      const target = scalrTarget(own.scalrVersion, root);
      const files = readConfigFiles(opts, deps.env);
      // ruby -c needs node:child_process, which no other read command loads.
      const { findRuby, rubySyntaxError } = await import('../io/verify');
      const configTest = (text: string): SyntaxReport | null | undefined => {
        if (!findRuby(deps.env, root)) return undefined;
        return syntaxReport(rubySyntaxError(Buffer.from(text, 'latin1'), deps.env, root));
      };
      const names: Record<Layer, string> = { main: files.mainPath, local: files.localPath };
      const findings = diagnose({
        main: files.main,
        local: files.local,
        rubySyntax: { main: configTest(files.main), local: files.local === undefined ? undefined : configTest(files.local) },
        showSecrets: opts.showSecrets,
        target,
      });
      const judged = describeTarget(target);
      const errors = findings.filter((f) => f.severity === 'error').length;
      const warnings = findings.length - errors;
      const checked = files.local === undefined ? [files.mainPath] : [files.mainPath, files.localPath];
      if (opts.json) {
        deps.stdout.write(
          JSON.stringify({
            ok: errors === 0,
            files: checked,
            scalr: { source: target.source, version: target.version ?? null, profile: target.profile?.version ?? null, ruby: target.ruby ?? null },
            errors,
            warnings,
            findings: findings.map((f) => ({ file: names[f.layer], line: f.line, severity: f.severity, code: f.code, message: f.message })),
          }) + '\n',
        );
      } else if (findings.length === 0) {
        deps.stdout.write(`no problems found in ${checked.join(' and ')} (judged by ${judged})\n`);
      } else {
        for (const f of findings) deps.stdout.write(`${names[f.layer]}:${f.line}: ${f.severity}: ${f.message}\n`);
        const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
        deps.stderr.write(`scalr-conf doctor: ${count(errors, 'error')}, ${count(warnings, 'warning')} in ${checked.join(' and ')} (judged by ${judged})\n`);
      }
      run.code = errors > 0 ? EXIT.REFUSED : EXIT.OK;
    });
}

/** What `scalr-server-ctl config-test` (ruby -c) said: a report, or null when it passed. */
function syntaxReport(message: string | undefined): SyntaxReport | null {
  if (message === undefined) return null;
  const m = /^line (\d+): (.*)$/.exec(message);
  return m ? { line: Number(m[1]), message: m[2] } : { message };
}
