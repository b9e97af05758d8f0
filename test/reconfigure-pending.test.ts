/**
 * Reconfigure as tracked state, with real processes: bin/scalr-conf runs a stand-in
 * scalr-server-ctl that logs its pid, starts children in its process group and sleeps; the test
 * signals scalr-conf as kill(1) or Ctrl-C would and watches the log, the lock and the mark.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import type { CliRun } from './support/cli';
import { errorOf, expectError } from './support/runError';
import { BIN, ROOT, SAMPLE } from './support/tmp';

/**
 * Modes (file `mode`): ok and fail exit at once; hang starts two children that on SIGTERM log,
 * take a second to end, and exit, while the ctl itself exits at once on SIGTERM, so only a
 * scalr-conf that waits for the whole group waits for them (they do not hold its output pipes,
 * so waiting for those is not enough). On SIGINT the ctl stops its children
 * itself (bash's background jobs ignore SIGINT) and waits for them.
 */
const STAND_IN = `#!/bin/bash
log="$STANDIN_DIR/log"
mode=$(cat "$STANDIN_DIR/mode")
echo "ctl-start $$ pgid=$(cut -d' ' -f5 /proc/$$/stat) $mode" >> "$log"
case "$mode" in
  ok) echo "reconfigure: done"; exit 0 ;;
  fail) echo "stand-in: chef run failed" >&2; exit 3 ;;
esac
for i in 1 2; do
  bash -c 'trap "echo child-term \\$BASHPID >> \\"$0\\"; kill \\$! 2>/dev/null; sleep 1; echo child-exit \\$BASHPID >> \\"$0\\"; exit 0" TERM
    echo "child-start $BASHPID pgid=$(cut -d" " -f5 /proc/$BASHPID/stat)" >> "$0"; sleep 60 & wait' "$log" >/dev/null 2>&1 &
done
trap 'echo "ctl-term $$" >> "$log"; exit 143' TERM
trap 'echo "ctl-int $$" >> "$log"; kill -TERM $(jobs -p); wait; exit 130' INT
sleep 60 & wait $!
echo "ctl-end" >> "$log"
`;

let dir: string;
let file: string;
let ctl: string;
let env: NodeJS.ProcessEnv;
const running: ChildProcess[] = [];

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli.cjs'))) spawnSync('node', ['scripts/build.mjs'], { cwd: ROOT });
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scalr-conf-pending-'));
  file = join(dir, 'scalr-server.rb');
  writeFileSync(file, readFileSync(SAMPLE));
  ctl = join(dir, 'scalr-server-ctl');
  writeFileSync(ctl, STAND_IN);
  chmodSync(ctl, 0o755);
  mode('ok');
  env = { ...process.env, STANDIN_DIR: dir, SCALR_CONF_BACKUP_DIR: join(dir, 'backups') };
});

afterEach(() => {
  for (const c of running.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  // Whatever a failed case left of the stand-in's group.
  for (const line of logLines()) {
    const m = /^ctl-start \d+ pgid=(\d+)/.exec(line);
    const pgid = m ? Number(m[1]) : 0;
    // Only a group the stand-in leads, never ours or a broadcast.
    if (pgid > 1 && pgid !== process.pid) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already ended
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function mode(m: 'ok' | 'fail' | 'hang'): void {
  writeFileSync(join(dir, 'mode'), m);
}

function logLines(): string[] {
  try {
    return readFileSync(join(dir, 'log'), 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

function args(...rest: string[]): string[] {
  return [BIN, '--file', file, '--ctl', ctl, '--yes', ...rest];
}

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The stand-in's log as it was when this scalr-conf exited. */
  logAtExit: string[];
}

function start(rest: string[]): { child: ChildProcess; ended: Promise<Ended> } {
  const child = spawn(process.execPath, args(...rest), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const ended = new Promise<Ended>((resolve) => {
    let logAtExit: string[] = [];
    child.on('exit', () => (logAtExit = logLines()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, logAtExit }));
  });
  return { child, ended };
}

function cli(...rest: string[]): CliRun {
  const r = spawnSync(process.execPath, args(...rest), { env, encoding: 'utf8', timeout: 60_000 });
  // A run killed by the timeout has no status: -1 matches no exit status a test expects.
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, stdoutBin: r.stdout };
}

async function until(what: string, test: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log:\n${logLines().join('\n')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const count = (prefix: string, lines = logLines()) => lines.filter((l) => l.startsWith(prefix)).length;

function lockIsFree(): boolean {
  const r = spawnSync('flock', ['-n', join(dir, '.scalr-server.rb.scalr-conf.lock'), 'true']);
  return r.status === 0;
}

function status() {
  const r = cli('status', '--json');
  return { code: r.code, json: JSON.parse(r.stdout) as { pendingReconfigure: boolean; pending?: Record<string, unknown> } };
}

const SET = ['set', 'aws.instances_connection_policy', 'local'];

describe('reconfigure interrupted by a signal', { timeout: 60_000 }, () => {
  it('SIGTERM reaches the ctl and its children, the lock is held until all have ended, then the reconfigure is pending', async () => {
    mode('hang');
    const a = start([...SET, '--json']);
    await until('both children to start', () => count('child-start') === 2);
    const pgid = Number(/pgid=(\d+)/.exec(logLines()[0])![1]);
    expect(pgid).not.toBe(a.child.pid);
    // Children run in the ctl's group, which is not scalr-conf's.
    for (const l of logLines().filter((x) => x.startsWith('child-start'))) expect(l).toContain(`pgid=${pgid}`);
    // The mark is there while reconfigure runs: a scalr-conf killed outright would leave it.
    expect(status()).toMatchObject({ code: EXIT.RECONFIGURE_FAILED, json: { pendingReconfigure: true, pending: { state: 'running', pid: a.child.pid, file } } });

    mode('ok');
    a.child.kill('SIGTERM');
    // Another scalr-conf making no change starts waiting for the lock now.
    const b = start([...SET, '--wait', '30']);
    await until('the ctl to end', () => count('ctl-term') === 1);
    await new Promise((r) => setTimeout(r, 200));
    // The ctl has exited but its children still wind down: the lock is still held.
    expect(count('child-exit')).toBe(0);
    expect(lockIsFree()).toBe(false);

    const ra = await a.ended;
    expect(ra.code, ra.stderr).toBe(EXIT.INTERRUPTED);
    // Both children got SIGTERM and had ended before scalr-conf exited.
    const childPids = logLines().filter((l) => l.startsWith('child-start')).map((l) => l.split(' ')[1]);
    expect(logLines().filter((l) => l.startsWith('child-term')).map((l) => l.split(' ')[1]).sort()).toEqual([...childPids].sort());
    expect(count('child-exit', ra.logAtExit)).toBe(2);
    // The file was written before the signal: the result says so, and the error says what to run.
    expect(JSON.parse(ra.stdout)).toMatchObject({ changed: true, reconfigured: false, pendingReconfigure: true });
    const error = errorOf(ra);
    expect(error).toMatchObject({ code: 'reconfigure-failed', exit: 'INTERRUPTED', exitCode: EXIT.INTERRUPTED });
    expect(error.message).toContain('run scalr-conf reconfigure');

    // The waiting run got the lock only after every child had ended, saw the pending mark although
    // nothing changed, and ran reconfigure.
    const rb = await b.ended;
    expect(rb.code, rb.stderr).toBe(EXIT.OK);
    expect(rb.stdout).toMatch(/nothing to change/);
    expect(rb.stdout).toMatch(/a reconfigure is pending for .*scalr-server\.rb since .*interrupted by SIGTERM; running it now/);
    expect(rb.stdout).toMatch(/reconfigure: done/);
    const log = logLines();
    const second = log.findIndex((l, i) => i > 0 && l.startsWith('ctl-start'));
    expect(second).toBeGreaterThan(log.lastIndexOf(log.filter((l) => l.startsWith('child-exit')).pop()!));
    expect(status()).toMatchObject({ code: EXIT.OK, json: { pendingReconfigure: false } });
  });

  it('SIGINT is passed on; the mark records it; reconfigure runs it and clears it; a failed one leaves it; set of the same value then reconfigures', async () => {
    mode('hang');
    const a = start([...SET, '--json']);
    await until('both children to start', () => count('child-start') === 2);
    a.child.kill('SIGINT');
    const ra = await a.ended;
    expect(ra.code, ra.stderr).toBe(EXIT.INTERRUPTED);
    const error = errorOf(ra);
    expect(error).toMatchObject({ code: 'reconfigure-failed', exit: 'INTERRUPTED', exitCode: EXIT.INTERRUPTED });
    expect(error.message).toContain('SIGINT');
    expect(count('ctl-int')).toBe(1);
    expect(count('child-exit', ra.logAtExit)).toBe(2);
    const mark = JSON.parse(readFileSync(join(dir, 'backups', 'pending-reconfigure.json'), 'utf8'));
    expect(mark).toMatchObject({ file, ctl, state: 'interrupted', interruptedBy: 'SIGINT', pid: a.child.pid });

    let r = cli('status');
    expect(r.code).toBe(EXIT.RECONFIGURE_FAILED);
    expect(r.stdout).toMatch(/^a reconfigure is pending for .* since .*: the attempt started .* was interrupted by SIGINT\nrun: sudo scalr-conf reconfigure\n$/);

    // reconfigure runs it, and clears the mark.
    mode('ok');
    r = cli('reconfigure');
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/reconfigure: done\nreconfigure succeeded; nothing is pending/);
    expect(existsSync(join(dir, 'backups', 'pending-reconfigure.json'))).toBe(false);
    expect(cli('status')).toMatchObject({ code: EXIT.OK, stdout: 'no reconfigure is pending\n' });
    r = cli('reconfigure', '--if-pending');
    expect(r).toMatchObject({ code: EXIT.OK, stdout: 'no reconfigure is pending; nothing to do\n' });
    expect(count('ctl-start')).toBe(2);

    // A failed reconfigure leaves the mark, with its exit status and when it began.
    mode('fail');
    r = cli('reconfigure', '--json');
    expect(r.code).toBe(EXIT.RECONFIGURE_FAILED);
    expect(JSON.parse(r.stdout)).toEqual({ ran: true, reconfigured: false, pendingReconfigure: true });
    // The ctl's own output is passed on, before scalr-conf's error.
    expect(r.stderr).toMatch(/stand-in: chef run failed/);
    expect(errorOf(r)).toMatchObject({ code: 'reconfigure-failed', exit: 'RECONFIGURE_FAILED', exitCode: EXIT.RECONFIGURE_FAILED });
    expect(errorOf(r).message).toContain('still pending');
    expect(status().json.pending).toMatchObject({ state: 'failed', exitCode: 3 });

    // The same set again: nothing changes in the file, but it reconfigures and clears the mark.
    mode('ok');
    r = cli(...SET, '--json');
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(JSON.parse(r.stdout)).toMatchObject({ changed: false, reconfigured: true, pendingReconfigure: false });
    expect(logLines().at(-1)).toMatch(/^ctl-start .* ok$/);
    expect(status().code).toBe(EXIT.OK);
  });
});

describe('reconfigure as tracked state', { timeout: 60_000 }, () => {
  it('a set whose reconfigure fails is pending; the same set again reconfigures; without a pending one it does not', async () => {
    mode('fail');
    let r = cli(...SET, '--json');
    expect(r.code).toBe(EXIT.RECONFIGURE_FAILED);
    expect(JSON.parse(r.stdout)).toMatchObject({ changed: true, reconfigured: false, pendingReconfigure: true });
    expect(errorOf(r)).toMatchObject({ code: 'reconfigure-failed', exit: 'RECONFIGURE_FAILED', exitCode: EXIT.RECONFIGURE_FAILED });
    expect(errorOf(r).message).toContain('then run: sudo scalr-conf reconfigure');
    const since = status().json.pending!.since;

    // Still failing: still pending, since the first failure.
    r = cli(...SET);
    expect(r.code).toBe(EXIT.RECONFIGURE_FAILED);
    expect(r.stdout).toMatch(/nothing to change/);
    expect(status().json.pending).toMatchObject({ since, state: 'failed' });

    // --no-reconfigure and --dry-run do not run it, and say it is still pending.
    expect(JSON.parse(cli(...SET, '--no-reconfigure', '--json').stdout)).toMatchObject({ changed: false, reconfigured: false, pendingReconfigure: true });
    expect(JSON.parse(cli(...SET, '--dry-run', '--json').stdout)).toMatchObject({ changed: false, pendingReconfigure: true });
    expect(count('ctl-start')).toBe(2);

    mode('ok');
    r = cli(...SET);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/reconfigure: done/);
    expect(count('ctl-start')).toBe(3);
    // Nothing pending, nothing changed: no reconfigure.
    r = cli(...SET, '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ changed: false, reconfigured: false, pendingReconfigure: false });
    expect(count('ctl-start')).toBe(3);
  });

  it('--ctl-timeout stops a hung reconfigure with everything it started, and leaves it pending', async () => {
    mode('hang');
    const started = Date.now();
    const a = start([...SET, '--ctl-timeout', '1', '--json']);
    const ra = await a.ended;
    expect(ra.code, ra.stderr).toBe(EXIT.RECONFIGURE_FAILED);
    expect(errorOf(ra)).toMatchObject({ code: 'reconfigure-failed', exit: 'RECONFIGURE_FAILED' });
    expect(errorOf(ra).message).toContain('timed out after 1 s');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(count('child-term', ra.logAtExit)).toBe(2);
    expect(count('child-exit', ra.logAtExit)).toBe(2);
    expect(status().json.pending).toMatchObject({ state: 'timed-out' });
  });

  it('--ctl-timeout takes seconds', () => {
    const r = cli(...SET, '--ctl-timeout', 'soon', '--json');
    expectError(r, { code: 'usage', exit: 'USAGE' });
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(file).equals(readFileSync(SAMPLE))).toBe(true);
  });
});
