import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import type { Choice } from '../src/app/deps';
import { runCli } from './support/cli';
import { errorOf, expectError } from './support/runError';
import { configDir } from './support/tmp';

describe('set KEY without a value', () => {
  it('on a terminal offers the allowed values with their meaning and sets the one chosen', async () => {
    const { file } = configDir();
    const asked: { question: string; options: Choice[] }[] = [];
    const r = await runCli(['set', 'aws.instances_connection_policy', '--file', file, '--no-reconfigure', '--yes'], {
      tty: true,
      choose: async (question, options) => {
        asked.push({ question, options });
        return 'local';
      },
    });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(asked).toHaveLength(1);
    expect(asked[0].question).toMatch(/^aws\.instances_connection_policy: Connection policy for AWS instances/);
    expect(asked[0].options).toEqual([
      { value: 'public', meaning: "connect only to the instance's public IP" },
      { value: 'local', meaning: expect.stringContaining('private IP') },
      { value: 'auto', meaning: 'the public IP when the instance has one, else the private IP' },
    ]);
    expect(readFileSync(file, 'utf8')).toContain('"instances_connection_policy" => "local"');
  });

  it('says what the key is now and its default', async () => {
    const { file } = configDir();
    let question = '';
    await runCli(['set', 'auth_mode', '--file', file, '--no-reconfigure', '--dry-run'], {
      tty: true,
      choose: async (q) => ((question = q), 'scalr'),
    });
    expect(question).toContain('now "ldap"');
    expect(question).toContain('default "scalr"');
  });

  it('offers true/false for a boolean', async () => {
    const { file } = configDir();
    let values: string[] = [];
    const r = await runCli(['set', 'proxy[:ssl_enable]', '--file', file, '--no-reconfigure', '--yes'], {
      tty: true,
      choose: async (_q, options) => ((values = options.map((o) => o.value)), 'false'),
    });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(values).toEqual(['true', 'false']);
    expect(readFileSync(file, 'utf8')).toContain('proxy[:ssl_enable] = false');
  });

  it('off a terminal stays a usage error and asks nothing', async () => {
    const { file } = configDir();
    const r = await runCli(['set', 'aws.instances_connection_policy', '--file', file, '--no-reconfigure', '--json'], {
      choose: async () => {
        throw new Error('must not ask');
      },
    });
    expectError(r, { code: 'usage', exit: 'USAGE' });
    expect(errorOf(r).message).toContain('has no value');
  });

  it('a key without a fixed set of values stays a usage error on a terminal too', async () => {
    const { file } = configDir();
    const r = await runCli(['set', 'connections.ldap.host', '--file', file, '--no-reconfigure', '--json'], {
      tty: true,
      choose: async () => {
        throw new Error('must not ask');
      },
    });
    expectError(r, { code: 'usage', exit: 'USAGE' });
  });

  it('an unanswered question writes nothing', async () => {
    const { file } = configDir();
    const before = readFileSync(file);
    const r = await runCli(['set', 'aws.instances_connection_policy', '--file', file, '--no-reconfigure', '--json'], {
      tty: true,
      stdin: '\n',
    });
    // The question went to stdout, so the error is checked on its own rather than with expectError.
    expect(r.stdout).toContain('1) public');
    const error = errorOf(r);
    expect([error.code, error.exit, r.code]).toEqual(['aborted', 'ABORTED', EXIT.ABORTED]);
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});

describe('the built-in chooser', () => {
  it('takes a number or a value typed on the terminal', async () => {
    for (const answer of ['2\n', 'nonsense\nlocal\n']) {
      const { file } = configDir();
      const r = await runCli(['set', 'aws.instances_connection_policy', '--file', file, '--no-reconfigure', '--yes'], { tty: true, stdin: answer });
      expect(r.code, r.stderr).toBe(EXIT.OK);
      expect(readFileSync(file, 'utf8')).toContain('"instances_connection_policy" => "local"');
    }
  });
});
