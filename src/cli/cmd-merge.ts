import type { Command } from 'commander';
import { parseRuby } from '../../grammars/ruby';
import { fail } from '../values/errors';
import { mergeChanges, readSnippet } from '../edit/snippet';
import { findPlaceholders, line } from '../ruby/writes';
import { placeholderMessage } from '../knowledge/doctor';
import { checkMergedValues, closeToTheFile, refuseDoubtful } from '../knowledge/snippetChecks';
import { asText } from '../app/text';
import { applyPlan } from '../app/apply';
import { readStdin, type Deps } from '../app/deps';
import type { GlobalOptions } from '../app/options';
import { planFor } from '../app/layered';
import type { Run } from '../app/exitCodes';

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
          for (const note of checkMergedValues(changes, !!opts.force)) deps.stderr.write(asText(`scalr-conf: note: ${note}`) + '\n');
          for (const hint of closeToTheFile(changes, there)) deps.stderr.write(asText(`scalr-conf: warning: ${hint}`) + '\n');
          return changes;
        }, { replaceKinds: true }),
      );
    });
}
