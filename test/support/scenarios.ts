/**
 * Fixture scenarios: a folder holding `input.rb`, `args.json` (the command line) and either
 * `expected.rb` (the whole file afterwards) or `expected-exit` (an exit name; the file must stay
 * byte-identical) with `expected-stderr` (text the one-line refusal must contain). An optional `input-local.rb` is copied as scalr-server-local.rb beside it.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Scenario {
  name: string;
  dir: string;
  input: Buffer;
  args: string[];
  expected?: Buffer;
  expectedExit?: string;
  /** Refusals: text the one-line message must contain (the line and the construct it names). */
  expectedStderr?: string;
}

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures');

export function loadScenarios(folder: string): Scenario[] {
  const root = join(FIXTURES, folder);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort()
    .map((name) => {
      const dir = join(root, name);
      const read = (f: string): Buffer | undefined => (existsSync(join(dir, f)) ? readFileSync(join(dir, f)) : undefined);
      return {
        name,
        dir,
        input: read('input.rb')!,
        args: JSON.parse(read('args.json')!.toString('utf8')) as string[],
        expected: read('expected.rb'),
        expectedExit: read('expected-exit')?.toString('utf8').trim(),
        expectedStderr: read('expected-stderr')?.toString('utf8').trim(),
      };
    });
}

/** A private copy of the scenario's files; returns the path of the main file. */
export function stage(s: Scenario): string {
  const tmp = mkdtempSync(join(tmpdir(), `scalr-conf-${s.name}-`));
  copyFileSync(join(s.dir, 'input.rb'), join(tmp, 'scalr-server.rb'));
  if (existsSync(join(s.dir, 'input-local.rb'))) copyFileSync(join(s.dir, 'input-local.rb'), join(tmp, 'scalr-server-local.rb'));
  return join(tmp, 'scalr-server.rb');
}
