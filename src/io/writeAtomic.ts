import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { ScalrConfError } from '../core/errors';
import { readConfig, toFileStat, type FileStat, type ReadResult } from './readConfig';

export interface WriteOptions {
  /** Re-read the file first and refuse if it differs from what was read (default true). */
  checkUnchanged?: boolean;
}

const TEMP_INFIX = '.scalr-conf-';

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches our temp names for `base`; group 1 is the pid of the writer. */
export function tempNamePattern(base: string): RegExp {
  return new RegExp(`^\\.${escapeRegExp(base)}${escapeRegExp(TEMP_INFIX)}(\\d+)-[0-9a-f]+\\.tmp$`);
}

function tempPathFor(realPath: string): string {
  const dir = path.dirname(realPath);
  const base = path.basename(realPath);
  // Random part makes the name unguessable, so nobody can plant a link at it in advance.
  const rand = crypto.randomBytes(8).toString('hex');
  return path.join(dir, `.${base}${TEMP_INFIX}${process.pid}-${rand}.tmp`);
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

function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) {
    off += fs.writeSync(fd, data, off, data.length - off, off);
  }
}

/** Best effort: the rename already happened, so failing here would wrongly claim nothing changed. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    fs.fsyncSync(fd);
  } catch {
    // some file systems refuse fsync on directories
  } finally {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* nothing to do */
      }
    }
  }
}

/**
 * Replaces the file's content atomically: readers see the old bytes or the new bytes, never a
 * partial file and never no file. The real path is replaced, so a symlinked config stays a symlink.
 * Owner and mode (setuid/setgid included) are those of the file being replaced. Returns the file as
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

  const tmp = tempPathFor(realPath);
  let fd: number | undefined;
  let created = false;
  let installed = false;
  let stat: FileStat;
  try {
    // Created no looser than the target; the exact mode is applied once the owner is set.
    fd = fs.openSync(
      tmp,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
      meta.mode & 0o600,
    );
    created = true;
    writeAll(fd, data);
    // chown clears setuid/setgid bits, so the mode is set after the owner.
    fs.fchownSync(fd, meta.uid, meta.gid);
    fs.fchmodSync(fd, meta.mode & 0o7777);
    fs.fsyncSync(fd);
    // The inode keeps its identity through the rename.
    stat = toFileStat(fs.fstatSync(fd));
    const closing = fd;
    fd = undefined;
    fs.closeSync(closing);
    fs.renameSync(tmp, realPath);
    installed = true;
  } catch (err) {
    throw writeFailed(realPath, why(err, dir));
  } finally {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    if (created && !installed) {
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* left for sweepStaleTemps */
      }
    }
  }
  fsyncDir(dir);
  return { path: target.path, realPath, bytes: data, stat };
}

function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return errCode(err) === 'EPERM';
  }
}

/**
 * Removes temp files left next to `realPath` by writers that died (kill -9, power loss).
 * Temps of live processes are kept: they may be mid-write. Returns the removed paths.
 */
export function sweepStaleTemps(realPath: string): string[] {
  const dir = path.dirname(realPath);
  const pattern = tempNamePattern(path.basename(realPath));
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    const p = path.join(dir, name);
    try {
      const st = fs.lstatSync(p);
      if (!st.isFile() && !st.isSymbolicLink()) continue;
      fs.unlinkSync(p);
      removed.push(p);
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}
