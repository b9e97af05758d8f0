/** Runs ansible-playbook for real with the repository's collection, and reads its JSON callback output. */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './tmp';

export interface Stats {
  ok: number;
  changed: number;
  failures: number;
  unreachable: number;
  skipped: number;
}

export interface TaskResult {
  changed?: boolean;
  failed?: boolean;
  skipped?: boolean;
  msg?: string;
  [k: string]: unknown;
}

export interface PlaybookRun {
  code: number | null;
  stats: Record<string, Stats>;
  /** Everything printed, for assertion messages and for checking that a secret was never printed. */
  output: string;
  /** The result of the task named `task` on `host`, from the last play that ran it there. */
  result(task: string, host: string): TaskResult | undefined;
}

interface JsonOutput {
  stats: Record<string, Stats>;
  plays: { tasks: { task: { name: string }; hosts: Record<string, TaskResult> }[] }[];
}

export function requireAnsible(): void {
  // Under CI the tools are installed; a missing one is a failure, not a skip.
  if (spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('ansible-playbook not found; CI installs ansible-core');
  }
}

/** The environment every run gets: the checkout's collection, temp dirs under `work`, JSON output. */
export function ansibleEnv(work: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: work,
    LANG: 'C.UTF-8',
    ANSIBLE_COLLECTIONS_PATH: ROOT,
    ANSIBLE_STDOUT_CALLBACK: 'results_json',
    ANSIBLE_CALLBACK_PLUGINS: join(ROOT, 'test/ansible/callbacks'),
    ANSIBLE_LOCAL_TEMP: join(work, 'ansible-tmp'),
    ANSIBLE_REMOTE_TEMP: join(work, 'ansible-tmp'),
    ANSIBLE_RETRY_FILES_ENABLED: 'false',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_HOST_KEY_CHECKING: 'false',
    ANSIBLE_PYTHON_INTERPRETER: 'auto_silent',
  };
}

export function playbook(playbookPath: string, inventory: string, work: string, extra: string[] = []): Promise<PlaybookRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('ansible-playbook', ['-i', inventory, playbookPath, ...extra], { env: ansibleEnv(work), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      let j: JsonOutput;
      try {
        j = JSON.parse(out.slice(out.indexOf('{')));
      } catch {
        reject(new Error(`ansible-playbook printed no JSON (exit ${code}):\n${out}\n${err}`));
        return;
      }
      const result = (task: string, host: string): TaskResult | undefined => {
        let found: TaskResult | undefined;
        for (const play of j.plays) for (const t of play.tasks) if (t.task.name === task && t.hosts[host]) found = t.hosts[host];
        return found;
      };
      resolve({ code, stats: j.stats, output: out + err, result });
    });
  });
}
