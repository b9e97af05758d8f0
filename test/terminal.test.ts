/**
 * Questions and secrets on a real terminal: bin/scalr-conf runs on a pseudo-terminal made by
 * Python's pty module (test/support/pty-run.py), which types the answers. Then the same rules
 * in-process, with the terminal given through deps.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main';
import type { Deps } from '../src/app/deps';
import { readHidden, type Terminal, type TtyInput } from '../src/app/terminal';
import { EXIT } from '../src/app/exitCodes';
import { loadEffective, requireRuby } from './support/ruby';
import { at } from './support/checks';
import { BIN, configDir, ROOT } from './support/tmp';

const DRIVER = join(ROOT, 'test/support/pty-run.py');
const dirs: string[] = [];

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli.cjs'))) throw new Error('dist/cli.cjs is missing: run node scripts/build.mjs first');
  requireRuby();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function fresh() {
  const c = configDir();
  dirs.push(c.dir);
  const args = ['--file', c.file, '--no-reconfigure', '--backup-dir', join(c.dir, 'backups')];
  return { ...c, args, before: readFileSync(c.file) };
}

interface Step {
  expect: string;
  send: string;
}

/**
 * Runs bin/scalr-conf on a pseudo-terminal. The terminal's mode is printed (stty -g) before and
 * after, so a test can tell that it was put back. `stdin` is a file for fd 0; without it fd 0 is
 * the terminal. session "none": the pty is stdout and stderr but not the controlling terminal.
 */
function onPty(args: string[], o: { cwd: string; steps?: Step[]; stdin?: string; session?: 'controlling' | 'none' }) {
  const script = 'stty -g <&1; "$@"; rc=$?; echo "rc=$rc"; stty -g <&1; exit $rc';
  const cfg = {
    argv: ['sh', '-c', script, 'sh', process.execPath, BIN, ...args],
    cwd: o.cwd,
    env: { PATH: process.env.PATH, SCALR_SERVER_ROOT: join(o.cwd, 'no-scalr') },
    stdin: o.stdin ?? null,
    session: o.session ?? 'controlling',
    steps: o.steps ?? [],
    timeout: 30,
  };
  const r = spawnSync('python3', [DRIVER, JSON.stringify(cfg)], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`pty-run.py failed: ${r.stderr}`);
  const { status, output, unsent } = JSON.parse(r.stdout) as { status: number; output: string; unsent: number };
  const modes = output.split(/\r?\n/).filter((l) => /^[0-9a-f]+(:[0-9a-f]+){10,}$/.test(l));
  return { status, output, unsent, modes };
}

const PROMPT = String.raw`\[y/N\] `;
const HIDDEN = String.raw`\(typing is not shown\): `;

describe('confirmation on the terminal when stdin carried the value', () => {
  it('reads "y" from /dev/tty and writes the value that came on stdin', () => {
    const c = fresh();
    writeFileSync(join(c.dir, 'in'), 'local\n');
    const r = onPty(['set', 'aws.instances_connection_policy', '-', ...c.args], { cwd: c.dir, stdin: join(c.dir, 'in'), steps: [{ expect: PROMPT, send: 'y\n' }] });
    expect(r.status, r.output).toBe(EXIT.OK);
    expect(r.unsent).toBe(0);
    expect(r.output).toMatch(/Write .*scalr-server\.rb\? \[y\/N\] y\r\nwrote /);
    expect(at(loadEffective(c.file), ['app', 'configuration', 'scalr', 'aws', 'instances_connection_policy'])?.value).toBe('local');
  });

  it('"n" on /dev/tty is ABORTED and leaves the file alone, for merge - too', () => {
    for (const cmd of [['set', 'aws.instances_connection_policy', '-'], ['merge', '-']]) {
      const c = fresh();
      const input = cmd[0] === 'merge' ? 'proxy[:ssl_enable] = false\n' : 'local\n';
      writeFileSync(join(c.dir, 'in'), input);
      const r = onPty([...cmd, ...c.args], { cwd: c.dir, stdin: join(c.dir, 'in'), steps: [{ expect: PROMPT, send: 'n\n' }] });
      expect(r.status, r.output).toBe(EXIT.ABORTED);
      expect(r.unsent).toBe(0);
      expect(r.output).toContain('not confirmed; nothing written');
      expect(readFileSync(c.file).equals(c.before)).toBe(true);
      expect(existsSync(join(c.dir, 'backups'))).toBe(false);
    }
  });

  it('merge - typed on the terminal up to Ctrl-D is confirmed on the terminal still', () => {
    const c = fresh();
    const r = onPty(['merge', '-', ...c.args], {
      cwd: c.dir,
      steps: [
        { expect: String.raw`\d+:\d+\r?\n`, send: 'proxy[:ssl_enable] = false\n\x04' },
        { expect: PROMPT, send: 'y\n' },
      ],
    });
    expect(r.status, r.output).toBe(EXIT.OK);
    expect(r.unsent).toBe(0);
    expect(at(loadEffective(c.file), ['proxy', 'ssl_enable'])?.value).toBe(false);
  });

  it('with no controlling terminal and no --yes, refuses with ABORTED and says to pass --yes', () => {
    const c = fresh();
    writeFileSync(join(c.dir, 'in'), 'local\n');
    const r = onPty(['set', 'aws.instances_connection_policy', '-', ...c.args], { cwd: c.dir, stdin: join(c.dir, 'in'), session: 'none' });
    expect(r.status, r.output).toBe(EXIT.ABORTED);
    const errors = r.output.split('\r\n').filter((l) => l.startsWith('scalr-conf: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/no terminal to confirm on; pass --yes/);
    expect(readFileSync(c.file).equals(c.before)).toBe(true);

    const yes = onPty(['set', 'aws.instances_connection_policy', '-', '--yes', ...c.args], { cwd: c.dir, stdin: join(c.dir, 'in'), session: 'none' });
    expect(yes.status, yes.output).toBe(EXIT.OK);
    expect(readFileSync(c.file, 'utf8')).toContain('"instances_connection_policy" => "local"');
  });

  it('a script (stdout not a terminal) is not asked, as before', () => {
    const c = fresh();
    const r = spawnSync(BIN, ['set', 'aws.instances_connection_policy', '-', ...c.args], { input: 'local\n', encoding: 'utf8', env: { PATH: process.env.PATH }, cwd: c.dir });
    expect(r.status, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toMatch(/^wrote /m);
    expect(readFileSync(c.file, 'utf8')).toContain('"instances_connection_policy" => "local"');
  });
});

describe('secrets typed on the terminal', () => {
  // UTF-8 "ä", quotes and a backslash; the terminal sends "t", then erase, which takes it back.
  const TYPED = 's3cr\u00c3\u00a4t\x7fx"\'\\q';
  const SECRET = Buffer.from('s3cr\u00c3\u00a4x"\'\\q', 'latin1');

  it('"-" on a terminal is read without echo, byte for byte, and the mode is put back', () => {
    const c = fresh();
    const r = onPty(['set', 'connections.mysql.pass', '-', ...c.args], {
      cwd: c.dir,
      steps: [
        { expect: HIDDEN, send: TYPED + '\r' },
        { expect: PROMPT, send: 'y\n' },
      ],
    });
    expect(r.status, r.output).toBe(EXIT.OK);
    expect(r.unsent).toBe(0);
    expect(r.output).not.toContain('s3cr');
    // The newline the hidden Enter did not print comes right after the prompt.
    expect(r.output).toMatch(/\(typing is not shown\): \r\n/);
    expect(r.modes).toHaveLength(2);
    expect(r.modes[1]).toBe(r.modes[0]);
    const value = at(loadEffective(c.file), ['app', 'configuration', 'scalr', 'connections', 'mysql', 'pass'])?.value;
    expect(value).toBe(SECRET.toString('utf8'));
    const got = spawnSync(BIN, ['get', 'connections.mysql.pass', '--show-secrets', '--file', c.file]);
    expect(got.stdout.equals(Buffer.concat([SECRET, Buffer.from('\n')]))).toBe(true);
  });

  it('guided set of a secret key asks for it without echo', () => {
    const c = fresh();
    const r = onPty(['set', 'connections.ldap.bind_password', ...c.args], {
      cwd: c.dir,
      steps: [
        { expect: HIDDEN, send: 'hunter2\r' },
        { expect: PROMPT, send: 'y\n' },
      ],
    });
    expect(r.status, r.output).toBe(EXIT.OK);
    expect(r.output).not.toContain('hunter2');
    expect(at(loadEffective(c.file), ['app', 'configuration', 'scalr', 'connections', 'ldap', 'bind_password'])?.value).toBe('hunter2');
  });

  it('Ctrl-C at the hidden prompt is ABORTED, writes nothing and puts the mode back', () => {
    const c = fresh();
    const r = onPty(['set', 'connections.mysql.pass', '-', ...c.args], { cwd: c.dir, steps: [{ expect: HIDDEN, send: 'abc\x03' }] });
    expect(r.status, r.output).toBe(EXIT.ABORTED);
    expect(r.output).toContain('scalr-conf: cancelled; nothing written');
    expect(r.output).not.toContain('abc');
    expect(r.modes).toHaveLength(2);
    expect(r.modes[1]).toBe(r.modes[0]);
    expect(readFileSync(c.file).equals(c.before)).toBe(true);
  });
});

/** An in-process terminal: what is typed, what was shown, and every mode change. */
function fakeTerminal(typed: string) {
  const shown: string[] = [];
  const modes: boolean[] = [];
  const input = Readable.from([Buffer.from(typed, 'latin1')]) as TtyInput;
  input.isTTY = true;
  input.setRawMode = (raw: boolean) => modes.push(raw);
  let closed = false;
  const terminal: Terminal = { input, output: { write: (c) => shown.push(String(c)) }, close: () => (closed = true) };
  return { terminal, shown, modes, closed: () => closed };
}

function inProcess(stdin: string, openTty: Deps['openTty']) {
  const out: string[] = [];
  const err: string[] = [];
  const deps: Deps = {
    env: { PATH: process.env.PATH },
    stdout: { write: (c) => out.push(String(c)), isTTY: true },
    stderr: { write: (c) => err.push(String(c)) },
    stdin: Readable.from([Buffer.from(stdin)]),
    openTty,
  };
  return { deps, out, err };
}

describe('the same rules in-process', () => {
  it('after stdin is read, the question goes to the terminal deps opens', async () => {
    const c = fresh();
    const tty = fakeTerminal('y\n');
    const { deps } = inProcess('local\n', async () => tty.terminal);
    expect(await main(['set', 'aws.instances_connection_policy', '-', ...c.args], deps)).toBe(EXIT.OK);
    expect(tty.shown.join('')).toMatch(/^Write .*\? \[y\/N\] $/);
    expect(tty.closed()).toBe(true);
    expect(readFileSync(c.file, 'utf8')).toContain('"instances_connection_policy" => "local"');
  });

  it('no terminal to open: ABORTED, one line, the file untouched', async () => {
    const c = fresh();
    const { deps, err } = inProcess('local\n', async () => undefined);
    expect(await main(['set', 'aws.instances_connection_policy', '-', ...c.args], deps)).toBe(EXIT.ABORTED);
    expect(err.join('')).toMatch(/^scalr-conf: [^\n]*pass --yes[^\n]*\n$/);
    expect(readFileSync(c.file).equals(c.before)).toBe(true);
  });

  it('readHidden turns echo off and back on, however it ends, and keeps what follows Enter', async () => {
    const done = fakeTerminal('ab\x7fc\rnext');
    expect((await readHidden(done.terminal.input, done.terminal.output, 'p: ')).toString('latin1')).toBe('ac');
    expect(done.modes).toEqual([true, false]);
    expect(done.shown.join('')).toBe('p: \n');
    expect(String(done.terminal.input.read())).toBe('next');

    const cancelled = fakeTerminal('ab\x03');
    await expect(readHidden(cancelled.terminal.input, cancelled.terminal.output, 'p: ')).rejects.toMatchObject({ code: 'aborted' });
    expect(cancelled.modes).toEqual([true, false]);
  });

  it('a terminal whose echo cannot be turned off is not typed on', async () => {
    const input = new PassThrough() as TtyInput;
    await expect(readHidden(input, { write: () => true }, 'p: ')).rejects.toMatchObject({ code: 'aborted' });
  });
});
