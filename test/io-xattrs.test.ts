/**
 * A write replaces the file with a new inode; owner, mode, POSIX ACLs and every extended attribute
 * (user.*, trusted.*, security.selinux, system.posix_acl_access) must be on it before the rename.
 * Tested on a real tmpfs, which stores all of these; it needs root, which CI has, so the mount
 * must succeed rather than the test being skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli';
import { makeTmpDir, run } from './support/helpers';
import { BIN, SAMPLE } from './support/tmp';
import { EXIT } from '../src/app/exitCodes';

let mnt = '';
let n = 0;
beforeAll(() => {
  mnt = makeTmpDir('scalr-xattrs-');
  const m = run('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0755', 'tmpfs', mnt]);
  expect(m.ok, `mount tmpfs (needs root): ${m.reason}`).toBe(true);
});
afterAll(() => {
  if (!run('umount', [mnt]).ok) run('umount', ['-l', mnt]);
  fs.rmSync(mnt, { recursive: true, force: true });
});

function tool(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  expect(r.status, `${cmd} ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Every attribute of the file, as getfattr dumps them (the # file line dropped). */
function attrs(file: string): string[] {
  return tool('getfattr', ['-d', '-m', '-', '--absolute-names', '-e', 'hex', file])
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .sort();
}

function labelledConfig(): { file: string; env: NodeJS.ProcessEnv; base: string[] } {
  const dir = path.join(mnt, `case-${++n}`);
  fs.mkdirSync(dir);
  const file = path.join(dir, 'scalr-server.rb');
  fs.copyFileSync(SAMPLE, file);
  fs.chownSync(file, 65534, 65534);
  fs.chmodSync(file, 0o640);
  tool('setfattr', ['-n', 'user.origin', '-v', 'puppet', file]);
  tool('setfattr', ['-n', 'trusted.md5', '-v', '0x00ff10', file]);
  tool('setfattr', ['-n', 'security.selinux', '-v', 'system_u:object_r:etc_t:s0', file]);
  tool('setfacl', ['-m', 'u:daemon:r,g:adm:r', file]);
  const env = { SCALR_CONF_BACKUP_DIR: path.join(dir, 'backups') };
  return { file, env, base: ['--file', file, '--no-reconfigure', '--no-verify'] };
}

describe('extended attributes and ACLs survive a write', () => {
  it('set keeps user.*, trusted.*, security.selinux, the ACL, owner and mode', async () => {
    const { file, env, base } = labelledConfig();
    const before = attrs(file);
    expect(before.map((a) => a.split('=')[0])).toEqual(['security.selinux', 'system.posix_acl_access', 'trusted.md5', 'user.origin']);
    const acl = tool('getfacl', ['-cp', file]);
    const ino = fs.statSync(file).ino;

    const r = await runCli(['set', 'aws.instances_connection_policy', 'local', ...base], { env });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const st = fs.statSync(file);
    expect(st.ino).not.toBe(ino);
    expect(fs.readFileSync(file, 'utf8')).toContain('"local"');
    expect(attrs(file)).toEqual(before);
    expect(tool('getfacl', ['-cp', file])).toBe(acl);
    expect(acl).toContain('user:daemon:r--');
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([65534, 65534, 0o640]);
  });

  it('a file without attributes gets none', async () => {
    const dir = path.join(mnt, `case-${++n}`);
    fs.mkdirSync(dir);
    const file = path.join(dir, 'scalr-server.rb');
    fs.copyFileSync(SAMPLE, file);
    const r = await runCli(['set', 'aws.instances_connection_policy', 'local', '--file', file, '--no-reconfigure'], {
      env: { SCALR_CONF_BACKUP_DIR: path.join(dir, 'backups') },
    });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(attrs(file)).toEqual([]);
  });

  it('without getfattr/setfattr, a file with an ACL is refused, untouched, with a one-line error', () => {
    const { file, env, base } = labelledConfig();
    const bytes = fs.readFileSync(file);
    const before = attrs(file);
    // A mount namespace in which attr's programs are not executable (the file system is shared).
    const hide = 'mount --bind /dev/null /usr/bin/getfattr && mount --bind /dev/null /usr/bin/setfattr && exec "$0" "$@"';
    const r = spawnSync('unshare', ['--mount', 'sh', '-c', hide, BIN, 'set', 'aws.instances_connection_policy', 'local', ...base], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    expect(r.status, r.stderr).toBe(EXIT.REFUSED);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/it has a POSIX ACL, and getfattr\/setfattr \(package attr\) are not installed .*nothing written$/m);
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
    expect(attrs(file)).toEqual(before);
    expect(fs.readdirSync(path.dirname(file)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
