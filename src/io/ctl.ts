import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fail } from '../values/errors';

export const DEFAULT_CTL = '/opt/scalr-server/bin/scalr-server-ctl';

function executable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** --ctl, then $SCALR_SERVER_CTL, then the omnibus path (`omnibus`, for tests), then PATH. */
export function findCtl(option: string | undefined, env: NodeJS.ProcessEnv, omnibus = DEFAULT_CTL): string {
  const tried: string[] = [];
  const explicit = option ?? env.SCALR_SERVER_CTL;
  if (explicit) {
    if (executable(explicit)) return path.resolve(explicit);
    fail('ctl-not-found', `scalr-server-ctl not found or not executable at ${explicit}; fix the path, or pass --no-reconfigure and run it yourself`);
  }
  tried.push(omnibus);
  if (executable(omnibus)) return omnibus;
  for (const dir of (env.PATH ?? '').split(':').filter(Boolean)) {
    const p = path.join(dir, 'scalr-server-ctl');
    if (executable(p)) return p;
  }
  tried.push('PATH');
  return fail('ctl-not-found', `scalr-server-ctl not found (looked at ${tried.join(' and ')}); pass --ctl PATH, or --no-reconfigure to only edit the file`);
}

export interface CtlResult {
  /** The ctl's exit status; 128 + signal number when a signal ended it, 127 when it could not start. */
  exitCode: number;
  /** The signal that ended the ctl itself, if one did. */
  signal?: NodeJS.Signals;
  /** The first SIGINT/SIGTERM/SIGHUP scalr-conf received while the ctl ran (and passed on to it). */
  interrupted?: NodeJS.Signals;
  /** The ctl ran past --ctl-timeout and was stopped. */
  timedOut?: boolean;
  /** The pid (and process group) it ran as. */
  pid?: number;
}

export interface RunCtlOptions {
  /** Stop the ctl after this many seconds; undefined or 0: no limit. */
  timeoutSeconds?: number;
  /** After a timeout's SIGTERM, how long the ctl gets before SIGKILL. */
  graceSeconds?: number;
}

/** Signals that would end scalr-conf while the ctl runs: the ctl gets them instead. */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** How a run ended, for messages: "exit 3", "killed by SIGKILL", ... */
export function describeCtlResult(r: CtlResult, timeoutSeconds?: number): string {
  if (r.interrupted) return `interrupted by ${r.interrupted}`;
  if (r.timedOut) return `timed out after ${timeoutSeconds} s`;
  if (r.signal) return `killed by ${r.signal}`;
  return `exit ${r.exitCode}`;
}

/**
 * Runs `ctl reconfigure` without a shell, streaming its output as it comes.
 *
 * It runs in its own process group, so Ctrl-C at the terminal reaches scalr-conf only, and
 * scalr-conf decides: SIGINT, SIGTERM and SIGHUP are passed on to the whole group (a second
 * one sends SIGKILL), and this returns only once every process of the group has ended, so the
 * caller's lock is held until nothing started by reconfigure still runs. A timeout does the same
 * with SIGTERM, then SIGKILL after the grace period.
 */
export async function runReconfigure(
  ctl: string,
  env: NodeJS.ProcessEnv,
  out: (chunk: Uint8Array) => void,
  err: (chunk: Uint8Array) => void,
  opts: RunCtlOptions = {},
): Promise<CtlResult> {
  const { spawn } = await import('node:child_process');
  const { groupEnded, signalGroup } = await import('./procGroup');
  let interrupted: NodeJS.Signals | undefined;
  let timedOut = false;
  let pid: number | undefined;
  const timers: NodeJS.Timeout[] = [];
  const onSignal = (signal: NodeJS.Signals) => {
    const again = interrupted !== undefined;
    interrupted ??= signal;
    if (pid !== undefined) signalGroup(pid, again ? 'SIGKILL' : signal);
  };
  const handlers = FORWARDED.map((s) => [s, () => onSignal(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  try {
    const child = spawn(ctl, ['reconfigure'], { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
    pid = child.pid;
    child.stdout.on('data', out);
    child.stderr.on('data', err);
    const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
    let deadline: NodeJS.Timeout | undefined;
    if (opts.timeoutSeconds && pid !== undefined) {
      const group = pid;
      deadline = setTimeout(() => {
        timedOut = true;
        signalGroup(group, 'SIGTERM');
        timers.push(setTimeout(() => signalGroup(group, 'SIGKILL'), (opts.graceSeconds ?? 10) * 1000));
      }, opts.timeoutSeconds * 1000);
      timers.push(deadline);
    }
    const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'error'>((resolve) => {
      child.on('error', () => resolve('error'));
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    if (ended === 'error' || pid === undefined) return { exitCode: 127 };
    const group = pid;
    if (!timedOut) clearTimeout(deadline);
    const result: CtlResult = {
      exitCode: ended.code ?? 128 + signalNumber(ended.signal),
      ...(ended.signal ? { signal: ended.signal } : {}),
      pid: group,
    };
    if (interrupted || timedOut) await groupEnded(group);
    // Output still buffered in the pipes is read; a process that escaped the group and kept them
    // open is not waited for.
    await Promise.race([closed, new Promise((r) => timers.push(setTimeout(r, 2000)))]);
    child.stdout.destroy();
    child.stderr.destroy();
    if (interrupted) result.interrupted = interrupted;
    if (timedOut) result.timedOut = true;
    return result;
  } finally {
    for (const t of timers) clearTimeout(t);
    for (const [s, h] of handlers) process.removeListener(s, h);
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  if (!signal) return 0;
  return (os.constants.signals as Record<string, number>)[signal] ?? 0;
}
