import fs from 'node:fs';
import path from 'node:path';
import { ScalrConfError } from '../values/errors';
import { installTemp, sweepDeadTemps, tempPattern, writeTemp } from './tempFile';
import { applyXattrs, readXattrs } from './xattrs';
import { readConfig, toFileStat, type FileStat, type ReadResult } from './readConfig';

export interface WriteOptions {
  /** Re-read the file first and refuse if it differs from what was read (default true). */
  checkUnchanged?: boolean;
}

const TEMP_INFIX = '.scalr-conf-';

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/** Matches our temp names for `base`; group 1 is the pid of the writer. */
export function tempNamePattern(base: string): RegExp {
  return tempPattern(`${base}${TEMP_INFIX}`);
}

function why(err: unknown, dir: string): string {
  switch (errCode(err)) {
    case 'EROFS':
      return 'read-only file system';
    case 'EPERM':
      return 'operation not permitted (is the file or its directory immutable or append-only? see lsattr)';
    case 'EACCES':
      return `permission denied in ${dir}`;
    case 'ENOSPC':
      return `no space left on the device holding ${dir}`;
    case 'EDQUOT':
      return `disk quota exceeded on the device holding ${dir}`;
    case 'EIO':
      return 'I/O error';
    case 'EBUSY':
    case 'EXDEV':
      return mountReason();
    default:
      return (err as Error)?.message ?? String(err);
  }
}

function mountReason(): string {
  return (
    'the file is a mount point (e.g. a bind mount) or on another device than its directory, ' +
    'so it cannot be replaced atomically; refusing (it is never copied over in place)'
  );
}

function writeFailed(realPath: string, detail: string): ScalrConfError {
  return new ScalrConfError('write-failed', `cannot write ${realPath}: ${detail}; nothing written`);
}

/** Whether `p` is listed in /proc/self/mountinfo (false when that cannot be read). */
function isMountPoint(p: string): boolean {
  let info: string;
  try {
    info = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return false;
  }
  for (const line of info.split('\n')) {
    const field = line.split(' ')[4];
    if (field === undefined) continue;
    const mountPoint = field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
    if (mountPoint === p) return true;
  }
  return false;
}

function assertUnchanged(target: ReadResult): FileStat {
  const changed = (extra: string) =>
    new ScalrConfError(
      'changed-on-disk',
      `${target.path} changed on disk since it was read${extra}; nothing written`,
    );
  let now: ReadResult;
  try {
    now = readConfig(target.path);
  } catch (err) {
    throw changed(err instanceof ScalrConfError ? ` (${err.message})` : '');
  }
  if (now.realPath !== target.realPath) throw changed(` (it now resolves to ${now.realPath})`);
  if (now.stat.dev !== target.stat.dev || now.stat.ino !== target.stat.ino || !now.bytes.equals(target.bytes)) {
    throw changed('');
  }
  return now.stat;
}

/**
 * Replaces the file's content atomically: readers see the old bytes or the new bytes, never a
 * partial file and never no file. The real path is replaced, so a symlinked config stays a symlink.
 * Owner, mode (setuid/setgid included) and extended attributes (ACLs, SELinux label, user.*; see
 * ./xattrs) are those of the file being replaced, set before the rename. Returns the file as
 * installed, so that a later write (a rollback) can check nobody changed it since.
 */
export function writeAtomic(target: ReadResult, data: Buffer, opts: WriteOptions = {}): ReadResult {
  const realPath = target.realPath;
  const dir = path.dirname(realPath);
  const meta = (opts.checkUnchanged ?? true) ? assertUnchanged(target) : target.stat;

  // Refuse before creating anything when rename could only fail or would hide a mount.
  let dirDev: number;
  try {
    dirDev = fs.statSync(dir).dev;
  } catch (err) {
    throw writeFailed(realPath, why(err, dir));
  }
  if (dirDev !== meta.dev || isMountPoint(realPath)) throw writeFailed(realPath, mountReason());

  // Read first: a file whose ACL or label cannot be carried over is refused before anything is made.
  const attrs = readXattrs(realPath);
  let stat: FileStat;
  try {
    const tmp = writeTemp({
      dir,
      stem: `${path.basename(realPath)}${TEMP_INFIX}`,
      data,
      // Created no looser than the target; the exact mode is applied once the owner is set.
      createMode: meta.mode & 0o600,
      prepare: (fd, tmpPath) => {
        // chown clears setuid/setgid bits, so the mode is set after the owner; the ACL (an
        // attribute) last, since chmod rewrites its mask.
        fs.fchownSync(fd, meta.uid, meta.gid);
        fs.fchmodSync(fd, meta.mode & 0o7777);
        applyXattrs(realPath, tmpPath, attrs);
      },
    });
    stat = toFileStat(tmp.stat);
    installTemp(tmp.path, realPath, 'rename');
  } catch (err) {
    if (err instanceof ScalrConfError) throw err;
    throw writeFailed(realPath, why(err, dir));
  }
  return { path: target.path, realPath, bytes: data, stat };
}

/**
 * Removes temp files left next to `realPath` by writers that died (kill -9, power loss).
 * Temps of live processes are kept: they may be mid-write. Returns the removed paths.
 */
export function sweepStaleTemps(realPath: string): string[] {
  return sweepDeadTemps(path.dirname(realPath), tempNamePattern(path.basename(realPath)));
}
