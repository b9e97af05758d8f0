/**
 * --json is a contract for scripts and configuration management: stdout carries exactly one JSON
 * document, errors are one JSON document on stderr naming the exit status, and a repeated write
 * reports "changed": false.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli, type CliRun } from './support/cli';
import { errorOf, type RunError } from './support/runError';
import { BIN, configDir, FAKE_CTL } from './support/tmp';
import { EXIT } from '../src/app/exitCodes';
import { buildProgram } from '../src/cli/main';
import type { Deps } from '../src/app/deps';
import type { Command } from 'commander';

const SET = ['set', 'aws.instances_connection_policy', 'local'];

function ctlEnv(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { FAKE_CTL_LOG: join(dir, 'ctl.log'), SCALR_CONF_BACKUP_DIR: join(dir, 'backups'), ...extra };
}

/** stdout must be exactly one JSON document on one line. */
function out(r: CliRun): Record<string, unknown> {
  expect(r.stdout.endsWith('\n'), r.stdout).toBe(true);
  expect(r.stdout.trimEnd().split('\n'), r.stdout).toHaveLength(1);
  return JSON.parse(r.stdout);
}

function err(r: CliRun): { error: RunError } {
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  const j = JSON.parse(r.stderr);
  expect(j.error.exitCode).toBe(r.code);
  expect(EXIT[j.error.exit as keyof typeof EXIT]).toBe(r.code);
  return j;
}

function ctlCalls(dir: string): string[] {
  const log = join(dir, 'ctl.log');
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}

describe('reads', () => {
  it('get: the value and where it came from', async () => {
    const { file } = configDir();
    const r = await runCli(['get', 'connections.ldap.port', '--file', file, '--json']);
    expect(r.code).toBe(EXIT.OK);
    expect(out(r)).toEqual({ key: 'connections.ldap.port', set: true, value: 389, file, line: 27 });
    const g = await runCli(['--json', 'get', 'proxy[:ssl_enable]', '--file', file]);
    expect(out(g)).toEqual({ key: 'proxy[:ssl_enable]', set: true, value: true, file, line: 9 });
  });

  it('get of a key that is not set: set false on stdout, NOT_SET on stderr', async () => {
    const { file } = configDir();
    const r = await runCli(['get', 'aws.instances_connection_policy', '--file', file, '--json']);
    expect(r.code).toBe(EXIT.NOT_SET);
    expect(out(r)).toEqual({ key: 'aws.instances_connection_policy', set: false, file });
    expect(err(r).error).toMatchObject({ code: 'not-set', exit: 'NOT_SET' });
  });

  it('show: every key with its value, file and line; secrets masked', async () => {
    const { file } = configDir();
    const j = out(await runCli(['show', '--json', '--file', file])) as Record<string, { value: unknown; file: string; line: number }>;
    expect(Object.keys(j)).toEqual(['auth_mode', 'connections.ldap.host', 'connections.ldap.port', 'connections.ldap.base_dn', 'system.instances_connection_timeout']);
    for (const entry of Object.values(j)) {
      expect(entry.file).toBe(file);
      expect(Number.isInteger(entry.line)).toBe(true);
    }
    expect(j['auth_mode']).toEqual({ value: 'ldap', file, line: 23 });
    const all = out(await runCli(['show', '--all', '--json', '--file', file])) as Record<string, { value: unknown; line: number }>;
    expect(all['mysql[:root_password]']).toEqual({ value: '********', file, line: 14 });
    expect(all['proxy[:ssl_enable]']).toEqual({ value: true, file, line: 9 });
    expect(JSON.stringify(all)).not.toContain('8c1f0b3e2d7a4c59');
  });
});

describe('writes', () => {
  it('set: changed, file, diff, reconfigured, backup; an identical second run reports changed false', async () => {
    const { dir, file } = configDir();
    const first = await runCli([...SET, '--file', file, '--ctl', FAKE_CTL, '--json', '--yes'], { env: ctlEnv(dir) });
    expect(first.code, first.stderr).toBe(EXIT.OK);
    const a = out(first);
    expect(a).toMatchObject({ changed: true, file, dryRun: false, reconfigured: true, summary: ['set aws.instances_connection_policy'] });
    expect(a.diff).toContain('+      "instances_connection_policy" => "local",');
    expect(typeof a.backup).toBe('string');
    // What the ctl printed stays off stdout.
    expect(first.stderr).toContain('fake reconfigure');
    expect(ctlCalls(dir)).toEqual(['reconfigure']);

    const after = readFileSync(file);
    const second = await runCli([...SET, '--file', file, '--ctl', FAKE_CTL, '--json', '--yes'], { env: ctlEnv(dir) });
    expect(second.code, second.stderr).toBe(EXIT.OK);
    const b = out(second);
    expect(b).toMatchObject({ changed: false, file, diff: '', dryRun: false, reconfigured: false });
    expect(b.backup).toBeUndefined();
    expect(readFileSync(file).equals(after)).toBe(true);
    expect(ctlCalls(dir)).toEqual(['reconfigure']);
  });

  it('set --dry-run: the diff it would write, nothing written or run', async () => {
    const { dir, file } = configDir();
    const before = readFileSync(file);
    // --with-ec2: no note that ec2. is left unset, so stderr has nothing at all.
    const r = await runCli([...SET, '--with-ec2', '--file', file, '--ctl', FAKE_CTL, '--json', '--dry-run'], { env: ctlEnv(dir) });
    expect(r.code).toBe(EXIT.OK);
    expect(r.stderr).toBe('');
    const j = out(r);
    expect(j).toMatchObject({ changed: true, file, dryRun: true, reconfigured: false });
    expect(j.diff).toMatch(/^--- a\/.*\n\+\+\+ b\//);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(ctlCalls(dir)).toEqual([]);
  });

  it('secrets are masked in the JSON diff', async () => {
    const { dir, file } = configDir();
    const r = await runCli(['set', 'connections.mysql.pass', 'hunter2hunter2', '--file', file, '--json', '--no-reconfigure'], { env: ctlEnv(dir) });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const j = out(r);
    expect(j.changed).toBe(true);
    expect(j.diff).toContain('"********"');
    expect(r.stdout + r.stderr).not.toContain('hunter2hunter2');
  });

  it('unset and set --unset: changed once, then changed false', async () => {
    const { dir, file } = configDir();
    const args = ['unset', 'system.instances_connection_timeout', '--file', file, '--ctl', FAKE_CTL, '--json'];
    expect(out(await runCli(args, { env: ctlEnv(dir) }))).toMatchObject({ changed: true, reconfigured: true, summary: ['unset system.instances_connection_timeout'] });
    expect(out(await runCli(args, { env: ctlEnv(dir) }))).toMatchObject({ changed: false, reconfigured: false });
    const combined = [...SET, '--unset', 'auth_mode', '--file', file, '--no-reconfigure', '--json'];
    expect(out(await runCli(combined, { env: ctlEnv(dir) }))).toMatchObject({ changed: true, reconfigured: false });
    expect(out(await runCli(combined, { env: ctlEnv(dir) }))).toMatchObject({ changed: false });
    expect(ctlCalls(dir)).toEqual(['reconfigure']);
  });

  it('reconfigure failure: the result on stdout, RECONFIGURE_FAILED on stderr', async () => {
    const { dir, file } = configDir();
    const r = await runCli([...SET, '--file', file, '--ctl', FAKE_CTL, '--json'], { env: ctlEnv(dir, { FAKE_CTL_EXIT: '3' }) });
    expect(r.code).toBe(EXIT.RECONFIGURE_FAILED);
    expect(out(r)).toMatchObject({ changed: true, reconfigured: false });
    // The ctl's own output precedes the error line on stderr; the error is the last line.
    expect(errorOf(r)).toMatchObject({ code: 'reconfigure-failed', exit: 'RECONFIGURE_FAILED', exitCode: EXIT.RECONFIGURE_FAILED });
  });
});

describe('other writes', () => {
  const names = buildProgram({ env: {}, stdout: { write: () => true }, stderr: { write: () => true }, stdin: process.stdin }, { code: 0 }).commands.map((c) => c.name());

  it('merge: changed, then changed false', async () => {
    const { dir, file } = configDir();
    const snippet = 'proxy[:ssl_redirect] = false\napp[:configuration] = { "scalr" => { "aws" => { "instances_connection_policy" => "local" } } }\n';
    const args = ['merge', '-', '--file', file, '--ctl', FAKE_CTL, '--json', '--yes'];
    expect(out(await runCli(args, { env: ctlEnv(dir), stdin: snippet }))).toMatchObject({ changed: true, file, reconfigured: true });
    expect(out(await runCli(args, { env: ctlEnv(dir), stdin: snippet }))).toMatchObject({ changed: false, file, diff: '', reconfigured: false });
    expect(ctlCalls(dir)).toEqual(['reconfigure']);
  });

  it('history lists versions; restore ID: changed, then changed false', async () => {
    const { dir, file } = configDir();
    const original = readFileSync(file);
    await runCli([...SET, '--file', file, '--no-reconfigure'], { env: ctlEnv(dir) });
    const versions = JSON.parse((await runCli(['history', '--file', file, '--json'], { env: ctlEnv(dir) })).stdout) as { id: string }[];
    expect(versions).toHaveLength(1);
    const args = ['restore', versions[0].id, '--file', file, '--ctl', FAKE_CTL, '--json', '--yes'];
    expect(out(await runCli(args, { env: ctlEnv(dir) }))).toMatchObject({ changed: true, file, reconfigured: true });
    expect(readFileSync(file).equals(original)).toBe(true);
    expect(out(await runCli(args, { env: ctlEnv(dir) }))).toMatchObject({ changed: false, reconfigured: false });
  });
});

describe('errors', () => {
  it('each error is one JSON line on stderr with the exit code and its name', async () => {
    const { file } = configDir();
    const broken = configDir('app[:configuration] = {\n  "scalr" => {\n');
    // [argv, code, exit name, where the error is, when it names a place]
    const cases: [string[], string, keyof typeof EXIT, { file: string; line?: number }?][] = [
      [['frobnicate'], 'usage', 'USAGE'],
      [['set', 'aws.instances_connection_policy'], 'usage', 'USAGE'],
      [['set', 'system.instances_connection_timeout', 'ten', '--type', 'integer', '--file', file], 'usage', 'USAGE'],
      [['set', 'aws.instances_conection_policy', 'local', '--file', file], 'usage', 'USAGE'],
      [[...SET, '--file', broken.file, '--no-reconfigure'], 'syntax', 'REFUSED', { file: broken.file, line: 1 }],
      [['get', 'auth_mode', '--file', '/nonexistent/scalr-server.rb'], 'unreadable', 'REFUSED', { file: '/nonexistent/scalr-server.rb' }],
      [[...SET, '--file', file, '--ctl', '/nonexistent/scalr-server-ctl'], 'ctl-not-found', 'REFUSED'],
    ];
    for (const [args, code, name, at] of cases) {
      const r = await runCli([...args, '--json']);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(EXIT[name]);
      const { error } = err(r);
      expect([error.code, error.exit], args.join(' ')).toEqual([code, name]);
      expect(error.file, args.join(' ')).toBe(at?.file);
      expect(error.line, args.join(' ')).toBe(at?.line);
      expect(r.stdout).toBe('');
    }
  });
});

describe('every command', () => {
  const deps: Deps = { env: {}, stdout: { write: () => true }, stderr: { write: () => true }, stdin: process.stdin };
  /** Every command as typed, subcommands included: ['get'], ['aws'], ['aws', 'iam-policy'], ... */
  const paths = (cmd: Command, prefix: string[] = []): string[][] =>
    cmd.commands.filter((c) => c.name() !== 'help').flatMap((c) => [[...prefix, c.name()], ...paths(c, [...prefix, c.name()])]);
  const all = paths(buildProgram(deps, { code: 0 }));

  it('prints one JSON document on stdout, or a JSON error on stderr, with --json', async () => {
    expect(all.map((p) => p.join(' '))).toEqual(expect.arrayContaining(['get', 'show', 'set', 'unset', 'completion']));
    for (const path of all) {
      const { dir, file } = configDir();
      // No arguments: commands that need some fail as usage errors, which must be JSON too.
      const r = await runCli([...path, '--json', '--file', file, '--dry-run', '--ctl', FAKE_CTL], { env: ctlEnv(dir) });
      const name = path.join(' ');
      if (r.stdout) expect(() => JSON.parse(r.stdout), `${name}: ${r.stdout}`).not.toThrow();
      if (r.code !== EXIT.OK) expect(() => err(r), `${name}: ${r.stderr}`).not.toThrow();
      else expect(r.stdout, `${name} printed nothing on stdout`).not.toBe('');
    }
  });

  it('a command that needs a subcommand and got none is a JSON usage error', async () => {
    // `history` lists on its own; its show and diff are subcommands of a command that runs.
    const parents = all.filter((p) => p[0] !== 'history' && all.some((q) => q.length > p.length && q[0] === p[0]));
    for (const args of [['--json'], ...parents.map((p) => [...p, '--json'])]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(EXIT.USAGE);
      expect(err(r).error).toMatchObject({ code: 'usage', exit: 'USAGE' });
      expect(r.stdout).toBe('');
    }
  });
});

describe('the installed command', () => {
  it('keeps stdout to the JSON document when the ctl prints', async () => {
    const { dir, file } = configDir();
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...SET, '--file', file, '--ctl', FAKE_CTL, '--json', '--yes'], {
      env: { PATH: process.env.PATH, ...ctlEnv(dir) },
    });
    expect(JSON.parse(stdout)).toMatchObject({ changed: true, reconfigured: true, file });
    expect(stderr).toContain('fake reconfigure');
    const again = await promisify(execFile)(process.execPath, [BIN, ...SET, '--file', file, '--ctl', FAKE_CTL, '--json', '--yes'], {
      env: { PATH: process.env.PATH, ...ctlEnv(dir) },
    });
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, reconfigured: false });
  });
});
