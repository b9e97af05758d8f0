/**
 * The package as users get it: `npm pack` from a checkout without dist/ (so the packing itself
 * must build it), then `npm install -g` of the tarball into an empty prefix, then the installed
 * command runs. Packs a copy of the sources so that the checkout's dist/ is never rebuilt under
 * other tests.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLE } from './support/tmp';

const run = promisify(execFile);
// The build runs the sample through the bundle to make its code cache, so a checkout has it.
const SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'README.md', 'bin', 'scripts', 'src', 'grammars', 'fixtures/sample'];

interface PackEntry {
  filename: string;
  files: { path: string; size: number }[];
  size: number;
  unpackedSize: number;
}

describe('npm pack', () => {
  it('builds dist/, stays lean, installs globally into an empty prefix and runs', async () => {
    const work = mkdtempSync(join(tmpdir(), 'scalr-conf-pack-'));
    const checkout = join(work, 'checkout');
    mkdirSync(checkout);
    for (const name of SOURCES) {
      if (existsSync(join(ROOT, name))) cpSync(join(ROOT, name), join(checkout, name), { recursive: true });
    }
    // The build tools only; what the tarball needs comes from the registry at install.
    symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'), 'dir');
    const env = { ...process.env, npm_config_loglevel: 'error', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };

    const packed = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: checkout, env, maxBuffer: 16 << 20 });
    const [entry] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as PackEntry[];
    const paths = entry.files.map((f) => f.path).sort();

    expect(paths).toContain('dist/cli.cjs');
    expect(paths).toContain('dist/cli.v8cache');
    expect(paths).toContain('bin/scalr-conf');
    expect(paths).toContain('package.json');
    for (const p of paths) expect(p, `${p} does not belong in the tarball`).toMatch(/^(bin\/|dist\/|package\.json$|README\.md$|LICENSE)/);
    // The bundle, its code cache and what the bundle requires from dist/ are in the tarball, and
    // nothing else sits in dist/.
    const loaded = new Set(['dist/cli.cjs', 'dist/cli.v8cache']);
    const bundle = readFileSync(join(checkout, 'dist/cli.cjs'), 'utf8');
    for (const m of bundle.matchAll(/require\(["']\.\/([\w-]+\.(?:cjs|json))["']\)/g)) loaded.add(`dist/${m[1]}`);
    expect(paths.filter((p) => p.startsWith('dist/')).sort()).toEqual([...loaded].sort());
    expect(entry.unpackedSize).toBeLessThan(2_000_000);

    const prefix = join(work, 'prefix');
    await run('npm', ['install', '-g', '--prefix', prefix, join(work, entry.filename)], { cwd: work, env, maxBuffer: 16 << 20 });
    const installed = join(prefix, 'lib/node_modules/scalr-conf');
    const deps = readdirSync(join(installed, 'node_modules'));
    for (const dev of ['vitest', 'esbuild', 'typescript', 'fast-check']) expect(deps).not.toContain(dev);

    const bin = join(prefix, 'bin/scalr-conf');
    const clean = { PATH: process.env.PATH, HOME: work };
    const version = await run(bin, ['--version'], { cwd: work, env: clean });
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);

    const file = join(work, 'scalr-server.rb');
    copyFileSync(SAMPLE, file);
    const before = readFileSync(file);
    const dry = await run(bin, ['set', 'aws.instances_connection_policy', 'local', '--file', file, '--dry-run', '--json'], { cwd: work, env: clean });
    const j = JSON.parse(dry.stdout);
    expect(j).toMatchObject({ changed: true, dryRun: true, file });
    expect(j.diff).toContain('+      "instances_connection_policy" => "local",');
    expect(readFileSync(file).equals(before)).toBe(true);
    const got = await run(bin, ['get', 'connections.ldap.host', '--file', file], { cwd: work, env: clean });
    expect(got.stdout).toBe('ldap.example.com\n');
    // The code cache made when packing is the one the installed command starts with.
    const cache = await run(process.execPath, ['-e', 'process.stdout.write(String(require(process.argv[1]).loadBundle().usedCache))', join(installed, 'bin/scalr-conf')], { cwd: work, env: clean });
    expect(cache.stdout).toBe('true');
  }, 180_000);
});
