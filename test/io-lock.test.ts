import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScalrConfError } from '../src/values/errors';
import { lockPathFor, withLock } from '../src/io/lock';
import { buildIoBundle, supportDir } from './support/ioBundle';
import { caseDirs, run, sleep, spawnNode, type Child } from './support/helpers';

const cases = caseDirs('scalr-io-lock-');
let bundle: string;
const children: Child[] = [];

beforeAll(async () => {
  bundle = await buildIoBundle(cases.root());
});

// Registered after caseDirs, so the children go before their directories do.
afterAll(() => {
  for (const c of children) c.proc.kill('SIGKILL');
});

function freshConfig(): string {
  const dir = cases.fresh();
  const file = path.join(dir, 'scalr-server.rb');
  fs.writeFileSync(file, 'x');
  return file;
}

function lockChild(realPath: string, wait: number, holdMs: number, shared?: string, tag?: string): Child {
  const args = [bundle, realPath, String(wait), String(holdMs)];
  if (shared) args.push(shared, tag ?? '');
  const c = spawnNode(path.join(supportDir, 'lock-child.mjs'), args);
  children.push(c);
  return c;
}

async function rejection(p: Promise<unknown>): Promise<ScalrConfError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ScalrConfError) return err;
    throw err;
  }
  throw new Error('expected a ScalrConfError');
}

const free = (realPath: string) => withLock(realPath, { waitSeconds: 0 }, async () => 'free');

describe('withLock', () => {
  it('returns what fn returns, keeps the lock file (0600, never deleted) next to the config', async () => {
    const file = freshConfig();
    const lockPath = lockPathFor(file);
    expect(lockPath).toBe(path.join(path.dirname(file), '.scalr-server.rb.scalr-conf.lock'));
    const saved = process.umask(0);
    try {
      expect(await withLock(file, { waitSeconds: 0 }, async () => 42)).toBe(42);
    } finally {
      process.umask(saved);
    }
    const st = fs.lstatSync(lockPath);
    expect(st.isFile()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(await free(file)).toBe('free');
    expect(fs.existsSync(lockPath)).toBe(true);
  });

  it('releases the lock when fn throws', async () => {
    const file = freshConfig();
    await expect(
      withLock(file, { waitSeconds: 0 }, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await free(file)).toBe('free');
  });

  it('serializes 20 concurrent processes (no interleaving)', async () => {
    const file = freshConfig();
    const shared = path.join(path.dirname(file), 'shared.log');
    fs.writeFileSync(shared, '');
    const kids = Array.from({ length: 20 }, (_, i) => lockChild(file, 60, 20, shared, `p${i}`));
    const exits = await Promise.all(kids.map((k) => k.exited));
    for (const [i, e] of exits.entries()) expect(e.code, kids[i].out()).toBe(0);
    const lines = fs.readFileSync(shared, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(40);
    const tags = new Set<string>();
    for (let i = 0; i < lines.length; i += 2) {
      const tag = lines[i].replace(/^start /, '');
      expect(lines[i]).toBe(`start ${tag}`);
      expect(lines[i + 1]).toBe(`end ${tag}`);
      tags.add(tag);
    }
    expect(tags.size).toBe(20);
  }, 60_000);

  it('is not inherited by programs started while it is held', async () => {
    const file = freshConfig();
    let pid: number | undefined;
    await withLock(file, { waitSeconds: 0 }, async () => {
      const daemon = spawn('sleep', ['30'], { stdio: 'ignore', detached: true });
      daemon.unref();
      pid = daemon.pid;
    });
    try {
      expect(pid).toBeGreaterThan(0);
      expect(await free(file)).toBe('free');
    } finally {
      if (pid) process.kill(pid, 'SIGKILL');
    }
  });

  it('refuses a symlink or a FIFO planted at the lock path', async () => {
    const file = freshConfig();
    const victim = path.join(path.dirname(file), 'victim');
    fs.symlinkSync(victim, lockPathFor(file));
    const e = await rejection(free(file));
    expect(e.code).toBe('write-failed');
    expect(e.message).toMatch(/symlink/);
    expect(fs.existsSync(victim)).toBe(false);

    const file2 = freshConfig();
    expect(run('mkfifo', [lockPathFor(file2)]).reason).toBe('');
    const started = Date.now();
    const e2 = await rejection(free(file2));
    expect(e2.code).toBe('write-failed');
    expect(e2.message).toMatch(/not a regular file/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('rejects a negative or non-finite wait', async () => {
    const file = freshConfig();
    expect((await rejection(withLock(file, { waitSeconds: -1 }, async () => 1))).code).toBe('usage');
    expect((await rejection(withLock(file, { waitSeconds: Number.NaN }, async () => 1))).code).toBe('usage');
  });
});

// These mostly wait on each other's timers, so they run side by side to keep the suite short.
describe.concurrent('withLock: waiting', () => {
  it('a slow holder excludes others for as long as it runs (no stale-lock timer)', async () => {
    const file = freshConfig();
    const shared = path.join(path.dirname(file), 'shared.log');
    fs.writeFileSync(shared, '');
    // Longer than the 10 s after which timer-based lock files are commonly considered stale.
    const holder = lockChild(file, 0, 11_000, shared, 'slow');
    await holder.waitFor('locked');
    const started = Date.now();
    const waiter = withLock(file, { waitSeconds: 30 }, async () => {
      fs.appendFileSync(shared, 'start waiter\n');
    });
    for (const at of [1000, 5000, 10_500]) {
      await sleep(Math.max(0, started + at - Date.now()));
      if (holder.out().includes('released')) break;
      expect((await rejection(free(file))).code).toBe('busy');
    }
    await waiter;
    expect((await holder.exited).code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
    expect(fs.readFileSync(shared, 'utf8')).toBe('start slow\nend slow\nstart waiter\n');
  }, 40_000);

  it('is released within a second when the holder is killed with kill -9', async () => {
    const file = freshConfig();
    const holder = lockChild(file, 0, 600_000);
    await holder.waitFor('locked');
    let acquiredAt = 0;
    const waiting = withLock(file, { waitSeconds: 20 }, async () => {
      acquiredAt = Date.now();
    });
    await sleep(300);
    expect(acquiredAt).toBe(0);
    const killedAt = Date.now();
    holder.proc.kill('SIGKILL');
    await waiting;
    expect(acquiredAt).toBeGreaterThanOrEqual(killedAt);
    expect(acquiredAt - killedAt).toBeLessThan(1000);
  });

  it('gives busy after waitSeconds, and at once with waitSeconds 0', async () => {
    const file = freshConfig();
    const holder = lockChild(file, 0, 600_000);
    await holder.waitFor('locked');

    let started = Date.now();
    const e = await rejection(withLock(file, { waitSeconds: 1 }, async () => 'never'));
    const waited = Date.now() - started;
    expect(e.code).toBe('busy');
    // The way out is what the admin must be told; the rest of the sentence may change.
    expect(e.message).toContain('--wait');
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(5000);

    started = Date.now();
    const e0 = await rejection(withLock(file, { waitSeconds: 0 }, async () => 'never'));
    expect(e0.code).toBe('busy');
    expect(e0.message).toContain('(waited 0 s)');
    expect(Date.now() - started).toBeLessThan(950);

    holder.proc.kill('SIGKILL');
    await holder.exited;
    expect(await free(file)).toBe('free');
  });

  it('locks the file that is at the lock path even if it was removed while waiting', async () => {
    const file = freshConfig();
    const shared = path.join(path.dirname(file), 'shared.log');
    fs.writeFileSync(shared, '');
    const first = lockChild(file, 0, 1500, shared, 'first');
    await first.waitFor('locked');
    const waiting = withLock(file, { waitSeconds: 20 }, async () => {
      fs.appendFileSync(shared, 'start waiter\n');
    });
    await sleep(200);
    // Removed by hand: a newcomer creates and locks a new file while the first still holds the old.
    fs.unlinkSync(lockPathFor(file));
    const newcomer = lockChild(file, 0, 2500, shared, 'newcomer');
    await newcomer.waitFor('locked');
    await waiting;
    const lines = fs.readFileSync(shared, 'utf8').trim().split('\n');
    // The waiter got the old file when the first released it, saw it was no longer at the path,
    // and waited for the newcomer on the current one.
    expect(lines.indexOf('start waiter')).toBeGreaterThan(lines.indexOf('end newcomer'));
    expect(lines.indexOf('start waiter')).toBeGreaterThan(lines.indexOf('end first'));
    expect(fs.existsSync(lockPathFor(file))).toBe(true);
  });
});
