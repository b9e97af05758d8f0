import type { Command } from 'commander';
import { iamPolicy } from '../knowledge/schema';
import type { Deps } from '../app/deps';
import type { GlobalOptions } from '../app/options';
import type { Run } from '../app/exitCodes';

export function registerAws(program: Command, deps: Deps, _run: Run, _globals: () => GlobalOptions): void {
  const aws = program
    .command('aws')
    .description('what Scalr needs from AWS')
    .addHelpText('after', '\nExamples:\n  scalr-conf aws iam-policy > scalr-iam-policy.json\n');
  aws
    .command('iam-policy')
    .description('print the minimum IAM policy Scalr needs, as a policy document (JSON)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  scalr-conf aws iam-policy > scalr-iam-policy.json',
        '  aws iam put-user-policy --user-name scalr --policy-name scalr \\',
        '      --policy-document file://scalr-iam-policy.json',
        '',
      ].join('\n'),
    )
    .action(() => {
      deps.stdout.write(JSON.stringify(iamPolicy(), null, 2) + '\n');
    });
}
