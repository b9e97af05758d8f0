import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import { loadProblems } from '../src/knowledge/loadProblems';
import { runCli } from './support/cli';
import { expectError } from './support/runError';
import { loadMany, requireRuby } from './support/ruby';
import { configDir, FAKE_CTL, ROOT } from './support/tmp';

/**
 * A file that already cannot load, for a reason doctor knows (the docs' curly quotes, their list of
 * choices where Ruby refuses it), is refused by the write commands before planning; doctor --fix
 * repairs it through the ordinary write. Ruby says each file loads or fails as claimed.
 */
const DOCTOR = join(ROOT, 'fixtures/doctor');
const CURLY = readFileSync(join(DOCTOR, 'curly-quotes/scalr-server.rb'), 'latin1');
const CHOICES_IN_HASH = readFileSync(join(DOCTOR, 'placeholder-in-hash/scalr-server.rb'), 'latin1');
const CHOICES_STATEMENT = readFileSync(join(DOCTOR, 'placeholder-statement/scalr-server.rb'), 'latin1');
const SMALL_CURLY = Buffer.from('app[:configuration] = {\n  "scalr" => {\n    "connections" => { "ldap" => { :port => \u2018389\u2019 } }\n  }\n}\n', 'utf8').toString('latin1');

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function fileWith(text: string): { dir: string; file: string; env: NodeJS.ProcessEnv } {
  const { dir, file } = configDir(Buffer.from(text, 'latin1'));
  dirs.push(dir);
  return { dir, file, env: { FAKE_CTL_LOG: join(dir, 'ctl.log'), SCALR_CONF_BACKUP_DIR: join(dir, 'backups'), SCALR_SERVER_ROOT: join(dir, 'no-scalr-server') } };
}

const bytes = (file: string) => readFileSync(file, 'latin1');

describe('Ruby agrees with what the model says about these files', () => {
  it('curly quotes and choices in a hash stop the load at the line named; choices in an assignment load', () => {
    requireRuby();
    const [curly, small, inHash, statement] = loadMany([CURLY, SMALL_CURLY, CHOICES_IN_HASH, CHOICES_STATEMENT].map((t) => Buffer.from(t, 'latin1')));
    expect(curly.ok).toBe(false);
    expect(!curly.ok && curly.line).toBe(loadProblems(CURLY).find((p) => p.breaksLoad)!.line);
    expect(!small.ok && small.line).toBe(3);
    expect(!inHash.ok && inHash.line).toBe(loadProblems(CHOICES_IN_HASH).find((p) => p.breaksLoad)!.line);
    expect(statement.ok).toBe(true);
    expect(loadProblems(CHOICES_STATEMENT).some((p) => p.breaksLoad)).toBe(false);
  });

  it('which placeholders break the load: or inside a hash or list, | on strings; || and or in an assignment do not', () => {
    requireRuby();
    const texts = [
      'app[:configuration] = { "scalr" => { "aws" => { "instances_connection_policy" => "local" || "public" } } }\n',
      'app[:configuration] = { "scalr" => { "aws" => { "instances_connection_policy" => "local" | "public" } } }\n',
      'app[:configuration] = { "scalr" => { "aws" => { "ip_pool" => ["10.0.0.0/8" or "172.16.0.0/12"] } } }\n',
      'app[:instances_connection_policy] = "local" or "public"\n',
    ];
    const ruby = loadMany(texts);
    texts.forEach((t, i) => {
      const claimed = loadProblems(t);
      expect(claimed, t).toHaveLength(1);
      expect(claimed[0].breaksLoad, t).toBe(!ruby[i].ok);
    });
  });
});

describe('set, unset and merge refuse a file that already cannot load', () => {
  for (const [name, text, line] of [
    ['curly quotes', SMALL_CURLY, 3],
    ["the docs' choices in a hash", CHOICES_IN_HASH, 4],
  ] as const) {
    it(`${name}: refused before planning, dry run included, naming file:line and the way out`, async () => {
      const { file, env } = fileWith(text);
      const runs = [
        ['set', 'aws.ip_pool', '10.0.0.0/8', '--dry-run'],
        ['set', 'aws.ip_pool', '10.0.0.0/8', '--no-reconfigure'],
        ['unset', 'aws.ip_pool', '--dry-run'],
        ['merge', 'proxy[:ssl_enable] = true', '--dry-run'],
      ];
      for (const args of runs) {
        const r = await runCli([...args, '--json', '--file', file], { env });
        const error = expectError(r, { code: 'breaks-load', exit: 'REFUSED', file, line });
        expect(error.message, args.join(' ')).toContain('scalr-conf doctor --fix');
      }
      // Without --json the one line starts with file:line, as an editor's jump list reads it.
      const human = await runCli([...runs[0], '--file', file], { env });
      expect(human.code).toBe(EXIT.REFUSED);
      expect(human.stdout).toBe('');
      expect(human.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(human.stderr).toContain(`${file}:${line}: `);
      expect(bytes(file)).toBe(text);
    });
  }

  it('as a filter (--file -), the text on stdin is checked the same way', async () => {
    const { env } = fileWith('');
    const r = await runCli(['set', 'aws.ip_pool', '10.0.0.0/8', '--json', '--file', '-'], { env, stdin: Buffer.from(SMALL_CURLY, 'latin1') });
    expectError(r, { code: 'breaks-load', exit: 'REFUSED', file: '<stdin>', line: 3 });
    // Fed a host's file that $SCALR_CONF_FILE names (a fleet's controller), the problem is that file's.
    const host = '/srv/host-a/scalr-server.rb';
    const fed = await runCli(['set', 'aws.ip_pool', '10.0.0.0/8', '--json', '--file', '-'], { env: { ...env, SCALR_CONF_FILE: host }, stdin: Buffer.from(SMALL_CURLY, 'latin1') });
    expectError(fed, { code: 'breaks-load', exit: 'REFUSED', file: host, line: 3 });
  });

  it('with --local, a broken scalr-server.rb is named, since reconfigure reads both', async () => {
    const { dir, file, env } = fileWith(SMALL_CURLY);
    const r = await runCli(['set', 'aws.ip_pool', '10.0.0.0/8', '--local', '--dry-run', '--json', '--file', file], { env });
    expectError(r, { code: 'breaks-load', exit: 'REFUSED', file, line: 3 });
    expect(bytes(file)).toBe(SMALL_CURLY);
    expect(() => readFileSync(join(dir, 'scalr-server-local.rb'))).toThrow();
  });

  it('with the Scalr version known: names strict mode refuses and syntax its Ruby refuses, as doctor says', async () => {
    const { dir, file, env } = fileWith('proxy[:ssl_enable] = true\nprxy[:ssl_redirect] = true\n');
    const root = join(dir, 'scalr-server-root');
    mkdirSync(root);
    writeFileSync(join(root, 'version-manifest.txt'), 'scalr-server 7.7.3\n');
    const known = { ...env, SCALR_SERVER_ROOT: root };
    const group = await runCli(['set', 'aws.ip_pool', '10.0.0.0/8', '--dry-run', '--json', '--file', file], { env: known });
    expect(expectError(group, { code: 'breaks-load', exit: 'REFUSED', file, line: 2 }).message).toContain('prxy');
    const doctor = await runCli(['doctor', '--json', '--file', file], { env: known });
    expect(JSON.parse(doctor.stdout).findings.map((f: { line: number; code: string; severity: string }) => [f.line, f.severity, f.code])).toEqual([[2, 'error', 'unknown-group']]);
    requireRuby();
    const [ruby] = loadMany([readFileSync(file)]);
    expect(!ruby.ok && ruby.line).toBe(2);
    // No version known: doctor only warns, and the edit is planned as before.
    expect((await runCli(['set', 'aws.ip_pool', '10.0.0.0/8', '--dry-run', '--file', file], { env })).code).toBe(EXIT.OK);

    writeFileSync(file, 'app[:configuration] = { "scalr": { "auth_mode" => "ldap" } }\n');
    const label = await runCli(['set', 'aws.ip_pool', '10.0.0.0/8', '--dry-run', '--json', '--file', file], { env: known });
    expect(expectError(label, { code: 'breaks-load', exit: 'REFUSED', file, line: 1 }).message).toContain('needs Ruby 2.2');
    // The sample loads on 7.7.3: planned.
    const sample = fileWith(readFileSync(join(ROOT, 'fixtures/sample/scalr-server.rb'), 'latin1'));
    expect((await runCli(['set', 'aws.ip_pool', '10.0.0.0/8', '--dry-run', '--file', sample.file], { env: { ...sample.env, SCALR_SERVER_ROOT: root } })).code).toBe(EXIT.OK);
  });

  it('a file that loads (choices in a plain assignment: Ruby takes the first) plans as before', async () => {
    const { file, env } = fileWith(CHOICES_STATEMENT);
    const r = await runCli(['set', 'aws.ip_pool', '10.0.0.0/8', '--dry-run', '--file', file], { env });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toContain('+      "ip_pool" => ["10.0.0.0/8"]');
  });
});

describe('doctor --fix', () => {
  it('straightens curly quotes: the diff, --dry-run writes nothing, a write reconfigures and Ruby then loads the file', async () => {
    const { file, env } = fileWith(CURLY);
    const dry = await runCli(['doctor', '--fix', '--dry-run', '--file', file], { env });
    expect(dry.code, dry.stderr).toBe(EXIT.OK);
    expect(dry.stdout).toContain("-       :port => \u2018389\u2019,");
    expect(dry.stdout).toContain("+       :port => '389',");
    expect(bytes(file)).toBe(CURLY);

    const r = await runCli(['doctor', '--fix', '--yes', '--ctl', FAKE_CTL, '--file', file], { env });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(env.FAKE_CTL_LOG!, 'utf8')).toContain('reconfigure');
    const fixed = bytes(file);
    expect(fixed).not.toMatch(/\u00e2\u0080[\u0098\u0099]/);
    requireRuby();
    const [loaded] = loadMany([Buffer.from(fixed, 'latin1')]);
    expect(loaded.ok, loaded.ok ? '' : loaded.error).toBe(true);
    const ldap = loaded.ok ? (loaded.value.groups.app as any).configuration.scalr.connections.ldap : undefined;
    expect([ldap.port, ldap.user, ldap.pass]).toEqual(['389', 'User', 'Password']);
    // Everything else is as the admin wrote it: only the three literals changed.
    expect(fixed.split('\n').filter((l, i) => l !== CURLY.split('\n')[i]).length).toBe(3);
    const again = await runCli(['set', 'aws.ip_pool', '10.0.0.0/8', '--dry-run', '--file', file], { env });
    expect(again.code, again.stderr).toBe(EXIT.OK);
  });

  it('never guesses a choice: refused without --choose, written with it', async () => {
    const { file, env } = fileWith(CHOICES_IN_HASH);
    const refused = await runCli(['doctor', '--fix', '--no-reconfigure', '--json', '--file', file], { env });
    expect(expectError(refused, { code: 'breaks-load', exit: 'REFUSED', file, line: 4 }).message).toContain('--choose');
    expect(bytes(file)).toBe(CHOICES_IN_HASH);

    const wrong = await runCli(['doctor', '--fix', '--no-reconfigure', '--choose', 'private', '--json', '--file', file], { env });
    expect(expectError(wrong, { code: 'usage', exit: 'USAGE' }).message).toContain('private');
    expect(bytes(file)).toBe(CHOICES_IN_HASH);

    const r = await runCli(['doctor', '--fix', '--no-reconfigure', '--yes', '--choose', 'public', '--file', file], { env });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(bytes(file)).toContain('"instances_connection_policy" => "public"\n');
    requireRuby();
    const [loaded] = loadMany([readFileSync(file)]);
    expect(loaded.ok && (loaded.value.groups.app as any).configuration.scalr.aws.instances_connection_policy).toBe('public');
  });

  it('a choice Ruby quietly reads is shown and left; nothing else to repair is nothing to change', async () => {
    const { file, env } = fileWith(CHOICES_STATEMENT);
    const r = await runCli(['doctor', '--fix', '--dry-run', '--file', file], { env });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stderr).toContain(`${file}:1: left as it is`);
    expect(r.stdout).toMatch(/^nothing to change/);
    const chosen = await runCli(['doctor', '--fix', '--no-reconfigure', '--yes', '--choose', 'local', '--file', file], { env });
    expect(chosen.code, chosen.stderr).toBe(EXIT.OK);
    expect(bytes(file)).toBe('app[:instances_connection_policy] = "local"\n');
  });

  it('repairs the file edited (--local: scalr-server-local.rb) and names the other one when it needs it too', async () => {
    const { dir, file, env } = fileWith(readFileSync(join(ROOT, 'fixtures/sample/scalr-server.rb'), 'latin1'));
    const local = join(dir, 'scalr-server-local.rb');
    writeFileSync(local, Buffer.from(SMALL_CURLY, 'latin1'));
    const main = await runCli(['doctor', '--fix', '--dry-run', '--file', file], { env });
    expect(main.code, main.stderr).toBe(EXIT.OK);
    expect(main.stdout).toMatch(/^nothing to change/);
    expect(main.stderr).toContain(`${local} has curly quotes or a pasted list of choices too (line 3); repair it with scalr-conf doctor --fix --local`);
    const r = await runCli(['doctor', '--fix', '--local', '--no-reconfigure', '--yes', '--file', file], { env });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(bytes(local)).toContain(":port => '389'");
  });

  it('--choose without --fix is a usage error', async () => {
    const { file, env } = fileWith(CHOICES_STATEMENT);
    const r = await runCli(['doctor', '--choose', 'local', '--json', '--file', file], { env });
    expectError(r, { code: 'usage', exit: 'USAGE' });
    expect(bytes(file)).toBe(CHOICES_STATEMENT);
  });

  it('the doctor report on the fixed file has no load error left', async () => {
    const { file, env } = fileWith(SMALL_CURLY);
    await runCli(['doctor', '--fix', '--no-reconfigure', '--yes', '--file', file], { env });
    const r = await runCli(['doctor', '--json', '--file', file], { env });
    expect(JSON.parse(r.stdout).findings.filter((f: { code: string }) => f.code === 'curly-quote')).toEqual([]);
  });
});
