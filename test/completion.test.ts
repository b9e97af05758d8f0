import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli';
import { buildProgram } from '../src/cli/main';
import type { Deps } from '../src/app/deps';
import { listSettings } from '../src/knowledge/schema';

const deps: Deps = { env: {}, stdout: { write: () => true }, stderr: { write: () => true }, stdin: process.stdin };
const COMMANDS = buildProgram(deps, { code: 0 })
  .commands.map((c) => c.name())
  .filter((n) => n !== 'help');

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

async function script(shell: 'bash' | 'zsh'): Promise<string> {
  const r = await runCli(['completion', shell]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

interface Case {
  /** COMP_WORDS as bash splits the line. */
  words: string[];
  /** The line typed so far, when it differs from the words joined by spaces. */
  line?: string;
  /** The word bash passes as $2 (readline's: after the last word break, without an opening quote). */
  word?: string;
}

/** Runs the completion function once per case in one bash; returns COMPREPLY for each. */
function complete(file: string, cases: Case[]): string[][] {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const body = cases
    .map(({ words, line, word }) => {
      const cword = words.length - 1;
      const setLine = line === undefined ? 'unset COMP_LINE COMP_POINT' : `COMP_LINE=${q(line)}; COMP_POINT=${Buffer.byteLength(line)}`;
      return [
        `COMP_WORDS=(${words.map(q).join(' ')}); COMP_CWORD=${cword}; ${setLine}; COMPREPLY=()`,
        `_scalr_conf scalr-conf ${q(word ?? words[cword])} ${q(words[cword - 1] ?? '')}`,
        `printf '%s\\n' "\${COMPREPLY[@]}"; echo '@@'`,
      ].join('\n');
    })
    .join('\n');
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `source ${q(file)}\n${body}`], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  const out = r.stdout.split('@@\n');
  out.pop();
  return out.map((chunk) => chunk.split('\n').filter(Boolean));
}

describe('bash', () => {
  let file: string;
  beforeAll(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'scalr-conf-completion-')), 'scalr-conf.bash');
    writeFileSync(file, await script('bash'));
  });

  it('registers itself for scalr-conf', () => {
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `source '${file}'; complete -p scalr-conf`], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('complete -F _scalr_conf scalr-conf');
  });

  it('completes commands, options, keys, types and shells', () => {
    const [commands, g, getKey, opts, setOpts, type, shells, completionOpts] = complete(file, [
      { words: ['scalr-conf', ''] },
      { words: ['scalr-conf', 'g'] },
      { words: ['scalr-conf', 'get', 'aws.instances_conn'] },
      { words: ['scalr-conf', '--'] },
      { words: ['scalr-conf', 'set', '--u'] },
      { words: ['scalr-conf', 'set', '--type', 'int'] },
      { words: ['scalr-conf', 'completion', ''] },
      { words: ['scalr-conf', 'completion', '-'] },
    ]);
    expect(commands).toEqual(expect.arrayContaining([...COMMANDS, 'help']));
    expect(g).toEqual(['get']);
    expect(getKey).toEqual(['aws.instances_connection_policy']);
    expect(opts).toEqual(expect.arrayContaining(['--file', '--dry-run', '--json', '--yes', '--ctl', '--no-reconfigure', '--help', '--version']));
    expect(setOpts).toEqual(['--unset']);
    expect(type).toEqual(['integer']);
    expect(shells).toEqual(['bash', 'zsh']);
    expect(completionOpts).toContain('--json');
    expect(completionOpts).not.toContain('--unset');
  });

  it('offers keys only where a key goes', () => {
    const [afterGlobals, secondKey, value, setUnset, unsetMany, getSecond, showArg] = complete(file, [
      { words: ['scalr-conf', '--file', 'x.rb', '-n', 'get', '--json', 'system.instances_connection_t'] },
      { words: ['scalr-conf', 'set', 'aws.instances_connection_policy', 'local', 'gce.instances_connection_pol'] },
      { words: ['scalr-conf', 'set', 'aws.instances_connection_policy', 'loc'] },
      { words: ['scalr-conf', 'set', 'a.b', 'c', '--unset', 'x.y', 'openstack.instances_connection_pol'] },
      { words: ['scalr-conf', 'unset', 'aws.instances_connection_policy', 'gce.instances_connection_pol'] },
      { words: ['scalr-conf', 'get', 'auth_mode', 'aws.'] },
      { words: ['scalr-conf', 'show', 'aws.'] },
    ]);
    expect(afterGlobals).toEqual(['system.instances_connection_timeout']);
    expect(secondKey).toEqual(['gce.instances_connection_policy']);
    expect(value).toEqual([]);
    expect(setUnset).toEqual(['openstack.instances_connection_policy']);
    expect(unsetMany).toEqual(['gce.instances_connection_policy']);
    expect(getSecond).toEqual([]);
    expect(showArg).toEqual([]);
  });

  it('every key from the schema, and nothing for an empty prefix outside it', () => {
    const [all, none] = complete(file, [{ words: ['scalr-conf', 'get', ''] }, { words: ['scalr-conf', 'get', 'no_such_prefix'] }]);
    const keys = listSettings()
      .map((s) => s.key)
      .filter((k) => !k.includes('*'));
    expect(all).toEqual(keys);
    expect(none).toEqual([]);
  });

  it('completes group keys across the colon bash splits at', () => {
    // bash splits "proxy[:ssl_e" at ":" and replaces only the text after it (what it passes as $2).
    const [afterColon, atColon, quoted, unsetOpt] = complete(file, [
      { words: ['scalr-conf', 'get', 'proxy[', ':', 'ssl_e'], line: 'scalr-conf get proxy[:ssl_e', word: 'ssl_e' },
      { words: ['scalr-conf', 'set', 'proxy[', ':'], line: 'scalr-conf set proxy[:', word: '' },
      { words: ['scalr-conf', 'get', "'proxy[:ssl_r"], line: "scalr-conf get 'proxy[:ssl_r", word: 'proxy[:ssl_r' },
      { words: ['scalr-conf', 'set', '-u', 'routing[', ':', 'endpoint_h'], line: 'scalr-conf set -u routing[:endpoint_h', word: 'endpoint_h' },
    ]);
    expect(afterColon).toEqual(['ssl_enable]']);
    expect(atColon).toEqual(expect.arrayContaining(['ssl_enable]', 'ssl_redirect]', 'enable]']));
    expect(atColon.every((s) => !s.startsWith('proxy['))).toBe(true);
    // Inside quotes bash does not split, so the whole key comes back.
    expect(quoted).toEqual(['proxy[:ssl_redirect]']);
    expect(unsetOpt).toEqual(['endpoint_host]']);
  });

  it('offers the subcommands of commands that have them', () => {
    const nested = buildProgram(deps, { code: 0 }).commands.filter((c) => c.commands.length);
    const replies = complete(file, nested.map((c) => ({ words: ['scalr-conf', c.name(), ''] })));
    nested.forEach((c, i) => expect(replies[i], c.name()).toEqual(c.commands.map((s) => s.name())));
  });

  it('offers keys for explain', () => {
    const [explain] = complete(file, [{ words: ['scalr-conf', 'explain', 'aws.instances_conn'] }]);
    expect(explain).toEqual(['aws.instances_connection_policy']);
  });
});

describe('zsh', () => {
  it('is a compdef function covering the commands, options and keys', async () => {
    const text = await script('zsh');
    expect(text.startsWith('#compdef scalr-conf\n')).toBe(true);
    expect(text).toContain('compdef _scalr_conf scalr-conf');
    expect(text).toMatch(/^_scalr_conf\(\) \{$/m);
    for (const name of COMMANDS) expect(text).toContain(`'${name}:`);
    expect(text).toContain("'proxy[:ssl_enable]'");
    expect(text).toContain("'--dry-run:print the diff and change nothing'");
    expect(text.split('{').length).toBe(text.split('}').length);
    // As with Ruby: under CI a missing zsh fails the test instead of skipping the check.
    if (process.env.CI) expect(has('zsh'), 'zsh is needed to check the script (.ci/run installs it)').toBe(true);
    if (has('zsh')) {
      const dir = mkdtempSync(join(tmpdir(), 'scalr-conf-completion-'));
      writeFileSync(join(dir, '_scalr-conf'), text);
      const r = spawnSync('zsh', ['-n', join(dir, '_scalr-conf')], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
  });
});

describe('completion', () => {
  it('--json wraps the script', async () => {
    const r = await runCli(['completion', 'bash', '--json']);
    const j = JSON.parse(r.stdout);
    expect(j.shell).toBe('bash');
    expect(j.script).toContain('complete -F _scalr_conf scalr-conf');
  });

  it('refuses other shells as a usage error', async () => {
    const r = await runCli(['completion', 'fish', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr).error.exit).toBe('USAGE');
  });
});

describe('help', () => {
  it('every command and subcommand, and the program, has an Examples section', async () => {
    const nested = buildProgram(deps, { code: 0 }).commands.flatMap((c) => c.commands.map((s) => [c.name(), s.name(), '--help']));
    for (const args of [['--help'], ...COMMANDS.map((c) => [c, '--help']), ...nested]) {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/\nExamples:\n {2}\S/);
    }
  });
});
