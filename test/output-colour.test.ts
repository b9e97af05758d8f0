import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli';
import { BIN, SAMPLE } from './support/tmp';
import { EXIT } from '../src/app/exitCodes';
import { colourDiff } from '../src/app/colour';
import { unifiedDiff } from '../src/edit/diff';

const ESC = '\x1b[';
const RED = '\x1b[31m';
const GREEN = '\x1b[32m';
const CYAN = '\x1b[36m';
const BOLD = '\x1b[1m';
const RESET = '\x1b[0m';
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function sample(): { dir: string; file: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'scalr-colour-'));
  dirs.push(dir);
  const file = join(dir, 'scalr-server.rb');
  writeFileSync(file, readFileSync(SAMPLE));
  return { dir, file, env: { SCALR_CONF_BACKUP_DIR: join(dir, 'backups') } };
}

const SET = ['set', 'aws.instances_connection_policy', 'local', '--dry-run'];

describe('--color and the dry-run diff', () => {
  it('auto: no escapes when stdout is not a terminal', async () => {
    const { file, env } = sample();
    const r = await runCli([...SET, '--file', file], { env });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toContain('+      "instances_connection_policy" => "local",');
    expect(r.stdout).not.toContain(ESC);
  });

  it('auto on a terminal colours each kind of line, and nothing else changes', async () => {
    const { file, env } = sample();
    const plain = await runCli([...SET, '--file', file], { env });
    const r = await runCli([...SET, '--file', file], { env, tty: true });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(strip(r.stdout)).toBe(plain.stdout);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`${BOLD}--- a${file}${RESET}`);
    expect(lines[1]).toBe(`${BOLD}+++ b${file}${RESET}`);
    expect(lines[2]).toMatch(/^\x1b\[36m@@ -\d+,\d+ \+\d+,\d+ @@\x1b\[0m$/);
    expect(lines).toContain(`${GREEN}+      "instances_connection_policy" => "local",${RESET}`);
    // Context lines stay plain.
    expect(lines.filter((l) => l.startsWith(' ')).length).toBeGreaterThan(0);
    for (const l of lines) if (l.startsWith(' ')) expect(l).not.toContain(ESC);
  });

  it('always colours when stdout is not a terminal; never leaves a terminal plain', async () => {
    const { file, env } = sample();
    const always = await runCli([...SET, '--file', file, '--color', 'always'], { env });
    expect(always.stdout).toContain(GREEN);
    const never = await runCli(['--color=never', ...SET, '--file', file], { env, tty: true });
    expect(never.code).toBe(EXIT.OK);
    expect(never.stdout).toContain('+      "instances_connection_policy" => "local",');
    expect(never.stdout).not.toContain(ESC);
  });

  it('NO_COLOR (any non-empty value) and TERM=dumb turn auto off; an empty NO_COLOR does not; always wins', async () => {
    const { file, env } = sample();
    for (const extra of [{ NO_COLOR: '1' }, { NO_COLOR: 'false' }, { TERM: 'dumb' }]) {
      const r = await runCli([...SET, '--file', file], { env: { ...env, ...extra }, tty: true });
      expect(r.code).toBe(EXIT.OK);
      expect(r.stdout, JSON.stringify(extra)).not.toContain(ESC);
      expect(r.stdout).toContain('+    "aws" => {');
    }
    const empty = await runCli([...SET, '--file', file], { env: { ...env, NO_COLOR: '' }, tty: true });
    expect(empty.stdout).toContain(GREEN);
    const forced = await runCli([...SET, '--file', file, '--color', 'always'], { env: { ...env, NO_COLOR: '1' } });
    expect(forced.stdout).toContain(GREEN);
  });

  it('--json is never coloured, even with --color always', async () => {
    const { file, env } = sample();
    const r = await runCli([...SET, '--file', file, '--json', '--color', 'always'], { env, tty: true });
    expect(r.stdout).not.toContain(ESC);
    expect((JSON.parse(r.stdout) as { diff: string }).diff).toContain('+    "aws" => {');
  });

  it('an invalid value is a usage error: exit 2, one line on stderr, file untouched', async () => {
    const { file, env } = sample();
    const before = readFileSync(file);
    for (const args of [['--color', 'sometimes', ...SET], [...SET, '--color=yes'], ['--color']]) {
      const r = await runCli([...args, '--file', file], { env });
      expect(r.code, args.join(' ')).toBe(EXIT.USAGE);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
    const bad = await runCli(['--color', 'sometimes', 'get', 'aws.instances_connection_policy', '--file', file], { env });
    expect(bad.stderr).toMatch(/^scalr-conf: .*'sometimes'.*auto, always, never/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});

describe('the real process', () => {
  // script(1), from util-linux, gives the command a terminal of its own.
  it('asks its own stdout whether it is a terminal: coloured on a pty, plain in a pipe', () => {
    const { file } = sample();
    const cmd = `"${process.execPath}" "${BIN}" --file "${file}" set aws.instances_connection_policy local --dry-run`;
    const env = { PATH: process.env.PATH, TERM: 'xterm' };
    const piped = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', env });
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stdout).toContain('+    "aws" => {');
    expect(piped.stdout).not.toContain(ESC);
    const pty = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env });
    expect(pty.status, pty.stderr).toBe(0);
    expect(pty.stdout).toContain(`${GREEN}+    "aws" => {${RESET}`);
    const quiet = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...env, NO_COLOR: '1' } });
    expect(quiet.stdout).toContain('+    "aws" => {');
    expect(quiet.stdout).not.toContain(ESC);
  });
});

describe('other diffs on stdout', () => {
  it('--file - --dry-run colours the diff with --color always, and the new text never', async () => {
    const text = readFileSync(SAMPLE, 'utf8');
    const dry = await runCli(['--file', '-', '--color', 'always', ...SET], { stdin: text });
    expect(dry.code, dry.stderr).toBe(EXIT.OK);
    expect(dry.stdout).toContain(`${BOLD}--- a/stdin${RESET}`);
    expect(dry.stdout).toContain(GREEN);
    const filtered = await runCli(['--file', '-', '--color', 'always', 'set', 'aws.instances_connection_policy', 'local', '--no-verify'], { stdin: text });
    expect(filtered.code, filtered.stderr).toBe(EXIT.OK);
    expect(filtered.stdout).not.toContain(ESC);
    expect(filtered.stdout).toContain('"instances_connection_policy" => "local"');
  });

  it('history diff and restore --dry-run follow --color', async () => {
    const { file, env } = sample();
    const write = await runCli(['set', 'aws.instances_connection_policy', 'local', '--file', file, '--no-reconfigure', '--no-verify'], { env });
    expect(write.code, write.stderr).toBe(EXIT.OK);
    const [entry] = JSON.parse((await runCli(['history', '--json', '--file', file], { env })).stdout) as { id: string }[];
    const plain = await runCli(['history', 'diff', entry.id, '--file', file], { env });
    expect(plain.code, plain.stderr).toBe(EXIT.OK);
    expect(plain.stdout).toContain('+      "instances_connection_policy" => "local",');
    expect(plain.stdout).not.toContain(ESC);
    const coloured = await runCli(['history', 'diff', entry.id, '--file', file, '--color', 'always'], { env });
    expect(strip(coloured.stdout)).toBe(plain.stdout);
    expect(coloured.stdout).toContain(`${GREEN}+      "instances_connection_policy" => "local",${RESET}`);
    const restore = await runCli(['restore', '--dry-run', '--file', file], { env, tty: true });
    expect(restore.stdout).toContain(`${RED}-      "instances_connection_policy" => "local",${RESET}`);
  });
});

describe('colourDiff', () => {
  it('follows hunk counts: a removed "-- x" line is red, not a header; CRLF stays outside the colour', () => {
    const before = 'a\r\n-- x\r\n++ y\r\nb\r\n';
    const after = 'a\r\n--- x\r\nb\r\n';
    const diff = unifiedDiff('f.rb', before, after);
    const out = colourDiff(diff);
    expect(strip(out)).toBe(diff);
    const lines = out.split('\n');
    expect(lines).toContain(`${RED}--- x${RESET}\r`);
    expect(lines).toContain(`${RED}-++ y${RESET}\r`);
    expect(lines).toContain(`${GREEN}+--- x${RESET}\r`);
    expect(lines).toContain(' a\r');
    expect(lines.filter((l) => l.startsWith(BOLD))).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith(CYAN))).toHaveLength(1);
  });

  it('leaves "\\ No newline at end of file" plain and colours a second hunk', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const after = before.replace('line 1\n', 'line one\n').replace('line 19', 'line nineteen');
    const out = colourDiff(unifiedDiff('f.rb', before, after));
    const lines = out.split('\n');
    expect(lines.filter((l) => l.startsWith(CYAN))).toHaveLength(2);
    expect(lines).toContain(`${GREEN}+line nineteen${RESET}`);
    expect(lines.filter((l) => l.startsWith('\\ No newline')).length).toBeGreaterThan(0);
  });
});
