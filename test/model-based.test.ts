/**
 * Model-based test of the command line: random sequences of set/unset runs (several changes per
 * run too) on generated files, through main() in-process and through bin/scalr-conf processes,
 * with real Ruby deciding what each file means. FUZZ_RUNS and FUZZ_SEED widen or replay a run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderFile } from './support/arbitraries';
import { runCheck } from './support/checks';
import { checkPreserved, cliKey, modelBased, modelBasedSpawned } from './support/model-checks';
import { rubyAvailable } from './support/ruby';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
const RUNS = Number(process.env.FUZZ_RUNS ?? 30);

beforeAll(() => {
  if (!rubyAvailable()) throw new Error('ruby with mixlib-config is required (apt-get install ruby ruby-mixlib-config)');
  if (!existsSync(join(ROOT, 'dist/cli.cjs'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
});

describe('command line against a model of Ruby', () => {
  it('set/unset sequences through main()', { timeout: 600_000 }, async () => {
    const r = await runCheck(modelBased, { seed: SEED, numRuns: RUNS });
    if (r.report) throw new Error(r.report);
    expect(r.passed).toBe(RUNS);
  });

  it('set/unset sequences through bin/scalr-conf processes', { timeout: 600_000 }, async () => {
    const runs = Math.max(3, Math.round(RUNS / 10));
    const r = await runCheck(modelBasedSpawned, { seed: SEED + 7, numRuns: runs });
    if (r.report) throw new Error(r.report);
    expect(r.passed).toBe(runs);
  });
});

describe('the model check itself', () => {
  const file = renderFile({
    eol: '\n',
    indent: '  ',
    comma: true,
    finalNewline: true,
    stmts: [
      { k: 'comment', text: '# keep me' },
      { k: 'group', group: 'mysql', key: 'bind_port', index: 'sym', value: { t: 'int', v: 6280n, form: 'dec' }, trailing: false },
      {
        k: 'config',
        index: 'sym',
        trailing: false,
        value: {
          t: 'hash',
          layout: 'multi',
          pairs: [
            {
              key: 'scalr',
              style: 'dq',
              sep: 0,
              value: {
                t: 'hash',
                layout: 'multi',
                pairs: [
                  { key: 'aws', style: 'dq', sep: 0, value: { t: 'str', bin: 'x', form: 'dq' }, before: 'comment' },
                  { key: 'gce', style: 'dq', sep: 0, value: { t: 'str', bin: 'y', form: 'dq' } },
                ],
              },
            },
          ],
        },
      },
    ],
  });
  const lines = file.text.split('\n');
  const without = (re: RegExp): string => lines.filter((l) => !re.test(l)).join('\n');

  it('lets lines on a changed path go and notices any other lost line', () => {
    const aws = ['app', 'configuration', 'scalr', 'aws'];
    expect(() => checkPreserved(file, without(/"aws"/), [aws])).not.toThrow();
    expect(() => checkPreserved(file, without(/"gce"/), [aws])).toThrow(/gce/);
    expect(() => checkPreserved(file, without(/keep me/), [aws])).toThrow(/keep me/);
    expect(() => checkPreserved(file, without(/# about aws/), [aws])).toThrow(/about aws/);
    expect(() => checkPreserved(file, without(/bind_port/), [aws])).toThrow(/bind_port/);
    expect(() => checkPreserved(file, without(/bind_port/), [['mysql', 'bind_port']])).not.toThrow();
    // Commas may come and go; order may not.
    expect(() => checkPreserved(file, file.text.replace('"x",', '"x"'), [aws])).not.toThrow();
    const swapped = [...lines];
    [swapped[0], swapped[1]] = [swapped[1], swapped[0]];
    expect(() => checkPreserved(file, swapped.join('\n'), [aws])).toThrow();
  });

  it('spells keys as users do', () => {
    expect(cliKey(['app', 'configuration', 'scalr', 'aws', 'instances_connection_policy'], true)).toBe('aws.instances_connection_policy');
    expect(cliKey(['app', 'configuration', 'scalr', 'scalr', 'x'], true)).toBe('scalr.scalr.x');
    expect(cliKey(['app', 'configuration', 'scalr', 'a b'], true)).toBe('app[:configuration][:scalr]["a b"]');
    expect(cliKey(['proxy', 'ssl_enable'], true)).toBe('proxy[:ssl_enable]');
    expect(cliKey(['app', 'configuration', 'scalr', 'say "hi"'], false)).toBe('app[:configuration][:scalr]["say \\"hi\\""]');
    expect(cliKey(['enable_all'], false)).toBe('enable_all');
  });
});
