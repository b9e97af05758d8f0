import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { ScalrConfError } from '../src/values/errors';
import type { FileStat } from '../src/io/readConfig';
import {
  BACKUP_DIR_ENV,
  DEFAULT_BACKUP_DIR,
  backupSubdir,
  backupSubdirName,
  listBackups,
  readBackup,
  resolveBackupDir,
  saveBackup,
  prepareBackup,
  readInstalled,
} from '../src/io/backups';
import { caseDirs, spawnNode } from './support/helpers';

const cases = caseDirs('scalr-io-backups-');
const freshDir = cases.fresh;

const REAL = '/etc/scalr-server/scalr-server.rb';

function stat(mode: number, uid = 1234, gid = 5678): FileStat {
  return { dev: 1, ino: 2, size: 0, mtimeMs: 0, mode: 0o100000 | mode, uid, gid, nlink: 1 };
}

function caught(fn: () => unknown): ScalrConfError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ScalrConfError) return err;
    throw err;
  }
  throw new Error('expected a ScalrConfError');
}

describe('backup location', () => {
  it('defaults outside /etc, then env, then option', () => {
    expect(DEFAULT_BACKUP_DIR).toBe('/var/lib/scalr-conf/backups');
    expect(resolveBackupDir(undefined, {})).toBe(DEFAULT_BACKUP_DIR);
    expect(resolveBackupDir(undefined, { [BACKUP_DIR_ENV]: '/srv/b' })).toBe('/srv/b');
    expect(resolveBackupDir('/opt/x', { [BACKUP_DIR_ENV]: '/srv/b' })).toBe('/opt/x');
  });

  it('names one subdirectory per real path, readable and collision-free', () => {
    const a = backupSubdirName('/etc/scalr-server/scalr-server.rb');
    expect(a).toMatch(/^etc_scalr-server_scalr-server\.rb-[0-9a-f]{12}$/);
    expect(backupSubdirName('/etc/scalr_server/scalr-server.rb')).not.toBe(backupSubdirName('/etc/scalr/server/scalr-server.rb'));
    expect(backupSubdirName('/x/' + 'y'.repeat(300)).length).toBeLessThan(120);
    expect(backupSubdirName('/.hidden')).not.toMatch(/^\./);
  });
});

describe('saveBackup', () => {
  for (const umask of [0o000, 0o077]) {
    for (const mode of [0o600, 0o640, 0o2640, 0o644]) {
      it(`stores the previous bytes root-only (mode ${mode.toString(8)}, umask ${umask.toString(8).padStart(3, '0')})`, () => {
        const dir = path.join(freshDir(), 'var', 'lib', 'scalr-conf', 'backups');
        process.umask(umask);
        // Watch the temp files while they are filled: never looser than the final mode.
        const seen: number[] = [];
        const realWrite = fs.writeSync;
        vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, ...rest: unknown[]) => {
          let target = '';
          try {
            target = fs.readlinkSync(`/proc/self/fd/${fd}`);
          } catch {
            /* not a file */
          }
          if (target.startsWith(dir)) seen.push(fs.fstatSync(fd).mode & 0o7777);
          return (realWrite as (...a: unknown[]) => number).call(fs, fd, ...rest);
        }) as typeof fs.writeSync);

        const bytes = Buffer.from('secret = "hunter2"\n');
        const info = saveBackup(dir, REAL, bytes, stat(mode), 'set app.x', 5);

        expect(info.id).toMatch(/^\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{4}$/);
        expect(info.size).toBe(bytes.length);
        expect(info.sha256).toBe(crypto.createHash('sha256').update(bytes).digest('hex'));
        expect(info.summary).toBe('set app.x');
        expect(info.mode).toBe(mode);
        expect(info.uid).toBe(1234);
        expect(info.gid).toBe(5678);
        expect(path.dirname(info.path)).toBe(backupSubdir(dir, REAL));

        for (const d of [dir, path.dirname(dir), backupSubdir(dir, REAL)]) {
          expect(fs.statSync(d).mode & 0o777, d).toBe(0o700);
        }
        const bak = fs.lstatSync(info.path);
        expect(bak.isFile()).toBe(true);
        expect(bak.mode & 0o7777).toBe(mode & 0o600);
        expect(bak.uid).toBe(0);
        expect(bak.gid).toBe(0);
        expect(fs.readFileSync(info.path)).toEqual(bytes);
        const side = fs.lstatSync(info.path.replace(/\.bak$/, '.json'));
        expect(side.mode & 0o7777).toBe(0o600);
        const json = JSON.parse(fs.readFileSync(info.path.replace(/\.bak$/, '.json'), 'utf8'));
        expect(json).toMatchObject({ id: info.id, time: info.time, summary: 'set app.x', size: bytes.length, sha256: info.sha256 });
        expect(new Date(json.time).toISOString()).toBe(json.time);

        expect(seen.length).toBeGreaterThan(0);
        for (const m of seen) expect(m & ~0o600).toBe(0);
        expect(fs.readdirSync(backupSubdir(dir, REAL)).filter((x) => x.endsWith('.tmp'))).toEqual([]);
      });
    }
  }

  it('lists newest first, prunes to keep, ids sort by time even within one millisecond', () => {
    const dir = freshDir();
    const fixed = new Date('2026-11-30T07:15:02.123Z');
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      ids.push(saveBackup(dir, REAL, Buffer.from(`v${i}`), stat(0o600), `change ${i}`, 5, { now: () => fixed }).id);
    }
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toMatch(/^20261130T071502\.123Z-[0-9a-f]{4}$/);
    const list = listBackups(dir, REAL);
    expect(list.map((b) => b.id)).toEqual(ids.slice(3).reverse());
    expect(list.map((b) => b.summary)).toEqual(['change 7', 'change 6', 'change 5', 'change 4', 'change 3']);
    expect(fs.readdirSync(backupSubdir(dir, REAL))).toHaveLength(10);
  });

  it('keeps ids increasing when the clock steps back', () => {
    const dir = freshDir();
    const a = saveBackup(dir, REAL, Buffer.from('a'), stat(0o600), 'a', 5, { now: () => new Date('2026-11-30T08:00:00.000Z') });
    const b = saveBackup(dir, REAL, Buffer.from('b'), stat(0o600), 'b', 5, { now: () => new Date('2026-11-30T07:00:00.000Z') });
    expect(b.id > a.id).toBe(true);
    expect(readBackup(dir, REAL).bytes.toString()).toBe('b');
  });

  it('keeps at least the backup just taken', () => {
    const dir = freshDir();
    saveBackup(dir, REAL, Buffer.from('a'), stat(0o600), 'a', 0);
    const b = saveBackup(dir, REAL, Buffer.from('b'), stat(0o600), 'b', 0);
    expect(listBackups(dir, REAL).map((x) => x.id)).toEqual([b.id]);
  });

  it('does not write through a symlink planted at the backup name', () => {
    const dir = freshDir();
    const victim = path.join(dir, `..`, `victim-${path.basename(dir)}`);
    fs.writeFileSync(victim, 'precious\n');
    const now = () => new Date('2026-11-30T07:15:02.000Z');
    const sub = backupSubdir(dir, REAL);
    fs.mkdirSync(sub, { recursive: true, mode: 0o700 });
    const name = (ext: string) => path.join(sub, `20261130T071502.000Z-beef.${ext}`);

    // Planted in advance: the backup goes to another name and the link is at most unlinked as a
    // leftover (unlink never follows it).
    fs.symlinkSync(victim, name('bak'));
    const info = saveBackup(dir, REAL, Buffer.from('secret'), stat(0o600), 'x', 5, { now, randomHex: () => 'beef' });
    expect(info.path).not.toBe(name('bak'));
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(fs.existsSync(victim)).toBe(true);
    fs.rmSync(name('bak'), { force: true });

    // Planted in the instant before the final name is made: refused, never followed.
    for (const ext of ['bak', 'json']) {
      const realLink = fs.linkSync;
      vi.spyOn(fs, 'linkSync').mockImplementation((from, to) => {
        if (String(to).endsWith(`.${ext}`)) fs.symlinkSync(victim, String(to));
        return realLink.call(fs, from, to);
      });
      const e = caught(() =>
        saveBackup(dir, REAL, Buffer.from('secret'), stat(0o600), 'x', 5, {
          now: () => new Date('2020-01-01T00:00:00.000Z'),
          randomHex: () => 'beef',
        }),
      );
      vi.restoreAllMocks();
      expect(e.code).toBe('write-failed');
      expect(e.message).toMatch(/already exists/);
      expect(fs.readFileSync(victim, 'utf8')).toBe('precious\n');
      expect(fs.readdirSync(sub).filter((x) => x.endsWith('.tmp'))).toEqual([]);
      for (const x of fs.readdirSync(sub)) if (fs.lstatSync(path.join(sub, x)).isSymbolicLink()) fs.unlinkSync(path.join(sub, x));
    }

    // A symlink at a backup name is not read as a backup either.
    const id = '20991230T000000.000Z-beef';
    fs.writeFileSync(path.join(sub, `${id}.json`), JSON.stringify({ id, time: 't', size: 9, sha256: 'x' }));
    fs.symlinkSync(victim, path.join(sub, `${id}.bak`));
    expect(listBackups(dir, REAL)[0].id).toBe(id);
    const e = caught(() => readBackup(dir, REAL, id));
    expect(e.code).toBe('unreadable');
    expect(e.message).toMatch(/symlink/);
  });

  it('refuses a per-file directory that is a symlink', () => {
    const dir = freshDir();
    const elsewhere = freshDir();
    fs.symlinkSync(elsewhere, backupSubdir(dir, REAL));
    const e = caught(() => saveBackup(dir, REAL, Buffer.from('x'), stat(0o600), 'x', 5));
    expect(e.code).toBe('write-failed');
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });

  it('tightens a per-file directory that was left group/world accessible', () => {
    const dir = freshDir();
    fs.mkdirSync(backupSubdir(dir, REAL), { mode: 0o755 });
    fs.chmodSync(backupSubdir(dir, REAL), 0o755);
    saveBackup(dir, REAL, Buffer.from('x'), stat(0o600), 'x', 5);
    expect(fs.statSync(backupSubdir(dir, REAL)).mode & 0o777).toBe(0o700);
  });

  it('removes temps of dead writers and half-finished backups', async () => {
    const dir = freshDir();
    const first = saveBackup(dir, REAL, Buffer.from('a'), stat(0o600), 'a', 5);
    const sub = backupSubdir(dir, REAL);
    const dead = spawnNode('-e', ['0']);
    const deadPid = dead.proc.pid!;
    await dead.exited;
    fs.writeFileSync(path.join(sub, `.20200101T000000.000Z-0000.bak.${deadPid}-abcdef.tmp`), 'partial');
    fs.writeFileSync(path.join(sub, '20200101T000000.000Z-0000.bak'), 'orphan without sidecar');
    const second = saveBackup(dir, REAL, Buffer.from('b'), stat(0o600), 'b', 5);
    expect(fs.readdirSync(sub).sort()).toEqual(
      [`${first.id}.bak`, `${first.id}.json`, `${second.id}.bak`, `${second.id}.json`].sort(),
    );
  });
});

describe('listBackups / readBackup', () => {
  it('lists nothing and reads nothing when there are no backups', () => {
    const dir = freshDir();
    expect(listBackups(dir, REAL)).toEqual([]);
    const e = caught(() => readBackup(dir, REAL));
    expect(e.code).toBe('unreadable');
    expect(e.message).toMatch(/no backups/);
  });

  it('reads the latest or a given id, refuses unknown ids', () => {
    const dir = freshDir();
    const a = saveBackup(dir, REAL, Buffer.from('first'), stat(0o640), 'a', 5);
    const b = saveBackup(dir, REAL, Buffer.from('second'), stat(0o640), 'b', 5);
    expect(readBackup(dir, REAL).bytes.toString()).toBe('second');
    expect(readBackup(dir, REAL).info.id).toBe(b.id);
    expect(readBackup(dir, REAL, a.id).bytes.toString()).toBe('first');
    for (const bad of ['20990101T000000.000Z-0000', '../../etc/shadow', '']) {
      const e = caught(() => readBackup(dir, REAL, bad));
      expect(e.code).toBe('unreadable');
    }
    // Another file's backups are separate.
    expect(listBackups(dir, '/etc/other.rb')).toEqual([]);
  });

  it('detects a corrupted backup', () => {
    const dir = freshDir();
    const info = saveBackup(dir, REAL, Buffer.from('original'), stat(0o600), 'a', 5);
    fs.writeFileSync(info.path, 'tampered');
    const e = caught(() => readBackup(dir, REAL));
    expect(e.code).toBe('unreadable');
    expect(e.message).toMatch(/corrupt/);
  });

  it('skips entries whose sidecar is missing or unparseable', () => {
    const dir = freshDir();
    const good = saveBackup(dir, REAL, Buffer.from('ok'), stat(0o600), 'a', 5);
    const sub = backupSubdir(dir, REAL);
    fs.writeFileSync(path.join(sub, '20990101T000000.000Z-aaaa.bak'), 'x');
    fs.writeFileSync(path.join(sub, '20990101T000000.000Z-aaaa.json'), '{not json');
    fs.writeFileSync(path.join(sub, '20990101T000000.000Z-bbbb.bak'), 'x');
    expect(listBackups(dir, REAL).map((b) => b.id)).toEqual([good.id]);
  });
});

describe('prepareBackup', () => {
  it('is listed only once committed; discard leaves nothing; commit keeps what was installed', () => {
    const dir = path.join(freshDir(), 'backups');
    const left = prepareBackup(dir, REAL, Buffer.from('old'), stat(0o600), Buffer.from('new'), { summary: 'a', who: 'alice', command: 'scalr-conf set a b' }, 5);
    expect(listBackups(dir, REAL)).toEqual([]);
    left.discard();
    expect(fs.readdirSync(backupSubdir(dir, REAL))).toEqual([]);

    const kept = prepareBackup(dir, REAL, Buffer.from('old'), stat(0o600), Buffer.from('new'), { summary: 'b', who: 'bob', command: 'scalr-conf set a c' }, 5);
    expect(listBackups(dir, REAL)).toEqual([]);
    kept.commit();
    const [info] = listBackups(dir, REAL);
    expect(info).toMatchObject({ id: kept.info.id, summary: 'b', who: 'bob', command: 'scalr-conf set a c', installedSize: 3 });
    expect(readBackup(dir, REAL, info.id).bytes.toString()).toBe('old');
    expect(readInstalled(dir, REAL, info.id).bytes.toString()).toBe('new');
  });
});
