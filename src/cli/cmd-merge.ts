import type { Command } from 'commander';
import { parseRuby } from '../../grammars/ruby';
import { fail } from '../values/errors';
import { formatKey } from '../values/keys';
import type { Change } from '../edit/plan';
import { mergeChanges, readSnippet } from '../edit/snippet';
import { utf8Text } from '../values/value';
import { findPlaceholders, line } from '../ruby/writes';
import { covered, placeholderMessage } from '../knowledge/doctor';
import { valueProblem } from '../knowledge/knowledge';
import { didYouMean, isSecretKey, lookupSetting, suggestKeys, suggestPresentKeys } from '../knowledge/schema';
import type { Document } from '../ruby/document';
import { presentKeys, readValue } from '../ruby/query';
import { asText } from './text';
import { applyPlan } from './apply';
import { readStdin, type Deps } from './deps';
import type { GlobalOptions } from './options';
import { planFor } from './layered';
import type { Run } from './exitCodes';

export function registerMerge(program: Command, deps: Deps, run: Run, globals: () => GlobalOptions): void {
  program
    .command('merge')
    .description('deep-merge a Ruby snippet (such as a sample from Scalr\'s docs) into the file: hashes merge, other values replace; one diff, one write, one reconfigure')
    .argument('<snippet>', 'Ruby assignments, or "-" to read them from stdin')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        `  sudo scalr-conf merge 'app[:configuration] = { "scalr" => { "aws" => { "instances_connection_policy" => "local" } } }'`,
        "  sudo scalr-conf merge 'proxy[:ssl_enable] = true' --dry-run",
        '  sudo scalr-conf merge - < snippet.rb',
        '  sudo scalr-conf merge --local - < snippet.rb',
        'Where the docs list choices ("local" or "public"), pick one first. A line holding only "..." is',
        'ignored (the settings already in the file are kept anyway). Unknown keys close to known ones and',
        'values outside a setting\'s known ones are refused unless --force.',
        '',
      ].join('\n'),
    )
    .action(async (source: string) => {
      const opts = globals();
      const text = source === '-' ? (await readStdin(deps)).toString('latin1') : Buffer.from(source, 'utf8').toString('latin1');
      const placeholder = findPlaceholders(parseRuby(text).rootNode)[0];
      if (placeholder) fail('usage', `line ${line(placeholder.node)} of the snippet: ${placeholderMessage(placeholder)}`);
      const snippet = readSnippet(text);
      for (const note of snippet.notes) deps.stderr.write(`scalr-conf: note: ${note}\n`);
      run.code = await applyPlan(
        opts,
        deps,
        planFor(opts, deps.env, (there) => {
          const changes = mergeChanges(there, snippet);
          if (!opts.force) refuseDoubtful(changes, !!opts.showSecrets);
          for (const hint of closeToTheFile(changes, there)) deps.stderr.write(asText(`scalr-conf: warning: ${hint}`) + '\n');
          return changes;
        }, { replaceKinds: true }),
      );
    });
}

/** The checks `set` makes, for every key the snippet sets. */
function refuseDoubtful(changes: Change[], showSecrets: boolean): void {
  const problems: string[] = [];
  for (const c of changes) {
    if (c.op !== 'set') continue;
    const bin = formatKey(c.target);
    const key = utf8Text(bin) ?? bin;
    if (c.target.kind === 'group' && covered([c.target.group, ...c.target.path])) continue;
    const setting = lookupSetting(key);
    if (!setting) {
      const hint = didYouMean(suggestKeys(key));
      if (hint) problems.push(`unknown key ${key}: ${hint}`);
      continue;
    }
    const problem = valueProblem(key, c.value, setting, !showSecrets && isSecretKey(key));
    if (problem) problems.push(problem);
  }
  if (problems.length) fail('usage', `${problems.join('; ')} (--force to merge anyway; nothing written)`);
}

/** A new key scalr-conf does not know, close to one the file holds: merged as given, and said. */
function closeToTheFile(changes: Change[], there: Document): string[] {
  let present: string[] | undefined;
  const hints: string[] = [];
  for (const c of changes) {
    const key = formatKey(c.target);
    if (c.op !== 'set' || lookupSetting(key) || readValue(there, c.target) !== undefined) continue;
    const hint = didYouMean(suggestPresentKeys(key, (present ??= presentKeys(there))));
    if (hint) hints.push(`${key} is new to the file and not a setting scalr-conf knows; ${hint}`);
  }
  return hints;
}
