/**
 * bin/scalr-conf runs dist/cli.cjs with the V8 code cache the build makes beside it. The cache is
 * an optimisation only: a cache of another bundle is never used, and a missing or rejected one
 * leaves the command working. Each case runs a copy of bin/ and dist/ in its own directory.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import { ROOT, SAMPLE } from './support/tmp';

function installCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scalr-conf-bundle-'));
  cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Whether loading the copy's bundle used its cache. */
function usedCache(dir: string): string {
  const probe = 'process.stdout.write(String(require(process.argv[1]).loadBundle().usedCache))';
  return execFileSync(process.execPath, ['-e', probe, join(dir, 'bin/scalr-conf')], { encoding: 'utf8' });
}

function get(dir: string) {
  return spawnSync(process.execPath, [join(dir, 'bin/scalr-conf'), 'get', 'connections.ldap.host', '--file', SAMPLE], { encoding: 'utf8' });
}

describe('bin/scalr-conf and the bundle', () => {
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist/cli.v8cache'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  });

  it('starts from the code cache the build made for this Node', () => {
    const dir = installCopy();
    expect(usedCache(dir)).toBe('true');
    expect(get(dir).stdout).toBe('ldap.example.com\n');
    rmSync(dir, { recursive: true, force: true });
  });

  it('ignores a cache made for another bundle, and runs without one', () => {
    const dir = installCopy();
    const cache = join(dir, 'dist/cli.v8cache');
    const bytes = readFileSync(cache);
    // Same length, other bundle: only the first line (the bundle's hash) differs.
    const forged = Buffer.from(bytes);
    const at = bytes.indexOf('\n') - 1;
    forged[at] = forged[at] === 0x30 ? 0x31 : 0x30;
    writeFileSync(cache, forged);
    expect(usedCache(dir)).toBe('false');
    expect(get(dir).stdout).toBe('ldap.example.com\n');

    rmSync(cache);
    expect(usedCache(dir)).toBe('false');
    const r = get(dir);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'ldap.example.com\n', '']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs when V8 rejects the cache (other flags, as another Node would)', () => {
    // V8 takes a code cache only under the flags it was made with.
    const probe = 'process.stdout.write(String(require(process.argv[1]).loadBundle().usedCache))';
    expect(execFileSync(process.execPath, ['--no-opt', '-e', probe, join(ROOT, 'bin/scalr-conf')], { encoding: 'utf8' })).toBe('false');
    const r = spawnSync(process.execPath, ['--no-opt', join(ROOT, 'bin/scalr-conf'), 'get', 'connections.ldap.host', '--file', SAMPLE], { encoding: 'utf8' });
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'ldap.example.com\n', '']);
  });

  it('says in one line that the bundle is missing', () => {
    const dir = installCopy();
    rmSync(join(dir, 'dist'), { recursive: true });
    const r = get(dir);
    expect(r.status).toBe(EXIT.INTERNAL);
    expect(r.stderr).toBe(`scalr-conf: ${join(dir, 'dist/cli.cjs')} is missing; build it with: npm run build\n`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('says in one line that it cannot start when its packages are missing', () => {
    const dir = installCopy();
    rmSync(join(dir, 'node_modules'));
    mkdirSync(join(dir, 'node_modules'));
    const r = get(dir);
    expect(r.status).toBe(EXIT.INTERNAL);
    expect(r.stderr).toMatch(/^scalr-conf: cannot start: Cannot find module 'tree-sitter'.*\n$/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    rmSync(dir, { recursive: true, force: true });
  });

  // commander requires child_process (and with it net) when it loads, and its source is bundled as
  // published; scalr-conf's own output goes to fds 1 and 2 without the terminal stack.
  it('loads no tty for a read or a dry run, and no crypto for a read', () => {
    const probe = join(mkdtempSync(join(tmpdir(), 'scalr-conf-probe-')), 'probe.cjs');
    // process.moduleLoadList names every builtin Node has loaded, its own start-up's included.
    writeFileSync(probe, "process.on('exit', () => require('fs').writeSync(3, JSON.stringify(process.moduleLoadList)));\n");
    const loaded = (args: string[]): string[] => {
      const r = spawnSync(process.execPath, ['--require', probe, join(ROOT, 'bin/scalr-conf'), ...args, '--file', SAMPLE], {
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.output[3] as string) as string[];
    };
    const floor = new Set(JSON.parse(execFileSync(process.execPath, ['--require', probe, '-e', '0'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'], encoding: 'utf8' })) as string[]);
    for (const args of [['get', 'connections.ldap.host'], ['set', '--dry-run', 'aws.instances_connection_policy', 'local']]) {
      const extra = loaded(args).filter((m) => !floor.has(m) && /^NativeModule tty$/.test(m));
      expect(extra, args.join(' ')).toEqual([]);
    }
    // crypto names backup and temporary files, which only a command that may write needs.
    const read = loaded(['get', 'connections.ldap.host']);
    expect(read.filter((m) => !floor.has(m) && /^NativeModule crypto$/.test(m))).toEqual([]);
    // The probe sees what it should: a dry run does load it.
    expect(loaded(['set', '--dry-run', 'aws.instances_connection_policy', 'local'])).toContain('NativeModule crypto');
  });
});
