import fs from 'node:fs';
import nodePath from 'node:path';
import { ScalrConfError } from '../values/errors';

export interface FileStat {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  /** Full st_mode, file type bits included. */
  mode: number;
  uid: number;
  gid: number;
  /** How many names the file has: a write replaces this one only. */
  nlink: number;
}

export interface ReadResult {
  /** The path as given. */
  path: string;
  /** The path with every symlink resolved: the file that is read and later replaced. */
  realPath: string;
  bytes: Buffer;
  stat: FileStat;
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/** About `file`, which the error names as data too: diff reads two, and a script asks which failed. */
function unreadable(file: string, message: string): ScalrConfError {
  return new ScalrConfError('unreadable', message, undefined, file);
}

function describeType(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSymbolicLink()) return 'a symlink';
  return 'not a regular file';
}

function reason(err: unknown): string {
  switch (errCode(err)) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many levels of symlinks (a symlink loop?)';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'EISDIR':
      return 'is a directory';
    case 'ENAMETOOLONG':
      return 'path too long';
    case 'EIO':
      return 'I/O error';
    default:
      return (err as Error)?.message ?? String(err);
  }
}

export function toFileStat(st: fs.Stats): FileStat {
  return {
    dev: st.dev,
    ino: st.ino,
    size: st.size,
    mtimeMs: st.mtimeMs,
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    nlink: st.nlink,
  };
}

/** Resolves symlinks, refusing dangling links and loops with a message that names which. */
export function resolveRealPath(path: string): string {
  let link: fs.Stats;
  try {
    link = fs.lstatSync(path);
  } catch (err) {
    throw unreadable(path, `${path}: ${reason(err)}`);
  }
  try {
    return fs.realpathSync.native(path);
  } catch (err) {
    const code = errCode(err);
    if (link.isSymbolicLink() && code === 'ENOENT') {
      throw unreadable(path, `${path}: dangling symlink (its target does not exist)`);
    }
    if (code === 'ELOOP') throw unreadable(path, `${path}: symlink loop`);
    throw unreadable(path, `${path}: ${reason(err)}`);
  }
}

/**
 * The real path a file has or would have: with nothing at the name (deleted), its directory's real
 * path and its name, so that its history can still be found and the file put back.
 */
export function resolveRealPathAllowMissing(p: string): string {
  try {
    fs.lstatSync(p);
  } catch (err) {
    if (errCode(err) === 'ENOENT') return nodePath.join(resolveRealPath(nodePath.dirname(p)), nodePath.basename(p));
  }
  return resolveRealPath(p);
}

/**
 * Reads the config file. Only regular files are accepted, and the type is checked before opening
 * so that a FIFO or device at the path can never block or have side effects.
 */
export function readConfig(path: string): ReadResult {
  const realPath = resolveRealPath(path);
  const shown = realPath === path ? path : `${path} (-> ${realPath})`;

  let st: fs.Stats;
  try {
    st = fs.lstatSync(realPath);
  } catch (err) {
    throw unreadable(shown, `${shown}: ${reason(err)}`);
  }
  if (!st.isFile()) throw unreadable(shown, `${shown}: ${describeType(st)}, not a regular file`);

  let fd: number;
  try {
    // NONBLOCK: if the path is swapped for a FIFO after the check, open still returns at once.
    // NOFOLLOW: if it is swapped for a symlink, refuse instead of reading something else.
    fd = fs.openSync(realPath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (err) {
    if (errCode(err) === 'ELOOP') throw unreadable(shown, `${shown}: replaced by a symlink while being read`);
    throw unreadable(shown, `${shown}: ${reason(err)}`);
  }
  try {
    const fst = fs.fstatSync(fd);
    if (!fst.isFile()) throw unreadable(shown, `${shown}: ${describeType(fst)}, not a regular file`);
    if (fst.ino !== st.ino || fst.dev !== st.dev) {
      throw unreadable(shown, `${shown}: replaced while being read; try again`);
    }
    const bytes = readAll(fd, fst.size);
    return { path, realPath, bytes, stat: toFileStat(fst) };
  } catch (err) {
    if (err instanceof ScalrConfError) throw err;
    throw unreadable(shown, `${shown}: ${reason(err)}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads to end of file; the size is only a hint, so a file that grows meanwhile is read whole. */
function readAll(fd: number, sizeHint: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  let buf = Buffer.allocUnsafe(Math.max(sizeHint + 1, 64 * 1024));
  for (;;) {
    if (total === buf.length) {
      chunks.push(buf);
      buf = Buffer.allocUnsafe(buf.length);
      total = 0;
    }
    const n = fs.readSync(fd, buf, total, buf.length - total, null);
    if (n === 0) break;
    total += n;
  }
  chunks.push(buf.subarray(0, total));
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}
