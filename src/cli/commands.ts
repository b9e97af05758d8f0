import type { Command } from 'commander';
import { fail } from '../values/errors';
import { formatKey, parseKey, type Target } from '../values/keys';
import type { Change } from '../edit/plan';
import { parseValue } from '../values/parseValue';
import { flatten, getValue, whyUnreadable, type Unreadable } from '../ruby/query';
import { utf8Text, type RubyValue } from '../values/value';
import { displayValue, plainJson, rubyish } from './valueText';
import { coerceValue, didYouMean, isSecretKey, listSettings, lookupSetting, parseExactJson, suggestKeys, type Setting } from '../knowledge/schema';
import { checkedAgainstFile, hintSuffix, keyHint } from './suggest';
import { knownDefault } from '../knowledge/defaults';
import { checkValue } from '../model/valueChecks';
import { asText, bytesBack } from './text';
import { applyPlan } from './apply';
import { isInteractive, readStdin, terminals, type Deps } from './deps';
import { readHidden } from './terminal';
import { targetFile, type GlobalOptions } from './options';
import { MASK, maskValue } from './secrets';
import { registerHistory } from './cmd-history';
import { registerCompletion } from './cmd-completion';
import { registerLocal } from './cmd-local';
import { registerExplain } from './cmd-explain';
import { registerDoctor } from './cmd-doctor';
import { registerMerge } from './cmd-merge';
import { registerKeys } from './cmd-keys';
import { registerAws } from './cmd-aws';
import { registerFilter } from './filter';
import { registerReconfigure } from './cmd-reconfigure';
import { registerDiff } from './cmd-diff';
import { registerEdit } from './cmd-edit';
import { guidedValue } from './guided';
import { readSecrets } from './configFiles';
import { scalrUses, stepNotes } from './uses';
import { fileNames, planFor, readView } from './layered';
import type { Run } from './exitCodes';

export function registerCommands(program: Command, deps: Deps, run: Run, globals: () => GlobalOptions): void {
  program
    .command('get')
    .description('print the value Ruby computes for KEY (strings raw, other values as JSON)')
    .argument('<key>', 'e.g. aws.instances_connection_policy or proxy[:ssl_enable]')
    .option('--main-only', 'what scalr-server.rb alone holds, without scalr-server-local.rb')
    .addHelpText('after', '\nExamples:\n  scalr-conf get aws.instances_connection_policy\n  scalr-conf get \'proxy[:ssl_enable]\' --json\n')
    .action((key: string, cmd: { mainOnly?: boolean }) => {
      const opts = globals();
      const file = targetFile(opts, deps.env);
      const target = parseKey(key);
      const view = readView(opts, deps.env, file, mainOnlyOf(opts, cmd));
      const found = view.own(getValue(view.doc, target));
      const names = fileNames(opts, deps.env);
      const used = scalrUses(target, found?.value, readSecrets(names.main));
      if (!used) {
        if (opts.json) deps.stdout.write(JSON.stringify({ key: asText(formatKey(target)), set: false, file }) + '\n');
        const where = view.layered && !opts.local ? `${file} or ${names.local}` : file;
        fail('not-set', `${formatKey(target)} is not set in ${where}${found ? '' : hintSuffix(target, view.doc)}`);
      }
      // What Scalr uses, not only what the named file holds: say where another file decides.
      if (!used.fromSecrets && found && found.file !== file) {
        deps.stderr.write(asText(`scalr-conf: note: ${formatKey(target)} is decided by ${found.file}:${found.line}, which reconfigure reads after ${file}`) + '\n');
      }
      for (const note of stepNotes(formatKey(target), used.steps, used.fromSecrets ? names.secrets : (found?.file ?? file))) deps.stderr.write(`scalr-conf: note: ${note}\n`);
      // A secret is printed when asked for by name; secrets inside a hash stay masked.
      const value = opts.showSecrets ? used.value : maskValue(used.value);
      if (opts.json) {
        const where = used.fromSecrets ? { file: names.secrets } : { file: found!.file, line: found!.line };
        deps.stdout.write(JSON.stringify({ key: asText(formatKey(target)), set: true, value: plainJson(value), ...where, ...(used.steps.length ? { reconfigure: used.steps.map((s) => s.kind) } : {}) }) + '\n');
      } else deps.stdout.write(Buffer.from(displayValue(value) + '\n', 'latin1'));
    });

  program
    .command('show')
    .description('print all of app[:configuration] as flattened key = value lines')
    .argument('[prefix]', 'only keys under this one, e.g. aws')
    .option('--all', 'also list attribute-group settings (proxy[:ssl_enable], ...)')
    .option('--main-only', 'what scalr-server.rb alone holds, without scalr-server-local.rb (what every node must share)')
    .addHelpText('after', '\nExamples:\n  scalr-conf show\n  scalr-conf show aws --json\n  scalr-conf show --all\n')
    .action((prefix: string | undefined, cmd: { all?: boolean; mainOnly?: boolean }) => {
      const opts = globals();
      const file = targetFile(opts, deps.env);
      const view = readView(opts, deps.env, file, mainOnlyOf(opts, cmd));
      const doc = view.doc;
      const roots: Target[] = prefix
        ? [parseKey(prefix)]
        : cmd.all
          ? [...doc.model.groups.keys()].map((group) => ({ kind: 'group' as const, group, path: [] as string[] }))
          : [{ kind: 'group', group: 'app', path: ['configuration', 'scalr'] }];
      const rows: [string, RubyValue | Unreadable, number][] = [];
      for (const root of roots) {
        if (root.kind === 'group' && root.path.length === 0) {
          const g = doc.model.groups.get(root.group)!;
          if (g.kind === 'hash') for (const k of g.slots.keys()) rows.push(...flatten(doc, { ...root, path: [k] }));
        } else rows.push(...flatten(doc, root));
      }
      if (prefix && rows.length === 0) {
        const hint = underKnownKey(roots[0]) ? '' : keyHint(roots[0], doc);
        if (hint) deps.stderr.write(asText(`scalr-conf: warning: nothing is set under ${formatKey(roots[0])} in ${file}; ${hint}`) + '\n');
      }
      const enableAll = cmd.all && !prefix ? getValue(doc, { kind: 'enable_all' }) : undefined;
      if (enableAll) rows.push(['enable_all', enableAll.value, enableAll.line]);
      // What Scalr gets, not what the file holds: the notes on stderr say where the two differ.
      const names = fileNames(opts, deps.env);
      const secrets = readSecrets(names.main);
      const scalrRows = view.rows(rows).map((row): [string, RubyValue | Unreadable, number, string] => {
        const [k, v, line] = row;
        if (v.kind === 'unreadable') return [k, v, line, row.file];
        const used = scalrUses(keyTarget(k), v, secrets);
        for (const note of stepNotes(k, used?.steps ?? [], used?.fromSecrets ? names.secrets : row.file)) deps.stderr.write(`scalr-conf: note: ${note}\n`);
        return [k, used?.value ?? v, line, used?.fromSecrets ? names.secrets : row.file];
      });
      const fromElsewhere = scalrRows.filter((r) => r[3] !== file && r[3] !== names.secrets).length;
      if (fromElsewhere > 0 && !opts.local) {
        deps.stderr.write(asText(`scalr-conf: note: ${fromElsewhere} of these values ${fromElsewhere === 1 ? 'is' : 'are'} decided by ${names.local}, which reconfigure reads after ${file}`) + '\n');
      }
      const shown = scalrRows.map(([k, v, line, from]) => [k, v.kind === 'unreadable' || opts.showSecrets || !isSecretKey(k) ? v : undefined, line, from] as const);
      if (opts.json) {
        const entry = (v: RubyValue | Unreadable | undefined) => (!v ? { value: '********' } : v.kind === 'unreadable' ? { unknown: whyUnreadable(v) } : { value: plainJson(v) });
        deps.stdout.write(JSON.stringify(Object.fromEntries(shown.map(([k, v, line, from]) => [asText(k), { ...entry(v), file: from, ...(from === names.secrets ? {} : { line }) }]))) + '\n');
      } else {
        const text = (v: RubyValue | Unreadable | undefined) => (!v ? MASK : v.kind === 'unreadable' ? `(cannot tell: ${whyUnreadable(v)})` : rubyish(v));
        for (const [k, v] of shown) deps.stdout.write(Buffer.from(`${k} = ${text(v)}\n`, 'latin1'));
      }
      const unknown = shown.filter(([, v]) => v?.kind === 'unreadable').length;
      if (unknown > 0) {
        deps.stderr.write(`scalr-conf: warning: ${unknown} value${unknown === 1 ? '' : 's'} cannot be read with certainty; Ruby computes ${unknown === 1 ? 'it' : 'them'} when scalr-server-ctl runs\n`);
      }
    });

  program
    .command('set')
    .description('set KEY to VALUE; several KEY VALUE pairs and --unset KEYs make one change')
    .argument('<key>', 'e.g. aws.instances_connection_policy')
    .argument('[value]', 'the value; "-" reads it from stdin (keeps it out of argv and shell history)')
    .argument('[more...]', 'more KEY VALUE pairs')
    .option('-u, --unset <key...>', 'also remove these keys in the same change')
    .option('--at-definition', 'where a value is one constant or variable (ENDPOINT), change the line that sets it instead: every setting that reads it changes')
    .addHelpText('after', [
      '',
      'Examples:',
      '  sudo scalr-conf set aws.instances_connection_policy local',
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
    .action(async (key: string, value: string | undefined, more: string[], cmd: { unset?: string[]; atDefinition?: boolean }) => {
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
        const change: Change = { op: 'set', target, value: typedValue(target, raw, opts, warn) };
        changes.push(cmd.atDefinition ? { ...change, atDefinition: true } : change);
      }
      for (const k of cmd.unset ?? []) changes.push({ op: 'unset', target: checkedKey(parseKey(k), opts) });
      run.code = await applyPlan(opts, deps, planFor(opts, deps.env, checkedAgainstFile(changes, opts.force, warn)));
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

/**
 * Known keys take their type from the schema (near-misses of them were refused before). Then what
 * reconfigure will do with the value is checked: Scalr must get what was asked.
 */
function typedValue(target: Target, raw: string, opts: GlobalOptions, warn: (line: string) => void): RubyValue {
  const setting = lookupSetting(formatKey(target));
  const value = parsedValue(target, setting, raw, opts);
  if (target.kind === 'group') {
    const path = [target.group, ...target.path];
    const check = checkValue(path, value, { type: setting?.type, default: knownDefault(path), force: opts.force });
    if (check.refusal) throw check.refusal;
    for (const note of check.notes) warn(`scalr-conf: note: ${note}`);
  }
  return value;
}

function parsedValue(target: Target, setting: Setting | undefined, raw: string, opts: GlobalOptions): RubyValue {
  // JSON.parse would make 1.0 an integer and round integers past 2^53.
  if (opts.type === 'json') return parseExactJson(utf8Value(raw, 'JSON'), formatKey(target));
  if (opts.type) return parseValue(raw, opts.type);
  // Strings keep their bytes: a Latin-1 password is not valid UTF-8, and is not to be "repaired".
  if (!setting || setting.type === 'string') return parseValue(raw, 'string');
  if (opts.force && setting.type === 'enum') return parseValue(raw, 'string');
  const text = utf8Text(raw);
  if (text !== undefined) return coerceValue(setting, text);
  if (setting.type === 'hash' || raw.trim().startsWith('[')) utf8Value(raw, 'JSON');
  return bytesBack(coerceValue(setting, raw));
}

function utf8Value(raw: string, what: string): string {
  const text = utf8Text(raw);
  if (text === undefined) fail('usage', `the value is not valid UTF-8, which ${what} must be`);
  return text;
}

/** A near-miss of a known key is refused; other unknown keys are looked at with the file (checkChangedKeys). */
function checkedKey(target: Target, opts: GlobalOptions): Target {
  const key = formatKey(target);
  if (opts.force || lookupSetting(key)) return target;
  const hint = didYouMean(suggestKeys(key));
  if (hint) fail('usage', `unknown key ${key}: ${hint} (--force to use it anyway)`);
  return target;
}

/** Whether settings scalr-conf knows live under this key (`aws`, `connections.ldap`): a real prefix, just not set. */
function underKnownKey(target: Target): boolean {
  const key = formatKey(target);
  return listSettings().some((s) => s.key.startsWith(key + '.') || s.key.startsWith(key + '['));
}

/** get's and show's --main-only, which reads scalr-server.rb without the local file. */
function mainOnlyOf(opts: GlobalOptions, cmd: { mainOnly?: boolean }): { mainOnly?: boolean } {
  if (cmd.mainOnly && opts.local) fail('usage', '--main-only reads scalr-server.rb; it does not go with --local');
  return { mainOnly: cmd.mainOnly };
}

/** A row's key as a target; rows name keys the file holds, so a key that does not read back is shown as it is. */
function keyTarget(key: string): Target {
  try {
    return parseKey(key);
  } catch {
    return { kind: 'enable_all' };
  }
}
