import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import { diagnose } from '../src/knowledge/doctor';
import { lookupSetting } from '../src/knowledge/schema';
import { acceptsName, libraryNames, manifestVersion, PROFILES, profileFor, resolveTarget } from '../src/knowledge/versions';
import { runCli } from './support/cli';
import { expectError } from './support/runError';
import { requireRuby } from './support/ruby';
import { ROOT } from './support/tmp';

const OFFICIAL = join(ROOT, 'fixtures/official');
const profile = (v: string) => PROFILES.find((p) => p.version === v)!;

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'scalr-versions-'));
  dirs.push(d);
  return d;
}

/** Every configuration of fixtures/official: the main file alone, and with each role's local file. */
function officialCases(): { name: string; main: string; local?: string }[] {
  const cases: { name: string; main: string; local?: string }[] = [];
  for (const dir of readdirSync(OFFICIAL, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    const base = join(OFFICIAL, dir.name);
    const main = join(base, 'scalr-server.rb');
    cases.push({ name: dir.name, main });
    for (const f of readdirSync(base).filter((f) => f.startsWith('scalr-server-local')).sort()) {
      cases.push({ name: `${dir.name} + ${f}`, main, local: join(base, f) });
    }
  }
  return cases;
}

/** A checkout of one configuration, as scalr-server-ctl finds it in /etc/scalr-server. */
function place(c: { main: string; local?: string }): string {
  const dir = tempDir();
  copyFileSync(c.main, join(dir, 'scalr-server.rb'));
  if (c.local) copyFileSync(c.local, join(dir, 'scalr-server-local.rb'));
  return join(dir, 'scalr-server.rb');
}

/**
 * Loads files in a strict Mixlib::Config that accepts exactly `names` (groups as hashes, enable_all
 * as a setting), as libraries/scalr_server.rb declares them: nil when Ruby loads them, else the line.
 */
function strictLoad(names: string[], files: string[]): { ok: true } | { ok: false; line?: number; error: string } {
  const script = `
require 'mixlib/config'
module Loader
  extend Mixlib::Config
  config_strict_mode true
  ARGV[0].split(',').each { |n| n == 'enable_all' ? default(:enable_all, true) : default(n.to_sym, {}) }
end
ARGV[1..].each do |f|
  begin
    Loader.instance_eval(File.read(f), f)
  rescue Exception => e
    line = e.backtrace.find { |l| l.start_with?(f + ':') }
    warn "#{line ? line.split(':')[1] : '?'}: #{e.class}: #{e.message}"
    exit 1
  end
end
`;
  const r = spawnSync('ruby', ['-e', script, names.join(','), ...files], { encoding: 'utf8' });
  if (r.status === 0) return { ok: true };
  const m = /^(\d+|\?): (.*)/.exec(r.stderr.trim());
  return { ok: false, line: m && m[1] !== '?' ? Number(m[1]) : undefined, error: r.stderr.trim() };
}

describe('version profiles', () => {
  it('hold what the installer declares: 14 groups and enable_all before 7.7.3, then rabbitmq, influxdb and proxy2; Ruby 2.1.6 throughout', () => {
    expect(profile('7.0.0').names.filter((n) => n !== 'enable_all')).toHaveLength(14);
    expect(profile('7.0.0').names).toContain('enable_all');
    const added = profile('7.7.3').names.filter((n) => !profile('7.0.0').names.includes(n));
    expect(added.sort()).toEqual(['influxdb', 'proxy2', 'rabbitmq']);
    for (const p of PROFILES) {
      expect(p.ruby).toBe('2.1.6');
      expect(Object.values(p.evidence).join(' ')).toMatch(/installer-ng@[0-9a-f]{40} /);
    }
  });

  it('cover consecutive version ranges, and nothing outside them', () => {
    expect(profileFor('7.0.0')?.version).toBe('7.0.0');
    expect(profileFor('7.7.2')?.version).toBe('7.0.0');
    expect(profileFor('7.7.3')?.version).toBe('7.7.3');
    expect(profileFor('7.9.3.1')?.version).toBe('7.7.3');
    expect(profileFor('8.0.0')).toBeUndefined();
    expect(profileFor('6.5.0')).toBeUndefined();
  });

  it('every attribute of each profile is a setting the schema knows, with the profile\'s type', () => {
    for (const p of PROFILES) {
      for (const [key, s] of Object.entries(p.settings)) {
        const known = lookupSetting(key);
        expect(known, `${p.version} ${key}`).toBeDefined();
        // The schema may narrow a string to its documented values.
        expect([s.type, ...(s.type === 'string' ? ['enum'] : [])], `${p.version} ${key}`).toContain(known!.type);
      }
    }
  });

  it('set writes a cookbook attribute with its type: csg[:bind_port] 3129 is the integer', async () => {
    const dir = tempDir();
    const file = join(dir, 'scalr-server.rb');
    writeFileSync(file, "csg[:bind_port] = 3128\n");
    const r = await runCli(['set', 'csg[:bind_port]', '3129', '--file', file, '--no-reconfigure', '--yes', '--backup-dir', join(dir, 'b')]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(file, 'utf8')).toBe('csg[:bind_port] = 3129\n');
  });
});

describe('which version doctor judges by', () => {
  it('reads the manifest first line, and the `default :name` lines of the installed library', () => {
    expect(manifestVersion('scalr-server 7.7.3\n\nchef 12.0.3\n')).toBe('7.7.3');
    expect(manifestVersion('scalr-server 8.1.0-1\n')).toBe('8.1.0');
    expect(manifestVersion('something else 7.7.3\n')).toBeUndefined();
    const lib = 'module ScalrServer\n  extend(Mixlib::Config)\n  default :routing, Mash.new\n  default :app, Mash.new\n  default :enable_all, true\nend\n';
    expect([...libraryNames(lib)!]).toEqual(['routing', 'app', 'enable_all']);
    expect(libraryNames('# nothing here\n')).toBeUndefined();
  });

  it('--scalr-version wins over the manifest, the manifest over the library, and nothing known accepts every profile\'s names', () => {
    const lib = '  default :routing, Mash.new\n  default :app, Mash.new\n';
    expect(resolveTarget({ option: '7.0.0', manifest: 'scalr-server 7.7.3\n', installedLibrary: lib }).profile?.version).toBe('7.0.0');
    expect(resolveTarget({ manifest: 'scalr-server 7.7.3\n', installedLibrary: lib })).toMatchObject({ source: 'manifest', version: '7.7.3' });
    const installed = resolveTarget({ installedLibrary: lib });
    expect(installed.source).toBe('installed');
    expect(acceptsName(installed, 'app')).toBe(true);
    expect(acceptsName(installed, 'proxy')).toBe(false);
    const none = resolveTarget({});
    expect(acceptsName(none, 'rabbitmq')).toBe(true);
    expect(acceptsName(none, 'ssl')).toBeUndefined();
    // A version beyond every profile: its names are not known, its Ruby is (every 7.x has 2.1.6).
    expect(resolveTarget({ option: '8.0.0' })).toMatchObject({ names: undefined, ruby: undefined });
  });

  it('doctor names the version it judged by, from the manifest under $SCALR_SERVER_ROOT', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'version-manifest.txt'), 'scalr-server 7.0.0\n\nruby 2.1.6\n');
    const main = place({ main: join(OFFICIAL, '6-server-ha/scalr-server.rb') });
    const r = await runCli(['doctor', '--file', main, '--json'], { env: { SCALR_SERVER_ROOT: root } });
    expect(r.code).toBe(EXIT.REFUSED);
    const report = JSON.parse(r.stdout);
    expect(report.scalr).toEqual({ source: 'manifest', version: '7.0.0', profile: '7.0.0', ruby: '2.1.6' });
    const errors = report.findings.filter((f: { severity: string }) => f.severity === 'error');
    expect(errors.map((f: { line: number; code: string }) => [f.line, f.code])).toEqual([
      [78, 'unknown-group'],
      [81, 'unknown-group'],
      [82, 'unknown-group'],
    ]);
    expect(errors[0].message).toContain('Scalr 7.0.0 (version-manifest.txt)');
  });

  it('without a manifest, the installed library decides, from its real path under the root', async () => {
    const root = tempDir();
    const lib = join(root, 'embedded/cookbooks/scalr-server/libraries');
    mkdirSync(lib, { recursive: true });
    writeFileSync(join(lib, 'scalr_server.rb'), ['routing', 'app', 'proxy'].map((g) => `  default :${g}, Mash.new\n`).join('') + '  default :enable_all, true\n');
    const dir = tempDir();
    const main = join(dir, 'scalr-server.rb');
    writeFileSync(main, "proxy[:enable] = true\nmysql[:enable] = true\n");
    const r = await runCli(['doctor', '--file', main], { env: { SCALR_SERVER_ROOT: root } });
    expect(r.code).toBe(EXIT.REFUSED);
    expect(r.stdout).toBe(
      `${main}:2: error: mysql is not a scalr-server.rb setting group of the installed scalr-server cookbook (libraries/scalr_server.rb): ` +
        'scalr-server-ctl stops here (strict mode); the names are routing, app, proxy\n',
    );
    expect(r.stderr).toContain('judged by the installed scalr-server cookbook');
  });

  it('an unknown name with no version known is a warning that asks for --scalr-version', () => {
    const [f] = diagnose({ main: "ssl[:enable] = true\n" });
    expect([f.line, f.severity, f.code]).toEqual([1, 'warning', 'unknown-group']);
    expect(f.message).toContain('--scalr-version');
    const [e] = diagnose({ main: "ssl[:enable] = true\n", target: resolveTarget({ option: '7.7.3' }) });
    expect([e.severity, e.code]).toEqual(['error', 'unknown-group']);
    expect(e.message).toContain('Scalr 7.7.3 (--scalr-version)');
  });

  it("an attribute only a later version's cookbook reads is a warning on the earlier one, and fine on its own", () => {
    const text = "app[:rabbitmq_host] = 'worker.example.com'\n";
    const [w] = diagnose({ main: text, target: resolveTarget({ option: '7.5.0' }) });
    expect([w.line, w.severity, w.code]).toEqual([1, 'warning', 'unknown-key']);
    expect(w.message).toContain('Scalr 7.5.0 (--scalr-version)');
    expect(w.message).toContain('Scalr 7.7.3 has it');
    expect(diagnose({ main: text, target: resolveTarget({ option: '7.7.3' }) })).toEqual([]);
    expect(diagnose({ main: text })).toEqual([]);
  });

  it('--scalr-version that is not a version is a usage error, file untouched', async () => {
    const main = place({ main: join(OFFICIAL, 'openldap/scalr-server.rb') });
    const before = readFileSync(main);
    const r = await runCli(['doctor', '--file', main, '--scalr-version', 'latest', '--json']);
    expect(expectError(r, { code: 'usage', exit: 'USAGE' }).message).toContain('--scalr-version latest');
    expect(readFileSync(main).equals(before)).toBe(true);
  });
});

describe("Scalr's published configurations (fixtures/official)", () => {
  const cases = officialCases();
  it('are all there', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  for (const c of cases) {
    it(`${c.name}: doctor finds no error, with no version known and with --scalr-version 7.7.3`, async () => {
      const main = place(c);
      const env = { SCALR_SERVER_ROOT: join(tmpdir(), 'no-scalr-server-here') };
      for (const args of [[], ['--scalr-version', '7.7.3']]) {
        const r = await runCli(['doctor', '--file', main, '--json', ...args], { env });
        const report = JSON.parse(r.stdout);
        expect(report.findings.filter((f: { severity: string }) => f.severity === 'error'), args.join(' ')).toEqual([]);
        expect(r.code).toBe(EXIT.OK);
      }
    });
  }

  it("the names a profile accepts are the ones Mixlib::Config's strict mode accepts: 7.7.3's load every sample, 7.0.0's stop where doctor says", () => {
    if (!requireRuby()) return;
    for (const c of cases) {
      const files = c.local ? [c.main, c.local] : [c.main];
      const loaded = strictLoad(profile('7.7.3').names, files);
      expect(loaded, `${c.name}: ${loaded.ok ? '' : loaded.error}`).toEqual({ ok: true });
      const old = strictLoad(profile('7.0.0').names, files);
      const findings = diagnose({
        main: readFileSync(c.main, 'latin1'),
        local: c.local ? readFileSync(c.local, 'latin1') : undefined,
        target: resolveTarget({ option: '7.0.0' }),
      }).filter((f) => f.severity === 'error');
      if (old.ok) {
        expect(findings, c.name).toEqual([]);
      } else {
        // Ruby stops at the first refused name; doctor names it first.
        expect(findings[0]?.code, c.name).toBe('unknown-group');
        expect(findings[0].line, `${c.name}: ${old.error}`).toBe(old.line);
      }
    }
  });
});
