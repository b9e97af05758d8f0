import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, vi } from 'vitest';

export function makeTmpDir(prefix = 'scalr-io-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * The io test files' shared setup: one temporary root for the file, removed after it; a fresh
 * directory in it per case; and after each case the umask and any spies put back.
 */
export function caseDirs(prefix: string): { root(): string; fresh(): string } {
  let root = '';
  let n = 0;
  const umask = process.umask();
  beforeAll(() => {
    root = makeTmpDir(prefix);
  });
  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.umask(umask);
  });
  return {
    root: () => root,
    fresh: () => {
      const dir = path.join(root, `case-${++n}`);
      fs.mkdirSync(dir);
      return dir;
    },
  };
}

/** Files in dir that look like leftovers of ours (temps, never the config or lock file). */
export function tempsIn(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'));
}

export interface Child {
  proc: ChildProcess;
  /** Everything the child printed on stdout so far. */
  out(): string;
  /** Resolves once stdout has a line equal to `line`. */
  waitFor(line: string, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit status (or signal) once the child has exited and been reaped. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnNode(script: string, args: string[], opts: { stdin?: boolean } = {}): Child {
  const proc = spawn(process.execPath, [script, ...args], { stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { line: string; resolve: () => void }[] = [];
  const check = () => {
    const lines = out.split('\n');
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (lines.includes(waiters[i].line)) {
        waiters[i].resolve();
        waiters.splice(i, 1);
      }
    }
  };
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (chunk: string) => {
    out += chunk;
    check();
  });
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    out: () => out,
    exited,
    waitFor(line, timeoutMs = 15_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`child did not print ${JSON.stringify(line)}; stdout=${out} stderr=${err}`)),
          timeoutMs,
        );
        waiters.push({
          line,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        check();
        void exited.then(() => {
          setImmediate(() => {
            if (!out.split('\n').includes(line)) {
              clearTimeout(timer);
              reject(new Error(`child exited before printing ${JSON.stringify(line)}; stdout=${out} stderr=${err}`));
            }
          });
        });
      });
    },
  };
}

export interface RunResult {
  ok: boolean;
  reason: string;
}

/** Runs a system command (mount, chattr, ...) and reports why it failed instead of throwing. */
export function run(cmd: string, args: string[]): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return { ok: false, reason: `${cmd}: ${r.error.message}` };
  if (r.status !== 0) {
    return { ok: false, reason: `${cmd} ${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim()}` };
  }
  return { ok: true, reason: '' };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
