/**
 * One writer at a time per config file, using a kernel flock(2) lock on a lock file kept next to
 * the config: `<dir>/.<basename>.scalr-conf.lock`, named from the real path so every alias of the
 * file shares one lock.
 *
 * Why next to the config and not under /run/lock: the location then depends on the real path
 * alone. A rule like "/run/lock if writable, else the config dir" lets two runs that see /run
 * differently (sandboxed units, containers, a read-only /run) pick different files and not
 * exclude each other. The config dir must be writable for the atomic rename anyway, it is
 * root-owned (no planting in a world-writable sticky dir), and the lock file holds no data.
 * The file is never deleted: deleting a lock file while others wait on it breaks exclusion.
 *
 * Why flock(1) and not a lock library: Node has no flock(2). Timer-based libraries
 * (proper-lockfile and the like) declare a lock stale after a timeout and can hand it to a second
 * writer while a slow reconfigure still runs; pid files go stale after kill -9. Native bindings
 * (fs-ext) need a compiler toolchain on production servers and a rebuild for every Node ABI.
 * util-linux flock(1) is on every supported distribution. It is given our open lock file as its
 * fd 3 and locks it; the lock belongs to the shared open file description, so it stays held by
 * this process after flock(1) exits and the kernel releases it when this process closes the file
 * or dies, however it dies. Our descriptors are close-on-exec, so programs run while the lock is
 * held (scalr-server-ctl) do not inherit it.
 *
 * flock locks are per open file description: a nested withLock on the same file in the same
 * process waits for itself and ends 'busy'.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ScalrConfError } from '../values/errors';

export interface LockOptions {
  /** How long to wait for another holder; 0 tries once. */
  waitSeconds: number;
}

/** Exit status we ask flock(1) to use for "held by someone else", distinct from its error codes. */
const CONFLICT_EXIT = 75;

const FLOCK_PATHS = ['/usr/bin/flock', '/bin/flock', '/usr/local/bin/flock', '/usr/sbin/flock'];

export function lockPathFor(realPath: string): string {
  return path.join(path.dirname(realPath), `.${path.basename(realPath)}.scalr-conf.lock`);
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

function lockFailed(realPath: string, detail: string): ScalrConfError {
  return new ScalrConfError('write-failed', `cannot lock ${realPath}: ${detail}; nothing written`);
}

/** Fixed locations only: we run as root, so a PATH lookup could run someone else's flock. */
function findFlock(): string | undefined {
  for (const p of FLOCK_PATHS) {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

function openLockFile(lockPath: string, realPath: string): number {
  let fd: number;
  try {
    // Read-only is enough for flock and lets an existing lock file open on a read-only mount.
    // NOFOLLOW/NONBLOCK: a planted symlink or FIFO is refused instead of followed or waited on.
    fd = fs.openSync(
      lockPath,
      fs.constants.O_RDONLY | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK,
      0o600,
    );
  } catch (err) {
    const code = errCode(err);
    const detail =
      code === 'EROFS'
        ? 'read-only file system'
        : code === 'ELOOP'
          ? 'it is a symlink'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : code === 'ENOSPC'
              ? 'no space left on device'
              : ((err as Error).message ?? String(err));
    throw lockFailed(realPath, `cannot open the lock file ${lockPath}: ${detail}`);
  }
  const st = fs.fstatSync(fd);
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw lockFailed(realPath, `the lock file ${lockPath} is not a regular file`);
  }
  return fd;
}

interface FlockResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function runFlock(bin: string, fd: number, waitSeconds: number): Promise<FlockResult> {
  const wait = waitSeconds > 0 ? ['-w', waitSeconds.toFixed(3)] : ['-n'];
  const args = ['-x', '-E', String(CONFLICT_EXIT), ...wait, '3'];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe', fd] });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (stderr.length < 4096) stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr: stderr.trim() }));
  });
}

function sameFile(fd: number, lockPath: string): boolean {
  try {
    const a = fs.fstatSync(fd);
    const b = fs.lstatSync(lockPath);
    return a.dev === b.dev && a.ino === b.ino;
  } catch {
    return false;
  }
}

/**
 * Runs fn while holding the exclusive lock for realPath. Throws 'busy' when another holder keeps
 * it longer than waitSeconds.
 */
export async function withLock<T>(realPath: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const waitSeconds = opts.waitSeconds;
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
    throw new ScalrConfError('usage', `wait must be a number of seconds >= 0, got ${waitSeconds}`);
  }
  const bin = findFlock();
  if (bin === undefined) {
    throw lockFailed(realPath, `flock(1) from util-linux was not found (looked in ${FLOCK_PATHS.join(', ')})`);
  }
  const lockPath = lockPathFor(realPath);
  const deadline = Date.now() + waitSeconds * 1000;

  for (;;) {
    const fd = openLockFile(lockPath, realPath);
    try {
      const remaining = Math.max(0, (deadline - Date.now()) / 1000);
      let r: FlockResult;
      try {
        r = await runFlock(bin, fd, remaining);
      } catch (err) {
        throw lockFailed(realPath, `cannot run ${bin}: ${(err as Error).message}`);
      }
      if (r.code === CONFLICT_EXIT) {
        throw new ScalrConfError(
          'busy',
          `another scalr-conf is changing ${realPath} (waited ${waitSeconds} s); try again or use --wait`,
        );
      }
      if (r.code !== 0) {
        const how = r.signal ? `killed by ${r.signal}` : `exit status ${r.code}`;
        throw lockFailed(realPath, `${bin} failed (${how})${r.stderr ? `: ${r.stderr}` : ''}`);
      }
      // Someone removed or replaced the lock file while we waited: the lock we got guards a file
      // others no longer open, so lock the one now at the path.
      if (!sameFile(fd, lockPath)) continue;
      return await fn();
    } finally {
      // Closing our only descriptor of the open file description releases the lock.
      fs.closeSync(fd);
    }
  }
}
