/**
 * End to end: bin/scalr-conf edits a copy of the sample scalr-server.rb and runs the stand-in
 * scalr-server-ctl (fixtures/ctl), which evaluates the files with Mixlib::Config as the real one
 * does and writes config.yml. The setting must arrive there, and nothing else may be lost.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Canonical } from '../src/values/value';
import { isHash, type Obj } from './support/checks';
import { loadEffective, readYaml, rubyAvailable } from './support/ruby';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin/scalr-conf');
const CTL = join(ROOT, 'fixtures/ctl/scalr-server-ctl');
const BASELINE = join(ROOT, 'fixtures/ctl/baseline.yml');
const SAMPLE = join(ROOT, 'fixtures/sample/scalr-server.rb');

const LOCAL = [
  '# Overrides for this host only.',
  'app[:configuration]["scalr"]["system"]["instances_connection_timeout"] = 30',
  'app[:configuration]["scalr"]["ui"] = { "support_url" => "https://support.example.com" }',
  'mysql[:bind_port] = 6281',
  '',
].join('\n');

let dirs: string[] = [];

beforeAll(() => {
  if (!rubyAvailable()) throw new Error('ruby with mixlib-config is required (apt-get install ruby ruby-mixlib-config)');
  if (!existsSync(join(ROOT, 'dist/cli.cjs'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
});

afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** A config directory holding a copy of the sample (and a local file), and an output directory. */
function setup(local?: string): { dir: string; out: string; main: string; localPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'scalr-conf-e2e-'));
  const out = join(dir, 'out');
  mkdirSync(out);
  dirs.push(dir);
  const main = join(dir, 'scalr-server.rb');
  copyFileSync(SAMPLE, main);
  const localPath = join(dir, 'scalr-server-local.rb');
  if (local !== undefined) writeFileSync(localPath, local);
  return { dir, out, main, localPath };
}

function scalrConf(args: string[], dir: string, out: string) {
  const r = spawnSync(process.execPath, [BIN, '--ctl', CTL, '--backups', '0', '--yes', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, SCALR_SERVER_CONFIG_DIR: dir, SCALR_CTL_OUTPUT_DIR: out, SCALR_CONF_BACKUP_DIR: join(dir, 'backups') },
  });
  if (r.error) throw r.error;
  return r;
}

/** The cookbook's merge: hashes merge, everything else replaces. */
function deepMerge(base: Canonical, over: Canonical): Canonical {
  if (!isHash(base) || !isHash(over)) return over;
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? deepMerge((base as Obj)[k], v) : v;
  return out;
}

/** Every leaf of a nested object as [dotted path, value]. */
function leaves(v: Canonical, prefix = ''): [string, Canonical][] {
  if (!isHash(v) || Object.keys(v).length === 0) return [[prefix, v]];
  return Object.entries(v).flatMap(([k, x]) => leaves(x, prefix ? `${prefix}.${k}` : k));
}

/** What config.yml must hold for these files: the baseline with app[:configuration] merged over it. */
function expectedConfig(main: string, local?: string): Obj {
  const eff = loadEffective(main, local);
  const app = eff.groups.app as Obj;
  return deepMerge(readYaml(BASELINE), app.configuration ?? {}) as Obj;
}

function lines(text: string): string[] {
  return text.split('\n');
}

describe('bin/scalr-conf with the stand-in scalr-server-ctl', { timeout: 120_000 }, () => {
  it('set aws.instances_connection_policy local reaches config.yml, every other key intact', () => {
    const { dir, out, main } = setup();
    const before = readFileSync(main, 'utf8');
    const userBefore = (loadEffective(main).groups.app as Obj).configuration;
    const r = scalrConf(['--file', main, 'set', 'aws.instances_connection_policy', 'local'], dir, out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/reconfigure: done/);

    const yml = readYaml(join(out, 'config.yml')) as Obj;
    const scalr = yml.scalr as Obj;
    expect((scalr.aws as Obj).instances_connection_policy).toBe('local');
    expect(yml).toEqual(expectedConfig(main));
    // Every baseline key not set by the user, and every user key, as they were.
    const baseline = readYaml(BASELINE);
    const userLeaves = new Map(leaves(userBefore));
    for (const [k, v] of leaves(baseline)) {
      if (k === 'scalr.aws.instances_connection_policy' || [...userLeaves.keys()].some((u) => k === u || k.startsWith(u + '.'))) continue;
      expect(leaves(yml).find(([p]) => p === k)?.[1], k).toEqual(v);
    }
    for (const [k, v] of userLeaves) expect(leaves(yml).find(([p]) => p === k)?.[1], k).toEqual(v);
    // The edit added lines and removed none.
    const after = readFileSync(main, 'utf8');
    const now = lines(after);
    let at = 0;
    for (const line of lines(before)) {
      at = now.indexOf(line, at) + 1;
      expect(at, `line ${JSON.stringify(line)} of the sample`).toBeGreaterThan(0);
    }
    expect(after).toMatch(/"aws" => \{\n\s+"instances_connection_policy" => "local",?\n/);
  });

  it('the same with a scalr-server-local.rb beside it: both files reach config.yml', () => {
    const { dir, out, main, localPath } = setup(LOCAL);
    const r = scalrConf(['--file', main, 'set', 'aws.instances_connection_policy', 'local'], dir, out);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(localPath, 'utf8')).toBe(LOCAL);

    const yml = readYaml(join(out, 'config.yml')) as Obj;
    const scalr = yml.scalr as Obj;
    expect((scalr.aws as Obj).instances_connection_policy).toBe('local');
    expect((scalr.system as Obj).instances_connection_timeout).toBe(30);
    expect((scalr.ui as Obj).support_url).toBe('https://support.example.com');
    expect((scalr.ui as Obj).wiki_url).toBe((((readYaml(BASELINE) as Obj).scalr as Obj).ui as Obj).wiki_url);
    expect(scalr.auth_mode).toBe('ldap');
    expect(((scalr.connections as Obj).ldap as Obj).host).toBe('ldap.example.com');
    expect(yml).toEqual(expectedConfig(main, localPath));
  });

  it('--local writes the setting into scalr-server-local.rb, which wins over the main file', () => {
    const { dir, out, main, localPath } = setup(LOCAL);
    const mainBefore = readFileSync(main);
    const r = scalrConf(['--file', main, '--local', 'set', 'aws.instances_connection_policy', 'local'], dir, out);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(main).equals(mainBefore)).toBe(true);
    expect(readFileSync(localPath, 'utf8').startsWith(LOCAL)).toBe(true);

    const yml = readYaml(join(out, 'config.yml')) as Obj;
    expect(((yml.scalr as Obj).aws as Obj).instances_connection_policy).toBe('local');
    expect(yml).toEqual(expectedConfig(main, localPath));
  });
});
