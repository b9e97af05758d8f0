/** Runs the CLI in-process with captured streams, as a user would from a shell. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main';
import type { Deps } from '../../src/app/deps';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout as raw bytes, one char per byte. */
  stdoutBin: string;
}

export async function runCli(
  args: string[],
  opts: {
    env?: NodeJS.ProcessEnv;
    stdin?: string | Buffer;
    tty?: boolean;
    confirm?: (q: string) => Promise<boolean>;
    choose?: Deps['choose'];
  } = {},
): Promise<CliRun> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const chunk = (c: string | Uint8Array): Buffer => (typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c));
  const stdin = Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]) as Deps['stdin'];
  stdin.isTTY = !!opts.tty;
  const deps: Deps = {
    // Backups of a run that names no backup dir go to this test file's own dir, never /var/lib/scalr-conf.
    env: { PATH: process.env.PATH, SCALR_CONF_BACKUP_DIR: defaultBackupDir(), ...opts.env },
    stdout: { write: (c) => out.push(chunk(c)), isTTY: !!opts.tty },
    stderr: { write: (c) => err.push(chunk(c)), isTTY: false },
    stdin,
    confirm: opts.confirm,
    choose: opts.choose,
  };
  const code = await main(args, deps);
  const stdout = Buffer.concat(out);
  return { code, stdout: stdout.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBin: stdout.toString('latin1') };
}

let backupDir: string | undefined;
function defaultBackupDir(): string {
  if (backupDir) return backupDir;
  const dir = (backupDir = mkdtempSync(join(tmpdir(), 'scalr-cli-backups-')));
  // On exit rather than in a vitest hook: the fuzz runs these checks outside vitest.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
