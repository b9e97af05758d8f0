/**
 * get and show print what Scalr uses: scalr-server.rb, then scalr-server-local.rb, then the
 * secrets JSON and reconfigure's own steps, with Ruby's pipeline as the oracle; --main-only reads
 * scalr-server.rb as it stands, as a fleet compares it.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import { runCli } from './support/cli';
import { errorOf, expectError } from './support/runError';
import { loadUses, requireRuby } from './support/ruby';
import { configDir } from './support/tmp';

const MAIN = 'app[:configuration] = { "scalr" => { "auth_mode" => "ldap", "connections" => { "ldap" => { "host" => "a.example.com" } } } }\n';
const LOCAL = 'app[:configuration]["scalr"]["auth_mode"] = "scalr"\n';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function files(local?: string) {
  const { dir, file } = configDir(MAIN);
  dirs.push(dir);
  if (local !== undefined) writeFileSync(join(dir, 'scalr-server-local.rb'), local);
  return { dir, file, local: join(dir, 'scalr-server-local.rb') };
}

describe('get and show with scalr-server-local.rb', () => {
  it('get prints the value the local file decides, as Ruby does, and says so on stderr', async () => {
    requireRuby();
    const f = files(LOCAL);
    const ruby = loadUses({ main: MAIN, local: LOCAL });
    const scalr = (ruby.configuration as Record<string, Record<string, unknown>>).scalr;
    const r = await runCli(['get', 'auth_mode', '--file', f.file]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toBe(`${scalr.auth_mode}\n`);
    expect(r.stderr).toBe(`scalr-conf: note: auth_mode is decided by ${f.local}:1, which reconfigure reads after ${f.file}\n`);
    const j = JSON.parse((await runCli(['get', 'auth_mode', '--file', f.file, '--json'])).stdout);
    expect(j).toEqual({ key: 'auth_mode', set: true, value: 'scalr', file: f.local, line: 1 });
    // A value only the main file sets is still the main file's, without a note.
    const host = await runCli(['get', 'connections.ldap.host', '--file', f.file]);
    expect([host.stdout, host.stderr]).toEqual([`${(scalr.connections as Record<string, Record<string, unknown>>).ldap.host}\n`, '']);
  });

  it('--main-only gives what scalr-server.rb alone holds', async () => {
    const f = files(LOCAL);
    const r = await runCli(['get', 'auth_mode', '--main-only', '--file', f.file]);
    expect([r.code, r.stdout, r.stderr]).toEqual([EXIT.OK, 'ldap\n', '']);
    const s = JSON.parse((await runCli(['show', '--main-only', '--json', '--file', f.file])).stdout);
    expect(s.auth_mode).toEqual({ value: 'ldap', file: f.file, line: 1 });
    const both = await runCli(['get', 'auth_mode', '--main-only', '--local', '--file', f.file, '--json']);
    expectError(both, { code: 'usage', exit: 'USAGE' });
  });

  it('show lists every value Scalr uses, each with the file that decides it', async () => {
    const f = files(LOCAL);
    const r = await runCli(['show', '--json', '--file', f.file]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(JSON.parse(r.stdout)).toEqual({
      auth_mode: { value: 'scalr', file: f.local, line: 1 },
      'connections.ldap.host': { value: 'a.example.com', file: f.file, line: 1 },
    });
    expect(r.stderr).toContain(`1 of these values is decided by ${f.local}`);
  });

  it('a key set nowhere names both files', async () => {
    const f = files(LOCAL);
    const r = await runCli(['get', 'aws.ip_pool', '--file', f.file]);
    expect(r.code).toBe(EXIT.NOT_SET);
    expect(r.stderr).toContain(`aws.ip_pool is not set in ${f.file} or ${f.local}`);
    const j = await runCli(['get', 'aws.ip_pool', '--file', f.file, '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ set: false });
    expect(errorOf(j)).toMatchObject({ code: 'not-set', exit: 'NOT_SET' });
  });

  it('--local still gives only what scalr-server-local.rb decides', async () => {
    const f = files(LOCAL);
    expect((await runCli(['--local', 'get', 'auth_mode', '--file', f.file])).stdout).toBe('scalr\n');
    const mainOnly = await runCli(['--local', 'get', 'connections.ldap.host', '--file', f.file, '--json']);
    expect(mainOnly.code).toBe(EXIT.NOT_SET);
    expect(errorOf(mainOnly)).toMatchObject({ code: 'not-set', exit: 'NOT_SET' });
  });
});
