import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SAMPLE = join(ROOT, 'fixtures/sample/scalr-server.rb');
export const FAKE_CTL = join(ROOT, 'fixtures/fake-ctl/scalr-server-ctl');
export const BIN = join(ROOT, 'bin/scalr-conf');

/** A fresh directory holding scalr-server.rb (the sample unless text is given). */
export function configDir(text?: string | Buffer): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'scalr-conf-'));
  const file = join(dir, 'scalr-server.rb');
  if (text === undefined) copyFileSync(SAMPLE, file);
  else writeFileSync(file, text);
  return { dir, file };
}
