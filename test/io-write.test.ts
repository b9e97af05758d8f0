import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ScalrConfError } from '../src/values/errors';
import { readConfig } from '../src/io/readConfig';
import { sweepStaleTemps, tempNamePattern, writeAtomic } from '../src/io/writeAtomic';
import { buildIoBundle, supportDir } from './support/ioBundle';
import { caseDirs, run, sleep, spawnNode, tempsIn } from './support/helpers';

function caught(fn: () => unknown): ScalrConfError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ScalrConfError) return err;
    throw err;
  }
  throw new Error('expected a ScalrConfError');
}

const cases = caseDirs('scalr-io-write-');
const freshDir = cases.fresh;
let bundle: string;

beforeAll(async () => {
  bundle = await buildIoBundle(cases.root());
});

describe('readConfig', () => {
  it('reads a regular file with its stat', () => {
    const dir = freshDir();
    const file = path.join(dir, 'scalr-server.rb');
    fs.writeFileSync(file, 'a = 1\n');
    const r = readConfig(file);
    expect(r.path).toBe(file);
    expect(r.realPath).toBe(fs.realpathSync(file));
    expect(r.bytes.toString()).toBe('a = 1\n');
    const st = fs.statSync(file);
    expect(r.stat).toMatchObject({ dev: st.dev, ino: st.ino, size: 6, mode: st.mode, uid: st.uid, gid: st.gid });
  });

  it('reads an empty file', () => {
    const file = path.join(freshDir(), 'empty.rb');
    fs.writeFileSync(file, '');
    expect(readConfig(file).bytes.length).toBe(0);
  });

  it('resolves a chain of relative symlinks', () => {
    const dir = freshDir();
    fs.mkdirSync(path.join(dir, 'real'));
    const file = path.join(dir, 'real', 'scalr-server.rb');
    fs.writeFileSync(file, 'x');
    fs.symlinkSync('real/scalr-server.rb', path.join(dir, 'l1'));
    fs.symlinkSync('l1', path.join(dir, 'l2'));
    const r = readConfig(path.join(dir, 'l2'));
    expect(r.realPath).toBe(fs.realpathSync(file));
    expect(r.bytes.toString()).toBe('x');
  });

  it('refuses a missing file', () => {
    const e = caught(() => readConfig(path.join(freshDir(), 'nope.rb')));
    expect(e.code).toBe('unreadable');
    expect(e.message).toMatch(/no such file/);
  });

  it('refuses a dangling symlink', () => {
    const dir = freshDir();
    fs.symlinkSync('missing.rb', path.join(dir, 'link.rb'));
    const e = caught(() => readConfig(path.join(dir, 'link.rb')));
    expect(e.code).toBe('unreadable');
    expect(e.message).toMatch(/dangling symlink/);
  });

  it('refuses a symlink loop', () => {
    const dir = freshDir();
    fs.symlinkSync('b', path.join(dir, 'a'));
    fs.symlinkSync('a', path.join(dir, 'b'));
    const e = caught(() => readConfig(path.join(dir, 'a')));
    expect(e.code).toBe('unreadable');
    expect(e.message).toMatch(/symlink loop/);
  });

  it('refuses a FIFO without blocking, directly or through a symlink', () => {
    const dir = freshDir();
    const fifo = path.join(dir, 'fifo.rb');
    const made = run('mkfifo', [fifo]);
    expect(made.reason).toBe('');
    fs.symlinkSync('fifo.rb', path.join(dir, 'link.rb'));
    for (const p of [fifo, path.join(dir, 'link.rb')]) {
      const started = Date.now();
      const e = caught(() => readConfig(p));
      expect(e.code).toBe('unreadable');
      expect(e.message).toMatch(/FIFO/);
      expect(Date.now() - started).toBeLessThan(1000);
    }
  });

  it('refuses a directory', () => {
    const e = caught(() => readConfig(freshDir()));
    expect(e.code).toBe('unreadable');
    expect(e.message).toMatch(/directory/);
  });

  it('refuses a socket', async () => {
    const sock = path.join(freshDir(), 'sock.rb');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      const e = caught(() => readConfig(sock));
      expect(e.code).toBe('unreadable');
      expect(e.message).toMatch(/socket/);
    } finally {
      server.close();
    }
  });

  it('refuses a device', () => {
    const e = caught(() => readConfig('/dev/null'));
    expect(e.code).toBe('unreadable');
    expect(e.message).toMatch(/character device/);
  });
});

describe('writeAtomic: owner and mode', () => {
  const modes = [0o600, 0o640, 0o2640, 0o4750];
  const umasks = [0o000, 0o077];
  for (const umask of umasks) {
    for (const mode of modes) {
      it(`keeps owner 1234:5678 and mode ${mode.toString(8)} under umask ${umask.toString(8).padStart(3, '0')}`, () => {
        const dir = freshDir();
        const file = path.join(dir, 'scalr-server.rb');
        fs.writeFileSync(file, 'old\n');
        fs.chownSync(file, 1234, 5678);
        fs.chmodSync(file, mode);
        process.umask(umask);

        // Watch the temp file at every step: it must never be looser than the target.
        const seen: { step: string; mode: number; uid: number; gid: number }[] = [];
        const inDir = (fd: number) => {
          try {
            return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
          } catch {
            return false;
          }
        };
        const realWrite = fs.writeSync;
        vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, ...rest: unknown[]) => {
          if (inDir(fd)) {
            const st = fs.fstatSync(fd);
            seen.push({ step: 'write', mode: st.mode & 0o7777, uid: st.uid, gid: st.gid });
          }
          return (realWrite as (...a: unknown[]) => number).call(fs, fd, ...rest);
        }) as typeof fs.writeSync);
        const realFsync = fs.fsyncSync;
        vi.spyOn(fs, 'fsyncSync').mockImplementation((fd: number) => {
          const st = fs.fstatSync(fd);
          if (st.isFile() && inDir(fd)) seen.push({ step: 'fsync', mode: st.mode & 0o7777, uid: st.uid, gid: st.gid });
          return realFsync.call(fs, fd);
        });

        const r = readConfig(file);
        writeAtomic(r, Buffer.from('new\n'));

        const st = fs.statSync(file);
        expect(fs.readFileSync(file, 'utf8')).toBe('new\n');
        expect(st.uid).toBe(1234);
        expect(st.gid).toBe(5678);
        expect(st.mode & 0o7777).toBe(mode);
        expect(st.ino).not.toBe(r.stat.ino);
        expect(tempsIn(dir)).toEqual([]);

        const writes = seen.filter((s) => s.step === 'write');
        expect(writes.length).toBeGreaterThan(0);
        for (const s of seen) expect(s.mode & ~mode & 0o777, `${s.step} mode ${s.mode.toString(8)}`).toBe(0);
        // While being filled, the temp is root's and at most the target's owner bits.
        for (const s of writes) {
          expect(s.uid).toBe(0);
          expect(s.mode & 0o077).toBe(0);
        }
        // Before it is renamed into place it already has the exact owner and mode.
        expect(seen.find((s) => s.step === 'fsync')).toEqual({ step: 'fsync', mode, uid: 1234, gid: 5678 });
      });
    }
  }
});

describe('writeAtomic: paths', () => {
  it('updates the target of a symlinked config and leaves the link a link', () => {
    const dir = freshDir();
    fs.mkdirSync(path.join(dir, 'etc'));
    fs.mkdirSync(path.join(dir, 'data'));
    const target = path.join(dir, 'data', 'scalr-server.rb');
    const link = path.join(dir, 'etc', 'scalr-server.rb');
    fs.writeFileSync(target, 'old\n');
    fs.chmodSync(target, 0o640);
    fs.symlinkSync('../data/scalr-server.rb', link);

    const r = readConfig(link);
    writeAtomic(r, Buffer.from('new\n'));

    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(link)).toBe('../data/scalr-server.rb');
    expect(fs.readFileSync(target, 'utf8')).toBe('new\n');
    expect(fs.statSync(target).mode & 0o7777).toBe(0o640);
    expect(tempsIn(path.join(dir, 'etc'))).toEqual([]);
    expect(tempsIn(path.join(dir, 'data'))).toEqual([]);
  });

  it('names temps .<base>.scalr-conf-<pid>-<random>.tmp next to the real file, different each time', () => {
    const dir = freshDir();
    const file = path.join(dir, 'scalr-server.rb');
    fs.writeFileSync(file, '0');
    const names: string[] = [];
    const realRename = fs.renameSync;
    vi.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      names.push(String(from));
      return realRename.call(fs, from, to);
    });
    for (let i = 1; i <= 5; i++) writeAtomic(readConfig(file), Buffer.from(String(i)));
    expect(new Set(names).size).toBe(5);
    for (const p of names) {
      expect(path.dirname(p)).toBe(dir);
      const m = tempNamePattern('scalr-server.rb').exec(path.basename(p));
      expect(m?.[1]).toBe(String(process.pid));
      expect(path.basename(p)).toMatch(/-[0-9a-f]{16}\.tmp$/);
    }
  });

  it('cannot be redirected by symlinks planted at temp names', () => {
    const dir = freshDir();
    const file = path.join(dir, 'scalr-server.rb');
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(file, 'old\n');
    fs.writeFileSync(victim, 'precious\n');
    // Guesses at the name pattern cannot hit the random part...
    const planted: string[] = [];
    for (let i = 0; i < 50; i++) {
      const p = path.join(dir, `.scalr-server.rb.scalr-conf-${process.pid}-${i.toString(16).padStart(16, '0')}.tmp`);
      fs.symlinkSync(victim, p);
      planted.push(p);
    }
    writeAtomic(readConfig(file), Buffer.from('new\n'));
    expect(fs.readFileSync(file, 'utf8')).toBe('new\n');
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious\n');

    // ...and even a hit is refused (O_EXCL|O_NOFOLLOW), not followed, and the link is left alone.
    vi.spyOn(crypto, 'randomBytes').mockImplementation(((size: number) => Buffer.alloc(size, 0xab)) as typeof crypto.randomBytes);
    const hit = path.join(dir, `.scalr-server.rb.scalr-conf-${process.pid}-${'ab'.repeat(8)}.tmp`);
    fs.symlinkSync(victim, hit);
    const e = caught(() => writeAtomic(readConfig(file), Buffer.from('newer\n')));
    expect(e.code).toBe('write-failed');
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('new\n');
    expect(fs.readlinkSync(hit)).toBe(victim);
  });
});

describe('writeAtomic: changed on disk', () => {
  function setup() {
    const dir = freshDir();
    const file = path.join(dir, 'scalr-server.rb');
    fs.writeFileSync(file, 'old\n');
    return { dir, file, r: readConfig(file) };
  }

  it('refuses when the bytes changed', () => {
    const { dir, file, r } = setup();
    fs.writeFileSync(file, 'edited by someone\n');
    const e = caught(() => writeAtomic(r, Buffer.from('new\n')));
    expect(e.code).toBe('changed-on-disk');
    expect(e.message).toContain('nothing written');
    expect(fs.readFileSync(file, 'utf8')).toBe('edited by someone\n');
    expect(tempsIn(dir)).toEqual([]);
  });

  it('refuses when the file was replaced by one with the same bytes', () => {
    const { file, r } = setup();
    fs.writeFileSync(`${file}.other`, 'old\n');
    fs.renameSync(`${file}.other`, file);
    expect(caught(() => writeAtomic(r, Buffer.from('new\n'))).code).toBe('changed-on-disk');
    expect(fs.readFileSync(file, 'utf8')).toBe('old\n');
  });

  it('refuses when the file was removed', () => {
    const { file, r } = setup();
    fs.unlinkSync(file);
    expect(caught(() => writeAtomic(r, Buffer.from('new\n'))).code).toBe('changed-on-disk');
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses when the symlink now points elsewhere', () => {
    const dir = freshDir();
    fs.writeFileSync(path.join(dir, 'a.rb'), 'same\n');
    fs.writeFileSync(path.join(dir, 'b.rb'), 'same\n');
    const link = path.join(dir, 'scalr-server.rb');
    fs.symlinkSync('a.rb', link);
    const r = readConfig(link);
    fs.unlinkSync(link);
    fs.symlinkSync('b.rb', link);
    expect(caught(() => writeAtomic(r, Buffer.from('new\n'))).code).toBe('changed-on-disk');
    expect(fs.readFileSync(path.join(dir, 'a.rb'), 'utf8')).toBe('same\n');
    expect(fs.readFileSync(path.join(dir, 'b.rb'), 'utf8')).toBe('same\n');
  });

  it('writes anyway when asked not to check', () => {
    const { file, r } = setup();
    fs.writeFileSync(file, 'edited\n');
    writeAtomic(r, Buffer.from('new\n'), { checkUnchanged: false });
    expect(fs.readFileSync(file, 'utf8')).toBe('new\n');
  });
});

describe('writeAtomic: concurrency with readers and crashes', () => {
  it('the path never disappears and is never partial while hundreds of writes replace it', async () => {
    const dir = freshDir();
    const file = path.join(dir, 'scalr-server.rb');
    const a = Buffer.from('a = 1\n'.repeat(700));
    const b = Buffer.from('b = 22\n'.repeat(900));
    fs.writeFileSync(path.join(dir, 'A'), a);
    fs.writeFileSync(path.join(dir, 'B'), b);
    fs.writeFileSync(file, a);
    const stop = path.join(dir, 'stop');
    const poller = spawnNode(path.join(supportDir, 'poll-child.mjs'), [file, path.join(dir, 'A'), path.join(dir, 'B'), stop]);
    await poller.waitFor('ready');
    for (let i = 0; i < 400; i++) {
      const r = readConfig(file);
      writeAtomic(r, r.bytes.equals(a) ? b : a);
      if (i % 50 === 0) await sleep(1); // let the poller's output drain
    }
    fs.writeFileSync(stop, '');
    await poller.exited;
    const result = JSON.parse(poller.out().trim().split('\n').pop()!) as { polls: number; missing: number; torn: number };
    expect(result.polls).toBeGreaterThan(100);
    expect(result.missing).toBe(0);
    expect(result.torn).toBe(0);
    expect(tempsIn(dir)).toEqual([]);
  });

  it('kill -9 at random moments leaves exactly the old or the new bytes, and the sweep leaves no temp', async () => {
    const TRIALS = 200;
    const LANES = 2; // one per core: start-up of the children is the cost here
    const size = 2 * 1024 * 1024;
    const a = crypto.randomBytes(size);
    const b = crypto.randomBytes(size);

    // Time one write here to aim the kills at the middle of writes.
    const probeDir = freshDir();
    const probe = path.join(probeDir, 'scalr-server.rb');
    fs.writeFileSync(probe, a);
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) {
      const r = readConfig(probe);
      writeAtomic(r, r.bytes.equals(a) ? b : a);
    }
    const perWrite = (performance.now() - t0) / 3;
    const maxDelay = Math.min(60, Math.max(10, perWrite * 2.5));

    let leftTemps = 0;
    let sawOld = 0;
    let sawNew = 0;
    const lane = async (id: number) => {
      const dir = freshDir();
      const file = path.join(dir, 'scalr-server.rb');
      fs.writeFileSync(path.join(dir, 'A'), a);
      fs.writeFileSync(path.join(dir, 'B'), b);
      fs.writeFileSync(file, a);
      const start = () =>
        spawnNode(path.join(supportDir, 'write-child.mjs'), [bundle, file, path.join(dir, 'A'), path.join(dir, 'B')], {
          stdin: true,
        });
      let next = start();
      for (let t = id; t < TRIALS; t += LANES) {
        const child = next;
        await child.waitFor('ready');
        const before = fs.readFileSync(file);
        child.proc.stdin!.write('go\n');
        // The next writer boots while this one is being killed.
        if (t + LANES < TRIALS) next = start();
        await sleep(Math.random() * maxDelay);
        child.proc.kill('SIGKILL');
        const exit = await child.exited;
        expect(exit.signal).toBe('SIGKILL');

        const after = fs.readFileSync(file);
        const isA = after.equals(a);
        const isB = after.equals(b);
        expect(isA || isB, `trial ${t}: file is neither version (${after.length} bytes)`).toBe(true);
        if (after.equals(before)) sawOld++;
        else sawNew++;
        if (tempsIn(dir).length > 0) leftTemps++;
        sweepStaleTemps(file);
        expect(tempsIn(dir), `trial ${t}`).toEqual([]);
      }
    };
    await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));
    console.info(
      `kill -9: ${TRIALS} trials, ~${perWrite.toFixed(1)} ms per write, kills within ${maxDelay.toFixed(0)} ms: ` +
        `${sawOld} unchanged, ${sawNew} changed, ${leftTemps} left a temp for the sweep`,
    );
    // The kills must have landed mid-write some of the time, or this proved nothing.
    expect(leftTemps).toBeGreaterThan(0);
  }, 240_000);
});

describe('sweepStaleTemps', () => {
  it('removes temps of dead writers only', async () => {
    const dir = freshDir();
    const file = path.join(dir, 'scalr-server.rb');
    fs.writeFileSync(file, 'x');
    const dead = spawnNode('-e', ['0']);
    const deadPid = dead.proc.pid!;
    await dead.exited;
    const mk = (name: string) => {
      fs.writeFileSync(path.join(dir, name), 'partial');
      return name;
    };
    const stale = mk(`.scalr-server.rb.scalr-conf-${deadPid}-0123456789abcdef.tmp`);
    const live = mk(`.scalr-server.rb.scalr-conf-${process.pid}-0123456789abcdef.tmp`);
    const otherFile = mk(`.other.rb.scalr-conf-${deadPid}-0123456789abcdef.tmp`);
    const unrelated = mk(`scalr-server.rb.scalr-conf-${deadPid}-0123456789abcdef.tmp`);
    fs.mkdirSync(path.join(dir, `.scalr-server.rb.scalr-conf-${deadPid}-aaaa.tmp`));

    const removed = sweepStaleTemps(file);
    expect(removed).toEqual([path.join(dir, stale)]);
    const left = fs.readdirSync(dir);
    expect(left).not.toContain(stale);
    expect(left).toEqual(expect.arrayContaining([live, otherFile, unrelated, 'scalr-server.rb']));
  });

  it('removes a planted symlink without touching its target', async () => {
    const dir = freshDir();
    const file = path.join(dir, 'scalr-server.rb');
    fs.writeFileSync(file, 'x');
    fs.writeFileSync(path.join(dir, 'victim'), 'keep');
    const dead = spawnNode('-e', ['0']);
    const deadPid = dead.proc.pid!;
    await dead.exited;
    const link = path.join(dir, `.scalr-server.rb.scalr-conf-${deadPid}-00.tmp`);
    fs.symlinkSync('victim', link);
    expect(sweepStaleTemps(file)).toEqual([link]);
    expect(fs.readFileSync(path.join(dir, 'victim'), 'utf8')).toBe('keep');
  });
});
