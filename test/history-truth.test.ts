/**
 * History lists only writes that were installed, says who ran them and how, and restore never
 * throws away an edit it does not know about. Faults are real: a full tmpfs under the config, a
 * file changed on disk between the confirmation and the rename.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './support/cli';
import { caseDirs, run, tempsIn } from './support/helpers';
import { expectError } from './support/runError';
import { FAKE_CTL, SAMPLE } from './support/tmp';
import { EXIT } from '../src/app/exitCodes';
import { backupSubdir } from '../src/io/backups';

const cases = caseDirs('scalr-history-');
const mounted: string[] = [];
afterEach(() => {
  while (mounted.length) {
    const m = mounted.pop()!;
    if (!run('umount', [m]).ok) run('umount', ['-l', m]);
  }
});

interface Entry {
  id: string;
  summary: string;
  who?: string;
  command?: string;
}

function setup(dir = cases.fresh()) {
  const file = path.join(dir, 'scalr-server.rb');
  fs.copyFileSync(SAMPLE, file);
  fs.chmodSync(file, 0o640);
  const backups = path.join(cases.fresh(), 'backups');
  const env = { SCALR_CONF_BACKUP_DIR: backups, SUDO_USER: 'alice' };
  const base = ['--file', file, '--no-reconfigure', '--no-verify'];
  const history = async (): Promise<Entry[]> => {
    const r = await runCli(['history', '--json', ...base], { env });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    return JSON.parse(r.stdout) as Entry[];
  };
  /** What the backup directory holds for this file, temps included. */
  const saved = () => {
    const sub = backupSubdir(backups, fs.realpathSync(path.dirname(file)) + '/scalr-server.rb');
    return fs.existsSync(sub) ? fs.readdirSync(sub) : [];
  };
  return { file, env, base, history, saved };
}

const oneLine = (s: string) => expect(s.trim().split('\n')).toHaveLength(1);

describe('history records installed writes only', () => {
  it('an entry says who ran the write (SUDO_USER) and the command, secrets masked', async () => {
    const { env, base, history } = setup();
    const r = await runCli(['set', 'aws.instances_connection_policy', 'local', ...base], { env });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const s = await runCli(['set', 'connections.mysql.pass', 'hunter2', ...base], { env });
    expect(s.code, s.stderr).toBe(EXIT.OK);
    const [second, first] = await history();
    expect(first.who).toBe('alice');
    expect(first.command).toBe(`scalr-conf set aws.instances_connection_policy local ${base.join(' ')}`);
    expect(second.command).toContain("connections.mysql.pass '********'");
    expect(second.command).not.toContain('hunter2');
    const text = await runCli(['history', ...base], { env });
    expect(text.stdout.split('\n')[1]).toContain(`alice  set aws.instances_connection_policy`);
  });

  it('without SUDO_USER, the user running it', async () => {
    const { base, env, history } = setup();
    const { SUDO_USER: _, ...plain } = env;
    await runCli(['set', 'aws.instances_connection_policy', 'local', ...base], { env: plain });
    const [entry] = await history();
    expect(entry.who).toBe((await import('node:os')).userInfo().username);
  });

  it('changed on disk between the confirmation and the rename: no entry, saved copies removed', async () => {
    const { file, env, base, history, saved } = setup();
    const r = await runCli(['set', 'aws.instances_connection_policy', 'local', ...base.filter((a) => a !== '--yes'), '--json'], {
      env,
      tty: true,
      confirm: async () => {
        fs.appendFileSync(file, '# another admin\n');
        return true;
      },
    });
    expectError(r, { code: 'changed-on-disk', exit: 'CHANGED_ON_DISK' });
    oneLine(r.stderr);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/# another admin\n$/);
    expect(await history()).toEqual([]);
    expect(saved()).toEqual([]);
    expect(tempsIn(path.dirname(file))).toEqual([]);
  });

  it('disk full under the config (64 KiB tmpfs): no entry, saved copies removed', async () => {
    const mnt = cases.fresh();
    const m = run('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tmpfs', mnt]);
    expect(m.ok, `mount tmpfs: ${m.reason}`).toBe(true);
    mounted.push(mnt);
    const { file, env, base, history, saved } = setup(mnt);
    // Sample plus 40 KB of comment: the new version cannot fit beside the old one.
    fs.appendFileSync(file, `# ${'x'.repeat(40_000)}\n`);
    const before = fs.readFileSync(file);
    const r = await runCli(['set', 'aws.instances_connection_policy', 'local', ...base, '--json'], { env });
    expect(expectError(r, { code: 'write-failed', exit: 'REFUSED' }).message).toMatch(/no space left/);
    oneLine(r.stderr);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(await history()).toEqual([]);
    expect(saved()).toEqual([]);
    expect(tempsIn(mnt)).toEqual([]);
  });
});

describe('a rollback is a change too', () => {
  it('--rollback-on-failure records the rollback, so restore still sees an unedited file', async () => {
    const { file, env, history } = setup();
    const original = fs.readFileSync(file);
    const base = ['--file', file, '--no-verify', '--ctl', FAKE_CTL, '--rollback-on-failure'];
    const r = await runCli(['set', 'aws.instances_connection_policy', 'local', ...base], { env: { ...env, FAKE_CTL_EXIT: '1' } });
    expect(r.code).toBe(EXIT.RECONFIGURE_FAILED);
    expect(fs.readFileSync(file).equals(original)).toBe(true);
    const [rollback, change] = await history();
    expect(change.summary).toBe('set aws.instances_connection_policy');
    expect(rollback.summary).toBe('roll back: reconfigure failed after set aws.instances_connection_policy');
    const dry = await runCli(['restore', '--dry-run', '--no-reconfigure', '--file', file], { env });
    expect(dry.code, dry.stderr).toBe(EXIT.OK);
    expect(dry.stdout).toContain('+      "instances_connection_policy" => "local",');
  });
});

describe('history show / diff', () => {
  it('show prints the file as the change left it; diff prints what it changed', async () => {
    const { file, env, base, history } = setup();
    const original = fs.readFileSync(file, 'utf8');
    await runCli(['set', 'aws.instances_connection_policy', 'local', ...base], { env });
    const afterFirst = fs.readFileSync(file, 'utf8');
    await runCli(['set', 'aws.instances_connection_policy', 'public', ...base], { env });
    const [second, first] = await history();

    const show = await runCli(['history', 'show', first.id, ...base, '--show-secrets'], { env });
    expect(show.code, show.stderr).toBe(EXIT.OK);
    expect(show.stdout).toBe(afterFirst);
    expect(show.stdout).not.toBe(original);

    const diff = await runCli(['history', 'diff', second.id, ...base], { env });
    expect(diff.code, diff.stderr).toBe(EXIT.OK);
    expect(diff.stdout).toContain('-      "instances_connection_policy" => "local",');
    expect(diff.stdout).toContain('+      "instances_connection_policy" => "public",');
    expect(diff.stdout.match(/^[-+] /gm)).toHaveLength(2);

    const bad = await runCli(['history', 'show', 'nope', ...base, '--json'], { env });
    expectError(bad, { code: 'unreadable', exit: 'REFUSED' });
    oneLine(bad.stderr);
  });

  it('show masks secrets unless --show-secrets', async () => {
    const { env, base, history } = setup();
    await runCli(['set', 'connections.mysql.pass', 'hunter2', ...base], { env });
    const [entry] = await history();
    expect((await runCli(['history', 'show', entry.id, ...base], { env })).stdout).not.toContain('hunter2');
    expect((await runCli(['history', 'show', entry.id, ...base, '--show-secrets'], { env })).stdout).toContain('hunter2');
    expect((await runCli(['history', 'diff', entry.id, ...base], { env })).stdout).not.toContain('hunter2');
  });
});

describe('restore refuses to discard edits it does not know about', () => {
  it('a hand edit after the last change: shows the diff, refuses with CHANGED_ON_DISK; --force restores', async () => {
    const { file, env, base } = setup();
    const original = fs.readFileSync(file);
    await runCli(['set', 'aws.instances_connection_policy', 'local', ...base], { env });
    fs.appendFileSync(file, '# hand edit\n');
    const edited = fs.readFileSync(file);

    for (const extra of [[], ['--dry-run']]) {
      const r = await runCli(['restore', ...base, ...extra], { env });
      expect(r.code).toBe(EXIT.CHANGED_ON_DISK);
      oneLine(r.stderr);
      expect(r.stderr.trim()).toMatch(/edited after change .* add --force$/);
      expect(r.stdout).toContain('-# hand edit');
      expect(r.stdout).toContain('-      "instances_connection_policy" => "local",');
      expect(fs.readFileSync(file).equals(edited)).toBe(true);
      // The same refusal as data, and the way out in it.
      const j = await runCli(['restore', ...base, ...extra, '--json'], { env });
      expect(expectError(j, { code: 'changed-on-disk', exit: 'CHANGED_ON_DISK' }).message).toContain('--force');
      expect(fs.readFileSync(file).equals(edited)).toBe(true);
    }
    const forced = await runCli(['restore', '--force', ...base], { env });
    expect(forced.code, forced.stderr).toBe(EXIT.OK);
    expect(fs.readFileSync(file).equals(original)).toBe(true);
  });

  it('restoring an older version over later recorded changes needs no --force', async () => {
    const { file, env, base, history } = setup();
    const original = fs.readFileSync(file);
    await runCli(['set', 'aws.instances_connection_policy', 'local', ...base], { env });
    await runCli(['set', 'aws.instances_connection_policy', 'public', ...base], { env });
    const [, first] = await history();
    const r = await runCli(['restore', first.id, ...base], { env });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(fs.readFileSync(file).equals(original)).toBe(true);
  });
});

describe('history and restore with the file deleted', () => {
  it('history lists; restore recreates it as the last change left it, with its mode; restore ID puts back the version before ID', async () => {
    const { file, env, base, history } = setup();
    const original = fs.readFileSync(file);
    await runCli(['set', 'aws.instances_connection_policy', 'local', ...base], { env });
    const last = fs.readFileSync(file);
    fs.unlinkSync(file);

    const list = await history();
    expect(list).toHaveLength(1);

    const dry = await runCli(['restore', '--dry-run', ...base], { env });
    expect(dry.code, dry.stderr).toBe(EXIT.OK);
    expect(dry.stdout).toContain('+      "instances_connection_policy" => "local",');
    expect(fs.existsSync(file)).toBe(false);

    const r = await runCli(['restore', ...base], { env });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(fs.readFileSync(file).equals(last)).toBe(true);
    expect(fs.statSync(file).mode & 0o7777).toBe(0o640);

    fs.unlinkSync(file);
    const byId = await runCli(['restore', list[0].id, ...base], { env });
    expect(byId.code, byId.stderr).toBe(EXIT.OK);
    expect(fs.readFileSync(file).equals(original)).toBe(true);
  });

  it('a failed recreate leaves nothing at the name', async () => {
    const { file, env, base } = setup();
    await runCli(['set', 'aws.instances_connection_policy', 'local', ...base], { env });
    fs.unlinkSync(file);
    const r = await runCli(['restore', ...base.filter((a) => a !== '--no-verify'), '--json'], {
      env,
      tty: true,
      confirm: async () => false,
    });
    expectError(r, { code: 'aborted', exit: 'ABORTED' });
    expect(fs.existsSync(file)).toBe(false);
  });
});
