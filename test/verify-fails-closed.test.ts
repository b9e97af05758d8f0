/**
 * A verifier that does not clearly pass blocks the write: stand-in `ruby` programs first on PATH
 * fail in each way a real one can (silent non-zero exit, killed, hung, stray output).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import { liveMembers } from '../src/io/procGroup';
import { runCli } from './support/cli';
import { expectError } from './support/runError';
import { FAKE_CTL, SAMPLE } from './support/tmp';

let dir: string;
let file: string;
let before: Buffer;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scalr-conf-verify-'));
  file = join(dir, 'scalr-server.rb');
  before = readFileSync(SAMPLE);
  writeFileSync(file, before);
  mkdirSync(join(dir, 'bin'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Puts a stand-in `ruby` with this shell body first on PATH and runs a set with it (--json: errors are data). */
async function setWithVerifier(body: string, env: Record<string, string> = {}, script = `#!/bin/sh\n${body}\n`) {
  const ruby = join(dir, 'bin', 'ruby');
  writeFileSync(ruby, script);
  chmodSync(ruby, 0o755);
  return runCli(['set', 'aws.instances_connection_policy', 'local', '--file', file, '--ctl', FAKE_CTL, '--yes', '--json'], {
    env: { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, FAKE_CTL_LOG: join(dir, 'ctl.log'), SCALR_CONF_BACKUP_DIR: join(dir, 'backups'), ...env },
  });
}

/** The run failed verification; what the verifier did is said in its message. */
function expectVerifyFailed(r: Awaited<ReturnType<typeof setWithVerifier>>, detail: RegExp): void {
  expect(expectError(r, { code: 'verify-failed', exit: 'VERIFY_FAILED' }).message).toMatch(detail);
}

function expectNothingWritten(): void {
  expect(readFileSync(file).equals(before)).toBe(true);
  expect(existsSync(join(dir, 'ctl.log'))).toBe(false);
  expect(existsSync(join(dir, 'backups'))).toBe(false);
}

describe('verification fails closed', { timeout: 30_000 }, () => {
  it('a verifier that exits 1 and prints nothing is a failure', async () => {
    const r = await setWithVerifier('cat >/dev/null\nexit 1');
    expectVerifyFailed(r, /ruby -c exited with status 1 and printed nothing/);
    expectNothingWritten();
  });

  it('a verifier killed by a signal is a failure, and what it printed is in the message', async () => {
    const r = await setWithVerifier('cat >/dev/null\necho "Cannot allocate memory" >&2\nkill -9 $$');
    expectVerifyFailed(r, /killed by SIGKILL: Cannot allocate memory/);
    expectNothingWritten();
  });

  it('a verifier that does not finish in time is killed with what it started, and is a failure', async () => {
    const started = Date.now();
    // Not exec'd: the sleep is a child that holds the pipes until the whole group is killed.
    const r = await setWithVerifier(`echo $$ > ${join(dir, 'verifier.pid')}\nsleep 30\necho "Syntax OK"`, { SCALR_CONF_VERIFY_TIMEOUT: '1' });
    expectVerifyFailed(r, /did not finish within 1 s \(\$SCALR_CONF_VERIFY_TIMEOUT\)/);
    expect(Date.now() - started).toBeLessThan(15_000);
    const pgid = Number(readFileSync(join(dir, 'verifier.pid'), 'utf8'));
    // Nothing of its group is left running (a zombie awaiting its reaper counts as ended).
    expect(liveMembers(pgid)).toEqual([]);
    expectNothingWritten();
  });

  it('a verifier that exits 0 but prints something other than "Syntax OK" is a failure', async () => {
    let r = await setWithVerifier('cat >/dev/null\necho "ruby: no Ruby script found in input"\nexit 0');
    expectVerifyFailed(r, /printed ruby: no Ruby script found in input instead of "Syntax OK"/);
    expectNothingWritten();

    r = await setWithVerifier('cat >/dev/null\necho "Syntax OK"\necho "/usr/lib/ruby: [BUG] Segmentation fault" >&2\nexit 0');
    expectVerifyFailed(r, /printed \/usr\/lib\/ruby: \[BUG\] Segmentation fault instead of "Syntax OK"/);
    expectNothingWritten();

    r = await setWithVerifier('cat >/dev/null\nexit 0');
    expectVerifyFailed(r, /printed nothing instead of "Syntax OK"/);
    expectNothingWritten();
  });

  it('a verifier that cannot be run is a failure', async () => {
    const r = await setWithVerifier('exit 0', {}, '#!/nonexistent/interpreter\n');
    expectVerifyFailed(r, /cannot run .*ruby -c: .*ENOENT/);
    expectNothingWritten();
  });

  it('a clean pass, with Ruby parse warnings on stderr, installs the file', async () => {
    const r = await setWithVerifier('cat >/dev/null\necho "Syntax OK"\necho "-:4: warning: key :a is duplicated and overwritten on line 4" >&2\nexit 0');
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(file, 'utf8')).toMatch(/"instances_connection_policy" => "local"/);
    expect(readFileSync(join(dir, 'ctl.log'), 'utf8')).toBe('reconfigure\n');
  });

  it('the real ruby -c passes the edited sample', async () => {
    const r = await runCli(['set', 'aws.instances_connection_policy', 'local', '--file', file, '--ctl', FAKE_CTL, '--yes'], {
      env: { FAKE_CTL_LOG: join(dir, 'ctl.log'), SCALR_CONF_BACKUP_DIR: join(dir, 'backups') },
    });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(file).equals(before)).toBe(false);
  });
});
