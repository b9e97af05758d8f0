import { ScalrConfError, type ErrorCode } from '../values/errors';

/** Exit statuses, stable for scripts: each names one kind of outcome. */
export const EXIT = {
  OK: 0,
  // As diff(1) and cmp(1): 1 is an answer, never an error, so no error exits 1.
  DIFFERENT: 1,
  USAGE: 2,
  REFUSED: 3,
  NOT_SET: 4,
  RECONFIGURE_FAILED: 5,
  BUSY: 6,
  VERIFY_FAILED: 7,
  CHANGED_ON_DISK: 8,
  ABORTED: 9,
  // EX_SOFTWARE of sysexits(3): a bug or a broken install, apart from every outcome above.
  INTERNAL: 70,
  // 128 + SIGINT, as shells report a command stopped by Ctrl-C.
  INTERRUPTED: 130,
} as const;

export type ExitName = keyof typeof EXIT;

const BY_CODE: Record<ErrorCode, ExitName> = {
  usage: 'USAGE',
  syntax: 'REFUSED',
  unsupported: 'REFUSED',
  'not-hash': 'REFUSED',
  unreadable: 'REFUSED',
  'write-failed': 'REFUSED',
  'ctl-not-found': 'REFUSED',
  'not-set': 'NOT_SET',
  busy: 'BUSY',
  'changed-on-disk': 'CHANGED_ON_DISK',
  'verify-failed': 'VERIFY_FAILED',
  'reconfigure-failed': 'RECONFIGURE_FAILED',
  aborted: 'ABORTED',
  overridden: 'REFUSED',
  'held-by-secrets': 'REFUSED',
  collateral: 'REFUSED',
  'breaks-load': 'REFUSED',
  'replaces-hash': 'REFUSED',
  'becomes-boolean': 'REFUSED',
  'symbol-value': 'REFUSED',
};

/**
 * A signal stopped reconfigure: scalr-conf passed it on, waited for scalr-server-ctl to end, and
 * left the reconfigure pending. Its own exit status, so scripts can tell it from a failed ctl.
 */
export class Interrupted extends ScalrConfError {
  constructor(message: string) {
    super('reconfigure-failed', message);
  }
}

export function exitNameFor(code: ErrorCode): ExitName {
  return BY_CODE[code];
}

export function exitNameOf(e: ScalrConfError): ExitName {
  return e instanceof Interrupted ? 'INTERRUPTED' : exitNameFor(e.code);
}

/** The table shown in --help and the README. */
export const EXIT_HELP: [ExitName, string][] = [
  ['OK', 'success (also: nothing to change)'],
  ['DIFFERENT', 'diff: the configurations differ (never an error)'],
  ['USAGE', 'bad command line, key or value'],
  ['REFUSED', 'edit refused or file unreadable (the file is untouched); doctor: errors found'],
  ['NOT_SET', 'get: the key has no value'],
  ['RECONFIGURE_FAILED', 'the file was written but scalr-server-ctl reconfigure failed or timed out; status: a reconfigure is pending'],
  ['BUSY', 'another scalr-conf holds the lock on this file'],
  ['VERIFY_FAILED', 'the new file failed verification; nothing written'],
  ['CHANGED_ON_DISK', 'the file changed on disk while scalr-conf ran, or (restore) was edited after its last change; nothing written'],
  ['ABORTED', 'the change was not confirmed'],
  ['INTERNAL', 'unexpected internal error, or an incomplete install'],
  ['INTERRUPTED', 'SIGINT/SIGTERM/SIGHUP during reconfigure; scalr-server-ctl was stopped and the reconfigure is pending'],
];

/** Where a command's action leaves its exit status for main to return. */
export interface Run {
  code: number;
}
