import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

/** The Ruby scalr-server-ctl would use: Scalr's embedded one (under `root`) first, then ruby on PATH. */
export function findRuby(env: NodeJS.ProcessEnv, root = '/opt/scalr-server'): string | undefined {
  const candidates = [path.join(root, 'embedded/bin/ruby'), ...(env.PATH ?? '').split(':').filter(Boolean).map((d) => path.join(d, 'ruby'))];
  return candidates.find((p) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** `ruby -c` on the new text, as `scalr-server-ctl config-test` does; undefined when it passes or no Ruby exists. */
export function rubySyntaxError(bytes: Buffer, env: NodeJS.ProcessEnv, root?: string): string | undefined {
  const ruby = findRuby(env, root);
  if (!ruby) return undefined;
  const plain = spawnSync(ruby, ['-c'], { input: bytes, encoding: 'utf8', timeout: 60_000 });
  if (plain.status === 0) return undefined;
  const msg = (plain.stderr || plain.stdout || String(plain.error ?? '')).trim().split('\n')[0];
  return msg.replace(/^-:/, 'line ');
}
