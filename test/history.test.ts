import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli';
import { configDir, FAKE_CTL } from './support/tmp';
import { EXIT } from '../src/cli/exitCodes';

describe('history and restore', () => {
  it('lists kept versions and restores one through the normal write path, reconfiguring', async () => {
    const { dir, file } = configDir();
    const env = { SCALR_CONF_BACKUP_DIR: join(dir, 'backups'), FAKE_CTL_LOG: join(dir, 'ctl.log') };
    const original = readFileSync(file);
    const base = ['--file', file, '--ctl', FAKE_CTL];
    expect((await runCli(['history', ...base], { env })).stdout).toMatch(/no backups/);
    await runCli(['set', 'aws.instances_connection_policy', 'local', ...base], { env });
    await runCli(['set', 'aws.instances_connection_policy', 'public', ...base], { env });

    const list = JSON.parse((await runCli(['history', '--json', ...base], { env })).stdout) as { id: string; summary: string }[];
    expect(list).toHaveLength(2);
    expect(list[0].summary).toContain('aws.instances_connection_policy');
    expect(list[0].id > list[1].id).toBe(true);

    const dry = await runCli(['restore', list[1].id, '--dry-run', ...base], { env });
    expect(dry.code).toBe(EXIT.OK);
    expect(dry.stdout).toContain('-      "instances_connection_policy" => "public",');

    const r = await runCli(['restore', list[1].id, ...base], { env });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(file).equals(original)).toBe(true);
    expect(readFileSync(join(dir, 'ctl.log'), 'utf8')).toBe('reconfigure\nreconfigure\nreconfigure\n');

    // Restoring is itself kept, so it can be undone: the newest backup is the version just replaced.
    const again = JSON.parse((await runCli(['history', '--json', ...base], { env })).stdout) as { id: string }[];
    expect(again).toHaveLength(3);
    await runCli(['restore', ...base], { env });
    expect(readFileSync(file, 'utf8')).toContain('"public"');
  });

  it('--backups caps how many versions are kept', async () => {
    const { dir, file } = configDir();
    const env = { SCALR_CONF_BACKUP_DIR: join(dir, 'backups') };
    for (const v of ['local', 'public', 'auto', 'local']) {
      await runCli(['set', 'aws.instances_connection_policy', v, '--file', file, '--no-reconfigure', '--backups', '2'], { env });
    }
    const list = JSON.parse((await runCli(['history', '--json', '--file', file], { env })).stdout) as unknown[];
    expect(list).toHaveLength(2);
  });

  it('an unknown backup id is a clear one-line error', async () => {
    const { dir, file } = configDir();
    const r = await runCli(['restore', 'nope', '--file', file, '--no-reconfigure'], { env: { SCALR_CONF_BACKUP_DIR: join(dir, 'b') } });
    expect(r.code).toBe(EXIT.REFUSED);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
