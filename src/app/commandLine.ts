import os from 'node:os';
import { isSecretKey } from '../knowledge/schema';
import { maskSecrets } from './secrets';

/**
 * Who ran a write and how, for its history entry. Through sudo, the person is SUDO_USER, not root.
 * The command line is recorded with secrets masked: the value after a secret key (`set
 * connections.mysql.pass hunter2`, also with `--` before the value) and secret pairs inside a Ruby snippet (`merge '...'`).
 */
export function whoRan(env: NodeJS.ProcessEnv): string {
  if (env.SUDO_USER) return env.SUDO_USER;
  try {
    return os.userInfo().username;
  } catch {
    // No passwd entry (a container's arbitrary uid).
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

const PLAIN = /^[A-Za-z0-9_.,:/=@%+^-]+$/;

function quote(arg: string): string {
  return PLAIN.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(argv: readonly string[]): string {
  const shown = argv.map((arg, i) => {
    if (arg === '--') return arg;
    // `set KEY -- VALUE`: the "--" that lets VALUE start with "-" stands between the two.
    const prev = argv[i - 1] === '--' ? argv[i - 2] : argv[i - 1];
    if (prev !== undefined && arg !== '-' && !prev.startsWith('-') && isSecretKey(prev)) return '********';
    return maskSecrets(arg);
  });
  return ['scalr-conf', ...shown].map(quote).join(' ');
}
