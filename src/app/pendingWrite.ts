import type { Change, Plan } from '../edit/plan';
import { readConfig, type ReadResult } from '../io/readConfig';
import { emptyRead, isMissing } from '../io/localFile';
import { resolveBackupDir } from '../io/backups';
import { readPending } from '../io/pending';
import type { Deps } from './deps';
import { targetFile, type GlobalOptions } from './options';
import { maskFileDiff } from './secrets';
import { asText } from './text';
import { diffBytes, wantsColour } from './colour';

export interface WriteResult {
  changed: boolean;
  file: string;
  diff: string;
  dryRun: boolean;
  summary: string[];
  reconfigured: boolean;
  backup?: string;
  rolledBack?: boolean;
  /** A reconfigure has not succeeded since the file was written (read from the mark when printed). */
  pendingReconfigure?: boolean;
  /** Which check the new text passed: the installed loader, or ruby -c with which Ruby. */
  check?: string;
}

/** A plan with the changes it makes, which the installed loader may see and nothing else; none: the whole file. */
export type Planned = Plan & { changes?: readonly Change[] };
export type Planner = (text: string, read: ReadResult) => Planned;

/** One run of a write command as the write side (./write) carries it on past the dry run. */
export interface Pending {
  file: string;
  json: boolean;
  result: WriteResult;
  /** Progress: on stdout, or on stderr when stdout carries the JSON result. */
  say(line: string): void;
  /** Prints the JSON result, with --json. */
  emit(): void;
  /** Prints the JSON result (with --json) and passes `code` through. */
  finish(code: number): number;
  /** Reads the file and plans; shows the diff. Undefined when there is nothing to change. */
  prepare(): { read: ReadResult; plan: Planned } | undefined;
  /** A missing scalr-server-local.rb is edited as an empty one; it is created only to be written. */
  absentLocal(): boolean;
}

/** The run of a write command before anything is written: reading, planning, the diff, the result. */
export async function pendingWrite(opts: GlobalOptions, deps: Deps, planner: Planner): Promise<Pending> {
  const { unifiedDiff } = await import('../edit/diff');
  const file = targetFile(opts, deps.env);
  const json = !!opts.json;
  const colour = !json && (await wantsColour(opts.color, deps));
  const result: WriteResult = { changed: false, file, diff: '', dryRun: !!opts.dryRun, summary: [], reconfigured: false };
  const pending: Pending = {
    file,
    json,
    result,
    say: (line) => {
      (json ? deps.stderr : deps.stdout).write(asText(line) + '\n');
    },
    emit: () => {
      if (!json) return;
      result.pendingReconfigure = readPending(resolveBackupDir(opts.backupDir, deps.env)) !== undefined;
      deps.stdout.write(JSON.stringify(result) + '\n');
    },
    finish: (code) => {
      pending.emit();
      return code;
    },
    absentLocal: () => !!opts.local && isMissing(file),
    prepare: () => {
      const read = pending.absentLocal() ? emptyRead(file) : readConfig(file);
      const plan = planner(read.bytes.toString('latin1'), read);
      result.summary = plan.summary.map(asText);
      if (plan.after === plan.before) {
        if (!json) pending.say(`nothing to change in ${file}: ${plan.summary.join('; ')}`);
        return undefined;
      }
      result.changed = true;
      const diff = unifiedDiff(file, plan.before, plan.after);
      const shown = Buffer.from(opts.showSecrets ? diff : maskFileDiff(diff, plan.before, plan.after, { before: plan.beforeDoc?.tree, after: plan.doc?.tree }), 'latin1');
      result.diff = shown.toString('utf8');
      if (!json) deps.stdout.write(diffBytes(shown, colour));
      for (const note of plan.notes ?? []) deps.stderr.write(asText(`scalr-conf: note: ${note}`) + '\n');
      return { read, plan };
    },
  };

  return pending;
}
