import type { Command } from 'commander';
import { editDistance } from '../knowledge/schema';

/** commander's usage errors as scalr-conf prints them: one line each, never the help text. */

export interface CommandLine {
  program: Command;
  argv: readonly string[];
  /** The help commander would have shown with the error: its usage line names the command. */
  helpShown?: string;
}

/** commander's own wording, with its suggestion on a second line brought into the one line. */
export function oneLineUsage(message: string): string {
  return message
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (?:one of )?(.+)\?\)$/, (_, names: string) => `: did you mean ${names.split(', ').join(' or ')}?`);
}

/**
 * commander shows help when a command that only groups others (`aws`) is given none, or `help`
 * is asked about a command that does not exist. Said in one line instead.
 */
export function missingCommand({ program, argv, helpShown }: CommandLine): string {
  const names = helpShown?.match(/^Usage: (\S+(?: [^\s[<]+)*)/)?.[1].split(' ').slice(1) ?? [];
  let cmd = program;
  for (const name of names) cmd = cmd.commands.find((c) => c.name() === name) ?? cmd;
  const subcommands = cmd.commands.map((c) => c.name()).filter((n) => n !== 'help');
  const asked = argv[argv.indexOf('help') + 1];
  const whole = ['scalr-conf', ...names].join(' ');
  if (argv.includes('help') && asked !== undefined && !subcommands.includes(asked)) {
    const near = subcommands.filter((n) => editDistance(n, asked) <= (asked.length <= 4 ? 1 : 2));
    return `unknown command '${asked}'${near.length ? `: did you mean ${near.join(' or ')}?` : `; see ${whole} --help`}`;
  }
  return `${names.length ? names.join(' ') : 'scalr-conf'} needs a command (${subcommands.join(', ')}); see ${whole} --help`;
}
