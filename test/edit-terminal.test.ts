/**
 * `scalr-conf edit` as a person runs it: bin/scalr-conf on a pseudo-terminal (test/support/pty-run.py)
 * that answers the menu, and the process told to end while the editor runs.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import { BIN, ROOT } from './support/tmp';

const DRIVER = join(ROOT, 'test/support/pty-run.py');
const MAIN = 'app[:configuration] = {\n  "scalr" => {\n    "system" => { "instances_connection_timeout" => 10 },\n  },\n}\n';
const dirs: string[] = [];

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli.cjs'))) throw new Error('dist/cli.cjs is missing: run node scripts/build.mjs first');
});
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A config dir and an editor script whose n-th run does steps[n-1]; each run logs the copy it got. */
function setup(steps: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'scalr-edit-pty-'));
  dirs.push(dir);
  const file = join(dir, 'scalr-server.rb');
  writeFileSync(file, MAIN);
  const editor = join(dir, 'editor.sh');
  const cases = steps.map((s, i) => `  ${i + 1}) ${s} ;;`).join('\n');
  writeFileSync(editor, `#!/bin/sh\nn=$(( $(cat '${dir}/count' 2>/dev/null || echo 0) + 1 ))\necho $n > '${dir}/count'\necho "$1" >> '${dir}/copies'\ncase $n in\n${cases}\nesac\n`);
  chmodSync(editor, 0o755);
  const env = { PATH: process.env.PATH, EDITOR: editor, SCALR_SERVER_ROOT: join(dir, 'no-scalr'), SCALR_CONF_BACKUP_DIR: join(dir, 'backups') };
  const args = ['--file', file, '--no-reconfigure', '--color', 'never', 'edit'];
  const copies = () => readFileSync(join(dir, 'copies'), 'utf8').trim().split('\n');
  return { dir, file, env, args, copies };
}

function onPty(argv: string[], cwd: string, env: NodeJS.ProcessEnv, steps: { expect: string; send: string }[]) {
  const cfg = { argv: [process.execPath, BIN, ...argv], cwd, env, stdin: null, session: 'controlling', steps, timeout: 30 };
  const r = spawnSync('python3', [DRIVER, JSON.stringify(cfg)], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`pty-run.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { status: number; output: string; unsent: number };
}

const CHANGE = `sed -i 's/=> 10/=> 45/' "$1"`;
const MENU3 = String.raw`choose 1-3 \(empty to cancel\): `;
const MENU2 = String.raw`choose 1-2 \(empty to cancel\): `;

describe('scalr-conf edit on a terminal', () => {
  it('shows the change and the menu, and "1" installs', () => {
    const s = setup([CHANGE]);
    const r = onPty(s.args, s.dir, s.env, [{ expect: MENU3, send: '1\n' }]);
    expect(r.status, r.output).toBe(EXIT.OK);
    expect(r.unsent).toBe(0);
    expect(r.output).toContain('system.instances_connection_timeout: 10 \u00e2\u0086\u0092 45');
    expect(r.output).toMatch(/What now\?\r\n {2}1\) install +write .*scalr-server\.rb\r\n {2}2\) re-edit +.*\r\n {2}3\) abandon /);
    expect(r.output).toMatch(/\r\nwrote .*scalr-server\.rb/);
    expect(readFileSync(s.file, 'utf8')).toBe(MAIN.replace('=> 10', '=> 45'));
    expect(existsSync(s.copies()[0])).toBe(false);
  });

  it('a broken edit offers re-edit and abandon; re-edit, then install, on the same terminal', () => {
    const s = setup([`sed -i 's/=> 10/=> 10,,/' "$1"`, `sed -i 's/=> 10,,/=> 45/' "$1"`]);
    const r = onPty(s.args, s.dir, s.env, [
      { expect: MENU2, send: 're-edit\n' },
      { expect: MENU3, send: '1\n' },
    ]);
    expect(r.status, r.output).toBe(EXIT.OK);
    expect(r.unsent).toBe(0);
    expect(r.output).toMatch(/The edited copy cannot be installed\. What now\?\r\n {2}1\) re-edit/);
    expect(readFileSync(s.file, 'utf8')).toBe(MAIN.replace('=> 10', '=> 45'));
  });

  it('an empty answer (or Ctrl-D) cancels: ABORTED, the file untouched, the copy gone', () => {
    const s = setup([CHANGE]);
    const r = onPty(s.args, s.dir, s.env, [{ expect: MENU3, send: '\n' }]);
    expect(r.status, r.output).toBe(EXIT.ABORTED);
    expect(readFileSync(s.file, 'utf8')).toBe(MAIN);
    expect(existsSync(s.copies()[0])).toBe(false);
  });
});

describe('scalr-conf edit and Ctrl-C', () => {
  it('at the question: the copy is removed, the file untouched, and the process ends by SIGINT', () => {
    const s = setup([CHANGE]);
    const r = onPty(s.args, s.dir, s.env, [{ expect: MENU3, send: '\x03' }]);
    expect(r.status, r.output).toBe(128 + 2);
    expect(readFileSync(s.file, 'utf8')).toBe(MAIN);
    expect(existsSync(s.copies()[0])).toBe(false);
  });

  it('in the editor: it is the editor that stops; the edit is discarded with ABORTED', () => {
    const s = setup([`${CHANGE}; echo editing; sleep 10`]);
    const r = onPty(s.args, s.dir, s.env, [{ expect: 'editing\r\n', send: '\x03' }]);
    expect(r.status, r.output).toBe(EXIT.ABORTED);
    expect(r.output).toMatch(/the editor \(.*\) was stopped by SIGINT; the edit is discarded/);
    expect(readFileSync(s.file, 'utf8')).toBe(MAIN);
    expect(existsSync(s.copies()[0])).toBe(false);
  });
});

describe('scalr-conf edit --json --yes from a script', () => {
  it('keeps what the editor prints off stdout, which holds only the JSON result', () => {
    const s = setup([`echo 'the editor talks'; ${CHANGE}`]);
    const r = spawnSync(process.execPath, [BIN, ...s.args, '--yes', '--json'], { cwd: s.dir, env: s.env, encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(EXIT.OK);
    expect(JSON.parse(r.stdout)).toMatchObject({ changed: true, summary: ['edit: system.instances_connection_timeout'] });
    expect(r.stderr).toContain('the editor talks');
    expect(readFileSync(s.file, 'utf8')).toBe(MAIN.replace('=> 10', '=> 45'));
  });
});

describe('scalr-conf edit told to end while the editor runs', () => {
  for (const signal of ['TERM', 'HUP'] as const) {
    it(`SIG${signal}: the copy is removed, the file untouched, and the process ends by the signal`, () => {
      // The editor runs under sh, under scalr-conf: the grandparent is the one told to end.
      const s = setup([`${CHANGE}; kill -${signal} $(ps -o ppid= -p $PPID); sleep 1`]);
      const r = spawnSync(process.execPath, [BIN, ...s.args, '--yes'], { cwd: s.dir, env: s.env, encoding: 'utf8', timeout: 30_000 });
      expect(r.signal, r.stderr).toBe(`SIG${signal}`);
      expect(readFileSync(s.file, 'utf8')).toBe(MAIN);
      expect(existsSync(s.copies()[0])).toBe(false);
      expect(existsSync(join(s.copies()[0], '..'))).toBe(false);
    });
  }

  it('with --local on a missing scalr-server-local.rb: the empty file made for the edit goes too', () => {
    const s = setup([`echo 'proxy[:ssl_enable] = true' > "$1"; kill -TERM $(ps -o ppid= -p $PPID); sleep 1`]);
    const local = join(s.dir, 'scalr-server-local.rb');
    const r = spawnSync(process.execPath, [BIN, '--local', ...s.args, '--yes'], { cwd: s.dir, env: s.env, encoding: 'utf8', timeout: 30_000 });
    expect(r.signal, r.stderr).toBe('SIGTERM');
    // The editor did run on the local file's copy, so the file had been made.
    expect(s.copies()[0].endsWith('scalr-server-local.rb')).toBe(true);
    expect(existsSync(local)).toBe(false);
    expect(readFileSync(s.file, 'utf8')).toBe(MAIN);
    expect(existsSync(s.copies()[0])).toBe(false);
  });
});
