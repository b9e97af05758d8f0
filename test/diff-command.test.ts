/**
 * `scalr-conf diff A B`: the settings whose value Scalr uses differs between two configurations.
 * Each case is run through the CLI in-process, and where the claim is about meaning (what is the
 * same, what differs) the keys are checked against reconfigure's pipeline in real Ruby.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import { keyOfPath } from '../src/ruby/writes';
import { runCli } from './support/cli';
import { expectError } from './support/runError';
import { BIN } from './support/tmp';
import { loadUsesFiles, requireRuby, usesChanges, type UsesPaths } from './support/ruby';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Config {
  main: string;
  local?: string;
  secrets?: string;
}

/** A configuration in its own directory: scalr-server.rb and, if given, the files beside it. */
function config(files: { main: string; local?: string; secrets?: object | string }): Config {
  const dir = mkdtempSync(join(tmpdir(), 'scalr-diff-'));
  dirs.push(dir);
  const out: Config = { main: join(dir, 'scalr-server.rb') };
  writeFileSync(out.main, files.main);
  if (files.local !== undefined) writeFileSync((out.local = join(dir, 'scalr-server-local.rb')), files.local);
  if (files.secrets !== undefined) {
    const s = files.secrets;
    writeFileSync((out.secrets = join(dir, 'scalr-server-secrets.json')), typeof s === 'string' ? s : JSON.stringify(s));
  }
  return out;
}

const diff = (a: Config, b: Config, ...args: string[]) => runCli(['diff', a.main, b.main, ...args]);

/** The keys whose value differs after reconfigure in real Ruby, as scalr-conf names them. */
function rubyDifferences(a: UsesPaths, b: UsesPaths): string[] {
  const [ua, ub] = loadUsesFiles([a, b]);
  expect(ua.error, JSON.stringify(ua.error)).toBeNull();
  expect(ub.error, JSON.stringify(ub.error)).toBeNull();
  const keys = usesChanges(ua, ub).map(([where, ...rest]) => keyOfPath(where === 'configuration' ? ['app', 'configuration', ...rest] : rest));
  return [...new Set(keys)].sort();
}

const keysOf = (stdout: string) => stdout.split('\n').filter(Boolean).map((l) => l.slice(0, l.indexOf(': ')));

const A_MAIN = `# production
proxy[:ssl_enable] = "off"
mysql[:bind_port] = 6280
app[:configuration] = {
  "scalr" => {
    "aws" => { "instances_connection_policy" => "local" },  # private network
    "system" => { "instances_connection_timeout" => 15, "server_terminate_timeout" => "auto" },
    "ui" => { "mindterm_enabled" => "true" },
  }
}
`;

// The same settings in another author's hand: symbol keys, single quotes, one line, a later
// per-path assignment, a duplicate key whose last value wins, booleans instead of words.
const A_RESTYLED = `app[:configuration] = { scalr: { system: { 'server_terminate_timeout' => 'auto', instances_connection_timeout: 10, instances_connection_timeout: 15 }, ui: { mindterm_enabled: true } } }
app[:configuration][:scalr]["aws"] = { instances_connection_policy: 'local' }
proxy[:ssl_enable] = false
`;

describe('scalr-conf diff', () => {
  it('finds nothing between one configuration and the same one written differently', async () => {
    requireRuby();
    const a = config({ main: A_MAIN });
    const b = config({ main: A_RESTYLED });
    const r = await diff(a, b);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(EXIT.OK);
    // Real Ruby agrees: mysql[:bind_port] = 6280 is the cookbook's default, "off" is false, "true" is true.
    expect(rubyDifferences(a, b)).toEqual([]);
  });

  it('lists a changed value as KEY: A → B, and exits 1', async () => {
    requireRuby();
    const a = config({ main: A_MAIN });
    const b = config({ main: A_MAIN.replace('=> "local"', '=> "public"').replace('=> 15', '=> 30') });
    const r = await diff(a, b);
    expect(r.stdout).toBe('aws.instances_connection_policy: "local" → "public"\nsystem.instances_connection_timeout: 15 → 30\n');
    expect(r.code).toBe(EXIT.DIFFERENT);
    expect(keysOf(r.stdout)).toEqual(rubyDifferences(a, b));
  });

  it('shows a key that only one side sets as (unset), with the default it gets when one is known', async () => {
    requireRuby();
    const pool = '"aws" => { "ip_pool" => ["10.0.0.0/8"] }';
    const a = config({ main: `mysql[:bind_port] = 3306\napp[:configuration] = { "scalr" => { ${pool.replace(' }', ', "owner_tag" => "ops" }')} } }\n` });
    const b = config({ main: `app[:configuration] = { "scalr" => { ${pool} } }\n` });
    const r = await diff(a, b);
    expect(r.stdout).toBe('aws.owner_tag: "ops" → (unset)\nmysql[:bind_port]: 3306 → (unset, default 6280)\n');
    expect(r.code).toBe(EXIT.DIFFERENT);
    expect(keysOf(r.stdout)).toEqual(rubyDifferences(a, b));
    const back = await diff(b, a);
    expect(back.stdout).toBe('aws.owner_tag: (unset) → "ops"\nmysql[:bind_port]: (unset, default 6280) → 3306\n');
    // A known default shows for the unset side; setting a key to it is no difference.
    const c = config({ main: `mysql[:bind_port] = 6280\napp[:configuration] = { "scalr" => { "aws" => { "ip_pool" => [] } } }\n` });
    expect((await diff(c, config({ main: '' }))).code).toBe(EXIT.OK);
    expect(rubyDifferences(c, config({ main: '' })).filter((k) => k.startsWith('mysql'))).toEqual([]);
    expect((await diff(b, config({ main: '' }))).stdout).toBe('aws.ip_pool: ["10.0.0.0/8"] → (unset, default [])\n');
  });

  it('reads scalr-server-local.rb beside each main file, or the one named, or none', async () => {
    requireRuby();
    const main = 'app[:configuration] = { "scalr" => { "aws" => { "instances_connection_policy" => "local" } } }\n';
    const a = config({ main, local: 'app[:configuration]["scalr"]["aws"]["instances_connection_policy"] = "public"\n' });
    const b = config({ main });
    const r = await diff(a, b);
    expect(r.stdout).toBe('aws.instances_connection_policy: "public" → "local"\n');
    expect(r.code).toBe(EXIT.DIFFERENT);
    expect(keysOf(r.stdout)).toEqual(rubyDifferences(a, b));

    expect((await diff(a, b, '--local-a', 'none')).code).toBe(EXIT.OK);
    expect(rubyDifferences({ main: a.main }, b)).toEqual([]);
    // B given A's local file: the same again.
    const same = await diff(a, b, '--local-b', a.local!);
    expect([same.code, same.stdout]).toEqual([EXIT.OK, '']);
  });

  it('compares what the secrets JSON decides, masked unless --show-secrets', async () => {
    requireRuby();
    const a = config({ main: 'mysql[:root_password] = "from-rb"\n', secrets: { mysql: { root_password: 'pw-a' }, app: { secret_key: 'k' } } });
    const b = config({ main: 'mysql[:root_password] = "from-rb"\n', secrets: { mysql: { root_password: 'pw-b' }, app: { secret_key: 'k' } } });
    const r = await diff(a, b);
    expect(r.stdout).toBe('mysql[:root_password]: "********" → "********"\n');
    expect(r.stdout).not.toContain('pw-');
    expect(r.code).toBe(EXIT.DIFFERENT);
    expect(keysOf(r.stdout)).toEqual(rubyDifferences(a, b));
    expect((await diff(a, b, '--show-secrets')).stdout).toBe('mysql[:root_password]: "pw-a" → "pw-b"\n');
    const json = JSON.parse((await diff(a, b, '--json')).stdout);
    expect(json.differences[0].a).toEqual({ set: true, value: '********', file: a.secrets });

    // The JSON is assigned over the .rb file: a main file that says otherwise changes nothing.
    const c = config({ main: 'mysql[:root_password] = "other"\n', secrets: { mysql: { root_password: 'pw-a' }, app: { secret_key: 'k' } } });
    expect((await diff(a, c)).code).toBe(EXIT.OK);
    expect(rubyDifferences(a, c)).toEqual([]);
    // Without its secrets file, c's .rb value is what Scalr gets.
    expect((await diff(a, c, '--secrets-b', 'none')).stdout).toBe('app[:secret_key]: "********" → (unset)\nmysql[:root_password]: "********" → "********"\n');
  });

  it('counts a nil as no key, and a hash of nils as an empty hash, as the merges of reconfigure do', async () => {
    requireRuby();
    // nil keeps a default (config.yml's for instances_connection_policy, the cookbook's for
    // bind_port) and adds nothing where there is none.
    const nils = config({ main: `mysql[:bind_port] = nil\napp[:configuration] = { "scalr" => { "instances_connection_policy" => nil, "ui" => { "x" => 1 } } }\n` });
    const none = config({ main: `app[:configuration] = { "scalr" => { "ui" => { "x" => 1 } } }\n` });
    let r = await diff(nils, none);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(EXIT.OK);
    expect(rubyDifferences(nils, none)).toEqual([]);
    // A hash of nothing but nils is an empty hash, which is a value: over no default it is one.
    const emptied = config({ main: `app[:configuration] = { "scalr" => { "aws" => { "k" => nil }, "ui" => { "x" => 1 } } }\n` });
    const empty = config({ main: `app[:configuration] = { "scalr" => { "aws" => {}, "ui" => { "x" => 1 } } }\n` });
    expect((await diff(emptied, empty)).code).toBe(EXIT.OK);
    expect(rubyDifferences(emptied, empty)).toEqual([]);
    r = await diff(none, empty);
    expect(keysOf(r.stdout)).toEqual(['aws']);
    expect(keysOf(r.stdout)).toEqual(rubyDifferences(none, empty));
    // An empty hash against one with keys differs at those keys only.
    const filled = config({ main: `app[:configuration] = { "scalr" => { "aws" => { "ip_pool" => ["10.0.0.0/8"] }, "ui" => { "x" => 1 } } }\n` });
    r = await diff(empty, filled);
    expect(keysOf(r.stdout)).toEqual(['aws.ip_pool']);
    expect(keysOf(r.stdout)).toEqual(rubyDifferences(empty, filled));
    // A nil over a value is a difference: the value goes.
    const cleared = config({ main: `app[:configuration] = { "scalr" => { "aws" => { "ip_pool" => nil }, "ui" => { "x" => 1 } } }\n` });
    r = await diff(filled, cleared);
    expect(keysOf(r.stdout)).toEqual(['aws.ip_pool']);
    expect(keysOf(r.stdout)).toEqual(rubyDifferences(filled, cleared));
  });

  it('treats a word reconfigure turns into a boolean as that boolean, in node attributes and config.yml', async () => {
    requireRuby();
    const a = config({ main: 'proxy[:ssl_enable] = "off"\napp[:configuration] = { "scalr" => { "ui" => { "mindterm_enabled" => "yes" } } }\n' });
    const b = config({ main: "proxy[:ssl_enable] = false\napp[:configuration] = { scalr: { ui: { mindterm_enabled: true } } }\n" });
    expect((await diff(a, b)).code).toBe(EXIT.OK);
    expect(rubyDifferences(a, b)).toEqual([]);
    // "False" is not one of string2boolean's words: it stays a string.
    const c = config({ main: 'proxy[:ssl_enable] = "False"\napp[:configuration] = { "scalr" => { "ui" => { "mindterm_enabled" => "yes" } } }\n' });
    const r = await diff(a, c);
    expect(r.stdout).toBe('proxy[:ssl_enable]: false → "False"\n');
    expect(keysOf(r.stdout)).toEqual(rubyDifferences(a, c));
  });

  it('compares a value only Ruby can compute by its code', async () => {
    const a = config({ main: 'app[:configuration] = { "scalr" => { "aws" => { "ip_pool" => ENV["POOL"] } } }\n' });
    const same = config({ main: 'app[:configuration] = { "scalr" => { "aws" => { "ip_pool" => ENV["POOL"] } } }\n' });
    const other = config({ main: 'app[:configuration] = { "scalr" => { "aws" => { "ip_pool" => ENV["OTHER"] } } }\n' });
    expect((await diff(a, same)).code).toBe(EXIT.OK);
    const r = await diff(a, other);
    expect(r.code).toBe(EXIT.DIFFERENT);
    expect(r.stdout).toBe(`aws.ip_pool: (cannot tell: ${a.main}:1 has a lookup (ENV["POOL"])) → (cannot tell: ${other.main}:1 has a lookup (ENV["OTHER"]))\n`);
  });

  it('warns that a side cannot be loaded by reconfigure, and counts it as different', async () => {
    requireRuby();
    const a = config({ main: 'app[:configuration]["scalr"]["aws"]["ip_pool"] = "10.0.0.0/8"\n' });
    const b = config({ main: '' });
    const r = await diff(a, b);
    expect(r.code).toBe(EXIT.DIFFERENT);
    expect(r.stderr).toBe(`scalr-conf: warning: ${a.main} line 1: an assignment below a key that is not set; reconfigure cannot load A\n`);
    expect(r.stdout).toMatch(/^app\[:configuration\]: \(cannot tell: /);
    expect(loadUsesFiles([{ main: a.main }])[0].error?.class).toBe('NoMethodError');
  });

  it('gives the structured list with --json', async () => {
    const a = config({ main: 'mysql[:bind_port] = 3306\napp[:configuration] = { "scalr" => { "aws" => { "instances_connection_policy" => "local" } } }\n' });
    const b = config({ main: 'app[:configuration] = {\n  "scalr" => { "aws" => { "instances_connection_policy" => "public" } }\n}\n', local: 'proxy[:ssl_enable] = true\n' });
    const r = await diff(a, b, '--json');
    expect(r.code).toBe(EXIT.DIFFERENT);
    expect(JSON.parse(r.stdout)).toEqual({
      same: false,
      a: { main: a.main, local: null, secrets: null },
      b: { main: b.main, local: b.local, secrets: null },
      differences: [
        { key: 'aws.instances_connection_policy', a: { set: true, value: 'local', file: a.main, line: 2 }, b: { set: true, value: 'public', file: b.main, line: 2 } },
        { key: 'mysql[:bind_port]', a: { set: true, value: 3306, file: a.main, line: 1 }, b: { set: false, default: 6280 } },
        { key: 'proxy[:ssl_enable]', a: { set: false, default: false }, b: { set: true, value: true, file: b.local, line: 1 } },
      ],
    });
    const same = await diff(a, a, '--json');
    expect(same.code).toBe(EXIT.OK);
    expect(JSON.parse(same.stdout)).toEqual({ same: true, a: { main: a.main, local: null, secrets: null }, b: { main: a.main, local: null, secrets: null }, differences: [] });
  });

  describe('errors', () => {
    const good = () => config({ main: 'proxy[:ssl_enable] = true\n' });

    it('a missing argument is a usage error', async () => {
      expectError(await runCli(['diff', good().main, '--json']), { code: 'usage', exit: 'USAGE' });
    });

    it('a file that cannot be read is refused, naming it', async () => {
      const a = good();
      const missing = join(dirs[0], 'nowhere', 'scalr-server.rb');
      // Of the two files, the error names the one that cannot be read, as data and in its message.
      const r = await runCli(['diff', a.main, missing, '--json']);
      expect(expectError(r, { code: 'unreadable', exit: 'REFUSED', file: missing }).message).toContain(missing);
      // A local file named on the command line must be there; the default one may be absent.
      const noLocal = join(dirs[0], 'no-local.rb');
      const l = await diff(a, a, '--local-b', noLocal, '--json');
      expect(expectError(l, { code: 'unreadable', exit: 'REFUSED' }).message).toContain(noLocal);
      const dir = join(dirs[0], 'a-dir.rb');
      mkdirSync(dir);
      expect(expectError(await runCli(['diff', dir, a.main, '--json']), { code: 'unreadable', exit: 'REFUSED', file: dir }).message).toContain(dir);
    });

    it('a syntax error is refused, naming the file it is in', async () => {
      const a = good();
      const b = config({ main: 'proxy[:ssl_enable] = true\n', local: 'app[:configuration] = { "scalr" => \n' });
      const r = await diff(a, b, '--json');
      expectError(r, { code: 'syntax', exit: 'REFUSED', file: b.local, line: 1 });
      const text = await diff(b, a);
      expect(text.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(text.stderr).toContain(b.local!);
    });

    it('an internal error exits INTERNAL (70), never 1, which says "different"', () => {
      // Only diff's answer has status 1: a script that reads 1 as "different" cannot mistake a crash for it.
      expect(Object.entries(EXIT).filter(([, code]) => code === 1)).toEqual([['DIFFERENT', 1]]);
      const a = good();
      const b = config({ main: 'proxy[:ssl_enable] = false\n' });
      // Writing the differences to a full disk fails inside diff, with nothing scalr-conf expects.
      const full = openSync('/dev/full', 'w');
      try {
        const r = spawnSync(process.execPath, [BIN, 'diff', a.main, b.main], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(EXIT.INTERNAL);
        expect(EXIT.INTERNAL).toBe(70);
        expect(r.stderr).toMatch(/^scalr-conf: internal error: ENOSPC\b[^\n]*\n$/);
      } finally {
        closeSync(full);
      }
    });

    it('a secrets file that is not JSON is refused', async () => {
      const a = good();
      const b = config({ main: 'proxy[:ssl_enable] = true\n', secrets: '{"mysql": ' });
      const r = await diff(a, b, '--json');
      expectError(r, { code: 'unreadable', exit: 'REFUSED', file: b.secrets });
      // Told there is none, it is not read.
      expect((await diff(a, b, '--secrets-b', 'none')).code).toBe(EXIT.OK);
    });
  });

  it('bash completion offers diff, its options, and files for its arguments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scalr-diff-completion-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'scalr-server.rb'), '');
    const script = join(dir, 'scalr-conf.bash');
    writeFileSync(script, (await runCli(['completion', 'bash'])).stdout);
    const reply = (...words: string[]) => {
      const q = (w: string) => `'${w}'`;
      const body = `source ${q(script)}; cd ${q(dir)}; COMP_WORDS=(${words.map(q).join(' ')}); COMP_CWORD=${words.length - 1}; _scalr_conf scalr-conf ${q(words[words.length - 1])} ${q(words[words.length - 2])}; printf '%s\\n' "\${COMPREPLY[@]}"`;
      const r = spawnSync('bash', ['--norc', '--noprofile', '-c', body], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      return r.stdout.split('\n').filter(Boolean);
    };
    expect(reply('scalr-conf', 'di')).toEqual(['diff']);
    expect(reply('scalr-conf', 'diff', '--secrets-')).toEqual(['--secrets-a', '--secrets-b']);
    expect(reply('scalr-conf', 'diff', 'scalr-')).toEqual(['scalr-conf.bash', 'scalr-server.rb']);
    expect(reply('scalr-conf', 'diff', '--local-a', 'x', 'a.rb', 'scalr-server')).toEqual(['scalr-server.rb']);
    expect(reply('scalr-conf', 'diff', 'a.rb', 'b.rb', 'scalr-')).toEqual([]);
    expect(reply('scalr-conf', 'diff', '--local-b', 'scalr-s')).toEqual(['scalr-server.rb']);
  });
});
