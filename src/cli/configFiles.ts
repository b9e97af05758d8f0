import { readConfig } from '../io/readConfig';
import { isMissing } from '../io/localFile';
import { localFileFor, targetFile, type GlobalOptions } from './options';

/** Both files scalr-server-ctl reads, as byte strings; the local one only when it exists. */
export interface ConfigFiles {
  mainPath: string;
  localPath: string;
  main: string;
  local?: string;
}

/** explain and doctor always read both files, whatever --local says. */
export function readConfigFiles(opts: GlobalOptions, env: NodeJS.ProcessEnv): ConfigFiles {
  const mainPath = targetFile({ ...opts, local: false }, env);
  const localPath = localFileFor(mainPath);
  const main = readConfig(mainPath).bytes.toString('latin1');
  const local = isMissing(localPath) ? undefined : readConfig(localPath).bytes.toString('latin1');
  return { mainPath, localPath, main, local };
}
