/**
 * The shipped playbook (docs/ansible/playbook.yml, the collection's fleet role) against a local
 * multi-node "Scalr": each inventory host has its own directory, and the scalr-server-ctl stand-in
 * records in one shared log when each node's reconfigure starts and ends.
 */
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli';
import { playbook, requireAnsible, type PlaybookRun } from './support/ansible';
import { BIN, ROOT, SAMPLE } from './support/tmp';

const PLAYBOOK = join(ROOT, 'docs/ansible/playbook.yml');
const SECRET = 'scalr-db-pass-not-for-logs';
const SETTINGS = {
  'aws.instances_connection_policy': 'local',
  'system.instances_connection_timeout': 15,
  'proxy[:ssl_redirect]': false,
  allowed_clouds: ['ec2', 'gce'],
};
// Listed against Scalr's order on purpose: the playbook, not the inventory, decides it.
const GROUPS = { scalr_proxy: ['proxy-1'], scalr_app: ['app-1', 'app-2'], scalr_database: ['db-1'] };
const HOSTS = Object.values(GROUPS).flat();

/** Stands in for scalr-server-ctl: a reconfigure that takes a moment, logged at its start and end. */
const ORDER_CTL = `#!/bin/sh
printf 'start %s %s\\n' "$NODE" "$*" >> "$ORDER_LOG"
sleep 0.3
printf 'end %s\\n' "$NODE" >> "$ORDER_LOG"
`;

function fleet(work: string, name: string, hostVars: Record<string, object> = {}): { inv: string; file: (h: string) => string; log: () => string[] } {
  const base = join(work, name);
  const file = (h: string): string => join(base, h, 'scalr-server.rb');
  const orderLog = join(base, 'order.log');
  const ctl = join(base, 'scalr-server-ctl');
  mkdirSync(base);
  writeFileSync(ctl, ORDER_CTL, { mode: 0o755 });
  const host = (h: string) => {
    mkdirSync(join(base, h));
    copyFileSync(SAMPLE, file(h));
    return { scalr_conf_file: file(h), scalr_conf_backup_dir: join(base, h, 'backups'), scalr_conf_env: { NODE: h, ORDER_LOG: orderLog }, ...hostVars[h] };
  };
  const children = Object.fromEntries(Object.entries(GROUPS).map(([g, hs]) => [g, { hosts: Object.fromEntries(hs.map((h) => [h, host(h)])) }]));
  const inv = join(base, 'inventory.json');
  writeFileSync(
    inv,
    JSON.stringify({
      all: {
        children: { scalr: { children } },
        vars: {
          ansible_connection: 'local',
          scalr_conf_become: false,
          scalr_conf_bin: BIN,
          scalr_conf_ctl: ctl,
          scalr_settings: SETTINGS,
          scalr_secrets: { 'connections.mysql.pass': SECRET },
        },
      },
    }),
  );
  return { inv, file, log: () => (existsSync(orderLog) ? readFileSync(orderLog, 'utf8').split('\n').filter(Boolean) : []) };
}

const CHECK = 'scalr-server.rb and scalr-server-secrets.json mean the same on every node';

/** A task's result on a host; role tasks are named "<role> : <task>". */
const taskResult = (run: PlaybookRun, task: string, host: string) => run.result(`scalr_conf.server.fleet : ${task}`, host);

describe('docs/ansible/playbook.yml', () => {
  let work: string;
  let f: ReturnType<typeof fleet>;
  let unequal: Promise<PlaybookRun>;
  let unequalFleet: ReturnType<typeof fleet>;
  const sample = readFileSync(SAMPLE);
  const written = new Map<string, Buffer>();
  const secretsOf = (h: string) => join(dirname(f.file(h)), 'scalr-server-secrets.json');
  const localOf = (h: string) => join(dirname(f.file(h)), 'scalr-server-local.rb');
  /** The controller's temp dir the run copied the nodes' files to, from the task that made it. */
  const copiesOf = (r: PlaybookRun) => HOSTS.map((h) => taskResult(r, 'A private directory on the controller for the nodes\' files', h)).find((x) => x?.path)!.path as string;

  beforeAll(() => {
    requireAnsible();
    work = mkdtempSync(join(tmpdir(), 'scalr-conf-fleet-'));
    // app-1's own setting goes to its scalr-server-local.rb; proxy-1 has no Node (controller mode).
    f = fleet(work, 'fleet', { 'app-1': { scalr_local_settings: { 'system.instances_connection_timeout': 30 } }, 'proxy-1': { scalr_conf_compute: 'controller' } });
    // Independent of the other runs, so it runs alongside them.
    unequalFleet = fleet(work, 'unequal', { 'app-2': { scalr_settings: { ...SETTINGS, 'system.instances_connection_timeout': 20 } } });
    unequal = playbook(PLAYBOOK, unequalFleet.inv, work);
    unequal.catch(() => undefined);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('--check --diff shows each node\'s change and changes nothing', async () => {
    const r = await playbook(PLAYBOOK, f.inv, work, ['--check', '--diff']);
    expect(r.code, r.output).toBe(0);
    for (const h of HOSTS) {
      expect(taskResult(r, 'scalr-server.rb', h), h).toMatchObject({ changed: true, pending_reconfigure: true });
      expect(readFileSync(f.file(h)).equals(sample)).toBe(true);
    }
    expect((taskResult(r, 'scalr-server.rb', 'db-1')!.diff as { prepared: string }).prepared).toContain('+      "instances_connection_timeout" => 15,');
    expect(taskResult(r, 'scalr-server-local.rb', 'app-1')).toMatchObject({ changed: true });
    expect(taskResult(r, 'scalr-server-local.rb', 'db-1')).toMatchObject({ skipped: true });
    expect(f.log()).toEqual([]);
    expect(r.output).not.toContain(SECRET);
  }, 120_000);

  it('applies: the same scalr-server.rb everywhere, app-1\'s own setting in its local file, reconfigure database first, then app, then proxy, one at a time', async () => {
    const r = await playbook(PLAYBOOK, f.inv, work);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain(SECRET);
    expect(f.log()).toEqual(['db-1', 'app-1', 'app-2', 'proxy-1'].flatMap((h) => [`start ${h} reconfigure`, `end ${h}`]));
    for (const h of HOSTS) {
      written.set(h, readFileSync(f.file(h)));
      const get = async (key: string, local = false) => JSON.parse((await runCli(['get', key, '--file', f.file(h), '--json', ...(local ? ['--local'] : ['--main-only'])])).stdout);
      expect((await get('system.instances_connection_timeout')).value).toBe(15);
      expect((await get('allowed_clouds')).value).toEqual(['ec2', 'gce']);
      expect((await get('system.instances_connection_timeout', true)).value).toBe(h === 'app-1' ? 30 : undefined);
    }
    for (const h of HOSTS) expect(written.get(h)!.equals(written.get('db-1')!), h).toBe(true);
  }, 120_000);

  it('a second run changes nothing and reconfigures nothing', async () => {
    const r = await playbook(PLAYBOOK, f.inv, work);
    expect(r.code, r.output).toBe(0);
    for (const h of HOSTS) {
      expect(r.stats[h], h + r.output).toMatchObject({ changed: 0, failures: 0 });
      expect(readFileSync(f.file(h)).equals(written.get(h)!)).toBe(true);
    }
    expect(f.log()).toHaveLength(8);
  }, 120_000);

  it('stops before any reconfigure when a node\'s scalr-server.rb or scalr-server-secrets.json means something else, naming the settings; layout and local files do not count', async () => {
    const edit = (h: string, ...args: string[]) => runCli([...args, '--file', f.file(h), '--no-reconfigure', '--backups', '0']);
    expect((await edit('app-2', 'set', 'app[:email_from_name]', 'Other name')).code).toBe(0);
    expect((await edit('db-1', 'set', 'mysql[:root_password]', 'a-different-root-password')).code).toBe(0);
    writeFileSync(secretsOf('proxy-1'), JSON.stringify({ app: { secret_key: 'json-secret-not-for-logs' } }), { mode: 0o600 });
    appendFileSync(f.file('proxy-1'), '\n# a comment and a blank line change no setting\n');
    // app-2's own file says otherwise about a shared setting: that is what local files are for.
    writeFileSync(localOf('app-2'), 'app[:configuration]["scalr"]["aws"]["instances_connection_policy"] = "public"\n');
    const r = await playbook(PLAYBOOK, f.inv, work);
    expect(r.code).not.toBe(0);
    // The check runs once, on whichever node comes first; the reference is the first by name.
    const msg = HOSTS.map((h) => taskResult(r, CHECK, h)).find((x) => x?.failed)?.msg;
    expect(msg).toBe(
      "scalr-server.rb and scalr-server-secrets.json differ from app-1's in: " +
        'app[:email_from_name] ("Scalr Service" → "Other name" on app-2); ' +
        'app[:secret_key] ((unset) → "********" on proxy-1); ' +
        'mysql[:root_password] ("********" → "********" on db-1)',
    );
    expect(r.output).not.toContain('a-different-root-password');
    expect(r.output).not.toContain('json-secret-not-for-logs');
    expect(f.log()).toHaveLength(8);
    expect(existsSync(copiesOf(r))).toBe(false);
  }, 120_000);

  it('passes when the nodes differ only in layout and in their local files', async () => {
    for (const h of HOSTS) writeFileSync(f.file(h), written.get(h)!);
    // proxy-1's layout: a comment, and a value already set, set again by path.
    appendFileSync(f.file('proxy-1'), '\n# restyled\napp[:configuration]["scalr"]["system"]["instances_connection_timeout"] = 15\n');
    // The same secrets JSON on every node; app-1 and app-2 keep local files that disagree.
    for (const h of HOSTS) writeFileSync(secretsOf(h), JSON.stringify({ app: { secret_key: 'json-secret-not-for-logs' } }), { mode: 0o600 });
    const r = await playbook(PLAYBOOK, f.inv, work);
    expect(r.code, r.output).toBe(0);
    expect(HOSTS.map((h) => taskResult(r, CHECK, h)).find((x) => x && !x.skipped)?.msg).toBe('scalr-server.rb and scalr-server-secrets.json mean the same on 4 nodes');
    expect(r.output).not.toContain('json-secret-not-for-logs');
    expect(f.log()).toHaveLength(8);
    expect(existsSync(copiesOf(r))).toBe(false);
  }, 120_000);

  it('fails the check with scalr-conf\'s message, naming the node\'s file, when a node\'s files cannot be read as reconfigure reads them', async () => {
    writeFileSync(secretsOf('app-2'), '{"app": ', { mode: 0o600 });
    // The playbook's edit step refuses this node first; the check on its own gets as far as diff.
    const r = await playbook(join(ROOT, 'test/ansible/fleet-check.yml'), f.inv, work);
    expect(r.code).not.toBe(0);
    const failed = HOSTS.map((h) => taskResult(r, 'scalr-conf diff read every node\'s files', h)).find((x) => x?.failed);
    expect(failed?.msg).toMatch(/^scalr-conf diff of app-2 failed \(REFUSED, exit 3\): /);
    expect(failed?.msg).toContain(`app-2:${secretsOf('app-2')}`);
    expect(HOSTS.map((h) => taskResult(r, CHECK, h)).filter(Boolean)).toEqual([]);
    expect(existsSync(copiesOf(r))).toBe(false);
  }, 120_000);

  it('fails the check when license.json is not the same file on every node', async () => {
    for (const h of HOSTS) writeFileSync(secretsOf(h), JSON.stringify({ app: { secret_key: 'json-secret-not-for-logs' } }), { mode: 0o600 });
    const licenseOf = (h: string) => join(dirname(f.file(h)), 'license.json');
    for (const h of HOSTS) writeFileSync(licenseOf(h), '{"license": "one"}\n');
    const same = await playbook(join(ROOT, 'test/ansible/fleet-check.yml'), f.inv, work);
    expect(same.code, same.output).toBe(0);
    writeFileSync(licenseOf('db-1'), '{"license": "another"}\n');
    rmSync(licenseOf('proxy-1'));
    const r = await playbook(join(ROOT, 'test/ansible/fleet-check.yml'), f.inv, work);
    expect(r.code).not.toBe(0);
    const failed = HOSTS.map((h) => taskResult(r, 'license.json is the same on every node', h)).find((x) => x?.failed);
    expect(failed?.msg).toBe("license.json must be the same file on every node; on db-1, proxy-1 it is not app-1's (another file, or none)");
    for (const h of HOSTS) rmSync(licenseOf(h), { force: true });
  }, 120_000);

  it('refuses scalr-server.rb settings that are not the same for every node, before editing anything', async () => {
    const r = await unequal;
    expect(r.code).not.toBe(0);
    const failed = HOSTS.map((h) => taskResult(r, 'Every node asks the same of scalr-server.rb', h)).find((x) => x?.failed);
    expect(failed?.msg).toMatch(/but app-2 differ from \S+; per-node settings go in scalr_local_settings/);
    for (const h of HOSTS) expect(readFileSync(unequalFleet.file(h)).equals(sample)).toBe(true);
    expect(unequalFleet.log()).toEqual([]);
  }, 120_000);
});

describe('docs/ansible.md', () => {
  it('shows the playbook as it is in docs/ansible/playbook.yml (comments aside)', () => {
    const strip = (s: string): string =>
      s
        .split('\n')
        .filter((l) => !/^\s*#/.test(l) && l !== '---')
        .join('\n')
        .trim();
    const doc = readFileSync(join(ROOT, 'docs/ansible.md'), 'utf8');
    const block = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('import_role'))!;
    expect(strip(block)).toBe(strip(readFileSync(PLAYBOOK, 'utf8')));
  });
});
