/**
 * The collection in ansible_collections/scalr_conf/server, run for real with ansible-playbook
 * against local inventory hosts, each editing its own directory: the settings module on the host
 * (scalr-conf there) and planned on the controller for a host where node cannot be run at all.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli';
import { ansibleEnv, playbook, requireAnsible, type PlaybookRun } from './support/ansible';
import { BIN, FAKE_CTL, ROOT, SAMPLE } from './support/tmp';

const PLAYBOOK = join(ROOT, 'test/ansible/settings-module.yml');
const SECRET = 'hunter2-not-for-logs';
const SETTINGS = {
  'aws.instances_connection_policy': 'local',
  'system.instances_connection_timeout': 15,
  'proxy[:ssl_redirect]': false,
  allowed_clouds: ['ec2', 'gce'],
};
/** host-mode, planned-on-controller with node hidden, and each with a reconfigure that fails. */
const HOSTS = {
  'on-host': { compute: 'host', hideNode: false, ctlExit: 0 },
  'on-controller': { compute: 'controller', hideNode: true, ctlExit: 0 },
  'on-host-failing': { compute: 'host', hideNode: false, ctlExit: 1 },
  'on-controller-failing': { compute: 'controller', hideNode: true, ctlExit: 1 },
} as const;
type Host = keyof typeof HOSTS;
const names = Object.keys(HOSTS) as Host[];

let work: string;
const dir = (h: Host): string => join(work, h);
const file = (h: Host): string => join(dir(h), 'scalr-server.rb');
const ctlLog = (h: Host): string[] => (existsSync(join(dir(h), 'ctl.log')) ? readFileSync(join(dir(h), 'ctl.log'), 'utf8').split('\n').filter(Boolean) : []);
const get = async (h: Host, key: string, local = false): Promise<unknown> =>
  JSON.parse((await runCli(['get', key, '--file', file(h), '--json', '--show-secrets', ...(local ? ['--local'] : ['--main-only'])])).stdout).value;

/**
 * Stands in for scalr-server-ctl and says whether node could be run where it runs: on the host
 * side, next to the host's Python. It exits with FAKE_CTL_EXIT.
 */
const PROBE_CTL = `#!/bin/sh
if node -e 0 >/dev/null 2>&1 || /usr/bin/node -e 0 >/dev/null 2>&1; then echo "node reachable" >> "$PROBE_LOG"; else echo "node unreachable" >> "$PROBE_LOG"; fi
printf '%s\\n' "$*" >> "$PROBE_LOG"
exit "\${FAKE_CTL_EXIT:-0}"
`;

/**
 * The host side's Python in a private mount namespace where every node on PATH (and /usr/bin/node)
 * has an empty, non-executable file mounted over it: nothing on that side can run node.
 */
function pythonWithoutNode(): string {
  const empty = join(work, 'not-node');
  writeFileSync(empty, '', { mode: 0o644 });
  const unshare = process.getuid?.() === 0 ? 'unshare -m' : 'unshare -rm';
  const wrapper = join(work, 'python-without-node');
  writeFileSync(
    wrapper,
    `#!/bin/sh
exec ${unshare} sh -c '
  for d in $(printf %s "$PATH" | tr : " ") /usr/bin /usr/local/bin; do
    if [ -e "$d/node" ]; then mount --bind "$0" "$(readlink -f "$d/node")" || exit 97; fi
  done
  exec /usr/bin/python3 "$@"' '${empty}' "$@"
`,
    { mode: 0o755 },
  );
  return wrapper;
}

function inventory(): string {
  const probe = join(work, 'probe-ctl');
  writeFileSync(probe, PROBE_CTL, { mode: 0o755 });
  chmodSync(probe, 0o755);
  const python = pythonWithoutNode();
  const hosts = Object.fromEntries(
    names.map((h) => {
      mkdirSync(dir(h));
      copyFileSync(SAMPLE, file(h));
      const { compute, hideNode, ctlExit } = HOSTS[h];
      return [
        h,
        {
          compute,
          dir: dir(h),
          ctl: probe,
          env: { PROBE_LOG: join(dir(h), 'ctl.log'), FAKE_CTL_EXIT: String(ctlExit) },
          ...(hideNode ? { ansible_python_interpreter: python } : {}),
        },
      ];
    }),
  );
  const inv = join(work, 'inventory.json');
  const vars = {
    ansible_connection: 'local',
    scalr_conf_bin: BIN,
    settings: SETTINGS,
    secrets: { 'connections.mysql.pass': SECRET },
    unset: ['connections.ldap.port'],
    local_settings: { 'system.instances_connection_timeout': 30 },
  };
  writeFileSync(inv, JSON.stringify({ all: { hosts, vars } }));
  return inv;
}

describe('scalr_conf.server.settings', () => {
  let inv: string;
  const sample = readFileSync(SAMPLE);

  beforeAll(() => {
    requireAnsible();
    work = mkdtempSync(join(tmpdir(), 'scalr-conf-collection-'));
    inv = inventory();
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  let check: PlaybookRun;
  let apply: PlaybookRun;
  const written = new Map<Host, Buffer>();

  it('check mode with --diff shows the masked diff and changes nothing on any host', async () => {
    check = await playbook(PLAYBOOK, inv, work, ['--check', '--diff']);
    expect(check.code, check.output).toBe(0);
    for (const h of names) {
      expect(check.stats[h], h + check.output).toMatchObject({ changed: 2, failures: 0, unreachable: 0 });
      const main = check.result('main file', h)!;
      expect(main).toMatchObject({ changed: true, reconfigured: false, pending_reconfigure: true });
      const diff = (main.diff as { prepared: string }).prepared;
      expect(diff).toContain(`--- a${file(h)}`);
      expect(diff).toContain('+      "instances_connection_timeout" => 15,');
      expect(diff).toContain('-        "port" => 389,');
      expect(diff).toContain('"pass" => "********"');
      expect(check.result('local file', h)!.diff).toBeDefined();
      expect(readFileSync(file(h)).equals(sample)).toBe(true);
      expect(readdirSync(dir(h))).toEqual(['scalr-server.rb']);
    }
    expect(check.output).not.toContain(SECRET);
  }, 120_000);

  it('applies: one write, one backup and one reconfigure per host; values as Ruby reads them; secrets never printed', async () => {
    apply = await playbook(PLAYBOOK, inv, work);
    expect(apply.code, apply.output).not.toBe(0);
    expect(apply.output).not.toContain(SECRET);
    for (const h of ['on-host', 'on-controller'] as const) {
      expect(apply.stats[h], h + apply.output).toMatchObject({ changed: 2, failures: 0 });
      const main = apply.result('main file', h)!;
      expect(main).toMatchObject({ changed: true, reconfigured: true, pending_reconfigure: false });
      // The main file's backups, in scalr-conf's layout whichever side wrote them, so `history` lists them.
      const history = JSON.parse((await runCli(['history', '--file', file(h), '--backup-dir', join(dir(h), 'backups'), '--json'])).stdout);
      expect(history.map((b: { id: string }) => b.id)).toEqual([main.backup]);
      const bak = readdirSync(join(dir(h), 'backups')).map((sub) => join(dir(h), 'backups', sub, `${main.backup}.bak`)).filter((p) => existsSync(p));
      expect(bak).toHaveLength(1);
      expect(readFileSync(bak[0]).equals(sample)).toBe(true);
      expect(apply.result('local file', h)).toMatchObject({ changed: true, reconfigured: false, pending_reconfigure: true });
      expect(await get(h, 'aws.instances_connection_policy')).toBe('local');
      expect(await get(h, 'system.instances_connection_timeout')).toBe(15);
      expect(await get(h, 'system.instances_connection_timeout', true)).toBe(30);
      expect(await get(h, 'proxy[:ssl_redirect]')).toBe(false);
      expect(await get(h, 'allowed_clouds')).toEqual(['ec2', 'gce']);
      expect(await get(h, 'connections.mysql.pass')).toBe(SECRET);
      expect((await runCli(['get', 'connections.ldap.port', '--file', file(h)])).code).toBe(4);
      written.set(h, readFileSync(file(h)));
    }
    // Both modes write the same bytes.
    expect(written.get('on-controller')!.equals(written.get('on-host')!)).toBe(true);
  }, 120_000);

  it('the controller mode ran nothing that could reach node on the host side; host mode could', () => {
    expect(ctlLog('on-controller')).toEqual(['node unreachable', 'reconfigure']);
    expect(ctlLog('on-controller-failing')).toEqual(['node unreachable', 'reconfigure']);
    expect(ctlLog('on-host')).toEqual(['node reachable', 'reconfigure']);
  });

  it('a failing reconfigure fails the host with scalr-conf\'s code and message; the file was written and waits for reconfigure', async () => {
    for (const h of ['on-host-failing', 'on-controller-failing'] as const) {
      expect(apply.stats[h]).toMatchObject({ failures: 1 });
      const main = apply.result('main file', h)!;
      expect(main, h).toMatchObject({ failed: true, changed: true, code: 'RECONFIGURE_FAILED', exit_code: 5, reconfigured: false, pending_reconfigure: true });
      expect(main.msg).toMatch(/^scalr-conf RECONFIGURE_FAILED \(exit 5\): .*was written, but scalr-server-ctl reconfigure failed \(exit 1\)/);
      expect(typeof main.backup).toBe('string');
      expect(await get(h, 'system.instances_connection_timeout')).toBe(15);
      expect(apply.result('local file', h)).toBeUndefined();
    }
  });

  it('a second run changes nothing and reconfigures nothing', async () => {
    const again = await playbook(PLAYBOOK, inv, work);
    expect(again.output).not.toContain(SECRET);
    for (const h of ['on-host', 'on-controller'] as const) {
      expect(again.stats[h], h + again.output).toMatchObject({ changed: 0, failures: 0 });
      expect(again.result('main file', h)).toMatchObject({ changed: false, pending_reconfigure: false });
      expect(readFileSync(file(h)).equals(written.get(h)!)).toBe(true);
      expect(ctlLog(h)).toHaveLength(2);
    }
  }, 120_000);

  it('a file changed on the host after it was read is not replaced (compare-and-swap)', async () => {
    // The host side alone, given an edit planned from bytes the file no longer has.
    const h = 'on-controller';
    const before = readFileSync(file(h));
    const r = spawnSync(
      'ansible',
      ['all', '-i', 'localhost,', '-c', 'local', '-m', 'scalr_conf.server.settings_file', '-a', JSON.stringify({ path: file(h), state: 'replace', content: Buffer.from('x = 1\n').toString('base64'), expected_sha256: 'f'.repeat(64), reconfigure: false })],
      { env: { ...ansibleEnv(work), ANSIBLE_STDOUT_CALLBACK: 'minimal', ANSIBLE_LOAD_CALLBACK_PLUGINS: '1' }, encoding: 'utf8' },
    );
    expect(r.status, r.stdout + r.stderr).not.toBe(0);
    expect(r.stdout).toContain('CHANGED_ON_DISK');
    expect(readFileSync(file(h)).equals(before)).toBe(true);
  }, 60_000);
});

/**
 * scalr-conf proves an edit against scalr-server-local.rb and scalr-server-secrets.json too, so
 * planned on the controller it must see the host's copies of them, not the controller's own
 * /etc/scalr-server. Each case runs in both modes, which must agree.
 */
describe('compute: controller proves the edit against the host\'s local and secrets files', () => {
  const JSON_SECRET = 'from-the-hosts-secrets-json';
  const LOCAL_RB = 'app[:configuration]["scalr"]["system"]["instances_connection_timeout"] = 99\n';
  const CASES = {
    'local-overrides': { settings: { 'system.instances_connection_timeout': 15 }, secrets: {}, local: LOCAL_RB, secretsJson: undefined },
    'secrets-hold': { settings: {}, secrets: { 'mysql[:scalr_password]': 'new-password' }, local: undefined, secretsJson: { mysql: { scalr_password: JSON_SECRET } } },
  } as const;
  const MODES = ['host', 'controller'] as const;
  let base: string;
  let run: PlaybookRun;
  const hostDir = (c: keyof typeof CASES, mode: string) => join(base, `${c}-${mode}`);
  const sample = readFileSync(SAMPLE);

  beforeAll(async () => {
    requireAnsible();
    base = mkdtempSync(join(tmpdir(), 'scalr-conf-layers-'));
    const probe = join(base, 'probe-ctl');
    writeFileSync(probe, PROBE_CTL, { mode: 0o755 });
    const hosts: Record<string, object> = {};
    for (const [c, spec] of Object.entries(CASES) as [keyof typeof CASES, (typeof CASES)[keyof typeof CASES]][]) {
      for (const mode of MODES) {
        const d = hostDir(c, mode);
        mkdirSync(d);
        copyFileSync(SAMPLE, join(d, 'scalr-server.rb'));
        if (spec.local) writeFileSync(join(d, 'scalr-server-local.rb'), spec.local);
        if (spec.secretsJson) writeFileSync(join(d, 'scalr-server-secrets.json'), JSON.stringify(spec.secretsJson), { mode: 0o600 });
        hosts[`${c}-${mode}`] = { compute: mode, dir: d, ctl: probe, env: { PROBE_LOG: join(d, 'ctl.log') }, settings: spec.settings, secrets: spec.secrets };
      }
    }
    const inv = join(base, 'inventory.json');
    writeFileSync(inv, JSON.stringify({ all: { hosts, vars: { ansible_connection: 'local', scalr_conf_bin: BIN, unset: [], local_settings: {} } } }));
    run = await playbook(PLAYBOOK, inv, base);
  }, 120_000);
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('a main-file set the host\'s scalr-server-local.rb overrides is refused, naming that file', () => {
    for (const mode of MODES) {
      const d = hostDir('local-overrides', mode);
      const main = run.result('main file', `local-overrides-${mode}`)!;
      expect(main, mode + run.output).toMatchObject({ failed: true, changed: false, code: 'REFUSED', exit_code: 3 });
      expect(main.msg).toContain(`${join(d, 'scalr-server-local.rb')} line 1 sets system.instances_connection_timeout, and reconfigure reads it after ${join(d, 'scalr-server.rb')}`);
      expect(readFileSync(join(d, 'scalr-server.rb')).equals(sample)).toBe(true);
      expect(existsSync(join(d, 'ctl.log'))).toBe(false);
    }
  });

  it('a key the host\'s scalr-server-secrets.json holds is refused, naming that file; neither secret is printed', () => {
    for (const mode of MODES) {
      const d = hostDir('secrets-hold', mode);
      const main = run.result('main file', `secrets-hold-${mode}`)!;
      expect(main, mode + run.output).toMatchObject({ failed: true, changed: false, code: 'REFUSED', exit_code: 3 });
      expect(main.msg).toContain(`mysql[:scalr_password] is decided by ${join(d, 'scalr-server-secrets.json')}`);
      expect(readFileSync(join(d, 'scalr-server.rb')).equals(sample)).toBe(true);
      expect(existsSync(join(d, 'ctl.log'))).toBe(false);
    }
    expect(run.output).not.toContain(JSON_SECRET);
    expect(run.output).not.toContain('new-password');
  });
});

/**
 * show reads what reconfigure reads: the secrets JSON over scalr-server.rb, and (main_only: false)
 * scalr-server-local.rb after it. Planned on the controller it must show the same as on the host,
 * from copies of all three of the host's files.
 */
describe('scalr_conf.server.show, on the host and with compute: controller', () => {
  const JSON_SECRET = 'show-me-not-from-the-json';
  const MODES = ['host', 'controller'] as const;
  let base: string;
  let run: PlaybookRun;
  const hostDir = (mode: string) => join(base, `show-${mode}`);

  beforeAll(async () => {
    requireAnsible();
    base = mkdtempSync(join(tmpdir(), 'scalr-conf-show-'));
    const hosts: Record<string, object> = {};
    for (const mode of MODES) {
      const d = hostDir(mode);
      mkdirSync(d);
      copyFileSync(SAMPLE, join(d, 'scalr-server.rb'));
      writeFileSync(join(d, 'scalr-server-local.rb'), 'app[:configuration]["scalr"]["system"]["instances_connection_timeout"] = 99\n');
      writeFileSync(join(d, 'scalr-server-secrets.json'), JSON.stringify({ mysql: { scalr_password: JSON_SECRET } }), { mode: 0o600 });
      hosts[`show-${mode}`] = { compute: mode, dir: d };
    }
    const inv = join(base, 'inventory.json');
    writeFileSync(inv, JSON.stringify({ all: { hosts, vars: { ansible_connection: 'local', scalr_conf_bin: BIN } } }));
    run = await playbook(join(ROOT, 'test/ansible/show-module.yml'), inv, base);
  }, 120_000);
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('shows the value the host\'s scalr-server-secrets.json decides, naming that file, never printing it', async () => {
    expect(run.code, run.output).toBe(0);
    const digest = (mode: string) => (run.result('scalr-server.rb', `show-${mode}`)!.digests as Record<string, string>)['mysql[:scalr_password]'];
    for (const mode of MODES) {
      const d = hostDir(mode);
      const r = run.result('scalr-server.rb', `show-${mode}`)!;
      expect((r.files as Record<string, string>)['mysql[:scalr_password]'], mode).toBe(join(d, 'scalr-server-secrets.json'));
      expect((r.settings as Record<string, unknown>)['mysql[:scalr_password]']).toBe('********');
      // main_only: the local file's value is not shown; the main file's is.
      expect((r.settings as Record<string, unknown>)['system.instances_connection_timeout']).toBe(10);
      expect((r.files as Record<string, string>)['system.instances_connection_timeout']).toBe(join(d, 'scalr-server.rb'));
    }
    expect(digest('controller')).toBe(digest('host'));
    // The digest is the JSON's value's, not the main file's.
    const main = await runCli(['show', '--all', '--main-only', '--json', '--show-secrets', '--file', join(hostDir('host'), 'scalr-server.rb')]);
    expect(JSON.parse(main.stdout)['mysql[:scalr_password]'].value).toBe(JSON_SECRET);
    expect(run.output).not.toContain(JSON_SECRET);
  });

  it('with main_only: false shows what the host\'s scalr-server-local.rb decides, naming that file', () => {
    for (const mode of MODES) {
      const d = hostDir(mode);
      const r = run.result('what Scalr uses', `show-${mode}`)!;
      expect((r.settings as Record<string, unknown>)['system.instances_connection_timeout'], mode + run.output).toBe(99);
      expect((r.files as Record<string, string>)['system.instances_connection_timeout']).toBe(join(d, 'scalr-server-local.rb'));
      expect((r.files as Record<string, string>)['mysql[:scalr_password]']).toBe(join(d, 'scalr-server-secrets.json'));
    }
    const digests = (mode: string) => run.result('what Scalr uses', `show-${mode}`)!.digests;
    expect(digests('controller')).toEqual(digests('host'));
  });

  it('a host file that cannot be parsed fails with scalr-conf\'s message, naming the host\'s file', async () => {
    const d = hostDir('controller');
    writeFileSync(join(d, 'scalr-server-local.rb'), 'app[:configuration] = { "scalr" =>\n');
    const inv = join(base, 'broken.json');
    writeFileSync(inv, JSON.stringify({ all: { hosts: { 'show-controller': { compute: 'controller', dir: d } }, vars: { ansible_connection: 'local', scalr_conf_bin: BIN } } }));
    const r = await playbook(join(ROOT, 'test/ansible/show-module.yml'), inv, base);
    expect(r.code).not.toBe(0);
    // scalr-server.rb alone shows; with the local file, its syntax error is the host's file's.
    expect(r.result('scalr-server.rb', 'show-controller')).toMatchObject({ changed: false });
    const failed = r.result('what Scalr uses', 'show-controller')!;
    expect(failed).toMatchObject({ failed: true, code: 'REFUSED', exit_code: 3 });
    expect(failed.msg).toContain(join(d, 'scalr-server-local.rb'));
    // Not the controller's copy (scalr-conf-show-XXXXXX/scalr-server-local.rb).
    expect(failed.msg).not.toMatch(/scalr-conf-show-\w+\/scalr-server-local\.rb/);
  }, 120_000);
});

describe('scalr_conf.server.settings_file replace, as controller mode calls it', () => {
  let d: string;
  const main = () => join(d, 'scalr-server.rb');
  const local = () => join(d, 'scalr-server-local.rb');
  const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
  const replaceLocal = (extra: object, wrap: string[] = []) => {
    const args = { path: local(), like: main(), state: 'replace', content: Buffer.from('x = 1\n').toString('base64'), expected_sha256: 'absent', reconfigure: false, backups: 0, wait: 0, ...extra };
    const argv = ['ansible', 'all', '-i', 'localhost,', '-c', 'local', '-m', 'scalr_conf.server.settings_file', '-a', JSON.stringify(args)];
    const cmd = [...wrap, ...argv];
    return spawnSync(cmd[0], cmd.slice(1), { env: { ...ansibleEnv(d), ANSIBLE_STDOUT_CALLBACK: 'minimal', ANSIBLE_LOAD_CALLBACK_PLUGINS: '1' }, encoding: 'utf8' });
  };

  beforeAll(() => {
    requireAnsible();
    d = mkdtempSync(join(tmpdir(), 'scalr-conf-settings-file-'));
    copyFileSync(SAMPLE, main());
    writeFileSync(join(d, 'scalr-server-secrets.json'), '{"mysql": {"scalr_password": "s"}}', { mode: 0o600 });
  });
  afterAll(() => rmSync(d, { recursive: true, force: true }));

  it('a file the edit was proved against that changed since it was read fails CHANGED_ON_DISK; nothing is written', () => {
    const secrets = join(d, 'scalr-server-secrets.json');
    const r = replaceLocal({ layers: { [main()]: sha(main()), [secrets]: 'f'.repeat(64) } });
    expect(r.status, r.stdout + r.stderr).not.toBe(0);
    expect(r.stdout).toContain('CHANGED_ON_DISK');
    expect(r.stdout).toContain(`${secrets} changed on the host since the edit was planned against it`);
    expect(existsSync(local())).toBe(false);
    const ok = replaceLocal({ layers: { [main()]: sha(main()), [secrets]: sha(secrets) } });
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(readFileSync(local(), 'utf8')).toBe('x = 1\n');
    rmSync(local());
  }, 60_000);

  it('an edit of scalr-server-local.rb waits for the lock scalr-conf takes for both files: the main file\'s', () => {
    const r = replaceLocal({}, ['flock', '-o', join(d, '.scalr-server.rb.scalr-conf.lock')]);
    expect(r.status, r.stdout + r.stderr).not.toBe(0);
    expect(r.stdout).toContain('BUSY');
    expect(existsSync(local())).toBe(false);
  }, 60_000);
});

describe('ansible-doc', () => {
  it.each([
    ['settings', ['settings', 'secrets', 'unset', 'file', 'local', 'reconfigure', 'force', 'allow_overridden', 'backup_dir', 'scalr_conf', 'compute', 'ctl', 'rollback_on_failure']],
    ['settings_file', ['path', 'state', 'content', 'expected_sha256', 'like', 'layers', 'summary', 'backup_dir', 'backups', 'ruby', 'reconfigure', 'ctl', 'rollback_on_failure', 'wait']],
    ['show', ['file', 'scalr_conf', 'compute', 'main_only']],
  ])('documents scalr_conf.server.%s: options, examples and return values', (module, options) => {
    const home = mkdtempSync(join(tmpdir(), 'scalr-conf-doc-'));
    try {
      const r = spawnSync('ansible-doc', ['-t', 'module', '--json', `scalr_conf.server.${module}`], { env: ansibleEnv(home), encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout)[`scalr_conf.server.${module}`];
      expect(Object.keys(doc.doc.options).sort()).toEqual([...options].sort());
      expect(doc.examples).toContain(`scalr_conf.server.${module === 'settings_file' ? 'settings_file' : module}:`);
      expect(Object.keys(doc.return ?? {}).length).toBeGreaterThan(0);
      const text = spawnSync('ansible-doc', ['-t', 'module', `scalr_conf.server.${module}`], { env: ansibleEnv(home), encoding: 'utf8' });
      expect(text.status, text.stderr).toBe(0);
      expect(text.stdout).toContain(`SCALR_CONF.SERVER.${module.toUpperCase()}`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);
});
