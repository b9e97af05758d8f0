import { linkSync, readFileSync, statSync, utimesSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli';
import { errorOf, expectError } from './support/runError';
import { configDir, FAKE_CTL } from './support/tmp';
import { EXIT } from '../src/app/exitCodes';

const SET = ['set', 'aws.instances_connection_policy', 'local'];

function ctlEnv(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { FAKE_CTL_LOG: join(dir, 'ctl.log'), SCALR_CONF_BACKUP_DIR: join(dir, 'backups'), ...extra };
}

describe('dry run and review', () => {
  it('--dry-run prints the diff and changes nothing, not even the mtime', async () => {
    const { dir, file } = configDir();
    utimesSync(file, new Date(1_000_000_000_000), new Date(1_000_000_000_000));
    const before = readFileSync(file);
    const r = await runCli([...SET, '--file', file, '--dry-run', '--ctl', FAKE_CTL], { env: ctlEnv(dir) });
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toContain('+    "aws" => {');
    expect(r.stdout).toContain('+      "instances_connection_policy" => "local",');
    expect(r.stdout).toMatch(/^--- a\/.*scalr-server\.rb\n\+\+\+ b\//);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(statSync(file).mtimeMs).toBe(1_000_000_000_000);
    expect(existsSync(join(dir, 'ctl.log'))).toBe(false);
  });

  it('asks on a terminal and writes nothing when the answer is no', async () => {
    const { dir, file } = configDir();
    const before = readFileSync(file);
    const questions: string[] = [];
    const r = await runCli([...SET, '--file', file, '--ctl', FAKE_CTL, '--json'], {
      env: ctlEnv(dir),
      tty: true,
      confirm: async (q) => (questions.push(q), false),
    });
    expectError(r, { code: 'aborted', exit: 'ABORTED' });
    expect(questions).toHaveLength(1);
    expect(questions[0]).toContain('reconfigure');
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(existsSync(join(dir, 'ctl.log'))).toBe(false);
  });

  it('writes on a terminal after yes, and --yes skips the question', async () => {
    for (const [args, answer] of [[[], true], [['--yes'], undefined]] as const) {
      const { dir, file } = configDir();
      let asked = 0;
      const r = await runCli([...SET, '--file', file, '--ctl', FAKE_CTL, ...args], {
        env: ctlEnv(dir),
        tty: true,
        confirm: async () => (asked++, answer ?? false),
      });
      expect(r.code, r.stderr).toBe(EXIT.OK);
      expect(asked).toBe(args.length ? 0 : 1);
      expect(readFileSync(file, 'utf8')).toContain('"instances_connection_policy" => "local"');
    }
  });

  it('does not prompt when not on a terminal', async () => {
    const { dir, file } = configDir();
    const r = await runCli([...SET, '--file', file, '--ctl', FAKE_CTL], {
      env: ctlEnv(dir),
      confirm: async () => {
        throw new Error('must not ask');
      },
    });
    expect(r.code, r.stderr).toBe(EXIT.OK);
  });
});

describe('nothing to change', () => {
  it('says so, exits 0, leaves the file and its mtime alone and does not reconfigure', async () => {
    const { dir, file } = configDir();
    await runCli([...SET, '--file', file, '--ctl', FAKE_CTL], { env: ctlEnv(dir) });
    writeFileSync(join(dir, 'ctl.log'), '');
    utimesSync(file, new Date(1_000_000_000_000), new Date(1_000_000_000_000));
    const before = readFileSync(file);
    const r = await runCli([...SET, '--file', file, '--ctl', FAKE_CTL], { env: ctlEnv(dir) });
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/nothing to change/);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(statSync(file).mtimeMs).toBe(1_000_000_000_000);
    expect(readFileSync(join(dir, 'ctl.log'), 'utf8')).toBe('');
  });
});

describe('reconfigure', () => {
  it('runs scalr-server-ctl reconfigure once after a change and streams its output', async () => {
    const { dir, file } = configDir();
    const r = await runCli([...SET, 'gce.instances_connection_policy', 'local', '--file', file, '--ctl', FAKE_CTL], { env: ctlEnv(dir) });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(join(dir, 'ctl.log'), 'utf8')).toBe('reconfigure\n');
    expect(r.stdout).toContain('fake reconfigure: reconfigure');
  });

  it('a failing reconfigure has its own exit code and says the file was written and how to retry', async () => {
    const { dir, file } = configDir();
    const r = await runCli([...SET, '--file', file, '--ctl', FAKE_CTL, '--json'], { env: ctlEnv(dir, { FAKE_CTL_EXIT: '3' }) });
    expect(r.code).toBe(EXIT.RECONFIGURE_FAILED);
    // The result of the write is on stdout: the file was written, only the reconfigure failed.
    expect(JSON.parse(r.stdout)).toMatchObject({ changed: true, reconfigured: false, pendingReconfigure: true });
    const error = errorOf(r);
    expect([error.code, error.exit]).toEqual(['reconfigure-failed', 'RECONFIGURE_FAILED']);
    expect(error.message).toMatch(/run: sudo scalr-conf reconfigure/);
    expect(readFileSync(file, 'utf8')).toContain('"instances_connection_policy" => "local"');
  });

  it('--rollback-on-failure restores the previous file and says so', async () => {
    const { dir, file } = configDir();
    const before = readFileSync(file);
    const r = await runCli([...SET, '--file', file, '--ctl', FAKE_CTL, '--rollback-on-failure', '--json'], { env: ctlEnv(dir, { FAKE_CTL_EXIT: '2' }) });
    expect(r.code).toBe(EXIT.RECONFIGURE_FAILED);
    expect(JSON.parse(r.stdout)).toMatchObject({ rolledBack: true });
    expect(errorOf(r)).toMatchObject({ code: 'reconfigure-failed', exit: 'RECONFIGURE_FAILED' });
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readFileSync(join(dir, 'ctl.log'), 'utf8')).toBe('reconfigure\nreconfigure\n');
  });

  it('--rollback-on-failure keeps an edit made while reconfigure ran, and says it restored nothing', async () => {
    const { dir, file } = configDir();
    const ctl = join(dir, 'editing-ctl');
    // A ctl that fails after someone (here: itself) edited the config during the run.
    writeFileSync(ctl, `#!/bin/sh\nprintf '# edited during reconfigure\\n' >> '${file}'\nexit 2\n`, { mode: 0o755 });
    const r = await runCli([...SET, '--file', file, '--ctl', ctl, '--rollback-on-failure', '--json'], { env: ctlEnv(dir) });
    expect(r.code).toBe(EXIT.RECONFIGURE_FAILED);
    const result = JSON.parse(r.stdout);
    expect(result.rolledBack).not.toBe(true);
    const error = errorOf(r);
    expect([error.code, error.exit]).toEqual(['reconfigure-failed', 'RECONFIGURE_FAILED']);
    // The way back is the backup the message names.
    expect(error.message).toContain(`(it is backup ${result.backup})`);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('"instances_connection_policy" => "local"');
    expect(text.endsWith('# edited during reconfigure\n')).toBe(true);
  });

  it('a missing scalr-server-ctl is reported before anything is written', async () => {
    const { dir, file } = configDir();
    const before = readFileSync(file);
    const r = await runCli([...SET, '--file', file, '--json'], { env: { PATH: '/nonexistent', SCALR_CONF_BACKUP_DIR: join(dir, 'b') } });
    expect(expectError(r, { code: 'ctl-not-found', exit: 'REFUSED' }).message).toContain('--no-reconfigure');
    expect(readFileSync(file).equals(before)).toBe(true);
    const r2 = await runCli([...SET, '--file', file, '--no-reconfigure'], { env: { PATH: '/nonexistent', SCALR_CONF_BACKUP_DIR: join(dir, 'b') } });
    expect(r2.code, r2.stderr).toBe(EXIT.OK);
  });

  it('finds the ctl from --ctl, then $SCALR_SERVER_CTL, then PATH', async () => {
    const { dir, file } = configDir();
    const viaEnv = await runCli([...SET, '--file', file], { env: ctlEnv(dir, { SCALR_SERVER_CTL: FAKE_CTL }) });
    expect(viaEnv.code, viaEnv.stderr).toBe(EXIT.OK);
    const wrongEnv = await runCli(['set', 'gce.instances_connection_policy', 'local', '--file', file, '--ctl', FAKE_CTL], {
      env: ctlEnv(dir, { SCALR_SERVER_CTL: '/nonexistent/ctl' }),
    });
    expect(wrongEnv.code, wrongEnv.stderr).toBe(EXIT.OK);
    const viaPath = await runCli(['set', 'vmware.instances_connection_policy', 'local', '--file', file], {
      env: { ...ctlEnv(dir), PATH: `${join(FAKE_CTL, '..')}:${process.env.PATH}` },
    });
    expect(viaPath.code, viaPath.stderr).toBe(EXIT.OK);
    expect(readFileSync(join(dir, 'ctl.log'), 'utf8')).toBe('reconfigure\nreconfigure\nreconfigure\n');
  });
});

describe('leftovers of a killed writer', () => {
  it('the next set sweeps the temp file a dead scalr-conf left beside the config', async () => {
    const { dir, file } = configDir();
    // pid 2^22 + 1 is above Linux's pid_max, so no live process has it.
    const stale = join(dir, `.scalr-server.rb.scalr-conf-${2 ** 22 + 1}-0123456789abcdef.tmp`);
    writeFileSync(stale, 'half a file');
    const r = await runCli([...SET, '--file', file, '--no-reconfigure'], { env: ctlEnv(dir) });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(existsSync(stale)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('hard links', () => {
  it('says that other names of the file keep the previous version', async () => {
    const { dir, file } = configDir();
    const other = join(dir, 'also-scalr-server.rb');
    linkSync(file, other);
    const before = readFileSync(file);
    // --with-ec2: no note that ec2. is left unset, so the warning is all of stderr.
    const r = await runCli([...SET, '--with-ec2', '--file', file, '--no-reconfigure'], { env: ctlEnv(dir) });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stderr).toBe(`scalr-conf: warning: ${file} has 1 other hard link, which will keep the previous version\n`);
    expect(readFileSync(file, 'utf8')).toContain('"instances_connection_policy" => "local"');
    expect(readFileSync(other).equals(before)).toBe(true);
    // Now one name each: no warning.
    const again = await runCli(['set', 'gce.instances_connection_policy', 'local', '--file', file, '--no-reconfigure'], { env: ctlEnv(dir) });
    expect([again.code, again.stderr]).toEqual([EXIT.OK, '']);
  });
});

describe('options and keys', () => {
  it('takes options before or after the command, and the file from $SCALR_CONF_FILE', async () => {
    for (const args of [
      ['--file', 'F', ...SET, '--no-reconfigure'],
      [...SET, '--file', 'F', '--no-reconfigure'],
      ['--no-reconfigure', 'set', '--file', 'F', 'aws.instances_connection_policy', 'local'],
    ]) {
      const { dir, file } = configDir();
      const r = await runCli(args.map((a) => (a === 'F' ? file : a)), { env: ctlEnv(dir) });
      expect(r.code, r.stderr).toBe(EXIT.OK);
      expect(readFileSync(file, 'utf8')).toContain('"instances_connection_policy" => "local"');
    }
    const { dir, file } = configDir();
    const r = await runCli([...SET, '--no-reconfigure'], { env: ctlEnv(dir, { SCALR_CONF_FILE: file }) });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(file, 'utf8')).toContain('"instances_connection_policy" => "local"');
  });

  it('get prints strings raw and other values as JSON; a key not set exits NOT_SET', async () => {
    const { file } = configDir();
    expect((await runCli(['get', 'auth_mode', '--file', file])).stdout).toBe('ldap\n');
    expect((await runCli(['get', 'scalr.auth_mode', '--file', file])).stdout).toBe('ldap\n');
    expect((await runCli(['get', 'connections.ldap.port', '--file', file])).stdout).toBe('389\n');
    expect((await runCli(['get', 'proxy[:ssl_enable]', '--file', file])).stdout).toBe('true\n');
    expect((await runCli(['get', 'system', '--file', file])).stdout).toBe('{"instances_connection_timeout":10}\n');
    const missing = await runCli(['get', 'aws.instances_connection_policy', '--file', file, '--json']);
    expect(missing.code).toBe(EXIT.NOT_SET);
    expect(errorOf(missing)).toMatchObject({ code: 'not-set', exit: 'NOT_SET' });
  });

  it('get prints symbols and strings as the UTF-8 text they are', async () => {
    const { file } = configDir('app[:scalr] = :"é"\napp[:name] = "Schön"\n');
    expect((await runCli(['get', 'app[:scalr]', '--file', file])).stdout).toBe('"é"\n');
    expect(JSON.parse((await runCli(['get', 'app[:scalr]', '--json', '--file', file])).stdout).value).toBe('é');
    expect((await runCli(['get', 'app[:name]', '--file', file])).stdout).toBe('Schön\n');
  });

  it('show prints app[:configuration] flattened, and as JSON', async () => {
    const { file } = configDir();
    const r = await runCli(['show', '--file', file]);
    expect(r.stdout.split('\n')).toEqual([
      'auth_mode = "ldap"',
      'connections.ldap.host = "ldap.example.com"',
      'connections.ldap.port = 389',
      'connections.ldap.base_dn = "DC=example,DC=com"',
      'system.instances_connection_timeout = 10',
      '',
    ]);
    const j = JSON.parse((await runCli(['show', '--json', '--file', file])).stdout);
    expect(j['connections.ldap.port']).toEqual({ value: 389, file, line: 27 });
  });

  it('show lists what it can read and marks a value only Ruby can compute', async () => {
    const { file } = configDir(
      'app[:configuration] = {\n  "scalr" => {\n    "auth_mode" => "ldap",\n    "aws" => { "instances_connection_policy" => ENV["POLICY"] },\n    "system" => { "instances_connection_timeout" => 10 },\n  },\n}\n',
    );
    const r = await runCli(['show', '--file', file]);
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout.split('\n')).toEqual([
      'auth_mode = "ldap"',
      'aws.instances_connection_policy = (cannot tell: line 4 has a lookup (ENV["POLICY"]))',
      'system.instances_connection_timeout = 10',
      '',
    ]);
    expect(r.stderr).toBe('scalr-conf: warning: 1 value cannot be read with certainty; Ruby computes it when scalr-server-ctl runs\n');
    const j = JSON.parse((await runCli(['show', '--json', '--file', file])).stdout);
    expect(j['aws.instances_connection_policy']).toEqual({ unknown: 'line 4 has a lookup (ENV["POLICY"])', file, line: 4 });
    expect(j['system.instances_connection_timeout']).toEqual({ value: 10, file, line: 5 });
    // get of that one key still refuses rather than guess.
    expectError(await runCli(['get', 'aws.instances_connection_policy', '--file', file, '--json']), { code: 'unsupported', exit: 'REFUSED', line: 4 });
  });

  it('refuses malformed keys and values as usage errors, in one line', async () => {
    const { file } = configDir();
    for (const args of [
      ['set', '', 'x'],
      ['set', 'aws..x', 'x'],
      ['set', 'a.b\u0007', 'x'],
      ['set', 'nosuch[:x]', '1'],
      ['set', 'proxy[x]', '1'],
      ['set', 'proxy[:ssl_enable]'],
      ['set', 'aws.instances_connection_policy', 'local', 'gce.instances_connection_policy'],
      ['set', 'system.instances_connection_timeout', 'ten', '--type', 'integer'],
      ['set', 'x.y', '1', '--type', 'complex'],
      ['frobnicate'],
    ]) {
      const r = await runCli([...args, '--file', file, '--no-reconfigure']);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(EXIT.USAGE);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expectError(await runCli([...args, '--file', file, '--no-reconfigure', '--json']), { code: 'usage', exit: 'USAGE' });
    }
  });

  it('errors are one line, never a stack trace, with --json as JSON', async () => {
    const { file } = configDir('app[:configuration] = {\n  "scalr" => {\n    "aws" => {\n}\n');
    const r = await runCli([...SET, '--file', file, '--no-reconfigure']);
    expect(r.code).toBe(EXIT.REFUSED);
    // The message names the file the error is in.
    expect(r.stderr.startsWith(`scalr-conf: ${file}: syntax error at line 1, column `)).toBe(true);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const j = await runCli([...SET, '--file', file, '--no-reconfigure', '--json']);
    expect(j.stderr.trim().split('\n')).toHaveLength(1);
    expectError(j, { code: 'syntax', exit: 'REFUSED', file, line: 1 });
    const unreadable = await runCli([...SET, '--file', '/nonexistent/scalr-server.rb', '--no-reconfigure', '--json']);
    expectError(unreadable, { code: 'unreadable', exit: 'REFUSED' });
  });

  it('accepts a key far from every known one, with a warning', async () => {
    const { dir, file } = configDir();
    const r = await runCli(['set', 'brand_new.setting', 'x', '--file', file, '--no-reconfigure'], { env: ctlEnv(dir) });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stderr).toMatch(/warning: brand_new\.setting is not a setting scalr-conf knows/);
    const near = await runCli(['set', 'aws.instance_connection_policy', 'local', '--file', file, '--no-reconfigure', '--json'], { env: ctlEnv(dir) });
    expect(expectError(near, { code: 'usage', exit: 'USAGE' }).message).toContain('did you mean aws.instances_connection_policy');
  });

  it('reads a value from stdin with "-" so it never appears in argv', async () => {
    const { dir, file } = configDir();
    const r = await runCli(['set', 'connections.mysql.pass', '-', '--file', file, '--no-reconfigure'], { env: ctlEnv(dir), stdin: 's3cr3t "pw"\n' });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(file, 'utf8')).toContain('"pass" => "s3cr3t \\"pw\\""');
    expect(r.stdout).not.toContain('s3cr3t');
    expect((await runCli(['get', 'connections.mysql.pass', '--file', file])).stdout).toBe('s3cr3t "pw"\n');
  });

  it('keeps backups of the previous versions', async () => {
    const { dir, file } = configDir();
    const before = readFileSync(file);
    await runCli([...SET, '--file', file, '--no-reconfigure'], { env: ctlEnv(dir) });
    const sub = readdirSync(join(dir, 'backups'));
    expect(sub).toHaveLength(1);
    const baks = readdirSync(join(dir, 'backups', sub[0])).filter((f) => f.endsWith('.bak'));
    expect(baks).toHaveLength(1);
    expect(readFileSync(join(dir, 'backups', sub[0], baks[0])).equals(before)).toBe(true);
  });
});

describe('large files', () => {
  it('edits a file over 1 MB (past tree-sitter\'s 32 KiB default buffer)', async () => {
    const entries = Array.from({ length: 20_000 }, (_, i) => `    "key_${i}" => "value number ${i} with some padding text",`).join('\n');
    const { dir, file } = configDir(`app[:configuration] = {\n  "scalr" => {\n${entries}\n  },\n}\n`);
    expect(statSync(file).size).toBeGreaterThan(1_000_000);
    const r = await runCli([...SET, '--file', file, '--no-reconfigure'], { env: ctlEnv(dir) });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith('    "aws" => {\n      "instances_connection_policy" => "local",\n    },\n  },\n}\n')).toBe(true);
    expect((await runCli(['get', 'key_19999', '--file', file])).stdout).toBe('value number 19999 with some padding text\n');
  });
});
