import { Command, CommanderError, Option } from 'commander';
import { ScalrConfError, type SourcePosition } from '../values/errors';
import { processDeps, type Deps } from '../app/deps';
import { EXIT, EXIT_HELP, exitNameOf, type Run } from '../app/exitCodes';
import { VALUE_TYPES } from '../values/parseValue';
import type { GlobalOptions } from '../app/options';
import { shownNames } from '../app/layered';
import { registerCommands } from './commands';
import { asText, checkArgvText } from '../app/text';
import { COLOR_WHEN } from '../app/colour';
import { missingCommand, oneLineUsage, type CommandLine } from './usageError';

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
  return '\nExit codes:\n' + EXIT_HELP.map(([name, what]) => `  ${String(EXIT[name]).padStart(3)}  ${name.padEnd(19)}${what}`).join('\n') + '\n';
}

export function buildProgram(deps: Deps, run: Run, output: { json?: boolean; helpShown?: string } = {}): Command {
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
    .option('--ctl-timeout <seconds>', 'stop scalr-server-ctl reconfigure after this long (SIGTERM, SIGKILL 10 s later); default: no limit')
    .option('--json', 'machine-readable output on stdout; errors as JSON on stderr')
    .option('--wait <seconds>', 'how long to wait for another scalr-conf holding the lock', '30')
    .option('--backups <n>', 'how many previous versions to keep (0: none)', '10')
    .option('--backup-dir <dir>', 'where backups live (default $SCALR_CONF_BACKUP_DIR or /var/lib/scalr-conf/backups)')
    .option('--show-secrets', 'print passwords and keys instead of masking them')
    .option('--force', 'accept a key close to a known one, or a value outside its known values')
    .option('--allow-overridden', 'write a scalr-server.rb value even where scalr-server-local.rb overrides it (that node keeps its own); narrower than --force')
    .option('--rollback-on-failure', 'restore the previous file if reconfigure fails')
    .option('--no-verify', 'skip the ruby -c check of the new file')
    .option('--scalr-root <dir>', 'the installed Scalr whose loader checks every write (default $SCALR_SERVER_ROOT or /opt/scalr-server)')
    .addOption(new Option('--color <when>', 'colour diffs: auto (on a terminal, unless NO_COLOR is set or TERM=dumb), always, never').choices([...COLOR_WHEN]).default('auto'))
    .addOption(new Option('-t, --type <type>', 'how VALUE is read (default: the key\'s known type, else string)').choices([...VALUE_TYPES]))
    .addHelpText('after', ROOT_EXAMPLES + exitCodeTable())
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => deps.stdout.write(s),
      // Only help shown for a usage error comes here: not printed, since the error is one line; which
      // command's help it was says what the error is about.
      writeErr: (s) => {
        output.helpShown ??= s;
      },
      outputError: () => undefined,
    });
  registerCommands(program, deps, run, () => program.opts<GlobalOptions>());
  return program;
}

/** Runs the CLI; returns the exit status instead of exiting, so tests call it in-process. */
export async function main(argv: string[], given: Deps = processDeps()): Promise<number> {
  // A view of `given` with argv added; not a spread copy, which would read its lazy stdin getter.
  const deps = Object.create(given, { argv: { value: argv } }) as Deps;
  const run = { code: EXIT.OK as number };
  let json = argv.includes('--json');
  const output: { json?: boolean; helpShown?: string } = { json };
  const program = buildProgram(deps, run, output);
  try {
    if (argv.length === 0) {
      // The help is what a bare `scalr-conf` is for; stderr still says, in one line, what was wrong.
      program.outputHelp();
      return emit(deps, json, 'USAGE', 'missing command; see scalr-conf --help');
    }
    checkArgvText(argv);
    await program.parseAsync(argv, { from: 'user' });
    json = !!program.opts<GlobalOptions>().json;
    return run.code;
  } catch (e) {
    return await report(e, deps, json, { program, argv, helpShown: output.helpShown });
  }
}

async function report(e: unknown, deps: Deps, json: boolean, parse: CommandLine): Promise<number> {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.help' && e.exitCode !== 0) return emit(deps, json, 'USAGE', missingCommand(parse));
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.OK;
    const message = oneLineUsage(e.message);
    // Not a near miss of an option: perhaps a value that starts with "-".
    const hint = e.code === 'commander.unknownOption' && !/did you mean/.test(message) ? ' (a key, value or snippet starting with "-" goes after "--")' : '';
    return emit(deps, json, 'USAGE', message + hint);
  }
  if (e instanceof ScalrConfError) {
    const name = exitNameOf(e);
    // Loaded only for a message that quotes the file: the schema it reads costs a fast command its start.
    const message = e.quoted ? (await import('../app/secrets')).errorMessage(e, !!parse.program.opts<GlobalOptions>().showSecrets) : e.message;
    // An error that names no file is about the one the command targets; the JSON names it anyway, so
    // that a script reading `line` always knows which file it is in.
    const opts = parse.program.opts<GlobalOptions>();
    const file = e.file ?? (e.position ? shownNames(opts, deps.env)[opts.local ? 'local' : 'main'] : undefined);
    return emit(deps, json, name, message, e.position, e.code, file);
  }
  const message = e instanceof Error ? e.message : String(e);
  return emit(deps, json, 'INTERNAL', `internal error: ${message.split('\n')[0]}`);
}

/**
 * With --json the error is data: `code` is the error's own code (`not-hash`, `overridden`, ...,
 * `usage` and `internal` for errors that have none), `exit` names the exit status.
 */
function emit(deps: Deps, json: boolean, name: keyof typeof EXIT, message: string, position?: SourcePosition, code?: string, file?: string): number {
  // One line whatever the message holds, so that scripts can read stderr line by line.
  message = asText(message).replace(/\s*\r?\n\s*/g, '; ');
  if (json) {
    const error = { code: code ?? name.toLowerCase().replace(/_/g, '-'), exit: name, exitCode: EXIT[name], message, ...(file ? { file } : {}), ...position };
    deps.stderr.write(JSON.stringify({ error }) + '\n');
  } else deps.stderr.write(`scalr-conf: ${message}\n`);
  return EXIT[name];
}

