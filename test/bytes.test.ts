/**
 * Bytes through the command line: a value from stdin reaches Ruby byte for byte whatever the key
 * (Ruby is the oracle: the loader prints a string that is not UTF-8 as {"$bytes": hex}); bytes
 * argv cannot carry are refused; keys and values print as UTF-8 in --json and in messages.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from './support/cli';
import { errorOf, expectError } from './support/runError';
import { loadEffective, loadUses, requireRuby } from './support/ruby';
import { inConfiguration } from '../src/model/pipeline';
import { at } from './support/checks';
import { BIN } from './support/tmp';
import { makeTmpDir } from './support/helpers';
import { EXIT } from '../src/app/exitCodes';
import { listSettings } from '../src/knowledge/schema';
import { parseKey } from '../src/values/keys';

let root = '';
let n = 0;
beforeAll(() => {
  requireRuby();
  root = makeTmpDir('scalr-bytes-');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function config(text = 'app[:configuration] = {}\n') {
  const dir = path.join(root, `case-${++n}`);
  fs.mkdirSync(dir);
  const file = path.join(dir, 'scalr-server.rb');
  fs.writeFileSync(file, text);
  const env = { SCALR_CONF_BACKUP_DIR: path.join(dir, 'backups') };
  return { file, env, base: ['--file', file, '--no-reconfigure'] };
}

/** Where Ruby holds a key: group first, as the loader prints it. */
function rubyPath(key: string): string[] {
  const t = parseKey(key);
  return t.kind === 'enable_all' ? ['enable_all'] : [t.group, ...t.path];
}

// Latin-1 "é", a byte no UTF-8 has, and a valid UTF-8 "é" beside them.
const LATIN1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0xff, 0x2f, 0xc3, 0xa9]);

describe('values from stdin keep their bytes', () => {
  const stringKeys = listSettings()
    .filter((s) => s.type === 'string')
    .map((s) => s.key.replace(/\*/g, 'x'))
    // rabbitmq[...] and influxdb[...] exist only in later Scalr versions, which the editor does not read yet.
    .filter((k) => !/^(rabbitmq|influxdb|proxy2)\[/.test(k));
  const inConfig = (key: string) => inConfiguration(rubyPath(key));

  it('every known string attribute: Ruby reads exactly the bytes piped in, unless config.yml gets a copy', async () => {
    const keys = stringKeys.filter((k) => !inConfig(k));
    expect(keys.length).toBeGreaterThan(30);
    const { file, env, base } = config();
    const refused: string[] = [];
    for (const key of keys) {
      const r = await runCli(['set', key, '-', ...base, '--no-verify', '--backups', '0', '--json'], { env, stdin: LATIN1 });
      if (r.code === EXIT.REFUSED && errorOf(r).code === 'breaks-load') {
        expectError(r, { code: 'breaks-load', exit: 'REFUSED', file });
        refused.push(key);
      } else expect(r.code, `${key}: ${r.stderr}`).toBe(EXIT.OK);
    }
    // Ruby (3.1 here; 2.1 reads the same "\xNN" escapes) must load the file, and see every byte.
    expect(fs.readFileSync(file).includes(Buffer.from([0xe9]))).toBe(false);
    const eff = loadEffective(file);
    const written = keys.filter((k) => !refused.includes(k));
    const wrong = written.filter((k) => JSON.stringify(at(eff, rubyPath(k))?.value) !== JSON.stringify({ $bytes: LATIN1.toString('hex') }));
    expect(wrong).toEqual([]);
    expect(loadUses({ main: fs.readFileSync(file) }).error).toBeNull();
    // The refused ones are those the cookbook copies into config.yml, whose YAML dump fails on them.
    expect(refused).toContain('mysql[:scalr_password]');
    for (const key of refused) {
      const [group, name] = rubyPath(key);
      const escaped = [...LATIN1].map((b) => (b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16)}`)).join('');
      const uses = loadUses({ main: `${group}[:${name}] = "${escaped}"\n` });
      // The project's loader leaves out config.yml's analytics and load statistics parts.
      if (/^(mysql\[:analytics_dbname|app\[:mysql_analytics_|routing\[:graphics_path|service\[:plotter_)/.test(key)) continue;
      expect(uses.error?.stage, key).toBe('config.yml');
    }
  });

  it('every known string key of config.yml refuses bytes that are not UTF-8: reconfigure cannot dump them, as Ruby says', async () => {
    const keys = stringKeys.filter(inConfig);
    expect(keys.length).toBeGreaterThan(60);
    const { file, env, base } = config();
    const before = fs.readFileSync(file);
    for (const key of keys) {
      const r = await runCli(['set', key, '-', ...base, '--json'], { env, stdin: LATIN1 });
      // The place is the new value's line in the text that was planned, which is not written.
      const error = expectError(r, { code: 'breaks-load', exit: 'REFUSED', file });
      expect(error.line, key).toEqual(expect.any(Number));
    }
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    // The oracle: Ruby's own YAML dump of config.yml fails on such a string.
    const { main } = { main: `app[:configuration] = { "scalr" => { "auth_mode" => "caf\\xe9" } }\n` };
    const uses = loadUses({ main });
    expect(uses.error?.stage).toBe('config.yml');
    expect(uses.error?.message).toMatch(/invalid byte sequence in UTF-8/);
  });

  it('a Latin-1 password (0xE9) for mysql[:root_password], also through ruby -c', async () => {
    const { file, env, base } = config();
    const r = await runCli(['set', 'mysql[:root_password]', '-', ...base], { env, stdin: Buffer.from('s\xe9same\n', 'latin1') });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const eff = loadEffective(file);
    expect(at(eff, ['mysql', 'root_password'])?.value).toEqual({ $bytes: Buffer.from('s\xe9same', 'latin1').toString('hex') });
  });

  it('a list attribute keeps the bytes of its items', async () => {
    const { file, env, base } = config();
    const r = await runCli(['set', 'proxy[:app_upstreams]', '-', ...base], { env, stdin: Buffer.from('a\xe9,b', 'latin1') });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(at(loadEffective(file), ['proxy', 'app_upstreams'])?.value).toEqual([{ $bytes: '61e9' }, 'b']);
  });

  it('a typed key refuses bytes that are not UTF-8 where text is needed (JSON), one line, exit 2', async () => {
    const hash = listSettings().find((s) => s.type === 'hash')!;
    const { file, env, base } = config();
    const before = fs.readFileSync(file);
    const r = await runCli(['set', hash.key, '-', ...base, '--json'], { env, stdin: Buffer.from('{"a": "\xe9"}', 'latin1') });
    expect(expectError(r, { code: 'usage', exit: 'USAGE' }).message).toContain('not valid UTF-8');
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });
});

describe('argv', () => {
  it('a value that is not UTF-8 in argv is refused, pointing to -, file untouched', () => {
    const { file, env, base } = config();
    const before = fs.readFileSync(file);
    // The shell passes the raw byte; Node would decode it to U+FFFD.
    const r = spawnSync('sh', ['-c', `exec "$0" set foo.bar "$(printf 'caf\\351')" "$@"`, BIN, ...base, '--json'], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    const run: CliRun = { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, stdoutBin: r.stdout };
    // The way out: the value as -, piped on stdin.
    expect(expectError(run, { code: 'usage', exit: 'USAGE' }).message).toMatch(/ as - and pipe it on stdin/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });
});

describe('UTF-8 out', () => {
  it('a non-ASCII key and value print as UTF-8 in --json, warnings and errors', async () => {
    const { env, base } = config();
    const set = await runCli(['set', 'foo.café', 'naïve', '--json', ...base], { env });
    expect(set.code, set.stderr).toBe(EXIT.OK);
    expect(JSON.parse(set.stdout).summary).toEqual(['set foo.café']);
    expect(set.stderr).toContain('warning: foo.café is not a setting');
    const get = await runCli(['get', 'foo.café', '--json', ...base], { env });
    expect(JSON.parse(get.stdout)).toMatchObject({ key: 'foo.café', value: 'naïve' });
    const show = await runCli(['show', 'foo', '--json', ...base], { env });
    expect(Object.keys(JSON.parse(show.stdout))).toEqual(['foo.café']);
    const missing = await runCli(['get', 'foo.cafë', ...base], { env });
    expect(missing.stderr).toContain('foo.cafë is not set');
    // get --json answers {"set": false} on stdout as well, so the error is read alone.
    const missingJson = await runCli(['get', 'foo.cafë', '--json', ...base], { env });
    expect(missingJson.code).toBe(EXIT.NOT_SET);
    expect(errorOf(missingJson)).toMatchObject({ code: 'not-set', exit: 'NOT_SET', exitCode: EXIT.NOT_SET });
    expect(errorOf(missingJson).message).toContain('foo.cafë');
    const history = await runCli(['history', '--json', ...base], { env });
    expect(JSON.parse(history.stdout)[0].summary).toBe('set foo.café');
  });
});

describe('--type json', () => {
  it('keeps 1.0 a float and integers past 2^53 exact', async () => {
    const { file, env, base } = config();
    const r = await runCli(['set', 'foo.limits', '{"ratio": 1.0, "big": 12345678901234567891, "neg": -9007199254740993}', '--type', 'json', ...base], { env });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(at(loadEffective(file), rubyPath('foo.limits'))?.value).toEqual({
      ratio: { $float: 1.0 },
      big: { $int: '12345678901234567891' },
      neg: { $int: '-9007199254740993' },
    });
  });
});
