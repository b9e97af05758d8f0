/**
 * With an installed Scalr (here a stand-in tree under a temp dir), every write is loaded by its own
 * Ruby and ScalrServer library before it is installed, and compared with what they make of the
 * current files. Without one, ruby -c runs, and the output says which check it was.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import { firstDifference, type Tagged } from '../src/io/installedLoader';
import { runCli } from './support/cli';
import { expectError, type RunError } from './support/runError';
import { installEmbeddedRuby, installStandIn, type StandIn } from './support/installed-scalr';
import { loadEffective, requireRuby } from './support/ruby';
import { SAMPLE } from './support/tmp';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A config dir with the sample, and a Scalr root beside it (built by the caller). */
function setup(): { dir: string; file: string; root: string; env: NodeJS.ProcessEnv } {
  requireRuby();
  const dir = mkdtempSync(join(tmpdir(), 'scalr-conf-installed-'));
  dirs.push(dir);
  const file = join(dir, 'etc', 'scalr-server.rb');
  mkdirSync(join(dir, 'etc'));
  writeFileSync(file, readFileSync(SAMPLE));
  return { dir, file, root: join(dir, 'opt'), env: { SCALR_CONF_BACKUP_DIR: join(dir, 'backups') } };
}

const write = (file: string, root: string, args: string[], env: NodeJS.ProcessEnv) =>
  runCli(['--file', file, '--scalr-root', root, '--no-reconfigure', '--yes', '--json', ...args], { env });

/** The write fails verification, says why (`message`), and leaves the file as it was. */
async function expectRefused(s: StandIn, args: string[], message: RegExp, extraEnv: NodeJS.ProcessEnv = {}): Promise<RunError> {
  const { file, root, env } = setup();
  installStandIn(root, s);
  const before = readFileSync(file);
  const r = await write(file, root, args, { ...env, ...extraEnv });
  const error = expectError(r, { code: 'verify-failed', exit: 'VERIFY_FAILED' });
  expect(error.message).toMatch(message);
  expect(readFileSync(file).equals(before)).toBe(true);
  return error;
}

describe('the installed loader checks every write', () => {
  it('a valid set passes, is written, and says the installed loader checked it', async () => {
    const { file, root, env } = setup();
    installStandIn(root);
    const r = await write(file, root, ['set', 'aws.instances_connection_policy', 'local'], env);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(JSON.parse(r.stdout).check).toBe(`the installed loader at ${root}`);
    expect(r.stderr).toContain(`checked with the installed loader at ${root}`);
    expect(loadEffective(file).groups.app).toMatchObject({ configuration: { scalr: { aws: { instances_connection_policy: 'local' } } } });
  });

  it('an unset that leaves its parent hash empty, and a --local set that creates the file, pass', async () => {
    const { file, root, env } = setup();
    installStandIn(root);
    expect((await write(file, root, ['set', 'aws.instances_connection_policy', 'local'], env)).code).toBe(EXIT.OK);
    const unset = await write(file, root, ['unset', 'aws.instances_connection_policy'], env);
    expect(unset.code, unset.stderr).toBe(EXIT.OK);
    expect(readFileSync(file)).toEqual(readFileSync(SAMPLE));
    const local = await write(file, root, ['--local', 'set', 'gce.instances_connection_policy', 'public'], env);
    expect(local.code, local.stderr).toBe(EXIT.OK);
    expect(JSON.parse(local.stdout).check).toBe(`the installed loader at ${root}`);
  });

  it('the secrets file and the library\'s string2boolean are applied before comparing', async () => {
    // A loader whose raw values change with the file, but not after reconfigure's steps: "true" and
    // "on" both become true; the secrets file decides the password.
    const singleton = [
      'def from_file(f)',
      '  super',
      "  changed = IO.read(f).include?('instances_connection_policy')",
      "  self[:proxy][:note] = changed ? 'on' : 'true'",
      "  self[:mysql][:scalr_password] = changed ? 'one' : 'other'",
      'end',
    ].join('\n');
    const { dir, file, root, env } = setup();
    installStandIn(root, { singleton });
    const secrets = join(dir, 'etc', 'scalr-server-secrets.json');
    writeFileSync(secrets, JSON.stringify({ mysql: { scalr_password: 'from-secrets' } }));
    const r = await write(file, root, ['set', 'aws.instances_connection_policy', 'local'], env);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    // Without the secrets file the password differs, and the write is refused.
    rmSync(secrets);
    await expectRefused({ singleton }, ['set', 'aws.instances_connection_policy', 'local'], /mysql\[:scalr_password\] would change too \(a string before, a string after\)/);
  });

  it('a loader that rejects a group (strict mode) refuses the write', async () => {
    const groups = ['routing', 'supervisor', 'mysql', 'memcached', 'app', 'web', 'proxy', 'cron'];
    const args = ['set', 'csg[:enable]', 'true', '--type', 'boolean', '--force'];
    const error = await expectRefused({ groups }, args, /UnknownConfigOptionError: Reading unsupported config value csg\./);
    // The line is that of the new file, where the set put csg[:enable]: the same set checked by ruby -c alone shows it.
    const plain = setup();
    expect((await write(plain.file, plain.root, args, plain.env)).code).toBe(EXIT.OK);
    const line = readFileSync(plain.file, 'latin1').split('\n').findIndex((l) => l.startsWith('csg[')) + 1;
    expect(line).toBeGreaterThan(0);
    expect(error.line).toBe(line);
    expect(error.message).toContain(`scalr-server.rb:${line})`);
  });

  it('a loader that dies refuses the write: exit 1, or a library that raises', async () => {
    await expectRefused({ onLoaderRun: 'echo "loader exploded" >&2; exit 1' }, ['set', 'aws.instances_connection_policy', 'local'], /installed loader at .* failed: exit 1: loader exploded/);
    await expectRefused({ prelude: "raise 'this library is broken'" }, ['set', 'aws.instances_connection_policy', 'local'], /failed: its library does not load \(RuntimeError: this library is broken\)/);
  });

  it('a secret value the loader quotes without its key is masked in the refusal, unless --show-secrets', async () => {
    const loud = { onLoaderRun: 'echo "Reading unsupported config value hunter2-new" >&2; exit 1' };
    const args = ['set', 'mysql[:root_password]', 'hunter2-new'];
    await expectRefused(loud, args, /failed: exit 1: Reading unsupported config value \*{8}/);
    await expectRefused(loud, [...args, '--show-secrets'], /Reading unsupported config value hunter2-new/);
  });

  it('a loader that hangs is stopped after the timeout and refuses the write', async () => {
    const started = Date.now();
    // Not exec'd: the sleep is a child of the wrapper, and must be stopped with it.
    await expectRefused({ onLoaderRun: 'sleep 60' }, ['set', 'aws.instances_connection_policy', 'local'], /failed: timed out after 0\.5 s/, { SCALR_CONF_VERIFY_TIMEOUT: '0.5' });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a loader that prints garbage refuses the write', async () => {
    await expectRefused({ onLoaderRun: 'echo "this is not json"; exit 0' }, ['set', 'aws.instances_connection_policy', 'local'], /failed: printed no JSON result: printed "this is not json"/);
  });

  it('a loader whose result differs beyond the requested key refuses the write', async () => {
    // A loader that derives another value from the file: what the model cannot predict.
    const singleton = "def from_file(f)\n  super\n  self[:mysql][:checked_size] = File.size(f)\nend";
    await expectRefused({ singleton }, ['set', 'aws.instances_connection_policy', 'local'], /mysql\[:checked_size\] would change too \(\d+ before, \d+ after\), though the change names only aws\.instances_connection_policy/);
  });
});

describe('without an installed Scalr', () => {
  it('ruby -c runs with the embedded Ruby under --scalr-root, else the system Ruby, and says which', async () => {
    const { file, root, env } = setup();
    const none = await write(file, root, ['set', 'aws.instances_connection_policy', 'local'], env);
    expect(none.code, none.stderr).toBe(EXIT.OK);
    expect(JSON.parse(none.stdout).check).toBe('ruby -c (system ruby)');
    expect(none.stderr).toContain('checked with ruby -c (system ruby)');

    installEmbeddedRuby(root);
    const embedded = await runCli(['--file', file, '--no-reconfigure', '--yes', 'set', 'aws.instances_connection_policy', 'public'], { env: { ...env, SCALR_SERVER_ROOT: root } });
    expect(embedded.code, embedded.stderr).toBe(EXIT.OK);
    expect(embedded.stdout).toMatch(/^checked with ruby -c \(embedded \d+\.\d+\.\d+\)$/m);
    expect(existsSync(join(root, 'embedded', 'cookbooks'))).toBe(false);
  });
});

describe('firstDifference', () => {
  const hash = (v: Record<string, Tagged>): Tagged => ({ $: 'hash', v });
  it('allows the requested key and parents made or emptied, nothing else', () => {
    const before = hash({ app: hash({ a: '1' }), mysql: hash({}) });
    const after = hash({ app: hash({ a: '1', b: hash({ c: 'x' }) }), mysql: hash({}) });
    expect(firstDifference(before, after, [['app', 'b', 'c']])).toBeUndefined();
    expect(firstDifference(after, before, [['app', 'b', 'c']])).toBeUndefined();
    expect(firstDifference(before, after, [['app', 'b', 'd']])).toEqual({ path: ['app', 'b', 'c'], before: undefined, after: 'x' });
    // An empty hash that appears away from the requested key is a difference.
    expect(firstDifference(before, hash({ app: hash({ a: '1' }), mysql: hash({ e: hash({}) }) }), [['app', 'b']])?.path).toEqual(['mysql', 'e']);
    // A hash replaced by a scalar on the way to the key is a difference too.
    expect(firstDifference(before, hash({ app: 'flat', mysql: hash({}) }), [['app', 'b']])?.path).toEqual(['app']);
  });
});
