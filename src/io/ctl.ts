import fs from 'node:fs';
import path from 'node:path';
import { fail } from '../core/errors';

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
  exitCode: number;
}

/** Runs `ctl reconfigure` without a shell, streaming its output as it comes. */
export async function runReconfigure(
  ctl: string,
  env: NodeJS.ProcessEnv,
  out: (chunk: Uint8Array) => void,
  err: (chunk: Uint8Array) => void,
): Promise<CtlResult> {
  const { execa } = await import('execa');
  const child = execa(ctl, ['reconfigure'], { reject: false, stdin: 'ignore', buffer: false, env, extendEnv: false });
  child.stdout?.on('data', out);
  child.stderr?.on('data', err);
  const result = await child;
  if (result.failed && result.exitCode === undefined) {
    return { exitCode: 127 };
  }
  return { exitCode: result.exitCode ?? 1 };
}
