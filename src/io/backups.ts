/**
 * The history of a config file: one entry per write scalr-conf installed, holding the version it
 * replaced, the version it installed, who ran it and the command.
 *
 * They live under /var/lib/scalr-conf/backups (0700), not under /etc: the config holds secrets
 * and tools such as etckeeper commit everything under /etc. Each config file gets a subdirectory
 * named from its real path. An entry is `<id>.bak` (the bytes replaced, mode no looser than the
 * original's owner bits, owned by root), `<id>.new` (the bytes installed) and `<id>.json` (time,
 * summary, who, command, sizes, sha256s). Each is written to a temp file and then hard-linked to
 * its final name: link() never replaces or follows whatever is at the name, so a planted symlink
 * cannot redirect a backup, and a crash never leaves a half-written file under a final name.
 *
 * An entry is listed only once its `.json` exists, and that is linked only after the write was
 * installed (prepareBackup, then commit or discard): a write that failed (disk full, changed on
 * disk) leaves no entry, and its saved copies are removed.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { ScalrConfError } from '../values/errors';
import type { FileStat } from './readConfig';
import { installTemp, removeQuietly, sweepDeadTemps, writeTemp } from './tempFile';

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
  /** What the write installed in place of these bytes; absent in entries made before it was kept. */
  installedSize?: number;
  installedSha256?: string;
  /** Who ran the write (the sudo user when run through sudo) and its command line. */
  who?: string;
  command?: string;
}

/** What a write records about itself beside the bytes. */
export interface WriteRecord {
  summary: string;
  who?: string;
  command?: string;
}

/** An entry whose files are saved but which is listed only once committed. */
export interface PreparedBackup {
  info: BackupInfo;
  /** The write was installed: list the entry and prune older ones. */
  commit(): void;
  /** The write failed: remove what was saved. */
  discard(): void;
}

/** Injection points for tests: the clock and the random part of the id. */
export interface SaveBackupOptions {
  now?: () => Date;
  randomHex?: () => string;
}

const ID_RE = /^(\d{8}T\d{6}\.\d{3}Z)-([0-9a-f]{4})$/;
const BAK_RE = /^(\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{4})\.(bak|new|json)$/;
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

/** Writes `data` to `sub/name`, which must not exist yet; the name appears only when complete. */
function writeNew(sub: string, name: string, data: Buffer, mode: number): void {
  const euid = process.geteuid?.();
  const egid = process.getegid?.();
  const tmp = writeTemp({
    dir: sub,
    stem: `${name}.`,
    data,
    createMode: mode,
    prepare: (fd) => {
      if (euid !== undefined && egid !== undefined) fs.fchownSync(fd, euid, egid);
      // Exact mode whatever the umask.
      fs.fchmodSync(fd, mode);
    },
  });
  installTemp(tmp.path, path.join(sub, name), 'link');
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
      ...(typeof raw.installedSize === 'number' && typeof raw.installedSha256 === 'string'
        ? { installedSize: raw.installedSize, installedSha256: raw.installedSha256 }
        : {}),
      ...(typeof raw.who === 'string' ? { who: raw.who } : {}),
      ...(typeof raw.command === 'string' ? { command: raw.command } : {}),
    };
  } catch {
    return undefined;
  }
}

interface Scan {
  names: string[];
  /** ids having a .json and a .bak, newest first */
  complete: string[];
  /** ids lacking the .json or the .bak: not committed (or half pruned) */
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
  for (const [id, set] of kinds) (set.has('json') && set.has('bak') ? complete : partial).push(id);
  complete.sort().reverse();
  return { names, complete, partial };
}

const TEMP_RE = /^\..+\.(\d+)-[0-9a-f]+\.tmp$/;

/**
 * Saves `bytes` (the version about to be replaced) and `installed` (what replaces it) as the
 * newest entry of realPath, unlisted until commit. Call it under withLock: ids and pruning assume
 * one writer.
 */
export function prepareBackup(
  dir: string,
  realPath: string,
  bytes: Buffer,
  stat: FileStat,
  installed: Buffer | undefined,
  record: WriteRecord,
  keep: number,
  opts: SaveBackupOptions = {},
): PreparedBackup {
  const fail = (err: unknown): never => {
    throw new ScalrConfError(
      'write-failed',
      `cannot save a backup of ${realPath} in ${dir}: ${reason(err)}; nothing written`,
    );
  };
  let sub: string | undefined;
  let id: string | undefined;
  let sidecarTemp: string | undefined;
  const discard = () => {
    if (sidecarTemp) removeQuietly(sidecarTemp);
    if (sub && id) for (const ext of ['new', 'bak']) removeQuietly(path.join(sub, `${id}.${ext}`));
  };
  try {
    sub = ensureSubdir(dir, realPath);
    const before = scan(sub);
    sweepDeadTemps(sub, TEMP_RE, before.names);

    // Ids must sort in the order backups were taken, even within one millisecond or after the
    // clock steps back.
    let t = (opts.now ?? (() => new Date()))().getTime();
    const newest = before.complete[0] ?? before.partial.sort().reverse()[0];
    const newestTime = newest === undefined ? undefined : idTime(newest);
    if (newestTime !== undefined && t <= newestTime) t = newestTime + 1;
    const hex = (opts.randomHex ?? (() => crypto.randomBytes(2).toString('hex')))();
    if (!/^[0-9a-f]{4}$/.test(hex)) throw new Error(`bad random part ${hex}`);
    const time = new Date(t);
    id = formatId(time, hex);

    const mode = stat.mode & 0o600;
    const info: BackupInfo = {
      id,
      time: time.toISOString(),
      summary: record.summary,
      size: bytes.length,
      sha256: sha256(bytes),
      source: realPath,
      mode: stat.mode & 0o7777,
      uid: stat.uid,
      gid: stat.gid,
      path: path.join(sub, `${id}.bak`),
      ...(installed ? { installedSize: installed.length, installedSha256: sha256(installed) } : {}),
      ...(record.who !== undefined ? { who: record.who } : {}),
      ...(record.command !== undefined ? { command: record.command } : {}),
    };
    writeNew(sub, `${id}.bak`, bytes, mode);
    if (installed) writeNew(sub, `${id}.new`, installed, mode);
    const { path: _where, ...sidecar } = info;
    // Written now, while a full disk can still stop the write; linked (no data to write) on commit.
    sidecarTemp = writeTemp({
      dir: sub,
      stem: `${id}.json.`,
      data: Buffer.from(`${JSON.stringify(sidecar, null, 2)}\n`),
      createMode: 0o600,
      prepare: (fd) => fs.fchmodSync(fd, 0o600),
    }).path;
    const where = sub;
    const name = id;
    const temp = sidecarTemp;
    return {
      info,
      commit: () => {
        try {
          installTemp(temp, path.join(where, `${name}.json`), 'link');
        } catch (err) {
          discard();
          throw new ScalrConfError('write-failed', `cannot record the change in the history of ${realPath} in ${dir}: ${reason(err)}`);
        }
        prune(where, Math.max(1, Math.floor(keep)), name);
      },
      discard,
    };
  } catch (err) {
    discard();
    if (err instanceof ScalrConfError) throw err;
    return fail(err);
  }
}

/** prepareBackup and commit at once: for a version kept without a write after it. */
export function saveBackup(
  dir: string,
  realPath: string,
  bytes: Buffer,
  stat: FileStat,
  summary: string,
  keep: number,
  opts: SaveBackupOptions = {},
): BackupInfo {
  const prepared = prepareBackup(dir, realPath, bytes, stat, undefined, { summary }, keep, opts);
  prepared.commit();
  return prepared.info;
}

function prune(sub: string, keep: number, justWritten: string): void {
  const now = scan(sub);
  const doomed = now.complete.slice(keep);
  // Leftovers of a crash between the two links; older than what was just written, so not in progress.
  for (const id of now.partial) if (id < justWritten) doomed.push(id);
  for (const id of doomed) {
    // The .json first: an entry is listed only while it has one.
    for (const ext of ['json', 'bak', 'new']) removeQuietly(path.join(sub, `${id}.${ext}`));
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

/** The bytes a write installed (entry `id`), checked against the sha256 recorded for them. */
export function readInstalled(dir: string, realPath: string, id: string): { info: BackupInfo; bytes: Buffer } {
  const info = listBackups(dir, realPath).find((b) => b.id === id);
  if (!info) throw new ScalrConfError('unreadable', `no backup ${JSON.stringify(id)} of ${realPath} in ${dir}`);
  if (info.installedSha256 === undefined) {
    throw new ScalrConfError('unreadable', `backup ${id} of ${realPath} was made before scalr-conf kept what each change installed`);
  }
  let bytes: Buffer;
  try {
    bytes = readRegular(path.join(path.dirname(info.path), `${id}.new`));
  } catch (err) {
    throw new ScalrConfError('unreadable', `cannot read what change ${id} installed in ${realPath}: ${reason(err)}`);
  }
  if (bytes.length !== info.installedSize || sha256(bytes) !== info.installedSha256) {
    throw new ScalrConfError('unreadable', `what change ${id} installed in ${realPath} is corrupt (checksum mismatch)`);
  }
  return { info, bytes };
}

/** Whether `bytes` are what entry `info`'s write installed. */
export function isInstalledBy(info: BackupInfo, bytes: Buffer): boolean {
  return info.installedSha256 !== undefined && bytes.length === info.installedSize && sha256(bytes) === info.installedSha256;
}
