import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRuby } from '../grammars/ruby';
import { EXIT } from '../src/app/exitCodes';
import type { PairStyle } from '../src/ruby/style';
import { binOf } from '../src/values/value';
import { diagnose } from '../src/knowledge/doctor';
import { newerSyntaxUses, rubyKeyLiteral } from '../src/knowledge/rubySyntax';
import { resolveTarget } from '../src/knowledge/versions';
import { runCli } from './support/cli';
import { requireRuby } from './support/ruby';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});
function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'scalr-ruby-syntax-'));
  dirs.push(dir);
  const f = join(dir, 'scalr-server.rb');
  writeFileSync(f, text);
  return f;
}
const noScalr = { SCALR_SERVER_ROOT: join(tmpdir(), 'no-scalr-server-here') };

/** Ruby's view of a hash literal: its keys as [class, text] pairs. */
function rubyKeys(hashText: string): [string, string][] {
  const r = spawnSync('ruby', ['-rjson', '-e', `h = eval(ARGV[0].dup.force_encoding('UTF-8')); puts JSON.generate(h.keys.map { |k| [k.class.name, k.to_s] })`, hashText], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const NEWER = [
  'app[:configuration] = {',
  '  "scalr" => {',
  '    "scalarizr_update" => { "docker-repo-url": "https://repo.example.com" },',
  '  },',
  '}',
  'app[:ldap_configuration] = <<~EOS',
  '  TLS_CACERT /etc/ssl/ca.pem',
  'EOS',
  "proxy[:ssl_cert_path] = ENV['CERT']&.strip",
  '',
].join('\n');

describe('syntax newer than Ruby 2.1', () => {
  it('finds "k": keys, <<~ heredocs and &. with their lines and the Ruby they need', () => {
    const uses = newerSyntaxUses(parseRuby(NEWER).rootNode);
    expect(uses.map((u) => [u.construct, u.line, u.needs])).toEqual([
      ['quoted-label', 3, '2.2'],
      ['squiggly-heredoc', 6, '2.3'],
      ['safe-navigation', 9, '2.3'],
    ]);
    expect(uses[0].fix).toBe('write "docker-repo-url" => instead');
    expect(uses[2].fix).toBe("write ENV['CERT'] && ENV['CERT'].strip instead");
    // Plain labels and rockets are fine in 2.1.
    expect(newerSyntaxUses(parseRuby('x = { a: 1, "b" => 2, :"c" => 3 }\ny = <<-EOS\nz\nEOS\n').rootNode)).toEqual([]);
  });

  it('doctor calls them errors on a 7.x server, with line and fix, and warnings when the version is unknown', async () => {
    const f = file(NEWER);
    const seven = await runCli(['doctor', '--file', f, '--json', '--scalr-version', '7.7.3'], { env: noScalr });
    expect(seven.code).toBe(EXIT.REFUSED);
    const found = JSON.parse(seven.stdout).findings.filter((x: { code: string }) => x.code === 'ruby-version');
    expect(found.map((x: { line: number; severity: string }) => [x.line, x.severity])).toEqual([
      [3, 'error'],
      [6, 'error'],
      [9, 'error'],
    ]);
    expect(found[0].message).toContain('needs Ruby 2.2');
    expect(found[0].message).toContain('runs Ruby 2.1.6');
    expect(found[0].message).toContain('write "docker-repo-url" => instead');
    const unknown = await runCli(['doctor', '--file', f, '--json'], { env: noScalr });
    const severities = JSON.parse(unknown.stdout).findings.filter((x: { code: string }) => x.code === 'ruby-version').map((x: { severity: string }) => x.severity);
    expect(severities).toEqual(['warning', 'warning', 'warning']);
  });

  it('the fix doctor gives reads the same in Ruby', () => {
    if (!requireRuby()) return;
    expect(rubyKeys('{ "docker-repo-url" => 1 }')).toEqual(rubyKeys('{ "docker-repo-url": 1 }').map(([, k]) => ['String', k]));
  });

  it('a file without such syntax has no ruby-version finding on 7.x', () => {
    const f = diagnose({ main: 'app[:configuration] = { scalr: { auth_mode: "ldap" } }\n', target: resolveTarget({ option: '7.7.3' }) });
    expect(f.filter((x) => x.code === 'ruby-version')).toEqual([]);
  });
});

describe('rubyKeyLiteral: how a new key is written', () => {
  const colon: PairStyle = { form: 'colon', quote: '"', separator: ': ' };
  const quotedColon: PairStyle = { form: 'quoted-colon', quote: "'", separator: ': ' };
  const symbolRocket: PairStyle = { form: 'symbol-rocket', quote: '"', separator: ' => ' };
  const stringRocket: PairStyle = { form: 'string-rocket', quote: "'", separator: ' => ' };

  it('a plain label stays a label in a key: hash; any other key becomes "k" => unless the Ruby is known to read "k":', () => {
    expect(rubyKeyLiteral('docker_repo', colon, '2.1.6')).toBe('docker_repo: ');
    expect(rubyKeyLiteral('docker-repo-url', colon, '2.1.6')).toBe('"docker-repo-url" => ');
    expect(rubyKeyLiteral('docker-repo-url', colon, undefined)).toBe('"docker-repo-url" => ');
    expect(rubyKeyLiteral('docker-repo-url', colon, '2.2.0')).toBe('"docker-repo-url": ');
    expect(rubyKeyLiteral('a.b', colon, '2.1.6')).toBe('"a.b" => ');
  });

  it('a "k": hash keeps its style unless the Ruby is known to refuse it; rockets keep theirs', () => {
    expect(rubyKeyLiteral('x-y', quotedColon, undefined)).toBe("'x-y': ");
    expect(rubyKeyLiteral('x-y', quotedColon, '2.1.6')).toBe("'x-y' => ");
    expect(rubyKeyLiteral('x-y', symbolRocket, '2.1.6')).toBe(':"x-y" => ');
    expect(rubyKeyLiteral('plain', symbolRocket, '2.1.6')).toBe(':plain => ');
    expect(rubyKeyLiteral('x-y', stringRocket, '2.1.6')).toBe("'x-y' => ");
  });

  it('what it writes for Ruby 2.1 uses no newer syntax and means the key in Ruby', () => {
    if (!requireRuby()) return;
    const keys = ['plain', 'docker-repo-url', 'a.b', 'with space', "it's", 'ünï', '1st'];
    for (const style of [colon, quotedColon, symbolRocket, stringRocket]) {
      // Keys and text are byte strings, one char per byte, as the core keeps them.
      const bin = `{ ${keys.map((k) => `${rubyKeyLiteral(binOf(k), style, '2.1.6')}1`).join(', ')} }`;
      const text = Buffer.from(bin, 'latin1').toString('utf8');
      expect(newerSyntaxUses(parseRuby(`x = ${text}\n`).rootNode), text).toEqual([]);
      expect(rubyKeys(text).map(([, k]) => k), text).toEqual(keys);
    }
  });
});

describe('values as Scalr reads them', () => {
  it('a port written as a string and debug as 1 are warnings: PHP reads them as meant', () => {
    const text = readFileSync(join(__dirname, '../fixtures/official/openldap/scalr-server.rb'), 'latin1').replace('# :debug => 1,', ':debug => 1,');
    const found = diagnose({ main: text }).filter((f) => f.code === 'value');
    expect(found.map((f) => [f.line, f.severity])).toEqual([
      [11, 'warning'],
      [31, 'warning'],
    ]);
    expect(found[0].message).toContain('PHP reads this value as meant');
  });

  it('merge of the docs LDAP snippet with those values is accepted, and set auth_mode saml is allowed', async () => {
    const f = file("app[:configuration] = {\n  'scalr' => {\n    'auth_mode' => 'scalr',\n  },\n}\n");
    const backups = join(f, '..', 'b');
    const snippet = "app[:configuration] = { :scalr => { :connections => { :ldap => { :port => '389', :debug => 1 } } } }\n";
    const merged = await runCli(['merge', '-', '--file', f, '--yes', '--no-reconfigure', '--backup-dir', backups], { stdin: snippet });
    expect(merged.code, merged.stderr).toBe(EXIT.OK);
    const saml = await runCli(['set', 'auth_mode', 'saml', '--file', f, '--yes', '--no-reconfigure', '--backup-dir', backups]);
    expect(saml.code, saml.stderr).toBe(EXIT.OK);
    expect(readFileSync(f, 'utf8')).toContain("'auth_mode' => 'saml'");
  });

  it('an attribute the cookbook tests as Ruby still errs on 0: every number is true there', () => {
    const [f] = diagnose({ main: 'proxy[:ssl_enable] = 0\n' });
    expect([f.severity, f.code]).toEqual(['error', 'value']);
    const [c] = diagnose({ main: 'app[:configuration] = { "scalr" => { "connections" => { "ldap" => { "debug" => 0 } } } }\n' });
    expect([c.severity, c.code]).toEqual(['warning', 'value']);
  });
});
