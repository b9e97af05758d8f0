/** After "--" every word is a key, value or snippet: words starting with "-" included. */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import { runCli } from './support/cli';
import { errorOf, expectError } from './support/runError';
import { at } from './support/checks';
import { loadEffective, requireRuby } from './support/ruby';
import { configDir } from './support/tmp';

const dirs: string[] = [];
beforeAll(() => requireRuby());
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function fresh() {
  const c = configDir();
  dirs.push(c.dir);
  return { ...c, args: ['--file', c.file, '--no-reconfigure', '--backup-dir', join(c.dir, 'backups')], before: readFileSync(c.file) };
}

const scalr = (file: string, ...path: string[]) => at(loadEffective(file), ['app', 'configuration', 'scalr', ...path])?.value;

describe('set, get, unset and merge after "--"', () => {
  it('set KEY -- VALUE: a string starting with "-"', async () => {
    const c = fresh();
    const r = await runCli([...c.args, 'set', 'crontab.services.rotate.keep.scalr.logentries', '--', '-30 days']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(scalr(c.file, 'crontab', 'services', 'rotate', 'keep', 'scalr', 'logentries')).toBe('-30 days');
  });

  it('options before "--" still apply: --type integer with -5', async () => {
    const c = fresh();
    const w = await runCli([...c.args, 'set', '--type', 'integer', 'system.instances_connection_timeout', '--', '-5']);
    expect(w.code, w.stderr).toBe(EXIT.OK);
    expect(scalr(c.file, 'system', 'instances_connection_timeout')).toBe(-5);
  });

  it('set -- KEY --weird-value: the word after the key is its value, not an option', async () => {
    const c = fresh();
    const r = await runCli([...c.args, '--force', 'set', '--', 'some.new_key', '--weird-value']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(scalr(c.file, 'some', 'new_key')).toBe('--weird-value');
  });

  it('an option after "--" is refused as a key, and nothing is written', async () => {
    const c = fresh();
    const r = await runCli([...c.args, '--json', 'set', 'system.instances_connection_timeout', '--', '-5', '--type', 'integer']);
    expect(expectError(r, { code: 'usage', exit: 'USAGE' }).message).toContain('options go before "--"');
    expect(readFileSync(c.file).equals(c.before)).toBe(true);
  });

  it('"-" after "--" still reads the value from stdin', async () => {
    const c = fresh();
    const r = await runCli([...c.args, 'set', 'aws.instances_connection_policy', '--', '-'], { stdin: 'local\n' });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(scalr(c.file, 'aws', 'instances_connection_policy')).toBe('local');
  });

  it('get -- KEY and unset -- KEY', async () => {
    const c = fresh();
    const got = await runCli([...c.args, 'get', '--json', '--', 'system.instances_connection_timeout']);
    expect(got.code, got.stderr).toBe(EXIT.OK);
    expect(JSON.parse(got.stdout)).toMatchObject({ set: true, value: 10 });
    const missing = await runCli([...c.args, 'get', '--json', '--', '-x']);
    expect(missing.code).toBe(EXIT.NOT_SET);
    expect(JSON.parse(missing.stdout)).toMatchObject({ key: '-x', set: false });
    expect(errorOf(missing)).toMatchObject({ code: 'not-set', exit: 'NOT_SET' });
    const gone = await runCli([...c.args, 'unset', '--', 'system.instances_connection_timeout']);
    expect(gone.code, gone.stderr).toBe(EXIT.OK);
    expect(scalr(c.file, 'system', 'instances_connection_timeout')).toBeUndefined();
  });

  it('merge -- SNIPPET merges it as without "--"', async () => {
    const c = fresh();
    const r = await runCli([...c.args, 'merge', '--', 'proxy[:ssl_enable] = false']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(at(loadEffective(c.file), ['proxy', 'ssl_enable'])?.value).toBe(false);
  });

  it('an unknown option says where a word starting with "-" goes', async () => {
    const c = fresh();
    const r = await runCli([...c.args, 'set', 'system.instances_connection_timeout', '-abc']);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toBe(`scalr-conf: unknown option '-abc' (a key, value or snippet starting with "-" goes after "--")\n`);
    expectError(await runCli([...c.args, '--json', 'set', 'system.instances_connection_timeout', '-abc']), { code: 'usage', exit: 'USAGE' });
    expect(readFileSync(c.file).equals(c.before)).toBe(true);
  });

  it('the history masks a secret given after "--"', async () => {
    const c = fresh();
    const r = await runCli([...c.args, 'set', 'connections.mysql.pass', '--', '-hunter2']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const h = await runCli([...c.args, 'history', '--json']);
    expect(h.code, h.stderr).toBe(EXIT.OK);
    const [entry] = JSON.parse(h.stdout) as { command: string }[];
    expect(entry.command).toMatch(/set connections\.mysql\.pass -- '\*{8}'$/);
    expect(h.stdout).not.toContain('hunter2');
  });
});
