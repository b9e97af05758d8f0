import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, configDir, FAKE_CTL, ROOT } from './support/tmp';
import { EXIT } from '../src/app/exitCodes';

/** The installed entry point, as an admin runs it, with a scalr-server-ctl that records its calls. */
function scalrConf(args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(BIN, args, { env: { ...process.env, ...env }, encoding: 'utf8', cwd: ROOT });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bin/scalr-conf end to end', () => {
  it('sets, writes, and runs the recorded reconfigure once', () => {
    const { dir, file } = configDir();
    const env = { FAKE_CTL_LOG: join(dir, 'ctl.log'), SCALR_CONF_BACKUP_DIR: join(dir, 'b') };
    const r = scalrConf(['set', 'aws.instances_connection_policy', 'local', '--file', file, '--ctl', FAKE_CTL], env);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toContain('+      "instances_connection_policy" => "local",');
    expect(r.stdout).toContain('fake reconfigure: reconfigure');
    expect(readFileSync(join(dir, 'ctl.log'), 'utf8')).toBe('reconfigure\n');
    expect(scalrConf(['get', 'aws.instances_connection_policy', '--file', file], env).stdout).toBe('local\n');
  });

  it('a reconfigure that fails on demand gives RECONFIGURE_FAILED, with the file written', () => {
    const { dir, file } = configDir();
    const env = { FAKE_CTL_LOG: join(dir, 'ctl.log'), FAKE_CTL_EXIT: '4', SCALR_CONF_BACKUP_DIR: join(dir, 'b') };
    const r = scalrConf(['set', 'aws.instances_connection_policy', 'local', '--file', file], { ...env, SCALR_SERVER_CTL: FAKE_CTL });
    expect(r.code).toBe(EXIT.RECONFIGURE_FAILED);
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^scalr-conf: .*was written, but scalr-server-ctl reconfigure failed \(exit 4\)/);
    expect(readFileSync(file, 'utf8')).toContain('"instances_connection_policy" => "local"');
  });

  it('dry run and refusals never call the ctl', () => {
    const { dir, file } = configDir('app[:configuration] = { "scalr" => { "aws" => "disabled" } }\n');
    const env = { FAKE_CTL_LOG: join(dir, 'ctl.log'), SCALR_CONF_BACKUP_DIR: join(dir, 'b') };
    const refused = scalrConf(['set', 'aws.instances_connection_policy', 'local', '--file', file, '--ctl', FAKE_CTL], env);
    expect(refused.code).toBe(EXIT.REFUSED);
    expect(refused.stderr).toMatch(/^scalr-conf: cannot set aws\.instances_connection_policy: "aws" at line 1 holds "disabled"/);
    const dry = scalrConf(['set', 'gce.instances_connection_policy', 'local', '--file', file, '--ctl', FAKE_CTL, '--dry-run'], env);
    expect(dry.code).toBe(EXIT.OK);
    expect(existsSync(join(dir, 'ctl.log'))).toBe(false);
  });
});
