/**
 * Every example in every command's --help runs, as written, in bash against a sandbox: a copy of
 * fixtures/sample, the fake scalr-server-ctl, its own backup dir. Paths under /etc and /tmp are
 * moved into the sandbox, `sudo` runs the command as it is, `ssh HOST CMD` runs CMD here, and the
 * sample backup id is the id of a change made first; the AWS CLI has a stand-in that checks the
 * policy document it is given. An example that stops working fails here.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/main';
import { EXIT } from '../src/app/exitCodes';
import { BIN, FAKE_CTL, ROOT, SAMPLE } from './support/tmp';

/** The backup id the examples show; replaced by a real one. */
const SAMPLE_ID = '20261130T071502.123Z-1a2b';

/** Examples that end with another status than 0, and why that is what they show. */
const EXPECTED: Record<string, number> = {
  // The golden copy is the sample as shipped; the sandbox's file has had one change since.
  'scalr-conf diff /etc/scalr-server/scalr-server.rb ./golden/scalr-server.rb': EXIT.DIFFERENT,
  // Here no terminal can answer edit's question: it refuses before opening the editor.
  'sudo scalr-conf edit': EXIT.ABORTED,
  'sudo scalr-conf edit --local --no-reconfigure': EXIT.ABORTED,
};

/** Every command's path in the tree, the root first. */
function commandPaths(cmd: Command, path: string[] = []): string[][] {
  return [path, ...cmd.commands.flatMap((c) => commandPaths(c, [...path, c.name()]))];
}

function helpOf(path: string[]): string {
  const r = spawnSync(process.execPath, [BIN, ...path, '--help'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${path.join(' ')} --help: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** The indented lines after "Examples:", up to the first line that is not; "\\" continues a line. */
function examplesIn(help: string): string[] {
  const found: string[] = [];
  const lines = help.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== 'Examples:') continue;
    for (let j = i + 1; j < lines.length && /^ {2}\S/.test(lines[j]); j++) {
      let example = lines[j].trim();
      while (example.endsWith('\\') && j + 1 < lines.length) example += '\n' + lines[++j];
      found.push(example);
    }
  }
  return found;
}

const program = buildProgram({ env: {}, stdout: { write: () => true }, stderr: { write: () => true }, stdin: process.stdin }, { code: 0 });
const helps = commandPaths(program).map((path) => ({ path, help: helpOf(path) }));
/** Each command's examples, once: the root's are also \`help\`'s. */
const blocks = [...new Map(helps.map((h) => [examplesIn(h.help).join('\n'), { name: h.path.join(' ') || 'scalr-conf', examples: examplesIn(h.help) }])).values()].filter(
  (b) => b.examples.length > 0,
);

let root = '';
beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli.cjs'))) throw new Error('dist/cli.cjs is missing: run node scripts/build.mjs first');
  for (const tool of ['bash', 'jq']) {
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0) throw new Error(`the help examples need ${tool}`);
  }
  root = mkdtempSync(join(tmpdir(), 'scalr-examples-'));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A fresh sandbox with one change made (and reconfigured), so get, history and restore have something to show. */
function sandbox(n: number) {
  const dir = join(root, String(n));
  for (const d of ['etc/scalr-server', 'etc/bash_completion.d', 'tmp', 'bin', 'golden', 'a', 'b']) mkdirSync(join(dir, d), { recursive: true });
  const main = join(dir, 'etc/scalr-server/scalr-server.rb');
  copyFileSync(SAMPLE, main);
  for (const copy of ['golden', 'a', 'b']) copyFileSync(SAMPLE, join(dir, copy, 'scalr-server.rb'));
  copyFileSync(SAMPLE, join(dir, 'scalr-server.rb'));
  writeFileSync(join(dir, 'snippet.rb'), 'proxy[:ssl_enable] = false\n');
  writeFileSync(join(dir, 'bin/scalr-conf'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`, { mode: 0o755 });
  const env = {
    PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
    HOME: dir,
    SCALR_CONF_FILE: main,
    SCALR_CONF_BACKUP_DIR: join(dir, 'backups'),
    SCALR_SERVER_CTL: FAKE_CTL,
    FAKE_CTL_LOG: join(dir, 'ctl.log'),
    SCALR_SERVER_ROOT: join(dir, 'no-scalr'),
    PASS: 'examples-pass',
  };
  const first = spawnSync(process.execPath, [BIN, 'set', 'system.instances_connection_timeout', '12', 'aws.instances_connection_policy', 'public', '--json'], { env, encoding: 'utf8' });
  if (first.status !== 0) throw new Error(`setting up the sandbox: ${first.stderr}`);
  const id = (JSON.parse(first.stdout) as { backup: string }).backup;
  return { dir, main, env, id };
}

/** The example as bash runs it in the sandbox. */
function inSandbox(example: string, dir: string, id: string): string {
  const prelude = [
    'set -o pipefail',
    // env: `sudo VAR=value command` as sudo runs it.
    'sudo() { env "$@"; }',
    'ssh() { shift; "$@"; }',
    // The AWS CLI is not run; its stand-in checks the policy document it is given.
    'aws() { local doc=; while [ $# -gt 0 ]; do [ "$1" = --policy-document ] && doc=${2#file://}; shift; done; jq -e ".Statement | length > 0" "$doc" >/dev/null; }',
    // zsh's function path, as bash spells the array: ${fpath[1]} is the sandbox.
    `fpath=(${JSON.stringify(dir)} ${JSON.stringify(dir)})`,
  ].join('\n');
  const moved = example.replace(/(^|[\s'"=<>])\/(etc|tmp)\//g, `$1${dir}/$2/`).split(SAMPLE_ID).join(id);
  // Never run an example on the machine's own files: a new absolute path needs a place here first.
  const outside = moved.split(dir).join('SANDBOX').match(/(^|[\s'"=<>])\/\w\S*/);
  if (outside) throw new Error(`the example names ${outside[0].trim()}, outside the sandbox; move it in inSandbox()`);
  return `${prelude}\n${moved}\n`;
}

describe('the examples in --help', () => {
  it('are found in the help of every command that has them', () => {
    const withExamples = helps.filter((h) => h.help.includes('\nExamples:\n'));
    expect(withExamples.length).toBeGreaterThan(15);
    for (const h of withExamples) expect(examplesIn(h.help).length, h.path.join(' ')).toBeGreaterThan(0);
    const all = blocks.flatMap((b) => b.examples);
    expect(all.length).toBeGreaterThan(40);
    for (const example of Object.keys(EXPECTED)) expect(all).toContain(example);
  });

  // One sandbox per command's help, its examples run in order, as a reader would follow them.
  blocks.forEach((block, n) => {
    describe(block.name, () => {
      let box: ReturnType<typeof sandbox>;
      beforeAll(() => {
        box = sandbox(n);
      });
      for (const example of block.examples) {
        it(example, () => {
          const r = spawnSync('bash', ['-c', inSandbox(example, box.dir, box.id)], { cwd: box.dir, env: box.env, encoding: 'utf8', input: '', timeout: 60_000 });
          expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(EXPECTED[example] ?? EXIT.OK);
          expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
        });
      }
    });
  });
});
