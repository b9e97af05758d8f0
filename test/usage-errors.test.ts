import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from './support/cli';
import { errorOf, expectError } from './support/runError';
import { EXIT } from '../src/app/exitCodes';

const FILE_TEXT = `app[:configuration] = {
  "scalr" => {
    "aws" => { "instances_connection_policy" => "local" },
    "myorg" => { "feature_flag" => true },
  },
}
proxy[:ssl_enable] = false
`;

const root = mkdtempSync(join(tmpdir(), 'scalr-usage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A fresh file per run; its path comes from $SCALR_CONF_FILE so that argv is exactly the case's. */
function fresh(): { file: string; env: NodeJS.ProcessEnv } {
  const dir = join(root, `case-${++n}`);
  mkdirSync(dir);
  const file = join(dir, 'scalr-server.rb');
  writeFileSync(file, FILE_TEXT);
  return { file, env: { SCALR_CONF_FILE: file, SCALR_CONF_BACKUP_DIR: join(dir, 'backups') } };
}

function lines(s: string): string[] {
  return s.split('\n').filter((l) => l !== '');
}

/** One line on stderr, no stack trace, file untouched. */
function expectOneLine(r: CliRun, what: string): string {
  const err = lines(r.stderr);
  expect(err, `${what}: ${r.stderr}`).toHaveLength(1);
  expect(r.stderr, what).not.toMatch(/^\s+at /m);
  expect(r.stderr, what).not.toMatch(/Usage:|Options:/);
  return err[0];
}

// [argv, the fact the one line must tell: what is wrong or the way out]
const USAGE: [string[], RegExp][] = [
  [[], /scalr-conf --help/],
  [['frob'], /'frob'/],
  [['gett', 'aws.x'], /did you mean get\?/],
  [['sho'], /did you mean show\?/],
  [['hisotry'], /did you mean history\?/],
  [['help', 'frob'], /'frob'/],
  [['help', 'sett'], /did you mean set\?/],
  [['aws'], /scalr-conf aws --help/],
  [['aws', 'frob'], /'frob'/],
  [['aws', 'help', 'iam-polcy'], /did you mean iam-policy\?/],
  [['--bogus', 'get', 'aws.x'], /'--bogus' .*goes after "--"/],
  [['get', '--bogus', 'aws.x'], /'--bogus' .*goes after "--"/],
  [['--jsn', 'get', 'aws.x'], /did you mean --json\?/],
  [['get', 'aws.x', '--dryrun'], /did you mean --dry-run\?/],
  [['get'], /argument 'key'/],
  [['get', 'a', 'b'], /too many arguments/],
  [['set'], /argument 'key'/],
  [['set', 'aws.instances_connection_policy'], /has no value/],
  [['set', 'myorg.a', '1', 'myorg.b'], /myorg\.b has no value/],
  [['set', 'aws.instances_connection_policy', 'local', '--unset'], /--unset/],
  [['unset'], /argument 'keys'/],
  [['merge'], /argument 'snippet'/],
  [['explain'], /argument 'key'/],
  [['--file'], /--file <path>/],
  [['--wait'], /--wait/],
  [['--type', 'bad', 'set', 'myorg.a', 'b'], /'bad'.*string, integer/],
  [['--color', 'sometimes', 'show'], /'sometimes'.*auto, always, never/],
  [['completion'], /argument 'shell'/],
  [['completion', 'fish'], /'fish'.*bash, zsh/],
  [['history', 'show'], /argument 'id'/],
  [['history', 'frob'], /too many arguments/],
  [['restore', 'a', 'b'], /too many arguments/],
  [['get', 'proxy['], /group\[:name\]/],
  [['get', 'nosuchgroup[:x]'], /"nosuchgroup"/],
  [['get', 'aws..x'], /empty segment/],
  [['--file', '-', 'get', 'aws.x'], /set, unset, merge/],
];

describe('usage errors: exit 2, one line on stderr', () => {
  it.each(USAGE)('%j', async (argv, message) => {
    const { file, env } = fresh();
    const r = await runCli(argv, { env });
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(expectOneLine(r, argv.join(' '))).toMatch(/^scalr-conf: /);
    expect(readFileSync(file, 'utf8')).toBe(FILE_TEXT);
  });

  it('with --json, each is one line of JSON: code usage, and the message tells the fact', async () => {
    for (const [argv, message] of USAGE) {
      const { file, env } = fresh();
      const r = await runCli(['--json', ...argv], { env });
      expectOneLine(r, argv.join(' '));
      const error = expectError(r, { code: 'usage', exit: 'USAGE' });
      expect(error.message, argv.join(' ')).toMatch(message);
      expect(readFileSync(file, 'utf8')).toBe(FILE_TEXT);
    }
  });

  it('other errors are one line too: a missing file, a syntax error', async () => {
    const { env, file } = fresh();
    const missingArgs = ['get', 'aws.instances_connection_policy'];
    const missingEnv = { ...env, SCALR_CONF_FILE: file + '.none' };
    const missing = await runCli(missingArgs, { env: missingEnv });
    expect(missing.code).toBe(EXIT.REFUSED);
    expectOneLine(missing, 'missing file');
    expectError(await runCli([...missingArgs, '--json'], { env: missingEnv }), { code: 'unreadable', exit: 'REFUSED' });
    writeFileSync(file, 'app[:configuration] = {\n');
    const brokenArgs = ['set', 'aws.instances_connection_policy', 'public', '--dry-run'];
    const broken = await runCli(brokenArgs, { env });
    expect(broken.code).toBe(EXIT.REFUSED);
    expectOneLine(broken, 'syntax error');
    expectError(await runCli([...brokenArgs, '--json'], { env }), { code: 'syntax', exit: 'REFUSED', file, line: 1 });
  });
});

describe('did you mean, for every command that takes a key', () => {
  const KNOWN = /did you mean aws\.instances_connection_policy\?/;
  const IN_FILE = /did you mean myorg\.feature_flag\?/;
  // [argv, exit, what the one line on stderr says]
  const CASES: [string[], number, RegExp][] = [
    [['get', 'aws.instances_conection_policy'], EXIT.NOT_SET, KNOWN],
    [['get', 'myorg.feature_flga'], EXIT.NOT_SET, IN_FILE],
    [['set', 'aws.instances_conection_policy', 'local', '--dry-run'], EXIT.USAGE, /unknown key aws\.instances_conection_policy: did you mean aws\.instances_connection_policy\? \(--force/],
    [['set', 'myorg.a', 'x', '--unset', 'aws.instances_conection_policy', '--dry-run'], EXIT.USAGE, KNOWN],
    [['set', 'aws.instances_conection_policy'], EXIT.USAGE, KNOWN],
    [['unset', 'aws.instances_conection_policy', '--dry-run'], EXIT.USAGE, /cannot unset aws\.instances_conection_policy: it is not set; did you mean aws\.instances_connection_policy\?/],
    [['unset', 'myorg.feature_flga', '--dry-run'], EXIT.USAGE, IN_FILE],
    [['explain', 'aws.instances_conection_policy'], EXIT.USAGE, KNOWN],
    [['explain', 'myorg.feature_flga'], EXIT.USAGE, IN_FILE],
    [['explain', 'proxy[:ssl_enabel]'], EXIT.USAGE, /did you mean proxy\[:ssl_enable\]\?/],
    [['show', 'myorg.feature_flga'], EXIT.OK, /warning: nothing is set under myorg\.feature_flga in .*; did you mean myorg\.feature_flag\?/],
    [['show', 'awz'], EXIT.OK, /did you mean aws\?/],
    [['merge', 'app[:configuration] = { "scalr" => { "aws" => { "instances_conection_policy" => "local" } } }', '--dry-run'], EXIT.USAGE, KNOWN],
    [['keys', 'connections.ldapp'], EXIT.USAGE, /did you mean connections\.ldap/],
  ];

  it.each(CASES)('%j', async (argv, exit, message) => {
    const { file, env } = fresh();
    const r = await runCli(argv, { env });
    expect(r.code, r.stderr).toBe(exit);
    const line = expectOneLine(r, argv.join(' '));
    if (exit === EXIT.OK) {
      // A warning on a run that succeeds: its text is all there is.
      expect(line).toMatch(message);
    } else {
      const j = await runCli([...argv, '--json'], { env });
      // get prints {"set": false} on stdout as well, so only the error line is read here.
      const error = exit === EXIT.NOT_SET ? errorOf(j) : expectError(j, { code: 'usage' });
      expect(j.code, j.stderr).toBe(exit);
      expect(error.code).toBe(exit === EXIT.NOT_SET ? 'not-set' : 'usage');
      expect(error.message).toMatch(message);
    }
    expect(readFileSync(file, 'utf8')).toBe(FILE_TEXT);
  });

  it('guided set of a misspelt key says so before offering anything', async () => {
    const { env } = fresh();
    let offered = 0;
    const r = await runCli(['set', 'aws.instances_conection_policy', '--json'], { env, tty: true, choose: async () => (offered++, 'local') });
    expect(expectError(r, { code: 'usage', exit: 'USAGE' }).message).toMatch(KNOWN);
    expect(offered).toBe(0);
  });

  it('a set or merge of a new key close to one in the file is written, with the hint in its warning', async () => {
    for (const argv of [
      ['set', 'myorg.feature_flga', 'true', '--type', 'boolean', '--dry-run'],
      ['merge', 'app[:configuration] = { "scalr" => { "myorg" => { "feature_flga" => true } } }', '--dry-run'],
    ]) {
      const { env } = fresh();
      const r = await runCli(argv, { env });
      expect(r.code, r.stderr).toBe(EXIT.OK);
      expect(expectOneLine(r, argv[0])).toMatch(/^scalr-conf: warning: myorg\.feature_flga .*not a setting scalr-conf knows.*; did you mean myorg\.feature_flag\?$/);
      expect(r.stdout).toContain('+    "myorg" => { "feature_flag" => true, "feature_flga" => true },');
    }
  });

  it('no hint where none is due: a key that is set, a known key not set, a new key far from all', async () => {
    const { env } = fresh();
    const set = await runCli(['get', 'myorg.feature_flag'], { env });
    expect([set.code, set.stderr]).toEqual([EXIT.OK, '']);
    const known = await runCli(['get', 'gce.instances_connection_policy', '--json'], { env });
    expect(known.code).toBe(EXIT.NOT_SET);
    const error = errorOf(known);
    expect(error.code).toBe('not-set');
    expect(error.message).not.toContain('did you mean');
    const far = await runCli(['unset', 'myorg.something_else', '--dry-run'], { env });
    expect(far.code).toBe(EXIT.OK);
    expect(far.stdout).toContain('nothing to change');
    const aws = await runCli(['show', 'gce'], { env });
    expect([aws.code, aws.stderr]).toEqual([EXIT.OK, '']);
  });

  it('--force goes on: unset of a misspelt key changes nothing', async () => {
    const { file, env } = fresh();
    const r = await runCli(['unset', 'aws.instances_conection_policy', '--force', '--dry-run'], { env });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toContain('nothing to change');
    expect(readFileSync(file, 'utf8')).toBe(FILE_TEXT);
  });
});
