import { ScalrConfError } from '../values/errors';
import { prepareBackup, type BackupInfo, type PreparedBackup } from '../io/backups';
import type { ReadResult } from '../io/readConfig';
import { writeAtomic } from '../io/writeAtomic';
import { commandLine, whoRan } from './commandLine';
import { asText } from './text';
import type { Deps } from './deps';

export interface History {
  dir: string;
  /** How many entries to keep; 0 keeps none. */
  keep: number;
}

/**
 * Replaces `target` with `bytes`, and records the write in the history only once it is
 * installed: the replaced and the installed version are saved first (a full disk stops the write
 * there), listed after the rename, and removed when the write fails.
 */
export function writeRecorded(
  deps: Deps,
  history: History,
  target: ReadResult,
  bytes: Buffer,
  summary: string,
): { installed: ReadResult; backup?: BackupInfo } {
  let prepared: PreparedBackup | undefined;
  if (history.keep > 0) {
    const record = { summary: asText(summary), who: whoRan(deps.env), command: commandLine(deps.argv ?? []) };
    prepared = prepareBackup(history.dir, target.realPath, target.bytes, target.stat, bytes, record, history.keep);
  }
  let installed: ReadResult;
  try {
    installed = writeAtomic(target, bytes);
  } catch (err) {
    prepared?.discard();
    throw err;
  }
  if (!prepared) return { installed };
  try {
    prepared.commit();
  } catch (err) {
    // The file is written: saying otherwise would be wrong, so this is a warning.
    const why = err instanceof ScalrConfError ? err.message : String(err);
    deps.stderr.write(`scalr-conf: warning: ${target.path} was written, but ${why}\n`);
    return { installed };
  }
  return { installed, backup: prepared.info };
}
