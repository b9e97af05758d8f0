import path from 'node:path';
import type { ValueType } from '../values/parseValue';
import type { ColorWhen } from './colour';

export const DEFAULT_FILE = '/etc/scalr-server/scalr-server.rb';
export const DEFAULT_SCALR_ROOT = '/opt/scalr-server';


/** `--file -`: the configuration on stdin, the new text on stdout (see filter.ts). */
export const FILTER = '-';

/** Options every command accepts, before or after the command name. */
export interface GlobalOptions {
  file?: string;
  local?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  reconfigure: boolean;
  ctl?: string;
  ctlTimeout?: string;
  json?: boolean;
  wait: string;
  backups: string;
  backupDir?: string;
  showSecrets?: boolean;
  force?: boolean;
  /** A main-file value may be written where scalr-server-local.rb decides the key: the node keeps its own. */
  allowOverridden?: boolean;
  rollbackOnFailure?: boolean;
  type?: ValueType;
  verify: boolean;
  scalrRoot?: string;
  color: ColorWhen;
}

/** The installed Scalr whose loader checks writes: --scalr-root, then $SCALR_SERVER_ROOT, then /opt/scalr-server. */
export function scalrRoot(opts: Pick<GlobalOptions, 'scalrRoot'>, env: NodeJS.ProcessEnv): string {
  return opts.scalrRoot || env.SCALR_SERVER_ROOT || DEFAULT_SCALR_ROOT;
}

/** --file, then $SCALR_CONF_FILE, then the standard path; --local means the file beside it. */
export function targetFile(opts: GlobalOptions, env: NodeJS.ProcessEnv): string {
  if (opts.file === FILTER) return FILTER;
  const main = opts.file ?? env.SCALR_CONF_FILE ?? DEFAULT_FILE;
  return opts.local ? localFileFor(main) : main;
}

/** scalr-server.rb itself, whatever --local says. With --file - --local, stdin holds the local file and $SCALR_CONF_FILE names the main one. */
export function mainFile(opts: GlobalOptions, env: NodeJS.ProcessEnv): string {
  if (opts.file === FILTER) return env.SCALR_CONF_FILE ?? DEFAULT_FILE;
  return targetFile({ ...opts, local: false }, env);
}

export function localFileFor(main: string): string {
  return path.join(path.dirname(main), 'scalr-server-local.rb');
}
