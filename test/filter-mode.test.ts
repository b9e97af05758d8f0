/** `--file -`: configuration on stdin, new text on stdout; no file, lock, backup or ctl is touched. */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './support/cli';
import { expectError } from './support/runError';
import { loadEffectiveText } from './support/ruby';
import { configDir, SAMPLE } from './support/tmp';

const sample = readFileSync(SAMPLE, 'latin1');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A directory whose contents must not change: the ctl log and backups would land here. */
function witness(): { dir: string; env: NodeJS.ProcessEnv } {
  const { dir } = configDir();
  dirs.push(dir);
  return { dir, env: { SCALR_SERVER_CTL: '/bin/false', SCALR_CONF_BACKUP_DIR: join(dir, 'backups') } };
}

describe('--file -', () => {
  it('set prints the edited text, which Ruby reads with the new value, and nothing else happens', async () => {
    const w = witness();
    const r = await runCli(['--file', '-', 'set', 'aws.instances_connection_policy', 'local', 'proxy[:ssl_redirect]', 'false'], {
      stdin: sample,
      env: w.env,
    });
    expect(r.code, r.stderr).toBe(0);
    const ruby = loadEffectiveText(r.stdout);
    expect((ruby.groups.app as Record<string, any>).configuration.scalr.aws.instances_connection_policy).toBe('local');
    expect(ruby.groups.proxy).toMatchObject({ ssl_redirect: false });
    expect(readdirSync(w.dir)).toEqual(['scalr-server.rb']);
  });

  it('unset of what set added gives back the original bytes; an unchanged text is printed as it came', async () => {
    const set = await runCli(['set', 'gce.instances_connection_policy', 'local', '--file', '-'], { stdin: sample });
    const unset = await runCli(['unset', 'gce.instances_connection_policy', '--file', '-'], { stdin: set.stdout });
    expect(unset.stdout).toBe(sample);
    const again = await runCli(['unset', 'gce.instances_connection_policy', '--file', '-'], { stdin: sample });
    expect([again.code, again.stdout]).toEqual([0, sample]);
    expect(again.stderr).toContain('nothing to change');
  });

  it('merge reads the snippet from argv and the configuration from stdin', async () => {
    const r = await runCli(['merge', 'app[:configuration] = { "scalr" => { "system" => { "instances_connection_timeout" => 20 } } }', '--file', '-'], { stdin: sample });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(sample.replace('"instances_connection_timeout" => 10', '"instances_connection_timeout" => 20'));
  });

  it('--dry-run --json prints the result with the masked diff instead of the text', async () => {
    const r = await runCli(['set', 'connections.mysql.pass', 'hunter2', '--file', '-', '--dry-run', '--json'], { stdin: sample });
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ changed: true, file: '-', dryRun: true, reconfigured: false });
    expect(j.diff).toContain('+        "pass" => "********",');
    expect(r.stdout).not.toContain('hunter2');
  });

  it('--local edits stdin as scalr-server-local.rb with the main file from $SCALR_CONF_FILE in view', async () => {
    const { dir, file } = configDir();
    dirs.push(dir);
    const same = await runCli(['set', 'system.instances_connection_timeout', '10', '--local', '--file', '-'], { stdin: '', env: { SCALR_CONF_FILE: file } });
    expect([same.code, same.stdout]).toEqual([0, '']);
    const r = await runCli(['set', 'system.instances_connection_timeout', '30', '--local', '--file', '-'], { stdin: '', env: { SCALR_CONF_FILE: file } });
    expect(r.code, r.stderr).toBe(0);
    const ruby = loadEffectiveText(sample, r.stdout);
    expect((ruby.groups.app as Record<string, any>).configuration.scalr.system.instances_connection_timeout).toBe(30);
  });

  it('refuses commands that do not edit, a value read from stdin, and a broken text (codes, no output)', async () => {
    const show = await runCli(['show', '--file', '-', '--json'], { stdin: sample });
    expectError(show, { code: 'usage', exit: 'USAGE' });
    const value = await runCli(['set', 'connections.mysql.pass', '-', '--file', '-', '--json'], { stdin: sample });
    expectError(value, { code: 'usage', exit: 'USAGE' });
    const broken = await runCli(['set', 'aws.instances_connection_policy', 'local', '--file', '-', '--json'], { stdin: 'app[:configuration] = {' });
    expectError(broken, { code: 'syntax', exit: 'REFUSED', file: '<stdin>', line: 1 });
    // Fed a host's file (as a fleet's controller does), the error names the file it stands for.
    const host = '/srv/host-a/scalr-server.rb';
    const fed = await runCli(['set', 'aws.instances_connection_policy', 'local', '--file', '-', '--json'], { stdin: 'app[:configuration] = {', env: { SCALR_CONF_FILE: host } });
    expectError(fed, { code: 'syntax', exit: 'REFUSED', file: host, line: 1 });
  });
});
