import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Canonical } from '../src/values/value';
import {
  LOAD_CONFIG_RB,
  loadUses,
  loadUsesFiles,
  loadUsesMany,
  requireRuby,
  usesChanges,
  type Uses,
  type UsesInput,
} from './support/ruby';

requireRuby();

type Obj = Record<string, Canonical>;

/** The result of a pipeline that must succeed. */
function ok(input: UsesInput): { attributes: Record<string, Obj>; configuration: Obj; generated: string[] } {
  const r = loadUses(input);
  if (r.error) throw new Error(`expected success, got ${r.error.stage}: ${r.error.message}`);
  return {
    attributes: r.attributes as Record<string, Obj>,
    configuration: r.configuration as Obj,
    generated: r.generated,
  };
}

function failed(input: UsesInput): NonNullable<Uses['error']> {
  const r = loadUses(input);
  if (!r.error) throw new Error('expected the pipeline to fail');
  expect(r.attributes).toBeNull();
  expect(r.configuration).toBeNull();
  return r.error;
}

/** config.yml's scalr section. */
function scalr(input: UsesInput): Obj {
  return ok(input).configuration.scalr as Obj;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scalr-conf-pipeline-'));
  dirs.push(dir);
  return dir;
}

describe('reconfigure pipeline oracle', { timeout: 60_000 }, () => {
  describe('1. from_file of the main file, then the local file', () => {
    it('lets the local file override the main file', () => {
      const { attributes } = ok({ main: 'app[:user] = "main"\napp[:admin_user] = "main"\n', local: 'app[:user] = "local"\n' });
      expect(attributes.app.user).toBe('local');
      expect(attributes.app.admin_user).toBe('main');
    });

    it('shares constants between the files but not local variables', () => {
      expect(ok({ main: 'PORT = 7\n', local: 'proxy[:bind_port] = PORT\n' }).attributes.proxy.bind_port).toBe(7);
      const e = failed({ main: 'port = 7\n', local: 'proxy[:bind_port] = port\n' });
      expect(e).toMatchObject({ stage: 'load', class: 'Mixlib::Config::UnknownConfigOptionError', line: 1 });
      expect(e.message).toMatch(/scalr-server-local\.rb:1: .*port/);
    });

    it('fails on a name strict mode does not know, with the line', () => {
      const e = failed({ main: 'app[:x] = 1\nfoo[:y] = 2\n' });
      expect(e).toMatchObject({ stage: 'load', class: 'Mixlib::Config::UnknownConfigOptionError', line: 2 });
    });

    it('fails on an error of Ruby with its class', () => {
      expect(failed({ main: 'app[:missing][:y] = 2\n' })).toMatchObject({ stage: 'load', class: 'NoMethodError', line: 1 });
      expect(failed({ main: 'app[:y\n' })).toMatchObject({ stage: 'load', class: 'SyntaxError', line: 1 });
    });
  });

  describe('2. scalr-server-secrets.json', () => {
    it('assigns every secret over what the files set, in the attributes and in config.yml', () => {
      const input: UsesInput = {
        main: 'mysql[:scalr_password] = "from-main"\napp[:id] = "main"\n',
        local: 'mysql[:scalr_password] = "from-local"\n',
        secrets: { mysql: { scalr_password: 'from-json' }, app: { id: 'c0ffee00' } },
      };
      const { attributes, configuration } = ok(input);
      expect(attributes.mysql.scalr_password).toBe('from-json');
      expect(attributes.app.id).toBe('c0ffee00');
      const s = configuration.scalr as Record<string, Obj>;
      expect((s.connections.mysql as Obj).pass).toBe('from-json');
      expect(s.aws.security_group_name).toBe('scalr.c0ffee00.ip-pool');
    });

    it('takes any group and key the JSON names, not only the generated ones', () => {
      const { attributes } = ok({ main: '', secrets: { proxy: { bind_port: 8080 }, app: { extra: { a: 1 } } } });
      expect(attributes.proxy.bind_port).toBe(8080);
      expect(attributes.app.extra).toEqual({ a: 1 });
    });

    it('generates the secrets that neither the files nor the JSON set, false included', () => {
      const { attributes, generated } = ok({
        main: 'mysql[:root_password] = "rb"\nmemcached[:password] = false\n',
        secrets: { app: { admin_password: 'json' } },
      });
      expect(generated).toEqual(['mysql.scalr_password', 'mysql.repl_password', 'memcached.password', 'app.secret_key', 'app.id']);
      expect(attributes.mysql.root_password).toBe('rb');
      expect(attributes.app.admin_password).toBe('json');
      // The cookbook's placeholder never survives: a generated value replaces it.
      expect(attributes.mysql.scalr_password).not.toBe('CHANGEME');
    });

    it('fails on a group strict mode does not know, and on a file that is not JSON', () => {
      expect(failed({ main: '', secrets: { nosuch: { a: 1 } } })).toMatchObject({
        stage: 'secrets',
        class: 'Mixlib::Config::UnknownConfigOptionError',
      });
      const parseError = { stage: 'secrets', class: 'Chef::Exceptions::JSON::ParseError' };
      expect(failed({ main: '', secrets: '{"mysql": ' })).toMatchObject(parseError);
      expect(failed({ main: '', secrets: '"text"' })).toMatchObject(parseError);
      expect(failed({ main: '', secrets: { mysql: 'not a hash' } })).toMatchObject({ stage: 'secrets', class: 'NoMethodError' });
    });

    it('--uses reads the local file and the secrets beside the main file, as reconfigure does', () => {
      const dir = tempDir();
      const main = join(dir, 'scalr-server.rb');
      writeFileSync(main, 'app[:user] = "main"\nmysql[:scalr_password] = "rb"\n');
      writeFileSync(join(dir, 'scalr-server-local.rb'), 'app[:user] = "local"\n');
      writeFileSync(join(dir, 'scalr-server-secrets.json'), '{"mysql": {"scalr_password": "json"}}');
      const r = spawnSync('ruby', [LOAD_CONFIG_RB, '--uses', main], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      const uses = JSON.parse(r.stdout) as Uses;
      expect(uses.error).toBeNull();
      expect((uses.attributes!.app as Obj).user).toBe('local');
      expect((uses.attributes!.mysql as Obj).scalr_password).toBe('json');
      // The batch form reads only what it is given.
      const [alone] = loadUsesFiles([{ main }]);
      expect((alone.attributes!.app as Obj).user).toBe('main');
      expect((alone.attributes!.mysql as Obj).scalr_password).toBe('rb');
      const given = spawnSync('ruby', [LOAD_CONFIG_RB, '--uses', main, '--secrets', join(dir, 'missing.json')], { encoding: 'utf8' });
      expect(JSON.parse(given.stdout)).toMatchObject({ error: { stage: 'secrets' } });
      const bad = spawnSync('ruby', [LOAD_CONFIG_RB, '--uses', main, '--nope', 'x'], { encoding: 'utf8' });
      expect(bad.status).toBe(2);
    });
  });

  describe('3. string2boolean', () => {
    const words: [string, boolean | null][] = [
      ['yes', true],
      ['1', true],
      ['true', true],
      ['on', true],
      ['no', false],
      ['0', false],
      ['false', false],
      ['off', false],
      ['null', null],
      ['nil', null],
      ['~', null],
    ];

    it('turns exactly the eleven words into booleans or nil, in app[:configuration] as well', () => {
      const entries = words.map(([w], i) => `  "w${i}" => ${JSON.stringify(w)},`).join('\n');
      const others = ['Off', 'YES', ' on', 'True', '2', 'none', ''];
      const otherEntries = others.map((w, i) => `  "o${i}" => ${JSON.stringify(w)},`).join('\n');
      const main = `app[:configuration] = { "scalr" => { "words" => {\n${entries}\n${otherEntries}\n  "sym" => :off, "int" => 1 } } }\n`;
      const got = (scalr({ main }).words ?? {}) as Obj;
      words.forEach(([, value], i) => expect(got[`w${i}`]).toBe(value));
      others.forEach((w, i) => expect(got[`o${i}`]).toBe(w));
      expect(got.int).toBe(1);
    });

    it('converts "off" to false in config.yml, where a password of "off" becomes false', () => {
      const s = scalr({ main: 'mysql[:scalr_password] = "off"\napp[:configuration] = { scalr: { email: { name: "off" } } }\n' });
      expect((s.email as Obj).name).toBe(false);
      expect(((s.connections as Obj).mysql as Obj).pass).toBe(false);
    });

    it('converts the secrets too, and enable_all', () => {
      const { attributes } = ok({ main: 'enable_all "no"\n', secrets: { app: { admin_password: 'on' } } });
      expect(attributes.app.admin_password).toBe(true);
      expect(attributes.enable_all).toBe(false);
    });

    it('leaves arrays and the hashes inside them alone', () => {
      const s = scalr({ main: 'app[:configuration] = { scalr: { list: ["off", { "a" => "on" }, ["yes"]] } }\nproxy[:app_upstreams] = ["no"]\n' });
      expect(s.list).toEqual(['off', { a: 'on' }, ['yes']]);
      expect(ok({ main: 'proxy[:app_upstreams] = ["no"]\n' }).attributes.proxy.app_upstreams).toEqual(['no']);
    });
  });

  describe('4. cookbook attribute defaults under the files', () => {
    it('keeps the defaults of keys the files do not set, beside the keys they add', () => {
      const { attributes } = ok({ main: 'app[:custom] = 1\n' });
      expect(attributes.app.custom).toBe(1);
      expect(attributes.app.email_from_name).toBe('Scalr Service');
      expect(attributes.mysql.scalr_user).toBe('scalr');
      expect(attributes.enable_all).toBe(true);
    });

    it('never lets nil replace a default: nil, "nil" and "~" keep it', () => {
      const { attributes, configuration } = ok({
        main: 'app[:email_from_name] = nil\napp[:email_from_address] = "nil"\nproxy[:bind_host] = "~"\napp[:email_mailserver] = nil\napp[:fresh] = nil\n',
      });
      expect(attributes.app.email_from_name).toBe('Scalr Service');
      expect(attributes.app.email_from_address).toBe('scalr@scalr.example.com');
      expect(attributes.proxy.bind_host).toBe('0.0.0.0');
      expect(attributes.app).toHaveProperty('fresh', null);
      expect((configuration.scalr as Record<string, Obj>).email.name).toBe('Scalr Service');
    });

    it('replaces arrays whole, and a hash with a scalar', () => {
      const { attributes } = ok({ main: 'proxy[:app_upstreams] = ["10.0.0.1:6270"]\nweb[:disable] = "app"\n' });
      expect(attributes.proxy.app_upstreams).toEqual(['10.0.0.1:6270']);
      expect(attributes.web.disable).toBe('app');
      expect(ok({ main: 'app[:configuration] = "later"\n' }).attributes.app.configuration).toBe('later');
    });

    it('feeds the merged attributes into config.yml', () => {
      const s = scalr({ main: 'app[:instances_connection_policy] = "public"\napp[:mysql_scalr_host] = "localhost"\n' });
      expect(s.instances_connection_policy).toBe('public');
      expect(((s.connections as Obj).mysql as Obj).host).toBe('127.0.0.1');
      expect((s.endpoint as Obj).scheme).toBe('http');
    });
  });

  describe('5. config.yml', () => {
    it('merges app[:configuration] over the generated settings: user keys win, arrays replace', () => {
      const s = scalr({
        main: 'app[:configuration] = { scalr: { auth_mode: "ldap", aws: { ip_pool: ["1.2.3.4/32"] }, system: { scripting: { logs_storage: "scalr" } } } }\n',
      });
      expect(s.auth_mode).toBe('ldap');
      expect(s.aws).toEqual({ ip_pool: ['1.2.3.4/32'], security_group_name: 'scalr.generated:hex(4).ip-pool' });
      expect((s.system as Record<string, Obj>).scripting).toMatchObject({ logs_storage: 'scalr', default_abort_init_on_script_fail: 1 });
      expect((s.system as Obj).instances_connection_timeout).toBe(4);
    });

    it('ignores a nil over a generated key, but keeps a nil under a new key', () => {
      const s = scalr({ main: 'app[:configuration] = { scalr: { auth_mode: nil, billing: nil, extra: nil } }\n' });
      expect(s.auth_mode).toBe('scalr');
      expect(s.billing).toEqual({ enabled: false });
      expect(s).toHaveProperty('extra', null);
    });

    it('writes a Symbol as the string ":sym", in values and in arrays', () => {
      const { attributes, configuration } = ok({ main: 'app[:configuration] = { scalr: { auth_mode: :ldap, list: [:a, "b"] } }\n' });
      expect((attributes.app.configuration as Record<string, Obj>).scalr.auth_mode).toEqual({ $sym: 'ldap' });
      const s = configuration.scalr as Obj;
      expect(s.auth_mode).toBe(':ldap');
      expect(s.list).toEqual([':a', 'b']);
    });

    it('reads symbol and string keys as one key', () => {
      const s = scalr({ main: 'app[:configuration] = { scalr: { email: { name: "n" } } }\napp[:configuration]["scalr"]["email"][:address] = "a@b"\n' });
      expect(s.email).toEqual({ name: 'n', address: 'a@b' });
    });

    it('drops a configuration that is not a hash, without a word', () => {
      const plain = scalr({ main: '' });
      expect(scalr({ main: 'app[:configuration] = ["x"]\n' })).toEqual(plain);
      expect(scalr({ main: 'app[:configuration] = "text"\n' })).toEqual(plain);
    });

    it('fails as reconfigure does when keys of one hash cannot be sorted', () => {
      expect(failed({ main: 'app[:configuration] = { scalr: { 1 => "x" } }\n' })).toMatchObject({
        stage: 'config.yml',
        class: 'ArgumentError',
      });
    });
  });

  describe('comparing before and after', () => {
    it('names the paths where what Scalr uses differs, and nothing when it does not', () => {
      const before = loadUses({ main: 'app[:configuration] = { scalr: { aws: { ip_pool: ["a"] }, b: 1 } }\n' });
      const same = loadUses({ main: 'app[:configuration] = {"scalr" => {"b" => 1, "aws" => {"ip_pool" => ["a"]}}}\n' });
      expect(usesChanges(before, same)).toEqual([]);
      // "off" is not a change from false, as Scalr gets false either way.
      const off = loadUses({ main: 'app[:configuration] = { scalr: { aws: { ip_pool: ["a"] }, b: 1 } }\napp[:x] = "off"\n' });
      const no = loadUses({ main: 'app[:configuration] = { scalr: { aws: { ip_pool: ["a"] }, b: 1 } }\napp[:x] = false\n' });
      expect(usesChanges(off, no)).toEqual([]);
      const after = loadUses({ main: 'app[:configuration] = { scalr: { aws: { ip_pool: ["a", "b"] }, c: :s } }\n' });
      expect(usesChanges(before, after)).toEqual([
        ['attributes', 'app', 'configuration', 'scalr', 'aws', 'ip_pool'],
        ['attributes', 'app', 'configuration', 'scalr', 'b'],
        ['attributes', 'app', 'configuration', 'scalr', 'c'],
        ['configuration', 'scalr', 'aws', 'ip_pool'],
        ['configuration', 'scalr', 'b'],
        ['configuration', 'scalr', 'c'],
      ]);
      const symbol = loadUses({ main: 'app[:configuration] = { scalr: { aws: { ip_pool: ["a", "b"] }, c: :t } }\n' });
      expect(usesChanges(after, symbol)).toEqual([
        ['attributes', 'app', 'configuration', 'scalr', 'c'],
        ['configuration', 'scalr', 'c'],
      ]);
      expect(usesChanges(before, loadUses({ main: 'nope 1\n' }))).toEqual([['error'], ['attributes'], ['configuration']]);
    });
  });

  describe('batch', () => {
    it('gives the same results as one triple at a time, each in a fresh configuration', () => {
      const inputs: UsesInput[] = [
        { main: 'config_strict_mode false\nfoo 1\nX = 1\napp[:x] = 1\n' },
        { main: 'app[:y] = app[:x]\n', secrets: { app: { id: 'i' } } },
        { main: 'foo 1\n' },
        { main: 'app[:configuration] = { scalr: { a: "off" } }\n', local: 'app[:configuration][:scalr][:b] = :s\n' },
        { main: '', secrets: '[' },
        { main: 'app[:z] = defined?(X)\n' },
      ];
      // Messages name the temp files, which differ between the two runs.
      const withoutDirs = (rs: Uses[]): Uses[] =>
        JSON.parse(JSON.stringify(rs).replace(/\/[^"]*?\/(?:\d+-)?(scalr-server[\w.-]*)/g, '$1')) as Uses[];
      const batch = loadUsesMany(inputs);
      expect(withoutDirs(batch)).toEqual(withoutDirs(inputs.map((i) => loadUses(i))));
      expect(batch.map((r) => r.error?.stage ?? null)).toEqual([null, null, 'load', null, 'secrets', null]);
      expect((batch[1].attributes!.app as Obj).y).toBeNull();
      expect((batch[5].attributes!.app as Obj).z).toBeNull();
      expect(withoutDirs(batch)[2].error!.message).toMatch(/^scalr-server\.rb:1: /);
    });

    it('agrees with a model of the layers on generated main + local + secrets triples', () => {
      // One value per layer, or none; nil and false are values too.
      const value = fc.option(fc.constantFrom('"a"', '"off"', '"nil"', 'nil', 'false', '7', '["on"]'), { nil: undefined });
      const triple = fc.record({ main: value, local: value, secret: fc.option(fc.constantFrom('b', 'yes', 'null', '0'), { nil: undefined }) });
      const ruby: Record<string, Canonical> = { '"a"': 'a', '"off"': false, '"nil"': null, nil: null, false: false, 7: 7, '["on"]': ['on'] };
      const word: Record<string, Canonical> = { b: 'b', yes: true, null: null, 0: false };
      const samples = fc.sample(triple, { numRuns: 80, seed: 7 });
      const results = loadUsesMany(
        samples.map((t) => ({
          main: t.main === undefined ? '' : `mysql[:scalr_password] = ${t.main}\napp[:email_from_name] = ${t.main}\n`,
          local: t.local === undefined ? undefined : `mysql[:scalr_password] = ${t.local}\napp[:email_from_name] = ${t.local}\n`,
          secrets: t.secret === undefined ? undefined : { mysql: { scalr_password: t.secret } },
        })),
      );
      results.forEach((r, i) => {
        const t = samples[i];
        expect(r.error).toBeNull();
        const attrs = r.attributes as Record<string, Obj>;
        // A file value: the later file wins, string2boolean converts, nil keeps the default.
        const fromFiles = t.local ?? t.main;
        const name = fromFiles === undefined ? 'Scalr Service' : (ruby[fromFiles] ?? 'Scalr Service');
        expect(attrs.app.email_from_name).toEqual(name);
        // A secret: the JSON wins over both files, before string2boolean; unset or false is generated.
        const raw = t.secret !== undefined ? t.secret : fromFiles;
        const generated = raw === undefined || raw === 'nil' || raw === 'false';
        expect(r.generated.includes('mysql.scalr_password')).toBe(generated);
        const password = generated ? 'generated:hex(50)' : t.secret !== undefined ? word[t.secret] : ruby[raw!];
        expect(attrs.mysql.scalr_password).toEqual(password === null ? 'CHANGEME' : password);
        expect((((r.configuration as Obj).scalr as Obj).connections as Record<string, Obj>).mysql.pass).toEqual(attrs.mysql.scalr_password);
      });
    });

    it('agrees with a model of string2boolean and the config.yml merge on generated configurations', () => {
      const word = fc.constantFrom('yes', 'no', 'on', 'off', '1', '0', 'true', 'false', 'null', 'nil', '~', 'Off', 'x', '');
      const leaf = fc.oneof(word, fc.integer({ min: -5, max: 5 }), fc.array(word, { maxLength: 3 }));
      const key = fc.constantFrom('a', 'b', 'auth_mode', 'billing', 'ui');
      const tree = fc.letrec((tie) => ({
        node: fc.dictionary(key, fc.oneof({ depthSize: 'small' }, leaf, tie('node')), { maxKeys: 3 }),
      })).node as fc.Arbitrary<Record<string, unknown>>;
      const toRuby = (v: unknown): string =>
        Array.isArray(v)
          ? `[${v.map(toRuby).join(', ')}]`
          : v !== null && typeof v === 'object'
            ? `{ ${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)} => ${toRuby(x)}`).join(', ')} }`
            : JSON.stringify(v);
      const convert = (v: unknown): unknown => {
        if (Array.isArray(v)) return v;
        if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convert(x)]));
        const table: Record<string, unknown> = { yes: true, 1: true, true: true, on: true, no: false, 0: false, false: false, off: false, null: null, nil: null, '~': null };
        return typeof v === 'string' && v in table ? table[v] : v;
      };
      const merge = (onto: unknown, over: unknown): unknown => {
        if (onto && over && typeof onto === 'object' && typeof over === 'object' && !Array.isArray(onto) && !Array.isArray(over)) {
          const out: Record<string, unknown> = { ...(onto as Record<string, unknown>) };
          for (const [k, v] of Object.entries(over)) out[k] = k in out ? merge(out[k], v) : v;
          return out;
        }
        return over === null ? onto : over;
      };
      const base = scalr({ main: '' });
      const samples = fc.sample(tree, { numRuns: 60, seed: 10 });
      const results = loadUsesMany(samples.map((t) => ({ main: `app[:configuration] = { "scalr" => ${toRuby(t)} }\n` })));
      results.forEach((r, i) => {
        expect(r.error).toBeNull();
        expect((r.configuration as Obj).scalr).toEqual(merge(base, convert(samples[i])));
      });
    });
  });
});
