/**
 * Copies of the previous version of a config file, taken before each write.
 *
 * They live under /var/lib/scalr-conf/backups (0700), not under /etc: the config holds secrets
 * and tools such as etckeeper commit everything under /etc. Each config file gets a subdirectory
 * named from its real path. A backup is `<id>.bak` (the bytes, mode no looser than the original's
 * owner bits, owned by root) plus `<id>.json` (time, summary, size, sha256). Both are written to a
 * temp file and then hard-linked to their final name: link() never replaces or follows whatever
 * is at the name, so a planted symlink cannot redirect a backup, and a crash never leaves a
 * half-written backup under a final name.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { ScalrConfError } from '../core/errors';
import type { FileStat } from './readConfig';

export const DEFAULT_BACKUP_DIR = '/var/lib/scalr-conf/backups';
export const BACKUP_DIR_ENV = 'SCALR_CONF_BACKUP_DIR';

export interface BackupInfo {
  /** Sortable by time: `20261130T071502.123Z-1a2b`. */
  id: string;
  /** ISO 8601, UTC. */
  time: string;
  summary: string;
  size: number;
  sha256: string;
  /** The real path of the config file this is a backup of. */
  source: string;
  /** Mode (permission and setuid/setgid/sticky bits), owner and group of the file when it was saved. */
  mode: number;
  uid: number;
  gid: number;
  /** Where the backed-up bytes are. */
  path: string;
}

/** Injection points for tests: the clock and the random part of the id. */
export interface SaveBackupOptions {
  now?: () => Date;
  randomHex?: () => string;
}

const ID_RE = /^(\d{8}T\d{6}\.\d{3}Z)-([0-9a-f]{4})$/;
const BAK_RE = /^(\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{4})\.(bak|json)$/;
const TEMP_RE = /^\..+\.(\d+)-[0-9a-f]+\.tmp$/;

/** Option first, then $SCALR_CONF_BACKUP_DIR, then the default. */
export function resolveBackupDir(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (option) return path.resolve(option);
  const fromEnv = env[BACKUP_DIR_ENV];
  if (fromEnv) return path.resolve(fromEnv);
  return DEFAULT_BACKUP_DIR;
}

/** A readable, collision-free directory name for a real path. */
export function backupSubdirName(realPath: string): string {
  const readable =
    realPath
      .replace(/^\/+/, '')
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^\.+/, '_')
      .slice(0, 100) || 'root';
  const hash = crypto.createHash('sha256').update(realPath).digest('hex').slice(0, 12);
  return `${readable}-${hash}`;
}

export function backupSubdir(dir: string, realPath: string): string {
  return path.join(dir, backupSubdirName(realPath));
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

function reason(err: unknown): string {
  switch (errCode(err)) {
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'it is a symlink (refusing to follow it)';
    case 'EEXIST':
      return 'the backup name already exists (refusing to replace or follow it)';
    default:
      return (err as Error)?.message ?? String(err);
  }
}

function sha256(bytes: Buffer): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

function formatId(time: Date, hex: string): string {
  const iso = time.toISOString(); // 2026-11-30T07:15:02.123Z
  return `${iso.slice(0, 19).replace(/[-:]/g, '')}${iso.slice(19)}-${hex}`;
}

function idTime(id: string): number | undefined {
  const m = ID_RE.exec(id);
  if (!m) return undefined;
  const s = m[1];
  const iso = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13)}`;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/** Creates (0700) or checks the per-file directory: a real directory of ours, never a symlink. */
function ensureSubdir(dir: string, realPath: string): string {
  const sub = backupSubdir(dir, realPath);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    fs.mkdirSync(sub, { mode: 0o700 });
  } catch (err) {
    if (errCode(err) !== 'EEXIST') throw err;
  }
  const st = fs.lstatSync(sub);
  if (!st.isDirectory()) throw new Error(`${sub} is not a directory`);
  if (st.uid !== process.geteuid?.()) throw new Error(`${sub} is not owned by us (uid ${st.uid})`);
  if ((st.mode & 0o077) !== 0) fs.chmodSync(sub, 0o700);
  return sub;
}

function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errCode(err) === 'EPERM';
  }
}

function sweepTemps(sub: string, names: string[]): void {
  for (const name of names) {
    const m = TEMP_RE.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    try {
      fs.unlinkSync(path.join(sub, name));
    } catch {
      // best effort
    }
  }
}

/** Writes `data` to `sub/name`, which must not exist yet; the name appears only when complete. */
function writeNew(sub: string, name: string, data: Buffer, mode: number): void {
  const tmp = path.join(sub, `.${name}.${process.pid}-${crypto.randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  let created = false;
  try {
    fd = fs.openSync(
      tmp,
      fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
      mode,
    );
    created = true;
    let off = 0;
    while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off, off);
    const euid = process.geteuid?.();
    const egid = process.getegid?.();
    if (euid !== undefined && egid !== undefined) fs.fchownSync(fd, euid, egid);
    // Exact mode whatever the umask.
    fs.fchmodSync(fd, mode);
    fs.fsyncSync(fd);
    const closing = fd;
    fd = undefined;
    fs.closeSync(closing);
    fs.linkSync(tmp, path.join(sub, name));
  } finally {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    if (created) {
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* swept on a later run */
      }
    }
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // not every file system can fsync a directory
  }
}

/** Reads a small regular file without following links or blocking on FIFOs. */
function readRegular(p: string): Buffer {
  const fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  try {
    if (!fs.fstatSync(fd).isFile()) throw new Error(`${p} is not a regular file`);
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function parseSidecar(sub: string, id: string, source: string): BackupInfo | undefined {
  try {
    const raw = JSON.parse(readRegular(path.join(sub, `${id}.json`)).toString('utf8')) as Record<string, unknown>;
    if (raw.id !== id || typeof raw.time !== 'string' || typeof raw.size !== 'number') return undefined;
    if (typeof raw.sha256 !== 'string') return undefined;
    return {
      id,
      time: raw.time,
      summary: typeof raw.summary === 'string' ? raw.summary : '',
      size: raw.size,
      sha256: raw.sha256,
      source: typeof raw.source === 'string' ? raw.source : source,
      mode: typeof raw.mode === 'number' ? raw.mode : 0o600,
      uid: typeof raw.uid === 'number' ? raw.uid : 0,
      gid: typeof raw.gid === 'number' ? raw.gid : 0,
      path: path.join(sub, `${id}.bak`),
    };
  } catch {
    return undefined;
  }
}

interface Scan {
  names: string[];
  /** ids having both files, newest first */
  complete: string[];
  /** ids having only one of the two files */
  partial: string[];
}

function scan(sub: string): Scan {
  const names = fs.readdirSync(sub);
  const kinds = new Map<string, Set<string>>();
  for (const name of names) {
    const m = BAK_RE.exec(name);
    if (!m) continue;
    const set = kinds.get(m[1]) ?? new Set<string>();
    set.add(m[2]);
    kinds.set(m[1], set);
  }
  const complete: string[] = [];
  const partial: string[] = [];
  for (const [id, set] of kinds) (set.size === 2 ? complete : partial).push(id);
  complete.sort().reverse();
  return { names, complete, partial };
}

/**
 * Saves `bytes` (the version about to be replaced) as the newest backup of realPath and prunes
 * older ones down to `keep` (at least 1). Call it under withLock: pruning assumes one writer.
 */
export function saveBackup(
  dir: string,
  realPath: string,
  bytes: Buffer,
  stat: FileStat,
  summary: string,
  keep: number,
  opts: SaveBackupOptions = {},
): BackupInfo {
  const fail = (err: unknown): never => {
    throw new ScalrConfError(
      'write-failed',
      `cannot save a backup of ${realPath} in ${dir}: ${reason(err)}; nothing written`,
    );
  };
  try {
    const sub = ensureSubdir(dir, realPath);
    const before = scan(sub);
    sweepTemps(sub, before.names);

    // Ids must sort in the order backups were taken, even within one millisecond or after the
    // clock steps back.
    let t = (opts.now ?? (() => new Date()))().getTime();
    const newest = before.complete[0] ?? before.partial.sort().reverse()[0];
    const newestTime = newest === undefined ? undefined : idTime(newest);
    if (newestTime !== undefined && t <= newestTime) t = newestTime + 1;
    const hex = (opts.randomHex ?? (() => crypto.randomBytes(2).toString('hex')))();
    if (!/^[0-9a-f]{4}$/.test(hex)) throw new Error(`bad random part ${hex}`);
    const time = new Date(t);
    const id = formatId(time, hex);

    const mode = stat.mode & 0o600;
    const info: BackupInfo = {
      id,
      time: time.toISOString(),
      summary,
      size: bytes.length,
      sha256: sha256(bytes),
      source: realPath,
      mode: stat.mode & 0o7777,
      uid: stat.uid,
      gid: stat.gid,
      path: path.join(sub, `${id}.bak`),
    };
    writeNew(sub, `${id}.bak`, bytes, mode);
    const sidecar: Omit<BackupInfo, 'path'> = {
      id: info.id,
      time: info.time,
      summary: info.summary,
      size: info.size,
      sha256: info.sha256,
      source: info.source,
      mode: info.mode,
      uid: info.uid,
      gid: info.gid,
    };
    // The sidecar comes second: a backup is listed only once both exist.
    writeNew(sub, `${id}.json`, Buffer.from(`${JSON.stringify(sidecar, null, 2)}\n`), 0o600);
    fsyncDir(sub);

    prune(sub, Math.max(1, Math.floor(keep)), id);
    return info;
  } catch (err) {
    if (err instanceof ScalrConfError) throw err;
    return fail(err);
  }
}

function prune(sub: string, keep: number, justWritten: string): void {
  const now = scan(sub);
  const doomed = now.complete.slice(keep);
  // Leftovers of a crash between the two links; older than what was just written, so not in progress.
  for (const id of now.partial) if (id < justWritten) doomed.push(id);
  for (const id of doomed) {
    for (const ext of ['json', 'bak']) {
      try {
        fs.unlinkSync(path.join(sub, `${id}.${ext}`));
      } catch {
        // best effort
      }
    }
  }
}

/** Backups of realPath, newest first; none when there is no backup directory for it yet. */
export function listBackups(dir: string, realPath: string): BackupInfo[] {
  const sub = backupSubdir(dir, realPath);
  let found: Scan;
  try {
    const st = fs.lstatSync(sub);
    if (!st.isDirectory()) throw new ScalrConfError('unreadable', `${sub} is not a directory`);
    found = scan(sub);
  } catch (err) {
    if (err instanceof ScalrConfError) throw err;
    if (errCode(err) === 'ENOENT') return [];
    throw new ScalrConfError('unreadable', `cannot list backups of ${realPath} in ${sub}: ${reason(err)}`);
  }
  const out: BackupInfo[] = [];
  for (const id of found.complete) {
    const info = parseSidecar(sub, id, realPath);
    if (info) out.push(info);
  }
  return out;
}

/** The bytes of one backup (the newest when id is omitted), checked against its sha256. */
export function readBackup(dir: string, realPath: string, id?: string): { info: BackupInfo; bytes: Buffer } {
  const all = listBackups(dir, realPath);
  if (all.length === 0) throw new ScalrConfError('unreadable', `no backups of ${realPath} in ${dir}`);
  const info = id === undefined ? all[0] : all.find((b) => b.id === id);
  if (!info) throw new ScalrConfError('unreadable', `no backup ${JSON.stringify(id)} of ${realPath} in ${dir}`);
  let bytes: Buffer;
  try {
    bytes = readRegular(info.path);
  } catch (err) {
    throw new ScalrConfError('unreadable', `cannot read backup ${info.id} of ${realPath}: ${reason(err)}`);
  }
  if (bytes.length !== info.size || sha256(bytes) !== info.sha256) {
    throw new ScalrConfError('unreadable', `backup ${info.id} of ${realPath} is corrupt (checksum mismatch)`);
  }
  return { info, bytes };
}
