/**
 * Failures of the file system under a write. Each must end in 'write-failed' with the reason,
 * leave the file byte-identical and leave no temp behind. Conditions that need mount(8) or
 * chattr(1) are created for real where the kernel allows it; where it refuses, the test says why
 * (console.warn) and asserts the refusal instead of passing silently.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScalrConfError } from '../src/values/errors';
import { readConfig } from '../src/io/readConfig';
import { writeAtomic } from '../src/io/writeAtomic';
import { withLock } from '../src/io/lock';
import { backupSubdir, listBackups, saveBackup } from '../src/io/backups';
import { caseDirs, run, tempsIn, type RunResult } from './support/helpers';

const cases = caseDirs('scalr-io-faults-');
const freshDir = cases.fresh;
const mounted: string[] = [];
const immutable: string[] = [];

// Registered after caseDirs, so it runs before the root is removed.
afterEach(() => {
  while (immutable.length) run('chattr', ['-i', '-a', immutable.pop()!]);
  while (mounted.length) {
    const m = mounted.pop()!;
    if (!run('umount', [m]).ok) run('umount', ['-l', m]);
  }
});


function mount(args: string[], where: string): RunResult {
  const r = run('mount', [...args, where]);
  if (r.ok) mounted.push(where);
  return r;
}

function chattr(flag: string, p: string): RunResult {
  const r = run('chattr', [flag, p]);
  if (r.ok) immutable.push(p);
  return r;
}

/** The kernel or the sandbox refused to create the condition: say so, and pin that down. */
function refused(what: string, r: RunResult): void {
  console.warn(`${what}: condition not created here: ${r.reason}`);
  expect(r.ok).toBe(false);
  expect(r.reason).not.toBe('');
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

function config(dir: string, content: Buffer | string = 'app[:configuration] = {}\n'): { file: string; bytes: Buffer } {
  const file = path.join(dir, 'scalr-server.rb');
  fs.writeFileSync(file, content);
  fs.chmodSync(file, 0o640);
  return { file, bytes: fs.readFileSync(file) };
}

/** The common postcondition of every failed write. */
function expectUntouched(file: string, bytes: Buffer, dirs: string[] = [path.dirname(file)]): void {
  // Buffer.equals: a deep toEqual over 300 KB takes seconds.
  expect(fs.readFileSync(file).equals(bytes), `${file} changed`).toBe(true);
  for (const d of dirs) expect(tempsIn(d), d).toEqual([]);
}

describe('full disk', () => {
  it('ENOSPC: refuses, file identical, no temp (64 KiB tmpfs)', () => {
    const mnt = freshDir();
    const m = mount(['-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tmpfs'], mnt);
    if (!m.ok) return refused('full disk', m);
    const { file, bytes } = config(mnt, Buffer.alloc(40_000, 'a'));
    const e = caught(() => writeAtomic(readConfig(file), Buffer.alloc(40_000, 'b')));
    expect(e.code).toBe('write-failed');
    expect(e.message).toMatch(/no space left on the device/);
    expectUntouched(file, bytes);
    expect(fs.readdirSync(mnt)).toEqual(['scalr-server.rb']);
  });

  it('ENOSPC while saving a backup: refuses, no temp, no half backup', () => {
    const mnt = freshDir();
    const m = mount(['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs'], mnt);
    if (!m.ok) return refused('full disk (backups)', m);
    const dir = path.join(mnt, 'backups');
    const real = '/etc/scalr-server/scalr-server.rb';
    const st = fs.statSync(cases.root());
    const e = caught(() =>
      saveBackup(dir, real, Buffer.alloc(80_000, 'x'), { ...st, mode: 0o100640 }, 'too big', 5),
    );
    expect(e.code).toBe('write-failed');
    expect(e.message).toMatch(/no space left/);
    expect(fs.readdirSync(backupSubdir(dir, real))).toEqual([]);
    expect(listBackups(dir, real)).toEqual([]);
  });
});

describe('read-only file system', () => {
  it('EROFS: refuses, file identical, no temp; an existing lock file still locks', async () => {
    const mnt = freshDir();
    const m = mount(['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs'], mnt);
    if (!m.ok) return refused('read-only', m);
    const { file, bytes } = config(mnt);
    const other = path.join(mnt, 'unlocked.rb');
    fs.writeFileSync(other, 'x');
    await withLock(file, { waitSeconds: 0 }, async () => undefined); // creates the lock file
    const ro = run('mount', ['-o', 'remount,ro', mnt]);
    if (!ro.ok) return refused('read-only remount', ro);

    const e = caught(() => writeAtomic(readConfig(file), Buffer.from('new\n')));
    expect(e.code).toBe('write-failed');
    expect(e.message).toMatch(/read-only file system/);
    expectUntouched(file, bytes);

    expect(await withLock(file, { waitSeconds: 0 }, async () => 'locked')).toBe('locked');
    await expect(withLock(other, { waitSeconds: 0 }, async () => 'never')).rejects.toMatchObject({
      code: 'write-failed',
      message: expect.stringMatching(/read-only file system/),
    });
  });
});

describe('immutable and append-only', () => {
  it('chattr +i on the file: EPERM, refuses, file identical, no temp', () => {
    const dir = freshDir();
    const { file, bytes } = config(dir);
    const r = readConfig(file);
    const c = chattr('+i', file);
    if (!c.ok) return refused('chattr +i (file)', c);
    const e = caught(() => writeAtomic(r, Buffer.from('new\n')));
    expect(e.code).toBe('write-failed');
    expect(e.message).toMatch(/immutable or append-only/);
    expectUntouched(file, bytes);
  });

  it('chattr +a on the file: EPERM, refuses, file identical, no temp', () => {
    const dir = freshDir();
    const { file, bytes } = config(dir);
    const c = chattr('+a', file);
    if (!c.ok) return refused('chattr +a (file)', c);
    const e = caught(() => writeAtomic(readConfig(file), Buffer.from('new\n')));
    expect(e.code).toBe('write-failed');
    expect(e.message).toMatch(/immutable or append-only/);
    expectUntouched(file, bytes);
  });

  it('chattr +i on the directory: no temp can be created, refuses, file identical', () => {
    const dir = freshDir();
    const { file, bytes } = config(dir);
    const c = chattr('+i', dir);
    if (!c.ok) return refused('chattr +i (directory)', c);
    const e = caught(() => writeAtomic(readConfig(file), Buffer.from('new\n')));
    expect(e.code).toBe('write-failed');
    expect(e.message).toMatch(/operation not permitted/);
    expectUntouched(file, bytes);
  });
});

describe('mount points', () => {
  it('a file bind-mounted over the config (same device): refused before anything is written', () => {
    const dir = freshDir();
    const { file } = config(dir, 'under the mount\n');
    const source = path.join(dir, 'source.rb');
    fs.writeFileSync(source, 'bind source\n');
    const m = mount(['--bind', source], file);
    if (!m.ok) return refused('bind mount', m);
    const seen = readConfig(file);
    expect(seen.bytes.toString()).toBe('bind source\n');
    const e = caught(() => writeAtomic(seen, Buffer.from('new\n')));
    expect(e.code).toBe('write-failed');
    expect(e.message).toMatch(/mount point .* refusing \(it is never copied over in place\)/);
    expectUntouched(file, seen.bytes);
    expect(fs.readFileSync(source, 'utf8')).toBe('bind source\n');
  });

  it('the rename itself fails with EBUSY when the mount is not listed: same refusal, no temp', () => {
    const dir = freshDir();
    const { file } = config(dir, 'under the mount\n');
    const source = path.join(dir, 'source.rb');
    fs.writeFileSync(source, 'bind source\n');
    const m = mount(['--bind', source], file);
    if (!m.ok) return refused('bind mount (EBUSY)', m);
    const seen = readConfig(file);
    // Hide the mount table so that only the kernel's answer to rename(2) is left.
    const realRead = fs.readFileSync;
    vi.spyOn(fs, 'readFileSync').mockImplementation(((p: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      if (p === '/proc/self/mountinfo') throw Object.assign(new Error('hidden'), { code: 'ENOENT' });
      return (realRead as (...a: unknown[]) => unknown).call(fs, p, ...rest);
    }) as typeof fs.readFileSync);
    const renames: string[] = [];
    const realRename = fs.renameSync;
    vi.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      try {
        return realRename.call(fs, from, to);
      } catch (err) {
        renames.push((err as NodeJS.ErrnoException).code ?? '?');
        throw err;
      }
    });
    const e = caught(() => writeAtomic(seen, Buffer.from('new\n')));
    expect(renames).toEqual(['EBUSY']);
    expect(e.code).toBe('write-failed');
    expect(e.message).toMatch(/mount point/);
    expectUntouched(file, seen.bytes);
  });

  it('a file from another device bind-mounted over the config: refused as on another device', () => {
    const dir = freshDir();
    const { file } = config(dir, 'under the mount\n');
    const mnt = freshDir();
    const t = mount(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs'], mnt);
    if (!t.ok) return refused('tmpfs for cross-device bind', t);
    const source = path.join(mnt, 'source.rb');
    fs.writeFileSync(source, 'from tmpfs\n');
    const m = mount(['--bind', source], file);
    if (!m.ok) return refused('cross-device bind mount', m);
    const seen = readConfig(file);
    expect(seen.stat.dev).not.toBe(fs.statSync(dir).dev);
    const e = caught(() => writeAtomic(seen, Buffer.from('new\n')));
    expect(e.code).toBe('write-failed');
    expect(e.message).toMatch(/on another device than its directory/);
    expectUntouched(file, seen.bytes, [dir, mnt]);
  });
});

describe('injected failures at each step', () => {
  type Step = 'openSync' | 'writeSync' | 'fchownSync' | 'fchmodSync' | 'fsyncSync' | 'closeSync' | 'renameSync';
  const cases: [Step, string, RegExp][] = [
    ['openSync', 'EACCES', /permission denied/],
    ['writeSync', 'ENOSPC', /no space left/],
    ['writeSync', 'EDQUOT', /quota exceeded/],
    ['fchownSync', 'EPERM', /operation not permitted/],
    ['fchmodSync', 'EPERM', /operation not permitted/],
    ['fsyncSync', 'EIO', /I\/O error/],
    ['closeSync', 'EIO', /I\/O error/],
    ['renameSync', 'EXDEV', /on another device than its directory/],
    ['renameSync', 'EBUSY', /mount point/],
    ['renameSync', 'EROFS', /read-only/],
  ];
  for (const [step, code, message] of cases) {
    it(`${step} fails with ${code}`, () => {
      const dir = freshDir();
      const { file, bytes } = config(dir, Buffer.alloc(300_000, 'o'));
      const r = readConfig(file);
      const real = fs[step] as (...a: unknown[]) => unknown;
      let armed = true;
      vi.spyOn(fs, step).mockImplementation(((...args: unknown[]) => {
        const first = args[0];
        // Only the temp file (by name or by descriptor) is sabotaged.
        const isTemp =
          typeof first === 'string'
            ? first.includes('.scalr-conf-')
            : typeof first === 'number' && fs.readlinkSync(`/proc/self/fd/${first}`).includes('.scalr-conf-');
        if (armed && isTemp) {
          armed = false;
          if (step === 'writeSync') real.call(fs, first, args[1], 0, 4096, 0); // a partial write first
          if (step === 'closeSync') real.call(fs, first);
          throw Object.assign(new Error(`${code}: injected`), { code });
        }
        return real.call(fs, ...args);
      }) as never);
      const e = caught(() => writeAtomic(r, Buffer.alloc(300_000, 'n')));
      vi.restoreAllMocks();
      expect(armed).toBe(false);
      expect(e.code).toBe('write-failed');
      expect(e.message).toMatch(message);
      expectUntouched(file, bytes);
    });
  }
});
