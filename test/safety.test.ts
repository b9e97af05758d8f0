import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliRun } from './support/cli';
import { expectError } from './support/runError';
import { BIN, configDir, FAKE_CTL } from './support/tmp';
import { loadEffective } from './support/ruby';
import { EXIT } from '../src/app/exitCodes';

function spawnBin(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, stdoutBin: stdout }));
  });
}

describe('verification before install', () => {
  it('a new text that fails ruby -c is not written and nothing is reconfigured', async () => {
    const { dir, file } = configDir();
    const before = readFileSync(file);
    const fakeBin = join(dir, 'bin');
    mkdirSync(fakeBin);
    writeFileSync(join(fakeBin, 'ruby'), '#!/bin/sh\ncat >/dev/null\necho "-:3: syntax error, unexpected end-of-input" >&2\nexit 1\n');
    chmodSync(join(fakeBin, 'ruby'), 0o755);
    const r = await runCli(['set', 'aws.instances_connection_policy', 'local', '--file', file, '--ctl', FAKE_CTL, '--json'], {
      env: { PATH: `${fakeBin}:${process.env.PATH}`, FAKE_CTL_LOG: join(dir, 'ctl.log'), SCALR_CONF_BACKUP_DIR: join(dir, 'b') },
    });
    // What ruby -c said is what the admin needs to find the fault.
    expect(expectError(r, { code: 'verify-failed', exit: 'VERIFY_FAILED' }).message).toContain('line 3: syntax error');
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(existsSync(join(dir, 'ctl.log'))).toBe(false);
  });
});

describe('outside modification', () => {
  it('a file saved by someone else between read and write is detected; nothing written', async () => {
    const { dir, file } = configDir();
    const r = await runCli(['set', 'aws.instances_connection_policy', 'local', '--file', file, '--no-reconfigure', '--json'], {
      env: { SCALR_CONF_BACKUP_DIR: join(dir, 'b') },
      tty: true,
      confirm: async () => {
        writeFileSync(file, readFileSync(file, 'utf8').replace('ldap.example.com', 'ldap2.example.com'));
        return true;
      },
    });
    expectError(r, { code: 'changed-on-disk', exit: 'CHANGED_ON_DISK' });
    expect(readFileSync(file, 'utf8')).toContain('ldap2.example.com');
    expect(readFileSync(file, 'utf8')).not.toContain('instances_connection_policy');
  });
});

describe('no lost updates', () => {
  it('a run that cannot get the lock within --wait reports busy and writes nothing', async () => {
    const { dir, file } = configDir();
    const env = { FAKE_CTL_SLEEP: '3', FAKE_CTL_LOG: join(dir, 'ctl.log'), SCALR_CONF_BACKUP_DIR: join(dir, 'b') };
    const slow = spawnBin(['set', 'aws.instances_connection_policy', 'local', '--file', file, '--ctl', FAKE_CTL], env);
    // Wait until the slow run is inside its reconfigure, holding the lock.
    for (let i = 0; i < 100 && !existsSync(join(dir, 'ctl.log')) && !readFileSync(file, 'utf8').includes('"local"'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const busy = await spawnBin(['set', 'gce.instances_connection_policy', 'local', '--file', file, '--no-reconfigure', '--wait', '0', '--json'], env);
    expect(expectError(busy, { code: 'busy', exit: 'BUSY' }).message).toContain('--wait');
    // A run that waits longer than the slow reconfigure gets through after it; nothing is lost.
    const waiting = await spawnBin(['set', 'vmware.instances_connection_policy', 'local', '--file', file, '--no-reconfigure', '--wait', '30'], env);
    expect(waiting.code, waiting.stderr).toBe(EXIT.OK);
    expect((await slow).code).toBe(EXIT.OK);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('"aws" => {');
    expect(text).toContain('"vmware" => {');
    expect(text).not.toContain('"gce"');
  }, 60_000);

  it('one lock covers scalr-server.rb and scalr-server-local.rb, held through reconfigure', async () => {
    const { dir, file } = configDir();
    const env = { FAKE_CTL_SLEEP: '3', FAKE_CTL_LOG: join(dir, 'ctl.log'), SCALR_CONF_BACKUP_DIR: join(dir, 'b') };
    const slow = spawnBin(['set', 'aws.instances_connection_policy', 'local', '--file', file, '--ctl', FAKE_CTL], env);
    for (let i = 0; i < 100 && !readFileSync(file, 'utf8').includes('"local"'); i++) await new Promise((r) => setTimeout(r, 50));
    // The main file's reconfigure is still running: a --local edit must wait for it.
    const busy = await spawnBin(['--local', 'set', 'gce.instances_connection_policy', 'local', '--file', file, '--no-reconfigure', '--wait', '0', '--json'], env);
    expectError(busy, { code: 'busy', exit: 'BUSY' });
    expect(existsSync(join(dir, 'scalr-server-local.rb'))).toBe(false);
    expect((await slow).code).toBe(EXIT.OK);
    const after = await spawnBin(['--local', 'set', 'gce.instances_connection_policy', 'local', '--file', file, '--no-reconfigure', '--wait', '0'], env);
    expect(after.code, after.stderr).toBe(EXIT.OK);
  }, 60_000);

  it('20 concurrent sets on distinct keys, 20 rounds: every key lands and the file loads in Ruby', async () => {
    const { dir, file } = configDir();
    const env = { SCALR_CONF_BACKUP_DIR: join(dir, 'b') };
    for (let round = 0; round < 20; round++) {
      const runs = Array.from({ length: 20 }, (_, i) =>
        spawnBin(['set', `--force`, `ui.round_${round}_key_${i}`, `v${round}-${i}`, '--file', file, '--no-reconfigure', '--no-verify', '--backups', '0', '--wait', '120'], env),
      );
      const results = await Promise.all(runs);
      for (const r of results) expect(r.code, r.stderr).toBe(EXIT.OK);
    }
    const ui = (loadEffective(file).groups.app as { configuration: { scalr: { ui: Record<string, string> } } }).configuration.scalr.ui;
    expect(Object.keys(ui)).toHaveLength(400);
    for (let round = 0; round < 20; round++) for (let i = 0; i < 20; i++) expect(ui[`round_${round}_key_${i}`]).toBe(`v${round}-${i}`);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 900_000);
});
