import { readConfig } from '../io/readConfig';
import { isMissing } from '../io/localFile';
import path from 'node:path';
import { parseSecrets, type SecretEntry } from '../model/secrets';
import { localFileFor, mainFile, type GlobalOptions } from './options';

/** Both files scalr-server-ctl reads, as byte strings; the local one only when it exists. */
export interface ConfigFiles {
  mainPath: string;
  localPath: string;
  main: string;
  local?: string;
}

/** A config file as the core reads it: a byte string, one char per byte. */
export function readText(path: string): string {
  return readConfig(path).bytes.toString('latin1');
}

/** explain and doctor always read both files, whatever --local says. */
export function readConfigFiles(opts: GlobalOptions, env: NodeJS.ProcessEnv): ConfigFiles {
  const mainPath = mainFile(opts, env);
  const localPath = localFileFor(mainPath);
  const main = readText(mainPath);
  const local = isMissing(localPath) ? undefined : readText(localPath);
  return { mainPath, localPath, main, local };
}

/** scalr-server-secrets.json beside the main file: reconfigure assigns it over both .rb files. */
export function secretsFileFor(main: string): string {
  return path.join(path.dirname(main), 'scalr-server-secrets.json');
}

/** The secrets JSON's entries; none when the file is not there (reconfigure creates it). */
export function readSecrets(main: string): SecretEntry[] {
  const file = secretsFileFor(main);
  if (isMissing(file)) return [];
  return readSecretsFile(file);
}

/** A secrets JSON at any path; one that cannot be read or parsed is an error naming it. */
export function readSecretsFile(file: string): SecretEntry[] {
  return parseSecrets(readConfig(file).bytes.toString('utf8'), file);
}
