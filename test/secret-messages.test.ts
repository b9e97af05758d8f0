/**
 * Messages that quote the file (`near "..."`, `holds ...`) mask the quote where the parse puts a
 * secret, on stderr and in --json errors; --show-secrets shows it, and other quotes are left alone.
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import { diagnose } from '../src/knowledge/doctor';
import { isSecretKey } from '../src/knowledge/schema';
import { secretRanges } from '../src/ruby/secretRanges';
import { runCli } from './support/cli';
import { expectError } from './support/runError';
import { configDir } from './support/tmp';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function file(text: string): string {
  const c = configDir(text);
  dirs.push(c.dir);
  return c.file;
}

const BROKEN = 'proxy[:ssl_enable] = false\nmysql[:root_password] = "hunter2",\n';
const LDAP = 'app[:configuration] = {"scalr"=>{"connections"=>{"ldap"=>{"password"=>"s3cret"}}}}\n';

describe('a syntax error next to a secret', () => {
  it('masks the secret in the "near" quote, on stderr and in the --json error', async () => {
    const f = file(BROKEN);
    const r = await runCli(['--file', f, 'get', 'mysql.root_password']);
    expect(r.code).toBe(EXIT.REFUSED);
    expect(r.stderr.startsWith(`scalr-conf: ${f}: syntax error at line 2, column `)).toBe(true);
    expect(r.stderr).toMatch(/\(near "[^\n]*\*{8}[^\n]*"\)/);
    expect(r.stderr).not.toContain('hunter2');

    const j = await runCli(['--file', f, 'get', 'mysql.root_password', '--json']);
    const error = expectError(j, { code: 'syntax', exit: 'REFUSED', file: f, line: 2 });
    expect(error.message).toContain('********');
    expect(j.stderr).not.toContain('hunter2');
  });

  it('--show-secrets quotes it as it is, and a quote of no secret is never masked', async () => {
    const shown = await runCli(['--file', file(BROKEN), 'get', 'mysql.root_password', '--show-secrets']);
    expect(shown.stderr).toContain('hunter2');
    const plain = await runCli(['--file', file('proxy[:ssl_cert_path] = "/etc/x.pem",\n'), 'get', 'proxy.ssl_cert_path']);
    expect(plain.code).toBe(EXIT.REFUSED);
    expect(plain.stderr).toContain('/etc/x.pem');
    expect(plain.stderr).not.toContain('********');
  });

  it('an unterminated secret string is not quoted either', async () => {
    const f = file('mysql[:root_password] = "hunter2\nproxy[:ssl_enable] = false\n');
    const r = await runCli(['--file', f, 'get', 'proxy.ssl_enable']);
    expect(r.code).toBe(EXIT.REFUSED);
    expect(r.stderr).not.toContain('hunter2');
    const j = await runCli(['--file', f, 'get', 'proxy.ssl_enable', '--json']);
    expectError(j, { code: 'syntax', exit: 'REFUSED', file: f, line: 1 });
    expect(j.stderr).not.toContain('hunter2');
  });

  it('the secret ranges of the broken file hold the value, whose key parsed outside the error', () => {
    const ranges = secretRanges(BROKEN, isSecretKey).map((r) => BROKEN.slice(r.start, r.end));
    expect(ranges).toEqual(['hunter2']);
  });

  it("doctor's parser message (no Ruby to ask) masks it too", () => {
    const findings = diagnose({ main: BROKEN });
    const syntax = findings.filter((f) => f.code === 'syntax');
    expect(syntax).toHaveLength(1);
    expect(syntax[0].message).toContain('********');
    expect(JSON.stringify(findings)).not.toContain('hunter2');
    expect(JSON.stringify(diagnose({ main: BROKEN, showSecrets: true }))).toContain('hunter2');
  });
});

describe('set below a secret that is not a hash', () => {
  for (const extra of [[], ['--force']]) {
    it(`does not quote the secret it refuses to overwrite${extra.length ? ' (--force too)' : ''}`, async () => {
      const f = file(LDAP);
      const args = ['--file', f, '--no-reconfigure', 'set', 'connections.ldap.password.x', '1', '--yes', ...extra];
      const r = await runCli(args);
      expect(r.code).toBe(EXIT.REFUSED);
      expect(r.stderr).toMatch(/cannot set connections\.ldap\.password\.x: "password" at line 1 holds "\*{8}", not a hash/);
      expect(r.stderr + r.stdout).not.toContain('s3cret');

      const j = await runCli([...args, '--json']);
      expectError(j, { code: 'not-hash', exit: 'REFUSED', line: 1 });
      expect(j.stderr + j.stdout).not.toContain('s3cret');

      const shown = await runCli([...args, '--show-secrets']);
      expect(shown.stderr).toContain('holds "s3cret"');
    });
  }
});

describe('a secret written without its quotes (a bare word Ruby would call)', () => {
  const BARE = 'mysql[:root_password] = "x"\napp[:configuration] = {"scalr"=>{"connections"=>{"ldap"=>{"password"=>s3cret}}, "aws"=>{"instances_connection_policy"=>ENV["POLICY"]}}}\n';

  it('is a secret range, as the value of its key', () => {
    expect(secretRanges(BARE, isSecretKey).map((r) => BARE.slice(r.start, r.end))).toEqual(['x', 's3cret']);
  });

  it('is masked in why show and get cannot tell its value, and other code is still quoted', async () => {
    const f = file(BARE);
    const show = await runCli(['--file', f, 'show', '--color', 'never']);
    expect(show.stdout).toContain('connections.ldap.password = (cannot tell: line 2 has the variable or method "********")');
    expect(show.stdout).toContain('(cannot tell: line 2 has a lookup (ENV["POLICY"]))');
    const json = await runCli(['--file', f, 'show', '--json']);
    expect(JSON.parse(json.stdout)['connections.ldap.password'].unknown).toMatch(/\*{8}/);
    const get = await runCli(['--file', f, 'get', 'connections.ldap.password', '--json']);
    expectError(get, { code: 'unsupported', exit: 'REFUSED', line: 2 });
    for (const r of [show, json, get]) expect(r.stdout + r.stderr).not.toContain('s3cret');
    expect((await runCli(['--file', f, 'get', 'connections.ldap.password', '--show-secrets'])).stderr).toContain('"s3cret"');
  });

  it('is masked in diff, which cannot tell what Scalr gets', async () => {
    const a = file('mysql[:root_password] = "x"\n');
    const b = file('mysql[:root_password] = hunter2\n');
    const r = await runCli(['diff', a, b]);
    expect(r.stdout).toMatch(/^mysql\[:root_password\]: "\*{8}" \u2192 \(cannot tell: .*:1 has a value only Ruby can compute\)$/m);
    expect(r.stdout + r.stderr).not.toContain('hunter2');
  });
});

describe('a merge snippet that does not parse', () => {
  it('masks a secret in its "near" quote (a snippet on stdin is kept out of argv for this)', async () => {
    const f = file('proxy[:ssl_enable] = true\n');
    const r = await runCli(['--file', f, '--no-reconfigure', 'merge', '-'], { stdin: 'mysql[:root_password] = "hunter2",\n' });
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toMatch(/the snippet is not valid Ruby: line 1 \(near "[^\n]*\*{8}[^\n]*"\)/);
    expect(r.stderr).not.toContain('hunter2');
    const j = await runCli(['--file', f, '--no-reconfigure', 'merge', '-', '--json'], { stdin: 'mysql[:root_password] = "hunter2",\n' });
    expectError(j, { code: 'usage', exit: 'USAGE' });
    expect(j.stderr).not.toContain('hunter2');
    const plain = await runCli(['--file', f, '--no-reconfigure', 'merge', '-'], { stdin: 'proxy[:ssl_cert_path] = "/etc/x.pem",\n' });
    expect(plain.stderr).toContain('/etc/x.pem');
  });
});
