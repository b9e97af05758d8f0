import type { Command } from 'commander';
import { fail } from '../values/errors';
import { editorCommand, makeEditCopy, runEditor, type EditCopy } from '../io/editor';
import { isMissing } from '../io/localFile';
import { isSecretKey } from '../knowledge/schema';
import type { Pending, Planner } from '../app/pendingWrite';
import { readSecrets, readText } from '../app/configFiles';
import { differenceLine } from './differenceText';
import { offerFor, unaskedAnswer, type Answer } from './editDecision';
import { reviewEdit, type EditContext, type Review } from './editReview';
import { askChoice, askYesNo, isInteractive, type Choice, type Deps } from '../app/deps';
import { EXIT, type Run } from '../app/exitCodes';
import { fileNames } from '../app/layered';
import { FILTER, targetFile, type GlobalOptions } from '../app/options';
import type { WriteSession } from '../app/write';

export function registerEdit(program: Command, deps: Deps, run: Run, globals: () => GlobalOptions): void {
  program
    .command('edit')
    .description('edit scalr-server.rb (or with --local scalr-server-local.rb) in $VISUAL, else $EDITOR, else vi, under the lock; check the edit, show which settings change, then install, re-edit or abandon')
    .addHelpText(
      'after',
      [
        '',
        'The editor gets a private copy (mode 0600, in a directory of its own, removed afterwards) while',
        'scalr-conf holds the lock set and unset take. When the editor exits 0 with the copy changed, the copy',
        'is checked as every write is (parser, doctor, what reconfigure could load, ruby -c or the installed',
        'loader), the settings whose value Scalr uses would change are listed as KEY: BEFORE → AFTER, and you',
        'choose: install (backup, write, reconfigure, as set does), re-edit, or abandon.',
        'A copy that does not parse or fails the Ruby check cannot be installed. Other problems (doctor errors',
        'the current files do not have, a changed value only Ruby can compute) ask once more before installing;',
        '--force skips that question.',
        'An editor that exits non-zero, or abandon, leaves the file as it is (exit 9, ABORTED).',
        'Without a terminal, --yes is needed: the copy is installed when it passes the checks (with problems,',
        'only with --force); otherwise edit refuses before starting the editor.',
        'With --json (which needs --yes, as nothing can be asked) stdout carries one JSON result at the end,',
        'as set prints; what the checks found goes to stderr.',
        '',
        'Examples:',
        '  sudo scalr-conf edit',
        '  sudo scalr-conf edit --local --no-reconfigure',
        "  sudo EDITOR='sed -i s/15/30/' scalr-conf edit --yes",
        '',
      ].join('\n'),
    )
    .action(async () => {
      const opts = globals();
      if (opts.file === FILTER) fail('usage', 'edit opens the file in an editor; it cannot edit stdin (--file -)');
      // The editor and the questions use the terminal on stdout, where --json puts its result.
      if (opts.json && !opts.yes) fail('usage', 'edit --json needs --yes: the questions would be asked on stdout, which carries the JSON; nothing edited');
      if (!opts.yes && !(await isInteractive(deps))) {
        fail('aborted', 'edit asks what to do with the edited file and there is no terminal to ask on (--yes installs an edit that passes the checks); nothing edited');
      }
      run.code = await editFile(opts, deps);
    });
}

async function editFile(opts: GlobalOptions, deps: Deps): Promise<number> {
  const file = targetFile(opts, deps.env);
  const names = fileNames(opts, deps.env);
  let original = '';
  // What install writes; set by the session just before it installs.
  let chosen: { text: string; summary: string } | undefined;
  const planner: Planner = (text) => {
    // Under the lock nothing else of ours writes the file; something else did.
    if (text !== original) fail('changed-on-disk', `${file} changed on disk while it was being edited; nothing written`, undefined, file);
    return chosen ? { before: text, after: chosen.text, summary: [chosen.summary] } : { before: text, after: text, summary: ['edit: nothing chosen'] };
  };
  const { pendingWrite } = await import('../app/pendingWrite');
  const pending = await pendingWrite(opts, deps, planner);
  const session: WriteSession = async (install, abandon) => {
    original = pending.absentLocal() ? '' : readText(file);
    const ctx: EditContext = {
      opts,
      env: deps.env,
      names,
      target: opts.local ? 'local' : 'main',
      original,
      other: opts.local ? readText(names.main) : isMissing(names.local) ? undefined : readText(names.local),
      secrets: readSecrets(names.main),
      warn: (line) => deps.stderr.write(line + '\n'),
    };
    const copy = makeEditCopy(file, Buffer.from(original, 'latin1'), abandon);
    try {
      const edited = await editLoop(opts, deps, pending, ctx, copy);
      if (edited === undefined) return pending.finish(EXIT.OK);
      chosen = edited;
      copy.remove();
      return await install();
    } finally {
      copy.remove();
    }
  };
  if (opts.dryRun) {
    // A dry run creates nothing, so a signal leaves nothing of it but the copy.
    return session(
      async () => {
        pending.prepare();
        pending.say(`dry run: ${file} not written`);
        return pending.finish(EXIT.OK);
      },
      () => {},
    );
  }
  const { writePlanned } = await import('../app/write');
  // The choice made in the session is the confirmation, and the copy was checked under this lock.
  return writePlanned({ ...opts, yes: true, verify: false }, deps, planner, pending, session);
}

/** Edits until the user installs (the text to write) or there is nothing to write (undefined); throws on abandon. */
async function editLoop(opts: GlobalOptions, deps: Deps, pending: Pending, ctx: EditContext, copy: EditCopy): Promise<{ text: string; summary: string } | undefined> {
  const { file } = pending;
  const editor = editorCommand(deps.env);
  for (;;) {
    const exit = await runEditor(editor, copy.path, deps.env, { stdoutToStderr: pending.json });
    if (exit.code !== 0) {
      const how = exit.signal ? `was stopped by ${exit.signal}` : `exited with status ${exit.code}`;
      fail('aborted', `the editor (${editor}) ${how}; the edit is discarded and ${file} is unchanged`, undefined, file);
    }
    const text = copy.read();
    if (text === undefined) fail('aborted', `the editor (${editor}) left no file to read back; the edit is discarded and ${file} is unchanged`, undefined, file);
    if (text === ctx.original) {
      pending.say(`no changes made to ${file}; nothing written`);
      return undefined;
    }
    const review = await reviewEdit(ctx, text);
    if (review.check) pending.result.check = review.check;
    for (const line of reviewText(review, !!opts.showSecrets, ctx)) pending.say(line);
    const answer = opts.yes ? unasked(review, !!opts.force, file) : await ask(deps, review, opts, file);
    if (answer === 'abandon') fail('aborted', `edit abandoned; ${file} is unchanged`, undefined, file);
    if (answer === 'install') return { text, summary: editSummary(review) };
  }
}

function unasked(review: Review, force: boolean, file: string): Answer {
  if (unaskedAnswer(review.verdict, force) === 'install') return 'install';
  if (review.blocking) throw review.blocking;
  fail('aborted', `the edit has ${count(review.problems.length, 'problem')} (listed above); --force installs it anyway; ${file} is unchanged`, undefined, file);
}

async function ask(deps: Deps, review: Review, opts: GlobalOptions, file: string): Promise<Answer> {
  const offer = offerFor(review.verdict, !!opts.force);
  const install = opts.dryRun
    ? 'show the diff; nothing is written (--dry-run)'
    : review.verdict === 'doubtful' && offer.confirmInstall
      ? `write ${file} despite the problems above (asks once more)`
      : `write ${file}${opts.reconfigure ? ' and run scalr-server-ctl reconfigure' : ''}`;
  const meaning: Record<Answer, string> = {
    install,
    're-edit': 'open the editor again on the edited copy',
    abandon: `discard the edit; ${file} stays as it is`,
  };
  const choices: Choice[] = offer.answers.map((value) => ({ value, meaning: meaning[value] }));
  const question = review.verdict === 'broken' ? 'The edited copy cannot be installed. What now?' : 'What now?';
  for (;;) {
    const answer = (await askChoice(deps, question, choices)) as Answer;
    if (answer !== 'install' || !offer.confirmInstall) return answer;
    if (await askYesNo(deps, `Install ${file} with ${count(review.problems.length, 'problem')}?`)) return answer;
  }
}

/** What the checks found and what changes for Scalr, as printed before the question. */
export function reviewText(review: Review, showSecrets: boolean, ctx: EditContext): string[] {
  const out: string[] = [];
  for (const p of review.problems) out.push(`problem: ${p}`);
  for (const w of review.warnings) out.push(`warning: ${w}`);
  if (review.verdict === 'broken') return out;
  if (review.check) out.push(`checked with ${review.check}`);
  const side = { main: ctx.names.main, local: ctx.names.local, secrets: ctx.names.secrets };
  if (!review.differences) out.push(`what Scalr uses cannot be compared: the current ${ctx.names[ctx.target]} cannot be read`);
  else if (review.differences.length === 0) out.push('no setting Scalr uses changes (only comments, layout or spelling)');
  else {
    out.push(`${count(review.differences.length, 'setting')} Scalr uses would change:`);
    for (const d of review.differences) out.push('  ' + differenceLine(d, side, side, showSecrets || !isSecretKey(d.key)));
  }
  return out;
}

function editSummary(review: Review): string {
  const keys = review.differences?.map((d) => d.key) ?? [];
  return keys.length ? `edit: ${keys.join(', ')}` : 'edit: no setting changed';
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
