import type { ErrorCode } from '../core/errors';

/** Exit statuses, stable for scripts: each names one kind of outcome. */
export const EXIT = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  REFUSED: 3,
  NOT_SET: 4,
  RECONFIGURE_FAILED: 5,
  BUSY: 6,
  VERIFY_FAILED: 7,
  CHANGED_ON_DISK: 8,
  ABORTED: 9,
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
};

export function exitNameFor(code: ErrorCode): ExitName {
  return BY_CODE[code];
}

/** The table shown in --help and the README. */
export const EXIT_HELP: [ExitName, string][] = [
  ['OK', 'success (also: nothing to change)'],
  ['INTERNAL', 'unexpected internal error'],
  ['USAGE', 'bad command line, key or value'],
  ['REFUSED', 'edit refused or file unreadable (the file is untouched); doctor: errors found'],
  ['NOT_SET', 'get: the key has no value'],
  ['RECONFIGURE_FAILED', 'the file was written but scalr-server-ctl reconfigure failed'],
  ['BUSY', 'another scalr-conf holds the lock on this file'],
  ['VERIFY_FAILED', 'the new file failed verification; nothing written'],
  ['CHANGED_ON_DISK', 'the file changed on disk while scalr-conf ran, or (restore) was edited after its last change; nothing written'],
  ['ABORTED', 'the change was not confirmed'],
];

/** Where a command's action leaves its exit status for main to return. */
export interface Run {
  code: number;
}
