import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toCanonical, type Canonical } from '../src/values/value';
import {
  loadEffective,
  loadEffectiveText,
  loadMany,
  requireRuby,
  rubySyntaxOk,
  syntaxMany,
  type Effective,
} from './support/ruby';

const haveRuby = requireRuby();

const GROUPS = [
  'routing',
  'supervisor',
  'mysql',
  'memcached',
  'app',
  'web',
  'proxy',
  'cron',
  'service',
  'rrd',
  'manifest',
  'logrotate',
  'repos',
  'csg',
];

function app(e: Effective): Record<string, Canonical> {
  return e.groups.app as Record<string, Canonical>;
}

/** Message of a failing evaluation, with temp paths reduced to their file names. */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the evaluation to fail');
}

function withoutDirs(message: string): string {
  return message.replace(/\S*?(?:\d+-)?(scalr-server(?:-local)?\.rb)/g, '$1');
}

describe('Ruby loader (Mixlib::Config, strict, Mash groups)', { timeout: 30_000 }, () => {
  it('reports all 14 groups, empty ones as {}, and enable_all as null when never set', () => {
    const e = loadEffectiveText('');
    expect(Object.keys(e.groups)).toEqual(GROUPS);
    for (const g of GROUPS) expect(e.groups[g]).toEqual({});
    expect(e.enable_all).toBeNull();
  });

  it('keeps changes made on a group default, as the real configuration does', () => {
    const e = loadEffectiveText("app[:x] = 1\napp.merge!(y: 2)\nmysql['root'] = 'pw'\n");
    expect(app(e)).toEqual({ x: 1, y: 2 });
    expect(e.groups.mysql).toEqual({ root: 'pw' });
  });

  it('collapses "key", :key and key: to one string key', () => {
    const e = loadEffectiveText(
      [
        'app[:configuration] = { scalr: { aws: { security_group_name: "g" } } }',
        'app["configuration"]["scalr"][:email] = { "name" => "n" }',
        'app[:configuration][:"scalr"]["aws"][:ip_pool] = ["1.2.3.4/32"]',
        'app["configuration"][:scalr][:email]["address"] = "a@b.c"',
        'app[:found] = app.dig(:configuration, "scalr", :email, :name)',
        'app[:has] = [app[:configuration].key?(:scalr), app.fetch(:configuration).include?("scalr")]',
        'app[:keys] = app[:configuration][:scalr].keys + app.keys',
      ].join('\n'),
    );
    expect(app(e)).toEqual({
      configuration: {
        scalr: {
          aws: { security_group_name: 'g', ip_pool: ['1.2.3.4/32'] },
          email: { name: 'n', address: 'a@b.c' },
        },
      },
      found: 'n',
      has: [true, true],
      keys: ['aws', 'email', 'configuration', 'found', 'has'],
    });
  });

  it('converts hashes inside arrays to Mashes', () => {
    const e = loadEffectiveText('app[:list] = [{ a: 1 }, [{ "b" => 2 }]]\napp[:y] = app[:list][0]["a"] + app[:list][1][0][:b]\n');
    expect(app(e)).toEqual({ list: [{ a: 1 }, [{ b: 2 }]], y: 3 });
  });

  it('lets the later of two spellings of one key win whole', () => {
    const keys = 'app[:keys] = app[:configuration].keys\n';
    const later = loadEffectiveText('app[:configuration] = { "scalr" => { "a" => 1, "b" => 2 }, scalr: { "c" => 3 } }\n' + keys);
    expect(app(later)).toEqual({ configuration: { scalr: { c: 3 } }, keys: ['scalr'] });
    const earlier = loadEffectiveText('app[:configuration] = { scalr: { "c" => 3 }, "scalr" => { "a" => 1 } }\n' + keys);
    expect(app(earlier)).toEqual({ configuration: { scalr: { a: 1 } }, keys: ['scalr'] });
  });

  it('replaces app[:configuration] wholly on a second assignment', () => {
    const e = loadEffectiveText(
      'app[:configuration] = { scalr: { a: 1, nested: { x: 1 } } }\napp[:configuration] = { scalr: { nested: { y: 2 } } }\n',
    );
    expect(app(e)).toEqual({ configuration: { scalr: { nested: { y: 2 } } } });
  });

  it('overrides one path with app[:configuration]["scalr"]["aws"] = {...}, keeping its siblings', () => {
    const e = loadEffectiveText(
      [
        'app[:configuration] = { scalr: { aws: { security_group_name: "old", ip_pool: "x" }, email: { name: "n" } } }',
        'app[:configuration]["scalr"]["aws"] = { security_group_name: "new" }',
      ].join('\n'),
    );
    expect(app(e)).toEqual({ configuration: { scalr: { aws: { security_group_name: 'new' }, email: { name: 'n' } } } });
  });

  it('fails on an unknown top-level name (strict mode), with the line', () => {
    expect(failure(() => loadEffectiveText('app[:x] = 1\n\nfoo 1\n'))).toMatch(
      /scalr-server\.rb:3: .*unsupported config value foo.*UnknownConfigOptionError/,
    );
    expect(failure(() => loadEffectiveText('bar[:x] = 1\n'))).toMatch(/scalr-server\.rb:1: .*unsupported config value bar/);
    expect(failure(() => loadEffectiveText('scalr.endpoint = 1\n'))).toMatch(/unsupported config value scalr/);
  });

  it('fails on syntax errors and NoMethodError with the line', () => {
    expect(failure(() => loadEffectiveText('app[:x] = 1\napp[:y\n'))).toMatch(/scalr-server\.rb:2: syntax error.*SyntaxError/);
    expect(failure(() => loadEffectiveText('app[:x] = 1\napp[:missing][:y] = 2\n'))).toMatch(
      /scalr-server\.rb:2: undefined method .*NoMethodError/,
    );
  });

  it('applies the local file after the main file', () => {
    const main = 'app[:x] = 1\napp[:configuration] = { scalr: { a: 1, b: 1 } }\nenable_all true\n';
    const local = 'app[:x] = 2\napp[:configuration][:scalr][:b] = 2\nmysql[:local] = app[:configuration]["scalr"]["a"]\n';
    const e = loadEffectiveText(main, local);
    expect(app(e)).toEqual({ x: 2, configuration: { scalr: { a: 1, b: 2 } } });
    expect(e.groups.mysql).toEqual({ local: 1 });
    expect(e.enable_all).toBe(true);
    expect(failure(() => loadEffectiveText(main, 'app[:x] = 3\nnope 1\n'))).toMatch(/scalr-server-local\.rb:2: /);
  });

  it('reads files given by path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scalr-conf-test-'));
    try {
      const main = join(dir, 'main.rb');
      const local = join(dir, 'local.rb');
      writeFileSync(main, 'app[:x] = 1\n');
      writeFileSync(local, 'app[:x] += 1\n');
      expect(app(loadEffective(main))).toEqual({ x: 1 });
      expect(app(loadEffective(main, local))).toEqual({ x: 2 });
      expect(failure(() => loadEffective(join(dir, 'missing.rb')))).toMatch(/missing\.rb: cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes enable_all false as a plain value', () => {
    expect(loadEffectiveText('enable_all false\n').enable_all).toBe(false);
    expect(loadEffectiveText('enable_all false\nenable_all true\n').enable_all).toBe(true);
  });

  it('encodes values canonically, as toCanonical does', () => {
    const e = loadEffectiveText(
      Buffer.concat([
        Buffer.from(
          [
            'app[:sym] = :scalr',
            'app[:float] = 1.5',
            'app[:whole_float] = 2.0',
            'app[:tiny] = 1.0e-05',
            'app[:nan] = Float::NAN',
            'app[:inf] = -Float::INFINITY',
            'app[:safe] = 2**53 - 1',
            'app[:neg_safe] = -(2**53 - 1)',
            'app[:big] = 2**53',
            'app[:neg_big] = -(2**70)',
            'app[:bytes] = "a\\xffb"',
            'app[:utf8_escaped] = "\\xC3\\xA9"',
            'app[:binary_utf8] = "ok".b',
            'app[:nil] = nil',
            'app[:bools] = [true, false]',
            'app[:range] = (1..2)',
          ].join('\n'),
        ),
        // Raw UTF-8 in the file stays as written.
        Buffer.from('\napp[:raw] = "é ✓"\n', 'utf8'),
      ]),
    );
    expect(app(e)).toEqual({
      sym: toCanonical({ kind: 'symbol', name: 'scalr' }),
      float: toCanonical({ kind: 'float', value: 1.5 }),
      whole_float: toCanonical({ kind: 'float', value: 2 }),
      tiny: toCanonical({ kind: 'float', value: 1e-5 }),
      nan: { $float: 'NaN' },
      inf: { $float: '-Infinity' },
      safe: toCanonical({ kind: 'integer', value: 2n ** 53n - 1n }),
      neg_safe: toCanonical({ kind: 'integer', value: -(2n ** 53n - 1n) }),
      big: toCanonical({ kind: 'integer', value: 2n ** 53n }),
      neg_big: toCanonical({ kind: 'integer', value: -(2n ** 70n) }),
      bytes: toCanonical({ kind: 'string', bin: 'a\xffb' }),
      utf8_escaped: 'é',
      binary_utf8: 'ok',
      nil: null,
      bools: [true, false],
      range: { $ruby: '1..2' },
      raw: 'é ✓',
    });
    expect(app(e).sym).toEqual({ $sym: 'scalr' });
    expect(app(e).big).toEqual({ $int: '9007199254740992' });
    expect(app(e).safe).toBe(9007199254740991);
    expect(app(e).bytes).toEqual({ $bytes: '61ff62' });
  });

  it('gives the same results in batch mode as one file at a time', () => {
    const cases: ({ main: string; local?: string } | string)[] = [
      '',
      'app[:configuration] = { scalr: { aws: { ip_pool: ["a"] } }, "scalr" => { x: 1 } }\nenable_all false\n',
      { main: 'app[:x] = 1\n', local: 'app[:x] = 2\napp[:y] = :s\n' },
      'app[:n] = [2**64, 0.1, "\\xfe"]\n',
      'foo 1\n',
      'app[:x] = 1\napp[:y\n',
      { main: 'app[:x] = 1\n', local: 'app[:x] = 2\n\nnope[:z] = 1\n' },
    ];
    const batch = loadMany(cases);
    expect(batch).toHaveLength(cases.length);
    cases.forEach((c, i) => {
      const [main, local] = typeof c === 'string' ? [c, undefined] : [c.main, c.local];
      const r = batch[i];
      let single: Effective | undefined;
      let error: string | undefined;
      try {
        single = loadEffectiveText(main, local);
      } catch (e) {
        error = (e as Error).message;
      }
      if (single) {
        expect(r).toMatchObject({ ok: true, value: single });
      } else {
        expect(r.ok).toBe(false);
        if (!r.ok) expect(withoutDirs(r.error)).toBe(withoutDirs(error!));
      }
    });
    expect(batch.map((r) => r.ok)).toEqual([true, true, true, true, false, false, false]);
  });

  it('evaluates each batch entry in a fresh configuration', () => {
    const [first, second, third] = loadMany([
      'config_strict_mode false\nfoo 1\napp[:x] = 1\nconfigurable :extra\nenable_all true\n',
      'app[:y] = app[:x]\n',
      'foo 1\n',
    ]);
    expect(first.ok).toBe(true);
    expect(second).toMatchObject({ ok: true, value: { groups: { app: { y: null } }, enable_all: null } });
    expect(third).toMatchObject({ ok: false, line: 1 });
  });

  it('keeps output of the evaluated file off the JSON and warnings on their entry', () => {
    const [r] = loadMany(['puts "noise"\nprint "{"\napp[:h] = { a: 1, a: 2 }\n']);
    expect(r).toMatchObject({ ok: true, value: { groups: { app: { h: { a: 2 } } } } });
    if (r.ok) expect(r.warnings?.join('\n')).toMatch(/duplicated/);
    expect(app(loadEffectiveText('puts "noise"\napp[:x] = 1\n'))).toEqual({ x: 1 });
  });

  it('checks syntax like ruby -c, one at a time and in batch', () => {
    const texts = ['app[:x] = 1\n', 'app[:x] = 1\napp[:y\n', 'break\n', 'def x\n', 'app[:h] = { a: 1, a: 2 }\n', 'foo 1\n'];
    const batch = syntaxMany(texts);
    const single = texts.map((t) => rubySyntaxOk(t));
    expect(single.map((r) => r.ok)).toEqual([true, false, true, false, true, true]);
    expect(batch.map((r) => r.ok)).toEqual(single.map((r) => r.ok));
    expect(single[1].message).toMatch(/:2: syntax error/);
    expect(batch[1]).toMatchObject({ ok: false, line: 2 });
    if (!batch[1].ok) expect(batch[1].error).toMatch(/scalr-server\.rb:2: syntax error/);
  });
});
