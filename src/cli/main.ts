import { Command, CommanderError, Option } from 'commander';
import { ScalrConfError } from '../core/errors';
import { processDeps, type Deps } from './deps';
import { EXIT, EXIT_HELP, exitNameFor, type Run } from './exitCodes';
import { VALUE_TYPES } from '../core/parseValue';
import type { GlobalOptions } from './options';
import { registerCommands } from './commands';

export const VERSION = '0.1.0';

const ROOT_EXAMPLES = [
  '',
  'Examples:',
  '  scalr-conf get aws.instances_connection_policy',
  '  sudo scalr-conf set aws.instances_connection_policy local --dry-run',
  '  sudo scalr-conf set aws.instances_connection_policy local --yes --json',
  '  scalr-conf show --all',
  '  scalr-conf help set',
].join('\n');

function exitCodeTable(): string {
  return '\nExit codes:\n' + EXIT_HELP.map(([name, what]) => `  ${String(EXIT[name]).padStart(2)}  ${name.padEnd(19)}${what}`).join('\n') + '\n';
}

export function buildProgram(deps: Deps, run: Run, output: { json?: boolean } = {}): Command {
  const program = new Command('scalr-conf');
  program
    .description('Change Scalr settings in /etc/scalr-server/scalr-server.rb without losing any: merges into app[:configuration], shows the diff, writes atomically, runs scalr-server-ctl reconfigure.')
    .version(VERSION)
    .option('-f, --file <path>', 'the file to edit (default $SCALR_CONF_FILE or /etc/scalr-server/scalr-server.rb)')
    .option('--local', 'target scalr-server-local.rb beside the main file')
    .option('-n, --dry-run', 'print the diff and change nothing')
    .option('-y, --yes', 'do not ask for confirmation on a terminal')
    .option('--no-reconfigure', 'do not run scalr-server-ctl reconfigure after writing')
    .option('--ctl <path>', 'scalr-server-ctl to run (default $SCALR_SERVER_CTL, /opt/scalr-server/bin/scalr-server-ctl, PATH)')
    .option('--json', 'machine-readable output on stdout; errors as JSON on stderr')
    .option('--wait <seconds>', 'how long to wait for another scalr-conf holding the lock', '30')
    .option('--backups <n>', 'how many previous versions to keep (0: none)', '10')
    .option('--backup-dir <dir>', 'where backups live (default $SCALR_CONF_BACKUP_DIR or /var/lib/scalr-conf/backups)')
    .option('--show-secrets', 'print passwords and keys instead of masking them')
    .option('--force', 'accept a key close to a known one, or a value outside its known values')
    .option('--rollback-on-failure', 'restore the previous file if reconfigure fails')
    .option('--no-verify', 'skip the ruby -c check of the new file')
    .option('--scalr-root <dir>', 'the installed Scalr whose loader checks every write (default $SCALR_SERVER_ROOT or /opt/scalr-server)')
    .addOption(new Option('-t, --type <type>', 'how VALUE is read (default: the key\'s known type, else string)').choices([...VALUE_TYPES]))
    .addHelpText('after', ROOT_EXAMPLES + exitCodeTable())
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => deps.stdout.write(s),
      // Help shown for a usage error; with --json the error's JSON line stands alone on stderr.
      writeErr: (s) => (output.json ? undefined : deps.stderr.write(s)),
      outputError: () => undefined,
    });
  registerCommands(program, deps, run, () => program.opts<GlobalOptions>());
  return program;
}

/** Runs the CLI; returns the exit status instead of exiting, so tests call it in-process. */
export async function main(argv: string[], deps: Deps = processDeps()): Promise<number> {
  const run = { code: EXIT.OK as number };
  let json = argv.includes('--json');
  const program = buildProgram(deps, run, { json });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.USAGE;
    }
    await program.parseAsync(argv, { from: 'user' });
    json = !!program.opts<GlobalOptions>().json;
    return run.code;
  } catch (e) {
    return report(e, deps, json);
  }
}

function report(e: unknown, deps: Deps, json: boolean): number {
  if (e instanceof CommanderError) {
    // A command that needs a subcommand was given none: its help went to stderr, and it is a usage error.
    if (e.code === 'commander.help' && e.exitCode !== 0) return emit(deps, json, 'USAGE', 'missing command; see --help');
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.OK;
    const message = e.message.replace(/^error: /, '');
    return emit(deps, json, 'USAGE', message);
  }
  if (e instanceof ScalrConfError) {
    const name = exitNameFor(e.code);
    return emit(deps, json, name, e.message, e.position);
  }
  const message = e instanceof Error ? e.message : String(e);
  return emit(deps, json, 'INTERNAL', `internal error: ${message.split('\n')[0]}`);
}

function emit(deps: Deps, json: boolean, name: keyof typeof EXIT, message: string, position?: { line: number; column: number }): number {
  if (json) deps.stderr.write(JSON.stringify({ error: { code: name, exitCode: EXIT[name], message, ...position } }) + '\n');
  else deps.stderr.write(`scalr-conf: ${message}\n`);
  return EXIT[name];
}

