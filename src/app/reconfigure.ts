import { fail, ScalrConfError } from '../values/errors';
import { describeCtlResult, runReconfigure, type CtlResult } from '../io/ctl';
import { markFinished, markStarted, readPending, describePending } from '../io/pending';
import { Interrupted } from './exitCodes';

export interface TrackedReconfigure {
  ctl: string;
  /** The file whose write this reconfigure applies (recorded in the pending mark). */
  file: string;
  backupDir: string;
  timeoutSeconds?: number;
  env: NodeJS.ProcessEnv;
  out(chunk: Uint8Array): void;
  err(chunk: Uint8Array): void;
  warn(line: string): void;
}

/** --ctl-timeout: seconds > 0, or undefined for no limit. */
export function parseCtlTimeout(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) fail('usage', `--ctl-timeout takes a number of seconds, not ${JSON.stringify(raw)}`);
  return n === 0 ? undefined : n;
}

export function succeeded(r: CtlResult): boolean {
  return r.exitCode === 0 && !r.interrupted && !r.timedOut;
}

/** Runs reconfigure with the pending mark set while it runs and cleared only when it succeeds. */
export async function trackedReconfigure(t: TrackedReconfigure): Promise<CtlResult> {
  // The mark is what makes a failure visible later; being unable to write it must not stop the
  // reconfigure the admin asked for, but they hear about it.
  const record = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      t.warn(`scalr-conf: warning: cannot ${what} the pending-reconfigure mark in ${t.backupDir}: ${(e as Error).message}`);
    }
  };
  record('write', () => markStarted(t.backupDir, t.file, t.ctl));
  const r = await runReconfigure(t.ctl, t.env, t.out, t.err, { timeoutSeconds: t.timeoutSeconds });
  record(succeeded(r) ? 'clear' : 'update', () => markFinished(t.backupDir, t.file, t.ctl, r));
  return r;
}

/** The one-line outcome for a signal during reconfigure. */
export function interruptedError(r: CtlResult): Interrupted {
  return new Interrupted(
    `reconfigure interrupted by ${r.interrupted}: passed it on to scalr-server-ctl (pid ${r.pid}) and waited until it and its processes ended; ` +
      'the reconfigure is still pending: run scalr-conf reconfigure',
  );
}

/** The error for a reconfigure that did not succeed: Interrupted, or reconfigure-failed with `message`. */
export function reconfigureError(r: CtlResult, message: (how: string) => string, timeoutSeconds?: number): ScalrConfError {
  if (r.interrupted) return interruptedError(r);
  return new ScalrConfError('reconfigure-failed', message(describeCtlResult(r, timeoutSeconds)));
}

/** What a write command that changes nothing says before running a pending reconfigure; undefined when none is pending. */
export function pendingNote(backupDir: string): string | undefined {
  const mark = readPending(backupDir);
  return mark ? `${describePending(mark)}; running it now` : undefined;
}
