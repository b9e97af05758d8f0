import type { Command } from 'commander';
import { fail } from '../values/errors';
import { parseKey } from '../values/keys';
import type { Change } from '../edit/plan';
import { argumentValue, checkedKey } from '../knowledge/argumentValue';
import { checkedAgainstFile } from './suggest';
import { asText } from '../app/text';
import { applyPlan } from '../app/apply';
import { isInteractive, readStdin, terminals, type Deps } from '../app/deps';
import { readHidden } from '../app/terminal';
import type { GlobalOptions } from '../app/options';
import { registerHistory } from './cmd-history';
import { registerCompletion } from './cmd-completion';
import { registerLocal } from './cmd-local';
import { registerExplain } from './cmd-explain';
import { registerDoctor } from './cmd-doctor';
import { registerMerge } from './cmd-merge';
import { registerKeys } from './cmd-keys';
import { registerAws } from './cmd-aws';
import { notingPlatformKeys, withCodeKeys } from '../app/platformKeys';
import { registerFilter } from './filter';
import { registerReconfigure } from './cmd-reconfigure';
import { registerDiff } from './cmd-diff';
import { registerEdit } from './cmd-edit';
import { registerRead } from './cmd-read';
import { guidedValue } from './guided';
import { planFor } from '../app/layered';
import { EXIT, type Run } from '../app/exitCodes';

export function registerCommands(program: Command, deps: Deps, run: Run, globals: () => GlobalOptions): void {
  registerRead(program, deps, run, globals);
  program
    .command('set')
    .description('set KEY to VALUE; several KEY VALUE pairs and --unset KEYs make one change')
    .argument('<key>', 'e.g. aws.instances_connection_policy')
    .argument('[value]', 'the value; "-" reads it from stdin (keeps it out of argv and shell history)')
    .argument('[more...]', 'more KEY VALUE pairs')
    .option('-u, --unset <key...>', 'also remove these keys in the same change')
    .option('--with-ec2', "also set the ec2. key Scalr's code reads for an aws. key its docs name (aws.instances_connection_policy)")
    .option('--at-definition', 'where a value is one constant or variable (ENDPOINT), change the line that sets it instead: every setting that reads it changes')
    .addHelpText('after', [
      '',
      'Examples:',
      '  sudo scalr-conf set aws.instances_connection_policy local',
      '  sudo scalr-conf set aws.instances_connection_policy local --with-ec2',
      '  sudo scalr-conf set system.instances_connection_timeout 15 --type integer',
      '  sudo scalr-conf set aws.instances_connection_policy local gce.instances_connection_policy local --unset vmware.instances_connection_policy',
      "  sudo scalr-conf set 'proxy[:ssl_enable]' true --type boolean --dry-run",
      "  printf '%s' \"$PASS\" | sudo scalr-conf set connections.mysql.pass -",
      '  scalr-conf set aws.ip_pool \'["10.0.0.0/8"]\' --type json',
      '  sudo scalr-conf set crontab.services.rotate.keep.scalr.logentries -- "-30 days"',
      '',
      'A value starting with "-" goes after "--", and options before it: after "--" every word is a',
      'key or a value.',
      '',
    ].join('\n'))
    .action(async (key: string, value: string | undefined, more: string[], cmd: { unset?: string[]; withEc2?: boolean; atDefinition?: boolean }) => {
      const opts = globals();
      const warn = (line: string) => deps.stderr.write(asText(line) + '\n');
      if (value === undefined && more.length === 0 && (await isInteractive(deps))) value = await guidedValue(key, opts, deps);
      const args = [key, ...(value === undefined ? [] : [value]), ...more];
      // A near-miss of a known key is the first thing to hear about, even without a value.
      for (let i = 0; i < args.length; i += 2) checkedKey(parseKey(args[i]), opts);
      if (args.length % 2 !== 0) {
        fail('usage', `set takes KEY VALUE pairs; ${args[args.length - 1]} has no value${value === undefined ? ' (use --type nil to set nil)' : ''}`);
      }
      const changes: Change[] = [];
      let stdinUsed = false;
      for (let i = 0; i < args.length; i += 2) {
        // No setting starts with "-": this is an option given after "--", where it is a word.
        if (args[i].startsWith('-')) fail('usage', `${args[i]} is not a key: options go before "--", after it every word is a key or a value`);
        const target = parseKey(args[i]);
        let raw = Buffer.from(args[i + 1], 'utf8').toString('latin1');
        if (args[i + 1] === '-') {
          if (stdinUsed) fail('usage', 'only one value can be read from stdin');
          stdinUsed = true;
          raw = (await valueFromStdin(deps, args[i])).toString('latin1');
        }
        const typed = argumentValue(target, raw, opts);
        for (const note of typed.notes) warn(`scalr-conf: note: ${note}`);
        const change: Change = { op: 'set', target, value: typed.value };
        changes.push(cmd.atDefinition ? { ...change, atDefinition: true } : change);
      }
      for (const k of cmd.unset ?? []) changes.push({ op: 'unset', target: checkedKey(parseKey(k), opts) });
      const all = cmd.withEc2 ? withCodeKeys(changes) : changes;
      const noting = notingPlatformKeys(planFor(opts, deps.env, checkedAgainstFile(all, opts.force, warn)), opts, deps.env);
      run.code = await applyPlan(opts, deps, noting.planner);
      if (run.code === EXIT.OK) for (const note of noting.notes()) warn(`scalr-conf: note: ${note}`);
    });

  program
    .command('unset')
    .description('remove KEY (and hashes it leaves empty)')
    .argument('<keys...>', 'one or more keys')
    .addHelpText('after', '\nExamples:\n  sudo scalr-conf unset aws.instances_connection_policy\n  sudo scalr-conf unset gce.instances_connection_policy vmware.instances_connection_policy --dry-run\n')
    .action(async (keys: string[]) => {
      const opts = globals();
      const changes: Change[] = keys.map((k) => ({ op: 'unset', target: parseKey(k) }));
      const warn = (line: string) => deps.stderr.write(asText(line) + '\n');
      run.code = await applyPlan(opts, deps, planFor(opts, deps.env, checkedAgainstFile(changes, opts.force, warn)));
    });

  registerFilter(program, deps, globals);
  registerCompletion(program, deps, run, globals);
  registerHistory(program, deps, run, globals);
  registerLocal(program, deps, run, globals);
  registerExplain(program, deps, run, globals);
  registerDoctor(program, deps, run, globals);
  registerMerge(program, deps, run, globals);
  registerKeys(program, deps, run, globals);
  registerAws(program, deps, run, globals);
  registerReconfigure(program, deps, run, globals);
  registerDiff(program, deps, run, globals);
  registerEdit(program, deps, run, globals);
}

/**
 * A value given as "-": piped in, all of stdin but a final newline; on a terminal, typed without
 * echo, as a password is, since "-" is how a secret is kept out of argv and shell history.
 */
async function valueFromStdin(deps: Deps, key: string): Promise<Buffer> {
  if (!(await terminals(deps)).stdin) {
    const bytes = await readStdin(deps);
    const end = bytes.length - (bytes[bytes.length - 1] === 0x0a ? (bytes[bytes.length - 2] === 0x0d ? 2 : 1) : 0);
    return bytes.subarray(0, end);
  }
  return readHidden(deps.stdin, deps.stderr, `${asText(key)} (typing is not shown): `);
}

