/**
 * What Scalr uses, across scalr-server.rb, scalr-server-local.rb and scalr-server-secrets.json:
 * every write is proved against all three, and get tells what reconfigure makes of the files.
 * Each case is a reported failure, replayed through the CLI and checked with real Ruby.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import { runCli } from './support/cli';
import { expectError } from './support/runError';
import { loadEffective, loadUses, requireRuby, usesChanges } from './support/ruby';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Files {
  dir: string;
  main: string;
  local: string;
  secrets: string;
  read(): { main: string; local?: string };
}

function files(main: string, local?: string, secrets?: object): Files {
  const dir = mkdtempSync(join(tmpdir(), 'scalr-uses-'));
  dirs.push(dir);
  const f = {
    dir,
    main: join(dir, 'scalr-server.rb'),
    local: join(dir, 'scalr-server-local.rb'),
    secrets: join(dir, 'scalr-server-secrets.json'),
    read() {
      let l: string | undefined;
      try {
        l = readFileSync(f.local, 'latin1');
      } catch {
        l = undefined;
      }
      return { main: readFileSync(f.main, 'latin1'), local: l };
    },
  };
  writeFileSync(f.main, main);
  if (local !== undefined) writeFileSync(f.local, local);
  if (secrets) writeFileSync(f.secrets, JSON.stringify(secrets));
  return f;
}

function cli(f: Files, args: string[], extra: { stdin?: string } = {}) {
  return runCli(['--file', f.main, '--no-reconfigure', '--yes', '--backups', '0', ...args], { ...extra, env: { SCALR_CONF_BACKUP_DIR: join(f.dir, 'backups') } });
}

/** The run is refused with `code` (at `file` and `line` when given), and both files are untouched. */
async function refused(f: Files, args: string[], code: string, at: { file?: string; line?: number } = {}) {
  const before = f.read();
  const error = expectError(await cli(f, [...args, '--json']), { code, exit: 'REFUSED', ...at });
  expect(f.read()).toEqual(before);
  return error;
}

const aws = (f: Files) => {
  const e = loadEffective(f.main, f.read().local === undefined ? undefined : f.local);
  const scalr = ((e.groups.app as Record<string, unknown>).configuration as Record<string, Record<string, unknown>>).scalr;
  return scalr.aws as Record<string, unknown> | undefined;
};

describe('every write is proved against both files', () => {
  it('a main-file set that scalr-server-local.rb overrides is refused, naming the local file and --local', async () => {
    requireRuby();
    const f = files('app[:configuration] = {\n  "scalr" => {\n    "aws" => { "ip_pool" => "10.0.0.0/8" }\n  }\n}\n');
    expect((await cli(f, ['--local', 'set', 'aws.instances_connection_policy', 'public'])).code).toBe(EXIT.OK);
    const error = await refused(f, ['set', 'aws.instances_connection_policy', 'local'], 'overridden', { file: f.local, line: 1 });
    expect(error.message).toContain('--local');
    // The local unset lets the main file's value show again; no empty hash hides the main file.
    expect((await cli(f, ['--local', 'unset', 'aws.instances_connection_policy'])).code).toBe(EXIT.OK);
    expect(aws(f)).toEqual({ ip_pool: '10.0.0.0/8' });
  });

  it('--allow-overridden writes the main-file value where the local file decides: only that file changes, Scalr keeps the local value', async () => {
    requireRuby();
    const main = 'app[:configuration] = {\n  "scalr" => {\n    "aws" => { "instances_connection_policy" => "public" }\n  }\n}\n';
    const local = 'app[:configuration]["scalr"]["aws"]["instances_connection_policy"] = "auto"\n';
    const f = files(main, local);
    const before = loadUses({ main, local });
    const r = await cli(f, ['set', 'aws.instances_connection_policy', 'local', '--allow-overridden']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(f.read()).toEqual({ main: main.replace('"public"', '"local"'), local });
    // What Scalr uses is unchanged: the node keeps its own value.
    expect(usesChanges(before, loadUses(f.read()))).toEqual([]);
    // It does not stand in for --force: a hash still does not replace a scalar without it.
    await refused(f, ['set', 'aws.instances_connection_policy', '{"a": 1}', '--type', 'json', '--allow-overridden'], 'replaces-hash', { line: 3 });
  });

  it('--local unset of a key whose hash the local file assigned removes that assignment, not its pairs', async () => {
    requireRuby();
    const f = files(
      'app[:configuration] = {\n  "scalr" => {}\n}\n',
      'app[:configuration]["scalr"]["aws"] = { "instances_connection_policy" => "public" }\n',
    );
    // The main file gains aws settings the local assignment hides: refused as having no effect,
    // at the local line that assigns the hash whole.
    const error = await refused(f, ['set', 'aws.ip_pool', '10.0.0.0/8'], 'overridden', { file: f.local, line: 1 });
    expect(error.message).toContain('--local');
    expect((await cli(f, ['--local', 'unset', 'aws.instances_connection_policy'])).code).toBe(EXIT.OK);
    expect(f.read().local).toBe('');
    expect(aws(f)).toBeUndefined();
  });

  it('a main-file unset that would leave a local statement writing below nothing is refused', async () => {
    const f = files(
      'app[:configuration] = {\n  "scalr" => {\n    "aws" => { "ip_pool" => "10.0.0.0/8" }\n  }\n}\n',
      'app[:configuration]["scalr"]["aws"]["instances_connection_policy"] = "local"\n',
    );
    await refused(f, ['unset', 'aws.ip_pool'], 'breaks-load', { file: f.local, line: 1 });
  });

  it('a --local set never assigns a hash that hides what the main file sets below it', async () => {
    requireRuby();
    const f = files('app[:configuration] = {\n  "scalr" => {\n    "system" => { "instances_connection_timeout" => 10 }\n  }\n}\n');
    expect((await cli(f, ['--local', 'set', 'aws.instances_connection_policy', 'public'])).code).toBe(EXIT.OK);
    expect((await cli(f, ['set', 'system.instances_connection_timeout', '15'])).code).toBe(EXIT.OK);
    const e = loadEffective(f.main, f.local);
    const scalr = ((e.groups.app as Record<string, unknown>).configuration as Record<string, Record<string, unknown>>).scalr;
    expect(scalr).toEqual({ system: { instances_connection_timeout: 15 }, aws: { instances_connection_policy: 'public' } });
  });

  it('set then unset into an empty literal with a comment gives the original bytes back', async () => {
    const text = 'app[:configuration] = {}  # filled in later\n';
    const f = files(text);
    expect((await cli(f, ['set', 'logger.csg.backend', 'logstash', '--force'])).code).toBe(EXIT.OK);
    expect(f.read().main).not.toBe(text);
    expect((await cli(f, ['unset', 'logger.csg.backend'])).code).toBe(EXIT.OK);
    expect(f.read().main).toBe(text);
  });

  it('replacing a hash with a scalar, or a scalar with a hash, needs --force', async () => {
    requireRuby();
    const f = files('app[:configuration] = {\n  "scalr" => {\n    "connections" => { "ldap" => { "host" => "a" } },\n    "system" => { "x" => 1 }\n  }\n}\n');
    await refused(f, ['set', 'connections.ldap', 'ldap.example.org', '--type', 'string'], 'replaces-hash', { line: 3 });
    await refused(f, ['set', 'system.x', '{"y": 2}', '--type', 'json'], 'replaces-hash', { line: 4 });
    expect((await cli(f, ['set', 'system.x', '{"y": 2}', '--type', 'json', '--force'])).code).toBe(EXIT.OK);
    const e = loadEffective(f.main);
    const scalr = ((e.groups.app as Record<string, unknown>).configuration as Record<string, Record<string, unknown>>).scalr;
    expect(scalr.system).toEqual({ x: { y: 2 } });
  });
});

describe('what reconfigure makes of the files', () => {
  it('get prints what Scalr gets and says on stderr where the file holds something else', async () => {
    const f = files('app[:configuration] = {\n  "scalr" => { "ui" => { "mindterm_enabled" => "off" } }\n}\n');
    const r = await cli(f, ['get', 'ui.mindterm_enabled']);
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toBe('false\n');
    expect(r.stderr).toMatch(/string2boolean/);
    const j = await cli(f, ['get', 'ui.mindterm_enabled', '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ value: false, reconfigure: ['string2boolean'] });
  });

  it('show prints what Scalr gets too, with the same note', async () => {
    const f = files('app[:configuration] = {\n  "scalr" => { "ui" => { "mindterm_enabled" => "off" } }\n}\n');
    const r = await cli(f, ['show', 'ui']);
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toBe('ui.mindterm_enabled = false\n');
    expect(r.stderr).toMatch(/holds the string "off" for ui.mindterm_enabled; .*string2boolean turns it into false/);
  });

  it('a string that string2boolean would turn into a boolean is refused for a string setting', async () => {
    const f = files('app[:configuration] = {}\n');
    await refused(f, ['set', 'connections.ldap.pass', 'off'], 'becomes-boolean');
  });

  it('a key scalr-server-secrets.json decides is refused, and get shows the secrets value', async () => {
    const f = files('mysql[:scalr_password] = "from-rb"\n', undefined, { mysql: { scalr_password: 'from-json' } });
    await refused(f, ['set', 'mysql[:scalr_password]', 'x'], 'held-by-secrets', { file: f.secrets });
    const r = await cli(f, ['get', 'mysql[:scalr_password]']);
    expect(r.stdout).toBe('from-json\n');
    expect(r.stderr).toContain(f.secrets);
  });

  it('--type nil on a key with a default says Scalr keeps the default', async () => {
    const f = files('app[:configuration] = {\n  "scalr" => { "auth_mode" => "ldap" }\n}\n');
    const r = await cli(f, ['set', 'auth_mode', 'nil', '--type', 'nil']);
    expect(r.code).toBe(EXIT.OK);
    expect(r.stderr).toMatch(/keeps the default/);
    const g = await cli(f, ['get', 'auth_mode']);
    expect(g.stdout).toBe('scalr\n');
  });

  it('a Symbol under app[:configuration] needs --force, because config.yml gets ":name"', async () => {
    const f = files('app[:configuration] = {}\n');
    const error = await refused(f, ['set', 'auth_mode', 'ldap', '--type', 'symbol'], 'symbol-value');
    expect(error.message).toContain('":ldap"');
    expect((await cli(f, ['set', 'auth_mode', 'ldap', '--type', 'symbol', '--force'])).code).toBe(EXIT.OK);
    const g = await cli(f, ['get', 'auth_mode']);
    expect(g.stdout).toBe(':ldap\n');
  });

  it('--type json keeps integers past 2^53 and floats like 1.0 exact', async () => {
    requireRuby();
    const f = files('app[:configuration] = {}\n');
    const r = await cli(f, ['set', 'x.big', '12345678901234567890', 'x.one', '1.0', '--type', 'json', '--force']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const e = loadEffective(f.main);
    const x = (((e.groups.app as Record<string, unknown>).configuration as Record<string, Record<string, unknown>>).scalr as Record<string, unknown>).x;
    expect(x).toEqual({ big: { $int: '12345678901234567890' }, one: { $float: 1 } });
  });
});
