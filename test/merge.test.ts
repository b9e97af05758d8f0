import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import type { Canonical } from '../src/values/value';
import { runCli } from './support/cli';
import { expectError } from './support/runError';
import { loadMany, requireRuby, type Effective, type LoadResult } from './support/ruby';
import { configDir, FAKE_CTL, ROOT, SAMPLE } from './support/tmp';

const DOCS_SNIPPET = 'app[:configuration] = { "scalr" => { "aws" => { "instances_connection_policy" => "local" } } }';

function env(dir: string): NodeJS.ProcessEnv {
  return { FAKE_CTL_LOG: join(dir, 'ctl.log'), SCALR_CONF_BACKUP_DIR: join(dir, 'backups') };
}

const isHash = (v: Canonical | undefined): v is { [k: string]: Canonical } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !Object.keys(v).some((k) => k.startsWith('$'));

/** The cookbook's rule: hashes merge key by key, everything else replaces. */
function deepMerge(base: Canonical | undefined, over: Canonical): Canonical {
  if (!isHash(base) || !isHash(over)) return over;
  const out: { [k: string]: Canonical } = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(out[k], v);
  return out;
}

function mergedEffective(before: Effective, snippet: Effective): Effective {
  return {
    groups: deepMerge(before.groups as Canonical, snippet.groups as Canonical) as Effective['groups'],
    enable_all: snippet.enable_all === null ? before.enable_all : snippet.enable_all,
  };
}

interface Case {
  name: string;
  main: string;
  snippet: string;
  /** The snippet as Ruby evaluates it on its own, when the snippet itself needs earlier hashes. */
  standalone?: string;
}

const main = readFileSync(SAMPLE, 'latin1');
const scenarioInputs = readdirSync(join(ROOT, 'fixtures/scenarios'))
  .filter((d) => !d.startsWith('refuse-') && existsSync(join(ROOT, 'fixtures/scenarios', d, 'input.rb')))
  .map((d) => [d, readFileSync(join(ROOT, 'fixtures/scenarios', d, 'input.rb'), 'latin1')] as const);

const CASES: Case[] = [
  { name: "the docs' connection-policy sample into the sample file", main, snippet: DOCS_SNIPPET },
  { name: 'several statements, attributes and enable_all', main, snippet: 'proxy[:ssl_enable] = false\nproxy[:app_upstreams] = ["10.0.0.1:6270", "10.0.0.2:6270"]\nenable_all false\n' },
  {
    name: 'nested hashes merge into existing ones, new branches are added',
    main,
    snippet: 'app[:configuration] = {\n  "scalr" => {\n    "connections" => { "ldap" => { "port" => 636, "debug" => true } },\n    "ui" => { "mindterm_enabled" => false },\n  },\n}\n',
  },
  { name: 'symbol and label keys', main, snippet: 'app[:configuration] = { scalr: { aws: { instances_connection_policy: "public" }, :auth_mode => "scalr" } }\n' },
  {
    name: 'an array replaces the array there',
    main: 'app[:configuration] = { "scalr" => { "aws" => { "ip_pool" => ["10.0.0.0/8", "172.16.0.0/12"] } } }\n',
    snippet: 'app[:configuration] = { "scalr" => { "aws" => { "ip_pool" => ["192.168.0.0/16"] } } }',
  },
  {
    name: 'a hash replaces a scalar in its way',
    main: 'app[:configuration] = { "scalr" => { "ui" => "none" } }\n',
    snippet: 'app[:configuration] = { "scalr" => { "ui" => { "mindterm_enabled" => false } } }',
  },
  {
    name: 'an empty hash is added only where there is none',
    main: 'app[:configuration] = { "scalr" => { "ui" => { "mindterm_enabled" => true } } }\n',
    snippet: 'app[:configuration] = { "scalr" => { "ui" => {}, "dns" => {} } }',
  },
  { name: 'into an empty file', main: '', snippet: DOCS_SNIPPET + '\nproxy[:ssl_enable] = true\n' },
  {
    name: 'a later assignment in the snippet wins, as in Ruby',
    main,
    snippet: 'app[:configuration] = { "scalr" => { "auth_mode" => "scalr" } }\napp[:configuration] = { "scalr" => { "environment" => "QA" } }\n',
  },
  {
    name: 'single-key assignments below app[:configuration]',
    main,
    snippet: 'app[:configuration]["scalr"]["auth_mode"] = "scalr"\napp[:configuration]["scalr"]["aws"] = { "instances_connection_policy" => "auto" }\n',
    standalone: 'app[:configuration] = { "scalr" => { "auth_mode" => "scalr", "aws" => { "instances_connection_policy" => "auto" } } }\n',
  },
  ...scenarioInputs.slice(0, 40).map(([name, text]) => ({ name: `the docs' sample into fixtures/scenarios/${name}`, main: text, snippet: DOCS_SNIPPET })),
];

describe('merge', () => {
  const results: { c: Case; after?: string; code: number; stderr: string }[] = [];

  it('runs every case with one diff, one write and one reconfigure', async () => {
    for (const c of CASES) {
      const { dir, file } = configDir(Buffer.from(c.main, 'latin1'));
      const r = await runCli(['merge', c.snippet, '--file', file, '--ctl', FAKE_CTL], { env: env(dir) });
      results.push({ c, code: r.code, stderr: r.stderr, after: readFileSync(file, 'latin1') });
      if (r.code !== EXIT.OK) continue;
      const changed = readFileSync(file, 'latin1') !== c.main;
      expect((r.stdout.match(/^--- a\//gm) ?? []).length, c.name).toBe(changed ? 1 : 0);
      expect((r.stdout.match(/^wrote /gm) ?? []).length, c.name).toBe(changed ? 1 : 0);
      const calls = existsSync(join(dir, 'ctl.log')) ? readFileSync(join(dir, 'ctl.log'), 'utf8').trim().split('\n') : [];
      expect(calls, c.name).toEqual(changed ? ['reconfigure'] : []);
    }
    const failed = results.filter((r) => r.code !== EXIT.OK);
    expect(failed.map((f) => `${f.c.name}: ${f.stderr}`)).toEqual([]);
  });

  it('gives, as Ruby evaluates it, the old configuration deep-merged with the snippet', () => {
    expect(results.length).toBe(CASES.length);
    const texts = results.flatMap((r) => [r.c.main, r.c.standalone ?? r.c.snippet, r.after!]);
    const loaded: LoadResult[] = loadMany(texts);
    results.forEach((r, i) => {
      const [before, snippet, after] = loaded.slice(i * 3, i * 3 + 3);
      // Some scenario inputs are about files Ruby itself refuses (a BOM read as a name); nothing to compare there.
      if (!before.ok && r.c.name.includes('fixtures/scenarios/')) return;
      for (const x of [before, snippet, after]) expect(x.ok, `${r.c.name}: ${x.ok ? '' : x.error}`).toBe(true);
      if (!before.ok || !snippet.ok || !after.ok) return;
      expect(after.value, r.c.name).toEqual(mergedEffective(before.value, snippet.value));
    });
  });

  it('reads the snippet from stdin with -', async () => {
    const { dir, file } = configDir();
    const r = await runCli(['merge', '-', '--file', file, '--no-reconfigure'], { env: env(dir), stdin: DOCS_SNIPPET + '\n' });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(file, 'utf8')).toContain('"instances_connection_policy" => "local"');
  });

  it('--dry-run shows the diff and writes nothing', async () => {
    const { dir, file } = configDir();
    const before = readFileSync(file);
    const r = await runCli(['merge', DOCS_SNIPPET, '--file', file, '--dry-run'], { env: env(dir) });
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toContain('+      "instances_connection_policy" => "local",');
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});

describe('merge refuses what is not a plain literal, and writes nothing', () => {
  // [case, snippet, the fact the message must tell]
  const refusals: [string, string, RegExp][] = [
    [
      'the docs\' "local" or "public" placeholder',
      'app[:configuration] = { "scalr" => { "aws" => { "instances_connection_policy" => "local" or "public" } } }',
      /Pick one value: "local" \(.*"public" \(/,
    ],
    ['the placeholder in a plain assignment', 'app[:instances_connection_policy] = "local" or "public"', /Pick one value/],
    ['a path-like word from the docs page', 'shared/../reference', /paste only the Ruby lines/],
    ['prose around the sample', 'Edit the file and add:\napp[:configuration] = {}\n', /line 1/],
    ['a variable', 'app[:configuration] = { "scalr" => { "auth_mode" => mode } }', /"mode"/],
    ['a method call', 'proxy[:ssl_cert_path] = File.join("/etc", "x.crt")', /a method call/],
    ['a statement that sets nothing', 'x = 1', /line 1 of the snippet/],
    ['an unknown group', 'prxy[:ssl_enable] = true', /prxy/],
    ['a conditional', 'if true\n  proxy[:ssl_enable] = true\nend', /line 1 of the snippet/],
    ['a misspelt key (as set does)', 'app[:configuration] = { "scalr" => { "aws" => { "instances_conection_policy" => "local" } } }', /did you mean aws\.instances_connection_policy\?/],
    ['a value outside the known ones', 'app[:configuration] = { "scalr" => { "aws" => { "instances_connection_policy" => "private" } } }', /"public", "local", "auto"/],
    ['a string where a boolean belongs', 'proxy[:ssl_enable] = "No"', /not a boolean/],
    ['an empty snippet', '# nothing\n', /sets nothing/],
  ];
  for (const [name, snippet, message] of refusals) {
    it(name, async () => {
      const { dir, file } = configDir();
      const before = readFileSync(file);
      const r = await runCli(['merge', snippet, '--file', file, '--ctl', FAKE_CTL, '--json'], { env: env(dir) });
      // The snippet is not a file: the message says which of its lines, the error names no place.
      const error = expectError(r, { code: 'usage', exit: 'USAGE' });
      expect(error.message).toMatch(message);
      expect([error.file, error.line]).toEqual([undefined, undefined]);
      expect(readFileSync(file).equals(before)).toBe(true);
      expect(existsSync(join(dir, 'ctl.log'))).toBe(false);
    });
  }

  it('refuses, as set does, a word reconfigure turns into a boolean for a string setting', async () => {
    const { dir, file } = configDir();
    const before = readFileSync(file);
    const r = await runCli(['merge', 'app[:email_from_name] = "off"', '--file', file, '--ctl', FAKE_CTL, '--json'], { env: env(dir) });
    const set = await runCli(['set', 'app[:email_from_name]', 'off', '--file', file, '--ctl', FAKE_CTL, '--json'], { env: env(dir) });
    expectError(r, { code: 'becomes-boolean', exit: 'REFUSED' });
    expectError(set, { code: 'becomes-boolean', exit: 'REFUSED' });
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('--force merges a misspelt key anyway', async () => {
    const { dir, file } = configDir();
    const r = await runCli(['merge', 'proxy[:ssl_enabel] = true', '--file', file, '--no-reconfigure', '--force'], { env: env(dir) });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(file, 'utf8')).toContain('proxy[:ssl_enabel] = true');
  });
});

describe('merge reads samples as pasted from the docs page', () => {
  it('skips "..." lines and reads typographic quotes, saying so', async () => {
    const { dir, file } = configDir();
    const snippet = 'app[:configuration] = {\n  "scalr" => {\n    ...\n    \u201caws\u201d => { \u201cinstances_connection_policy\u201d => \u201clocal\u201d },\n    \u2026\n  }\n}\n';
    const r = await runCli(['merge', snippet, '--file', file, '--no-reconfigure'], { env: env(dir) });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stderr).toContain('ignored "..." on lines 3, 5');
    expect(r.stderr).toContain('typographic quotes');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('"instances_connection_policy" => "local"');
    expect(text).toContain('"auth_mode" => "ldap"');
  });

  it('keeps typographic quotes inside a string that reads fine as it is', async () => {
    const { dir, file } = configDir();
    const r = await runCli(['merge', 'app[:configuration] = { "scalr" => { "ui" => { "login_warning" => "Don\u2019t share" } } }', '--file', file, '--no-reconfigure'], { env: env(dir) });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readFileSync(file, 'utf8')).toContain('"login_warning" => "Don\u2019t share"');
  });

  it('a file whose hash stands in the way of a key is refused as set refuses it', async () => {
    const { dir, file } = configDir('app[:configuration] = { "scalr" => { "aws" => some_method } }\n');
    const r = await runCli(['merge', DOCS_SNIPPET, '--file', file, '--no-reconfigure', '--json'], { env: env(dir) });
    expect(expectError(r, { code: 'unsupported', exit: 'REFUSED', line: 1 }).message).toContain('some_method');
  });
});
