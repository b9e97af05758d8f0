import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Canonical } from '../src/values/value';
import { readYaml, requireRuby } from './support/ruby';

const haveRuby = requireRuby();

const CTL = fileURLToPath(new URL('../fixtures/ctl/scalr-server-ctl', import.meta.url));
const BASELINE = fileURLToPath(new URL('../fixtures/ctl/baseline.yml', import.meta.url));

type Obj = { [key: string]: Canonical };

let dir: string;

function write(name: string, text: string): void {
  writeFileSync(join(dir, name), text);
}

function ctl(command: string, env: Record<string, string> = {}) {
  const r = spawnSync(CTL, [command], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, SCALR_SERVER_CONFIG_DIR: dir, SCALR_CTL_OUTPUT_DIR: '', ...env },
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function baseline(): Obj {
  return readYaml(BASELINE) as Obj;
}

function configYml(at = dir): Obj {
  return readYaml(join(at, 'config.yml')) as Obj;
}

/** A copy of `obj` with the value at `path` set. */
function withPath(obj: Obj, path: string[], value: Canonical): Obj {
  const copy = structuredClone(obj);
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Obj;
  o[path[path.length - 1]] = value;
  return copy;
}

describe('stand-in scalr-server-ctl', { timeout: 30_000 }, () => {
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scalr-ctl-test-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('has a realistic baseline', () => {
    const s = baseline().scalr as Obj;
    expect(Object.keys(s.connections as Obj)).toContain('mysql');
    expect(Object.keys((s.connections as Obj).mysql as Obj)).toEqual(expect.arrayContaining(['host', 'port', 'name', 'user', 'pass']));
    expect(s.instances_connection_policy).toBe('auto');
    expect(s.auth_mode).toBe('scalr');
    expect(Object.keys(s.aws as Obj)).toEqual(expect.arrayContaining(['security_group_name', 'ip_pool']));
    expect(Object.keys(s.endpoint as Obj)).toEqual(['scheme', 'host']);
    expect(Object.keys(s.email as Obj)).toEqual(expect.arrayContaining(['address', 'name']));
    expect((s.system as Obj).instances_connection_timeout).toBe(4);
    expect((s.billing as Obj).enabled).toBe(false);
    expect(s.ui).toBeTypeOf('object');
  });

  it('config-test passes on valid files', () => {
    write('scalr-server.rb', 'app[:x] = 1\n');
    let r = ctl('config-test');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/scalr-server\.rb: Syntax OK/);
    write('scalr-server-local.rb', 'app[:y] = 2\n');
    r = ctl('config-test');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/scalr-server-local\.rb: Syntax OK/);
  });

  it('config-test fails on a syntax error in either file, naming it', () => {
    write('scalr-server.rb', 'app[:x] = 1\napp[:y\n');
    let r = ctl('config-test');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/scalr-server\.rb:2: syntax error/);
    write('scalr-server.rb', 'app[:x] = 1\n');
    write('scalr-server-local.rb', 'app[:x] = {\n');
    r = ctl('config-test');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/scalr-server-local\.rb:\d+: syntax error/);
  });

  it('fails without scalr-server.rb and on an unknown subcommand', () => {
    expect(ctl('config-test')).toMatchObject({ status: 1, stderr: expect.stringMatching(/scalr-server\.rb not found/) });
    write('scalr-server.rb', '');
    expect(ctl('frobnicate').status).not.toBe(0);
  });

  it('reconfigure writes the baseline when nothing is configured', () => {
    write('scalr-server.rb', 'mysql[:root_password] = "x"\n');
    const r = ctl('reconfigure');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote .*config\.yml/);
    expect(configYml()).toEqual(baseline());
  });

  it('reconfigure merges user keys over the baseline, keeping every other baseline key', () => {
    write(
      'scalr-server.rb',
      [
        'app[:configuration] = {',
        '  scalr: {',
        '    aws: { security_group_name: "custom-sg" },',
        '    "email" => { name: "Ops" },',
        '    connections: { mysql: { pass: "s3cret" } },',
        '    brand_new: { nested: [1, { deep: true }] },',
        '  },',
        '  other_top: 1,',
        '}',
      ].join('\n'),
    );
    const r = ctl('reconfigure');
    expect(r.status, r.stderr).toBe(0);
    let expected = withPath(baseline(), ['scalr', 'aws', 'security_group_name'], 'custom-sg');
    expected = withPath(expected, ['scalr', 'email', 'name'], 'Ops');
    expected = withPath(expected, ['scalr', 'connections', 'mysql', 'pass'], 's3cret');
    expected = withPath(expected, ['scalr', 'brand_new'], { nested: [1, { deep: true }] });
    expected = withPath(expected, ['other_top'], 1);
    expect(configYml()).toEqual(expected);
    // Keys are plain strings and no Ruby class leaks into the YAML.
    const text = readFileSync(join(dir, 'config.yml'), 'utf8');
    expect(text).not.toMatch(/^\s*:\w+:/m);
    expect(text).not.toMatch(/!ruby/);
  });

  it('replaces arrays instead of merging them', () => {
    write('scalr-server.rb', 'app[:configuration] = { scalr: { allowed_clouds: ["ec2"], aws: { ip_pool: [] } } }\n');
    expect(ctl('reconfigure').status).toBe(0);
    const s = configYml().scalr as Obj;
    expect(s.allowed_clouds).toEqual(['ec2']);
    expect((s.aws as Obj).ip_pool).toEqual([]);
    expect((s.aws as Obj).security_group_name).toBe(((baseline().scalr as Obj).aws as Obj).security_group_name);
  });

  it('replaces a hash with a scalar and a scalar with a hash', () => {
    write('scalr-server.rb', 'app[:configuration] = { scalr: { email: "none", auth_mode: { kind: "ldap" } } }\n');
    expect(ctl('reconfigure').status).toBe(0);
    const s = configYml().scalr as Obj;
    expect(s.email).toBe('none');
    expect(s.auth_mode).toEqual({ kind: 'ldap' });
  });

  it('applies the local file after the main file', () => {
    write(
      'scalr-server.rb',
      'app[:configuration] = { scalr: { email: { name: "main" }, endpoint: { host: "main.example" } } }\n',
    );
    write('scalr-server-local.rb', 'app[:configuration][:scalr][:email][:name] = "local"\n');
    expect(ctl('reconfigure').status).toBe(0);
    const s = configYml().scalr as Obj;
    expect(s.email).toEqual({ ...((baseline().scalr as Obj).email as Obj), name: 'local' });
    expect((s.endpoint as Obj).host).toBe('main.example');

    write('scalr-server-local.rb', 'app[:configuration] = { scalr: { auth_mode: "ldap" } }\n');
    expect(ctl('reconfigure').status).toBe(0);
    const t = configYml().scalr as Obj;
    expect(t.auth_mode).toBe('ldap');
    expect(t.email).toEqual((baseline().scalr as Obj).email);
    expect(t.endpoint).toEqual((baseline().scalr as Obj).endpoint);
  });

  it('honours app[:instances_connection_policy], with app[:configuration] merged over it', () => {
    write('scalr-server.rb', 'app[:instances_connection_policy] = "public"\n');
    expect(ctl('reconfigure').status).toBe(0);
    expect(configYml()).toEqual(withPath(baseline(), ['scalr', 'instances_connection_policy'], 'public'));
    write('scalr-server-local.rb', 'app[:configuration] = { scalr: { instances_connection_policy: "local" } }\n');
    expect(ctl('reconfigure').status).toBe(0);
    expect((configYml().scalr as Obj).instances_connection_policy).toBe('local');
  });

  it('writes config.yml to SCALR_CTL_OUTPUT_DIR when set', () => {
    const out = mkdtempSync(join(tmpdir(), 'scalr-ctl-out-'));
    try {
      write('scalr-server.rb', 'app[:configuration] = { scalr: { auth_mode: "ldap" } }\n');
      expect(ctl('reconfigure', { SCALR_CTL_OUTPUT_DIR: out }).status).toBe(0);
      expect(existsSync(join(dir, 'config.yml'))).toBe(false);
      expect((configYml(out).scalr as Obj).auth_mode).toBe('ldap');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('fails reconfigure without writing on an evaluation error', () => {
    write('scalr-server.rb', 'app[:x] = 1\nunknown_setting true\n');
    let r = ctl('reconfigure');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/scalr-server\.rb:2: .*unsupported config value unknown_setting/);
    expect(existsSync(join(dir, 'config.yml'))).toBe(false);

    write('scalr-server.rb', 'app[:x] = \n');
    r = ctl('reconfigure');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/syntax/);
    expect(existsSync(join(dir, 'config.yml'))).toBe(false);

    write('scalr-server.rb', 'app[:configuration] = "scalr"\n');
    r = ctl('reconfigure');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/app\[:configuration\] must be a hash/);
  });
});
