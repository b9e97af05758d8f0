/**
 * The one temp-file protocol behind every file scalr-conf creates: a temp file beside its final
 * name (same directory, so the final step is a rename or link on one file system), created
 * exclusively without following links, written whole, given its owner, mode and metadata, fsynced
 * and closed; then renamed or linked into place; removed on any failure. Temp names carry the
 * writer's pid and a random part: unguessable (nobody can plant a link at one in advance), and a
 * dead writer's leftovers can be told from a live writer's work in progress.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/** `.<stem><pid>-<random>.tmp` in `dir`. */
export function tempPath(dir: string, stem: string): string {
  return path.join(dir, `.${stem}${process.pid}-${crypto.randomBytes(8).toString('hex')}.tmp`);
}

/** Matches temp names made from `stem`; group 1 is the writer's pid. */
export function tempPattern(stem: string): RegExp {
  return new RegExp(`^\\.${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d+)-[0-9a-f]+\\.tmp$`);
}

export interface TempSpec {
  dir: string;
  /** The name's fixed part, see tempPath. */
  stem: string;
  data: Buffer;
  /** Permission bits at creation; keep them no looser than the final mode. */
  createMode: number;
  /** Runs on the open, complete file before it is fsynced: owner, exact mode, metadata. */
  prepare?: (fd: number, tmp: string) => void;
}

export interface WrittenTemp {
  path: string;
  /** The inode as it will be installed (it keeps its identity through rename and link). */
  stat: fs.Stats;
}

/** Writes a complete, fsynced temp file; nothing is left behind when this throws. */
export function writeTemp(spec: TempSpec): WrittenTemp {
  const tmp = tempPath(spec.dir, spec.stem);
  let fd: number | undefined;
  let created = false;
  let done = false;
  try {
    fd = fs.openSync(
      tmp,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
      spec.createMode,
    );
    created = true;
    for (let off = 0; off < spec.data.length; ) off += fs.writeSync(fd, spec.data, off, spec.data.length - off, off);
    spec.prepare?.(fd, tmp);
    fs.fsyncSync(fd);
    const stat = fs.fstatSync(fd);
    const closing = fd;
    fd = undefined;
    fs.closeSync(closing);
    done = true;
    return { path: tmp, stat };
  } finally {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    if (created && !done) removeQuietly(tmp);
  }
}

/**
 * Puts a written temp file at `dest`. 'rename' replaces whatever is there atomically; 'link' never
 * replaces or follows anything at `dest` (EEXIST instead), and the temp name is removed after.
 * The temp is removed when this throws.
 */
export function installTemp(tmp: string, dest: string, how: 'rename' | 'link'): void {
  try {
    if (how === 'rename') fs.renameSync(tmp, dest);
    else fs.linkSync(tmp, dest);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
  if (how === 'link') removeQuietly(tmp);
  fsyncDir(path.dirname(dest));
}

export function removeQuietly(p: string): void {
  try {
    fs.unlinkSync(p);
  } catch {
    // gone already, or left for a later sweep
  }
}

/** Best effort: not every file system can fsync a directory, and the data is in place already. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    fs.fsyncSync(fd);
  } catch {
    // see above
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

export function pidAlive(pid: number): boolean {
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
 * Removes the temp files in `dir` matching `pattern` (group 1: pid) whose writer is dead (kill -9,
 * power loss). A live writer's temps are kept: they may be mid-write. Returns the removed paths.
 */
export function sweepDeadTemps(dir: string, pattern: RegExp, names?: string[]): string[] {
  let found = names;
  if (!found) {
    try {
      found = fs.readdirSync(dir);
    } catch {
      return [];
    }
  }
  const removed: string[] = [];
  for (const name of found) {
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
