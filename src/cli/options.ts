import path from 'node:path';
import type { ValueType } from '../core/parseValue';

export const DEFAULT_FILE = '/etc/scalr-server/scalr-server.rb';

/** Options every command accepts, before or after the command name. */
export interface GlobalOptions {
  file?: string;
  local?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  reconfigure: boolean;
  ctl?: string;
  json?: boolean;
  wait: string;
  backups: string;
  backupDir?: string;
  showSecrets?: boolean;
  force?: boolean;
  rollbackOnFailure?: boolean;
  type?: ValueType;
  verify: boolean;
  scalrRoot?: string;
}

/** The installed Scalr whose loader checks writes: --scalr-root, then $SCALR_SERVER_ROOT, then /opt/scalr-server. */
export function scalrRoot(opts: GlobalOptions, env: NodeJS.ProcessEnv): string {
  return opts.scalrRoot ?? env.SCALR_SERVER_ROOT ?? '/opt/scalr-server';
}

/** --file, then $SCALR_CONF_FILE, then the standard path; --local means the file beside it. */
export function targetFile(opts: GlobalOptions, env: NodeJS.ProcessEnv): string {
  const main = opts.file ?? env.SCALR_CONF_FILE ?? DEFAULT_FILE;
  return opts.local ? localFileFor(main) : main;
}

/** scalr-server.rb itself, whatever --local says. */
export function mainFile(opts: GlobalOptions, env: NodeJS.ProcessEnv): string {
  return targetFile({ ...opts, local: false }, env);
}

export function localFileFor(main: string): string {
  return path.join(path.dirname(main), 'scalr-server-local.rb');
}
