import type { Command } from 'commander';
import { fail } from '../values/errors';
import { formatKey, parseKey, type Target } from '../values/keys';
import type { RubyValue } from '../values/value';
import { isSecretKey, listSettings } from '../knowledge/schema';
import { pathOfTarget, readSetting, readSettings } from '../model/reading';
import { keyBinOfPath } from '../ruby/writes';
import type { Use } from '../model/uses';
import { hintSuffix, keyHint } from './suggest';
import { asText } from '../app/text';
import { displayValue, plainJson, rubyish } from './valueText';
import { MASK, maskValue } from '../app/secrets';
import { MASK as MASK_TEXT, maskQuoted } from '../ruby/secretRanges';
import { stepNotes } from './notes';
import { readView, type View } from '../app/layered';
import type { Deps } from '../app/deps';
import { targetFile, type GlobalOptions } from '../app/options';
import type { Run } from '../app/exitCodes';

/** get and show: what Scalr uses, read from the one fold of every layer, and where each file decides. */
export function registerRead(program: Command, deps: Deps, _run: Run, globals: () => GlobalOptions): void {
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
      const read = readSetting(view.inputs, target, ownedBy(view));
      const name = formatKey(target);
      if (read?.kind === 'unknown') {
        const u = read.use;
        fail('unsupported', `cannot tell the value of ${keyBinOfPath(u.path)}: ${placeOf(u, view, file)} has ${u.unreadable}`, { line: u.line ?? 1, column: 1 }, undefined, u.quoted);
      }
      if (!read) {
        if (opts.json) deps.stdout.write(JSON.stringify({ key: asText(name), set: false, file }) + '\n');
        const where = view.layered && !opts.local ? `${file} or ${view.fileOf('local')}` : file;
        fail('not-set', `${name} is not set in ${where}${hintSuffix(target, view.doc)}`);
      }
      const from = view.fileOf(read.source);
      // What Scalr uses, not only what the named file holds: say where another file decides.
      if (read.source !== 'secrets' && from !== file) {
        deps.stderr.write(asText(`scalr-conf: note: ${name} is decided by ${from}:${read.line}, which reconfigure reads after ${file}`) + '\n');
      }
      for (const note of stepNotes(name, read.steps, from)) deps.stderr.write(`scalr-conf: note: ${note}\n`);
      // A secret is printed when asked for by name; secrets inside a hash stay masked.
      const value = opts.showSecrets ? read.value : maskValue(read.value);
      if (opts.json) {
        const where = read.source === 'secrets' ? { file: from } : { file: from, line: read.line };
        deps.stdout.write(JSON.stringify({ key: asText(name), set: true, value: plainJson(value), ...where, ...(read.steps.length ? { reconfigure: read.steps.map((s) => s.kind) } : {}) }) + '\n');
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
      const roots: string[][] = prefix
        ? [pathOfTarget(parseKey(prefix))]
        : cmd.all
          ? [...[...view.doc.model.groups.keys()].map((g) => [g]), ['enable_all']]
          : [['app', 'configuration', 'scalr']];
      const { rows, above } = readSettings(view.inputs, roots, ownedBy(view));
      // A value above the prefix that cannot be read hides everything under it.
      const hidden = above.find((u) => !u.value);
      if (hidden) fail('unsupported', `cannot tell the value of ${keyBinOfPath(hidden.path)}: ${placeOf(hidden, view, file)} has ${hidden.unreadable}`, { line: hidden.line ?? 1, column: 1 }, undefined, hidden.quoted);
      if (prefix && rows.length === 0) {
        const target = parseKey(prefix);
        const hint = underKnownKey(target) ? '' : keyHint(target, view.doc);
        if (hint) deps.stderr.write(asText(`scalr-conf: warning: nothing is set under ${formatKey(target)} in ${file}; ${hint}`) + '\n');
      }
      // What Scalr gets, not what the file holds: the notes on stderr say where the two differ.
      for (const u of rows) for (const note of stepNotes(keyBinOfPath(u.path), u.steps, view.fileOf(u.source))) deps.stderr.write(`scalr-conf: note: ${note}\n`);
      const local = rows.filter((u) => u.source === 'local').length;
      if (local > 0 && !opts.local) {
        deps.stderr.write(asText(`scalr-conf: note: ${local} of these values ${local === 1 ? 'is' : 'are'} decided by ${view.fileOf('local')}, which reconfigure reads after ${file}`) + '\n');
      }
      const hide = (u: Use): boolean => !!u.value && !opts.showSecrets && isSecretKey(keyBinOfPath(u.path));
      // The reason quotes the code, which under a secret key may be the secret without its quotes.
      const why = (u: Use): string => {
        const text = `${placeOf(u, view, file)} has ${u.unreadable}`;
        return opts.showSecrets ? text : maskQuoted(text, u.quoted, isSecretKey);
      };
      if (opts.json) {
        const entry = (u: Use) => (hide(u) ? { value: MASK_TEXT } : u.value ? { value: plainJson(u.value) } : { unknown: why(u) });
        const where = (u: Use) => (u.source === 'secrets' ? { file: view.fileOf(u.source) } : { file: view.fileOf(u.source), line: u.line });
        deps.stdout.write(JSON.stringify(Object.fromEntries(rows.map((u) => [asText(keyBinOfPath(u.path)), { ...entry(u), ...where(u) }]))) + '\n');
      } else {
        const text = (u: Use) => (hide(u) ? MASK : u.value ? rubyish(u.value as RubyValue) : `(cannot tell: ${why(u)})`);
        for (const u of rows) deps.stdout.write(Buffer.from(`${keyBinOfPath(u.path)} = ${text(u)}\n`, 'latin1'));
      }
      const unknown = rows.filter((u) => !u.value).length;
      if (unknown > 0) {
        deps.stderr.write(`scalr-conf: warning: ${unknown} value${unknown === 1 ? '' : 's'} cannot be read with certainty; Ruby computes ${unknown === 1 ? 'it' : 'them'} when scalr-server-ctl runs\n`);
      }
    });
}

/** With --local, only what scalr-server-local.rb decides counts. */
function ownedBy(view: View): ((u: Use) => boolean) | undefined {
  return view.localOnly ? (u) => u.source === 'local' : undefined;
}

/** `line N` in the file the command names, `FILE:N` in another. */
function placeOf(u: Use, view: View, file: string): string {
  const from = view.fileOf(u.source);
  return from === file ? `line ${u.line}` : `${from}:${u.line}`;
}

function mainOnlyOf(opts: GlobalOptions, cmd: { mainOnly?: boolean }): { mainOnly?: boolean } {
  if (cmd.mainOnly && opts.local) fail('usage', '--main-only reads scalr-server.rb; it does not go with --local');
  return { mainOnly: cmd.mainOnly };
}

/** Whether settings scalr-conf knows live under this key (`aws`, `connections.ldap`): a real prefix, just not set. */
function underKnownKey(target: Target): boolean {
  const key = formatKey(target);
  return listSettings().some((s) => s.key.startsWith(key + '.') || s.key.startsWith(key + '['));
}
