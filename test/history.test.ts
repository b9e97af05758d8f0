import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli';
import { configDir, FAKE_CTL } from './support/tmp';
import { EXIT } from '../src/app/exitCodes';

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

    // Restoring is itself kept, so it can be undone by its ID; restore without one changes nothing
    // now, where it would otherwise flip back to the version just replaced.
    const again = JSON.parse((await runCli(['history', '--json', ...base], { env })).stdout) as { id: string; summary: string }[];
    expect(again).toHaveLength(3);
    expect(again[0].summary).toBe(`restore backup ${list[1].id}`);
    const twice = await runCli(['restore', ...base], { env });
    expect(twice.code, twice.stderr).toBe(EXIT.OK);
    expect(twice.stdout).toBe(`nothing to change in ${file}: the last change already restored backup ${list[1].id}; to undo that, run: scalr-conf restore ${again[0].id}\n`);
    expect(readFileSync(file).equals(original)).toBe(true);
    await runCli(['restore', again[0].id, ...base], { env });
    expect(readFileSync(file, 'utf8')).toContain('"public"');
    expect(readFileSync(join(dir, 'ctl.log'), 'utf8')).toBe('reconfigure\n'.repeat(4));
  });

  it('restore without an ID undoes the last change', async () => {
    const { dir, file } = configDir();
    const env = { SCALR_CONF_BACKUP_DIR: join(dir, 'backups') };
    const base = ['--file', file, '--no-reconfigure'];
    await runCli(['set', 'aws.instances_connection_policy', 'local', ...base], { env });
    const before = readFileSync(file);
    await runCli(['set', 'aws.instances_connection_policy', 'public', ...base], { env });
    const r = await runCli(['restore', ...base], { env });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(file).equals(before)).toBe(true);
    const j = JSON.parse((await runCli(['restore', '--json', ...base], { env })).stdout) as { changed: boolean };
    expect(j.changed).toBe(false);
    expect(readFileSync(file).equals(before)).toBe(true);
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
