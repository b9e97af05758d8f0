import { chmodSync, chownSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import type { Canonical } from '../src/values/value';
import { runCli } from './support/cli';
import { errorOf, expectError } from './support/runError';
import { loadMany, requireRuby, type Effective } from './support/ruby';
import { configDir, FAKE_CTL, SAMPLE } from './support/tmp';

const LOCAL = 'scalr-server-local.rb';

function env(dir: string): NodeJS.ProcessEnv {
  return { FAKE_CTL_LOG: join(dir, 'ctl.log'), SCALR_CONF_BACKUP_DIR: join(dir, 'backups') };
}

function setup(main: string | Buffer | undefined, local?: string): { dir: string; file: string; local: string } {
  const { dir, file } = configDir(main);
  if (local !== undefined) writeFileSync(join(dir, LOCAL), local);
  return { dir, file, local: join(dir, LOCAL) };
}

const isHash = (v: Canonical | undefined): v is { [k: string]: Canonical } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !Object.keys(v).some((k) => k.startsWith('$'));

/** `effective` with one key set (group, then keys) or removed, as `set`/`unset` mean it. */
function withKey(effective: Effective, path: string[], value: Canonical | undefined): Effective {
  const copy = structuredClone(effective);
  if (path[0] === 'enable_all') {
    copy.enable_all = value ?? null;
    return copy;
  }
  let node = copy.groups as { [k: string]: Canonical };
  for (const k of path.slice(0, -1)) {
    if (!isHash(node[k])) node[k] = {};
    node = node[k] as { [k: string]: Canonical };
  }
  if (value === undefined) delete node[path[path.length - 1]];
  else node[path[path.length - 1]] = value;
  return copy;
}

interface SetCase {
  name: string;
  main: string;
  local?: string;
  args: string[];
  /** Each key the command sets, as a path from the group, with its value as Ruby reads it. */
  expect: [string[], Canonical][];
}

const sample = readFileSync(SAMPLE, 'utf8');
const SET_CASES: SetCase[] = [
  {
    name: 'a new key below app[:configuration], with no local file yet',
    main: sample,
    args: ['set', 'aws.instances_connection_policy', 'local'],
    expect: [[['app', 'configuration', 'scalr', 'aws', 'instances_connection_policy'], 'local']],
  },
  {
    name: 'a key the main file sets, a deep one and an attribute',
    main: sample,
    args: ['set', 'auth_mode', 'scalr', 'connections.ldap.port', '636', 'proxy[:ssl_enable]', 'false'],
    expect: [
      [['app', 'configuration', 'scalr', 'auth_mode'], 'scalr'],
      [['app', 'configuration', 'scalr', 'connections', 'ldap', 'port'], 636],
      [['proxy', 'ssl_enable'], false],
    ],
  },
  {
    name: 'when the main file has no app[:configuration] at all',
    main: 'proxy[:ssl_enable] = true\n',
    args: ['set', 'aws.instances_connection_policy', 'public'],
    expect: [[['app', 'configuration', 'scalr', 'aws', 'instances_connection_policy'], 'public']],
  },
  {
    name: 'into a local file that has its own app[:configuration] block',
    main: sample,
    local: 'app[:configuration] = {\n  "scalr" => {\n    "auth_mode" => "scalr",\n  },\n}\n',
    args: ['set', 'aws.instances_connection_policy', 'local'],
    expect: [[['app', 'configuration', 'scalr', 'aws', 'instances_connection_policy'], 'local']],
  },
  {
    name: 'over a local single-key override',
    main: sample,
    local: 'app[:configuration]["scalr"]["auth_mode"] = "scalr"\n',
    args: ['set', 'auth_mode', 'ldap', 'system.instances_connection_timeout', '20'],
    expect: [
      [['app', 'configuration', 'scalr', 'auth_mode'], 'ldap'],
      [['app', 'configuration', 'scalr', 'system', 'instances_connection_timeout'], 20],
    ],
  },
  {
    name: 'enable_all',
    main: sample,
    args: ['set', 'enable_all', 'false', '--type', 'boolean'],
    expect: [[['enable_all'], false]],
  },
  {
    // A hash argument needs parentheses: `enable_all {...}` would pass a block.
    name: 'enable_all with a hash',
    main: sample,
    args: ['set', 'enable_all', '{"proxy":true}', '--type', 'json'],
    expect: [[['enable_all'], { proxy: true }]],
  },
];

describe('set --local', () => {
  const runs: { c: SetCase; before?: string; after: string }[] = [];

  it('writes scalr-server-local.rb and leaves scalr-server.rb alone', async () => {
    for (const c of SET_CASES) {
      const { dir, file, local } = setup(c.main, c.local);
      const r = await runCli([...c.args, '--local', '--file', file, '--ctl', FAKE_CTL], { env: env(dir) });
      expect(r.code, `${c.name}: ${r.stderr}`).toBe(EXIT.OK);
      expect(readFileSync(file, 'utf8'), c.name).toBe(c.main);
      expect(r.stdout).toContain(`+++ b${join(dir, LOCAL)}`);
      expect(readFileSync(join(dir, 'ctl.log'), 'utf8')).toBe('reconfigure\n');
      runs.push({ c, before: c.local, after: readFileSync(local, 'latin1') });
    }
  });

  it('gives, with both files loaded as scalr-server-ctl does, the old configuration with exactly those keys set', () => {
    expect(runs).toHaveLength(SET_CASES.length);
    const loaded = loadMany(runs.flatMap((r) => [r.before === undefined ? r.c.main : { main: r.c.main, local: r.before }, { main: r.c.main, local: r.after }]));
    runs.forEach((r, i) => {
      const [before, after] = [loaded[2 * i], loaded[2 * i + 1]];
      expect(before.ok && after.ok, `${r.c.name}: ${!before.ok ? before.error : !after.ok ? after.error : ''}`).toBe(true);
      if (!before.ok || !after.ok) return;
      const want = r.c.expect.reduce((eff, [path, value]) => withKey(eff, path, value), before.value);
      expect(after.value, r.c.name).toEqual(want);
    });
  });

  it('a new local file gets the mode and owner of the main file', async () => {
    const { dir, file, local } = setup(undefined);
    chmodSync(file, 0o640);
    const root = process.getuid?.() === 0;
    if (root) chownSync(file, 1234, 2345);
    else if (process.env.CI) throw new Error('CI runs the tests as root, to check the owner is carried over');
    const r = await runCli(['set', 'aws.instances_connection_policy', 'local', '--local', '--file', file, '--no-reconfigure'], { env: env(dir) });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const st = statSync(local);
    expect(st.mode & 0o7777).toBe(0o640);
    if (root) expect([st.uid, st.gid]).toEqual([1234, 2345]);
  });

  it('--dry-run on a missing local file shows the diff and creates nothing', async () => {
    const { dir, file, local } = setup(undefined);
    const r = await runCli(['set', 'aws.instances_connection_policy', 'local', '--local', '--file', file, '--dry-run'], { env: env(dir) });
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toContain('+app[:configuration]["scalr"]["aws"] = {');
    expect(existsSync(local)).toBe(false);
  });

  it('a run that writes nothing leaves no local file behind (no answer, nothing to change)', async () => {
    const { dir, file, local } = setup(undefined);
    const no = await runCli(['set', 'auth_mode', 'scalr', '--local', '--file', file, '--no-reconfigure', '--json'], {
      env: env(dir),
      tty: true,
      confirm: async () => false,
    });
    expectError(no, { code: 'aborted', exit: 'ABORTED' });
    expect(existsSync(local)).toBe(false);
    const same = await runCli(['set', 'auth_mode', 'ldap', '--local', '--file', file, '--no-reconfigure'], { env: env(dir) });
    expect(same.code).toBe(EXIT.OK);
    expect(same.stdout).toContain('already has that value');
    expect(existsSync(local)).toBe(false);
  });

  it('refuses a key below a value of the main file that is not a hash', async () => {
    const { dir, file, local } = setup('app[:configuration] = { "scalr" => { "aws" => "none" } }\n');
    const r = await runCli(['set', 'aws.instances_connection_policy', 'local', '--local', '--file', file, '--no-reconfigure', '--json'], { env: env(dir) });
    // Line 1 of scalr-server.rb holds the string in the way: the error names that file, not the one edited.
    expect(expectError(r, { code: 'not-hash', exit: 'REFUSED', file, line: 1 }).message).toContain(`${file} line 1`);
    expect(existsSync(local)).toBe(false);
  });

  it('refuses a key below a value of the local file that is not a hash, at its line in that file', async () => {
    const text = 'app[:configuration]["scalr"]["aws"] = "none"\n';
    const { dir, file, local } = setup(sample, text);
    const r = await runCli(['set', 'aws.instances_connection_policy', 'local', '--local', '--file', file, '--no-reconfigure', '--json'], { env: env(dir) });
    // Counted in scalr-server-local.rb, not in the two files joined.
    expect(expectError(r, { code: 'not-hash', exit: 'REFUSED', file: local, line: 1 }).message).toContain(`${local} line 1`);
    expect(readFileSync(local, 'utf8')).toBe(text);
  });
});

describe('unset --local', () => {
  it('removes the local override, so the main file value shows again; main-file keys are left alone', async () => {
    const { dir, file, local } = setup(sample, 'app[:configuration]["scalr"]["auth_mode"] = "scalr"\nproxy[:ssl_enable] = false\n');
    const r = await runCli(['unset', 'auth_mode', 'mysql[:root_password]', '--local', '--file', file, '--no-reconfigure'], { env: env(dir) });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(local, 'utf8')).toBe('proxy[:ssl_enable] = false\n');
    expect(readFileSync(file, 'utf8')).toBe(sample);
    if (requireRuby()) {
      const [after] = loadMany([{ main: sample, local: readFileSync(local) }]);
      expect(after.ok && (after.value.groups.app as { configuration: { scalr: { auth_mode: string } } }).configuration.scalr.auth_mode).toBe('ldap');
    }
  });

  it('on a missing local file changes nothing and creates nothing', async () => {
    const { dir, file, local } = setup(undefined);
    const r = await runCli(['unset', 'auth_mode', '--local', '--file', file, '--no-reconfigure'], { env: env(dir) });
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toContain('nothing to change');
    expect(existsSync(local)).toBe(false);
  });
});

describe('get and show --local', () => {
  it('read what scalr-server-local.rb decides, evaluated after scalr-server.rb, with its own line numbers', async () => {
    const { dir, file } = setup(sample, '# per host\napp[:configuration]["scalr"]["aws"] = { "instances_connection_policy" => "local" }\nproxy[:ssl_enable] = false\n');
    const get = await runCli(['get', 'aws.instances_connection_policy', '--local', '--file', file, '--json'], { env: env(dir) });
    expect(get.code, get.stderr).toBe(EXIT.OK);
    expect(JSON.parse(get.stdout)).toMatchObject({ set: true, value: 'local', line: 2, file: join(dir, LOCAL) });
    const notHere = await runCli(['get', 'auth_mode', '--local', '--file', file, '--json'], { env: env(dir) });
    expect(notHere.code).toBe(EXIT.NOT_SET);
    expect(errorOf(notHere)).toMatchObject({ code: 'not-set', exit: 'NOT_SET' });
    const show = await runCli(['show', '--all', '--local', '--file', file], { env: env(dir) });
    expect(show.code, show.stderr).toBe(EXIT.OK);
    expect(show.stdout).toBe('aws.instances_connection_policy = "local"\nproxy[:ssl_enable] = false\n');
  });

  it('on a missing local file say so: get exits 4 (NOT_SET), show 3 (REFUSED)', async () => {
    const { dir, file } = setup(undefined);
    const get = await runCli(['get', 'auth_mode', '--local', '--file', file], { env: env(dir) });
    expect(get.code).toBe(EXIT.NOT_SET);
    expect(get.stderr).toContain(`${LOCAL} does not exist, so it overrides nothing`);
    const json = await runCli(['get', 'auth_mode', '--local', '--file', file, '--json'], { env: env(dir) });
    expect(JSON.parse(json.stdout)).toMatchObject({ set: false });
    expect(errorOf(json)).toMatchObject({ code: 'not-set', exit: 'NOT_SET' });
    const show = await runCli(['show', '--local', '--file', file, '--json'], { env: env(dir) });
    expect(expectError(show, { code: 'unreadable', exit: 'REFUSED' }).message).toContain('set --local KEY VALUE creates it');
  });
});

describe('merge --local', () => {
  it('deep-merges into the local file without discarding the main file', async () => {
    const { dir, file, local } = setup(undefined);
    const snippet = 'app[:configuration] = { "scalr" => { "aws" => { "instances_connection_policy" => "local" }, "connections" => { "ldap" => { "port" => 636 } } } }\nproxy[:ssl_enable] = false\n';
    const r = await runCli(['merge', snippet, '--local', '--file', file, '--no-reconfigure'], { env: env(dir) });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const [before, piece, after] = loadMany([sample, snippet, { main: sample, local: readFileSync(local) }]);
    expect(before.ok && piece.ok && after.ok).toBe(true);
    if (!before.ok || !after.ok) return;
    let want = withKey(before.value, ['app', 'configuration', 'scalr', 'aws', 'instances_connection_policy'], 'local');
    want = withKey(want, ['app', 'configuration', 'scalr', 'connections', 'ldap', 'port'], 636);
    want = withKey(want, ['proxy', 'ssl_enable'], false);
    expect(after.value).toEqual(want);
    const doctor = await runCli(['doctor', '--file', file]);
    expect(doctor.code, doctor.stdout).toBe(EXIT.OK);
  });
});
