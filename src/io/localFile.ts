import fs from 'node:fs';
import { ScalrConfError } from '../values/errors';
import { toFileStat, type ReadResult } from './readConfig';

/**
 * scalr-server-local.rb is optional: scalr-server-ctl reads it after scalr-server.rb when it
 * exists. `--local` edits may therefore start from no file at all; it is created empty, with the
 * mode and owner of the main file (it holds the same kind of secrets), just before the first write.
 */

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/** Nothing at the path, not even a dangling symlink (which is refused elsewhere, not created through). */
export function isMissing(path: string): boolean {
  try {
    fs.lstatSync(path);
    return false;
  } catch (err) {
    return errCode(err) === 'ENOENT';
  }
}

/** What an edit of a missing local file starts from: no bytes. */
export function emptyRead(path: string): ReadResult {
  return {
    path,
    realPath: path,
    bytes: Buffer.alloc(0),
    stat: { dev: 0, ino: 0, size: 0, mtimeMs: 0, mode: 0o100600, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, nlink: 0 },
  };
}

export interface CreatedFile {
  path: string;
  dev: number;
  ino: number;
}

/**
 * Creates `path` empty with the mode and owner of `like`. Undefined when something appeared there
 * meanwhile (another scalr-conf): that file is then edited like any other.
 */
export function createEmptyLike(path: string, like: string): CreatedFile | undefined {
  let model: fs.Stats;
  try {
    model = fs.statSync(like);
  } catch (err) {
    throw new ScalrConfError('unreadable', `${like}: ${errCode(err) === 'ENOENT' ? 'no such file' : (err as Error).message}; --local edits the file beside it`);
  }
  return createEmptyWith(path, model);
}

/** Creates `path` empty with the given mode and owner (those a backup recorded, say); see createEmptyLike. */
export function createEmptyWith(path: string, model: { mode: number; uid: number; gid: number }): CreatedFile | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    if (errCode(err) === 'EEXIST') return undefined;
    throw new ScalrConfError('write-failed', `cannot create ${path}: ${(err as Error).message}; nothing written`);
  }
  try {
    try {
      fs.fchownSync(fd, model.uid, model.gid);
    } catch (err) {
      // Not root: the file stays ours, which is who runs scalr-conf anyway.
      if (errCode(err) !== 'EPERM') throw err;
    }
    // After chown, which clears setuid/setgid bits.
    fs.fchmodSync(fd, model.mode & 0o7777);
    const st = toFileStat(fs.fstatSync(fd));
    return { path, dev: st.dev, ino: st.ino };
  } catch (err) {
    fs.closeSync(fd);
    fd = -1;
    try {
      fs.unlinkSync(path);
    } catch {
      /* already failing */
    }
    throw new ScalrConfError('write-failed', `cannot set up ${path}: ${(err as Error).message}; nothing written`);
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** Takes back a file createEmptyLike made when nothing was written into it after all. */
export function removeIfStillEmpty(created: CreatedFile): void {
  try {
    const st = fs.lstatSync(created.path);
    if (st.isFile() && st.size === 0 && st.ino === created.ino && st.dev === created.dev) fs.unlinkSync(created.path);
  } catch {
    // gone or replaced: not ours to remove any more
  }
}
