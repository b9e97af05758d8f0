/**
 * Runs the documented playbook (docs/ansible/playbook.yml) with ansible-playbook against two
 * local inventory hosts, each with its own copy of the sample file, the recording fake ctl and
 * its own backup directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, FAKE_CTL, ROOT, SAMPLE } from './support/tmp';
import { runCli } from './support/cli';

const PLAYBOOK = join(ROOT, 'docs/ansible/playbook.yml');
const HOSTS = ['scalr-a', 'scalr-b'] as const;
const SETTINGS = {
  'aws.instances_connection_policy': 'local',
  'system.instances_connection_timeout': 15,
  'proxy[:ssl_redirect]': false,
  allowed_clouds: ['ec2', 'gce'],
};

const available = spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status === 0;

interface Stats {
  ok: number;
  changed: number;
  failures: number;
  unreachable: number;
}

interface Run {
  code: number | null;
  stats: Record<string, Stats>;
  output: string;
}

function playbook(inventory: string, work: string, extra: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('ansible-playbook', ['-i', inventory, PLAYBOOK, ...extra], {
      env: {
        PATH: process.env.PATH,
        HOME: work,
        LANG: 'C.UTF-8',
        ANSIBLE_STDOUT_CALLBACK: 'json',
        ANSIBLE_LOCAL_TEMP: join(work, 'ansible-tmp'),
        ANSIBLE_REMOTE_TEMP: join(work, 'ansible-tmp'),
        ANSIBLE_RETRY_FILES_ENABLED: 'false',
        ANSIBLE_NOCOLOR: '1',
        ANSIBLE_HOST_KEY_CHECKING: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        const j = JSON.parse(out.slice(out.indexOf('{')));
        resolve({ code, stats: j.stats, output: out + err });
      } catch {
        reject(new Error(`ansible-playbook printed no JSON (exit ${code}):\n${out}\n${err}`));
      }
    });
  });
}

function hostDir(work: string, host: string): string {
  return join(work, host);
}

/** A YAML inventory (JSON is YAML) of local hosts, each editing its own file. */
function inventory(work: string, hosts: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  const entries = Object.fromEntries(
    hosts.map((h) => {
      const dir = hostDir(work, h);
      mkdirSync(dir, { recursive: true });
      copyFileSync(SAMPLE, join(dir, 'scalr-server.rb'));
      return [
        h,
        {
          scalr_conf_file: join(dir, 'scalr-server.rb'),
          scalr_conf_env: { SCALR_CONF_BACKUP_DIR: join(dir, 'backups'), FAKE_CTL_LOG: join(dir, 'ctl.log'), ...env },
        },
      ];
    }),
  );
  const file = join(work, `inventory-${hosts.join('-')}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      all: {
        children: {
          scalr: {
            hosts: entries,
            vars: {
              ansible_connection: 'local',
              ansible_python_interpreter: 'auto_silent',
              scalr_conf_become: false,
              scalr_conf_bin: BIN,
              scalr_conf_ctl: FAKE_CTL,
              scalr_settings: SETTINGS,
            },
          },
        },
      },
    }),
  );
  return file;
}

function ctlCalls(work: string, host: string): string[] {
  const log = join(hostDir(work, host), 'ctl.log');
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}

describe('docs/ansible/playbook.yml', () => {
  let work: string;
  let inv: string;
  let failing: Promise<Run>;
  const sample = readFileSync(SAMPLE);

  beforeAll(() => {
    // Under CI the tools are installed; a missing one is a failure, not a skip.
    if (!available) throw new Error('ansible-playbook not found; CI installs ansible-core');
    work = mkdtempSync(join(tmpdir(), 'scalr-conf-ansible-'));
    inv = inventory(work, HOSTS);
    // Independent of the other hosts, so it runs alongside them to save time.
    failing = playbook(inventory(work, ['scalr-fail'], { FAKE_CTL_EXIT: '3' }), work);
    failing.catch(() => undefined);
  });

  it('--check reports what would change and changes nothing; then applies once; then changes nothing', async () => {
    const check = await playbook(inv, work, ['--check']);
    expect(check.code, check.output).toBe(0);
    for (const h of HOSTS) {
      expect(check.stats[h], check.output).toMatchObject({ changed: 1, failures: 0, unreachable: 0 });
      expect(readFileSync(join(hostDir(work, h), 'scalr-server.rb')).equals(sample)).toBe(true);
      expect(existsSync(join(hostDir(work, h), 'backups'))).toBe(false);
      expect(ctlCalls(work, h)).toEqual([]);
    }

    const first = await playbook(inv, work);
    expect(first.code, first.output).toBe(0);
    const written: Buffer[] = [];
    for (const h of HOSTS) {
      expect(first.stats[h], first.output).toMatchObject({ changed: 1, failures: 0 });
      const file = join(hostDir(work, h), 'scalr-server.rb');
      written.push(readFileSync(file));
      expect(ctlCalls(work, h)).toEqual(['reconfigure']);
      const get = async (key: string): Promise<unknown> => JSON.parse((await runCli(['get', key, '--file', file, '--json'])).stdout).value;
      expect(await get('aws.instances_connection_policy')).toBe('local');
      expect(await get('system.instances_connection_timeout')).toBe(15);
      expect(await get('proxy[:ssl_redirect]')).toBe(false);
      expect(await get('allowed_clouds')).toEqual(['ec2', 'gce']);
    }

    const second = await playbook(inv, work);
    expect(second.code, second.output).toBe(0);
    for (const [i, h] of HOSTS.entries()) {
      expect(second.stats[h], second.output).toMatchObject({ changed: 0, failures: 0 });
      expect(readFileSync(join(hostDir(work, h), 'scalr-server.rb')).equals(written[i])).toBe(true);
      expect(ctlCalls(work, h)).toEqual(['reconfigure']);
    }

    const again = await playbook(inv, work, ['--check']);
    expect(again.code, again.output).toBe(0);
    for (const [i, h] of HOSTS.entries()) {
      expect(again.stats[h]).toMatchObject({ changed: 0, failures: 0 });
      expect(readFileSync(join(hostDir(work, h), 'scalr-server.rb')).equals(written[i])).toBe(true);
    }
  }, 150_000);

  it('fails the host when scalr-conf fails (here: reconfigure)', async () => {
    const r = await failing;
    expect(r.code).not.toBe(0);
    expect(r.stats['scalr-fail']).toMatchObject({ failures: 1 });
    expect(r.output).toContain('RECONFIGURE_FAILED');
  }, 60_000);
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
    const block = doc.match(/```yaml\n([\s\S]*?)```/)![1];
    expect(strip(block)).toBe(strip(readFileSync(PLAYBOOK, 'utf8')));
  });
});
