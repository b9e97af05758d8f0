/**
 * A reconfigure that has not succeeded since the file was written, recorded as a mark in the
 * backup directory: `<backup dir>/pending-reconfigure.json`.
 *
 * Why a mark: after a failed reconfigure the file already holds the new setting, so the same
 * `set` again finds nothing to change, and without a record it would never reconfigure; Scalr
 * would keep running the old setting while scripts report success. The mark is written before
 * scalr-server-ctl starts, so a scalr-conf killed outright (kill -9, power loss) leaves it too,
 * and removed only when a reconfigure exits 0. One mark per backup directory, since reconfigure
 * applies the whole installation, whichever file was written. It sits beside the backups, not
 * under /etc, because it is scalr-conf's state, not configuration.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CtlResult } from './ctl';

export const PENDING_FILE = 'pending-reconfigure.json';

export interface PendingMark {
  /** The config file whose write reconfigure has yet to apply. */
  file: string;
  ctl: string;
  /** When the first attempt that has not succeeded started (ISO 8601, UTC). */
  since: string;
  /** When the last attempt started. */
  attempt: string;
  /** running: an attempt started and has not reported back (still running, or its scalr-conf died). */
  state: 'running' | 'failed' | 'timed-out' | 'interrupted';
  /** The scalr-conf process of the last attempt. */
  pid: number;
  exitCode?: number;
  signal?: string;
  interruptedBy?: string;
}

export function pendingPath(backupDir: string): string {
  return path.join(backupDir, PENDING_FILE);
}

/** The mark, or undefined when no reconfigure is pending. An unreadable mark still counts as pending. */
export function readPending(backupDir: string): PendingMark | undefined {
  let text: string;
  try {
    text = fs.readFileSync(pendingPath(backupDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return unknownMark();
  }
  try {
    const mark = JSON.parse(text) as PendingMark;
    if (typeof mark === 'object' && mark && typeof mark.state === 'string') return mark;
  } catch {
    // a torn or hand-edited mark: still pending
  }
  return unknownMark();
}

function unknownMark(): PendingMark {
  return { file: '(unknown)', ctl: '(unknown)', since: '(unknown)', attempt: '(unknown)', state: 'failed', pid: 0 };
}

/** Written whole or not at all: a temp file beside it, renamed over it (rename never follows a symlink). */
function writeMark(backupDir: string, mark: PendingMark): void {
  fs.mkdirSync(backupDir, { recursive: true, mode: 0o700 });
  const tmp = path.join(backupDir, `.${PENDING_FILE}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(mark, null, 2) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, pendingPath(backupDir));
}

/** Records that an attempt starts now; `since` is kept from an earlier failed attempt. */
export function markStarted(backupDir: string, file: string, ctl: string, now = new Date()): void {
  const earlier = readPending(backupDir);
  const since = earlier && earlier.since !== '(unknown)' ? earlier.since : now.toISOString();
  writeMark(backupDir, { file, ctl, since, attempt: now.toISOString(), state: 'running', pid: process.pid });
}

/** Clears the mark after a reconfigure that exited 0; otherwise records how the attempt ended. */
export function markFinished(backupDir: string, file: string, ctl: string, r: CtlResult): void {
  if (r.exitCode === 0 && !r.interrupted && !r.timedOut) {
    fs.rmSync(pendingPath(backupDir), { force: true });
    return;
  }
  const earlier = readPending(backupDir);
  const now = new Date().toISOString();
  writeMark(backupDir, {
    file,
    ctl,
    since: earlier?.since ?? now,
    attempt: earlier?.attempt ?? now,
    state: r.interrupted ? 'interrupted' : r.timedOut ? 'timed-out' : 'failed',
    pid: process.pid,
    exitCode: r.exitCode,
    ...(r.signal ? { signal: r.signal } : {}),
    ...(r.interrupted ? { interruptedBy: r.interrupted } : {}),
  });
}

/** Whether the scalr-conf that wrote a 'running' mark is still alive. */
export function attemptAlive(mark: PendingMark): boolean {
  if (mark.state !== 'running' || !Number.isSafeInteger(mark.pid) || mark.pid <= 0) return false;
  try {
    process.kill(mark.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One line for status and notes: what is pending and how the last attempt ended. */
export function describePending(mark: PendingMark): string {
  const how =
    mark.state === 'running'
      ? attemptAlive(mark)
        ? `scalr-conf (pid ${mark.pid}) is running it now, started ${mark.attempt}`
        : `the attempt started ${mark.attempt} by scalr-conf (pid ${mark.pid}) never finished`
      : mark.state === 'interrupted'
        ? `the attempt started ${mark.attempt} was interrupted by ${mark.interruptedBy}`
        : mark.state === 'timed-out'
          ? `the attempt started ${mark.attempt} timed out`
          : `the attempt started ${mark.attempt} failed (${mark.signal ? `killed by ${mark.signal}` : `exit ${mark.exitCode}`})`;
  return `a reconfigure is pending for ${mark.file} since ${mark.since}: ${how}`;
}
