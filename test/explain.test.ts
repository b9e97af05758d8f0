import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import { toCanonical, type Canonical } from '../src/values/value';
import { explain } from '../src/knowledge/explain';
import { runCli } from './support/cli';
import { expectError } from './support/runError';
import { loadMany, loadUses, requireRuby } from './support/ruby';
import { configDir, SAMPLE } from './support/tmp';

const sample = readFileSync(SAMPLE, 'latin1');

function withLocal(main: string, local?: string): { dir: string; file: string } {
  const made = configDir(main);
  if (local !== undefined) writeFileSync(join(made.dir, 'scalr-server-local.rb'), local);
  return made;
}

async function explainJson(args: string[], main: string, local?: string) {
  const { dir, file } = withLocal(main, local);
  const r = await runCli(['explain', ...args, '--file', file, '--json']);
  expect(r.code, r.stderr).toBe(EXIT.OK);
  return { dir, file, e: JSON.parse(r.stdout) };
}

describe('explain: the deciding line and what it shadows', () => {
  it('a value set in scalr-server.rb and overridden in scalr-server-local.rb', async () => {
    const local = 'app[:configuration]["scalr"]["auth_mode"] = "scalr"\n';
    const { dir, e } = await explainJson(['auth_mode'], sample, local);
    expect(e).toMatchObject({ key: 'auth_mode', set: true, value: 'scalr' });
    expect(e.decidedBy).toEqual({ file: join(dir, 'scalr-server-local.rb'), line: 1, text: local.trim() });
    expect(e.shadows).toEqual([
      {
        file: join(dir, 'scalr-server.rb'),
        line: 23,
        text: '"auth_mode" => "ldap",',
        key: 'auth_mode',
        how: 'overridden',
        value: 'ldap',
        by: { file: join(dir, 'scalr-server-local.rb'), line: 1, text: local.trim() },
      },
    ]);
  });

  it('a local app[:configuration] = that discards the main file value', async () => {
    const local = 'app[:configuration] = {\n  "scalr" => { "environment" => "QA" },\n}\n';
    const { e } = await explainJson(['auth_mode'], sample, local);
    expect(e.set).toBe(false);
    expect(e.shadows).toHaveLength(1);
    expect(e.shadows[0]).toMatchObject({ line: 23, how: 'discarded', value: 'ldap', by: { line: 1 } });
  });

  it('a second app[:configuration] = in the same file', async () => {
    const main = 'app[:configuration] = { "scalr" => { "auth_mode" => "ldap" } }\napp[:configuration] = { "scalr" => { "auth_mode" => "scalr" } }\n';
    const { e } = await explainJson(['auth_mode'], main);
    expect(e).toMatchObject({ value: 'scalr', decidedBy: { line: 2 } });
    expect(e.shadows).toMatchObject([{ line: 1, how: 'discarded', value: 'ldap', by: { line: 2 } }]);
  });

  it('duplicate keys in one hash, also in different spellings', async () => {
    const main = 'app[:configuration] = {\n  "scalr" => {\n    "auth_mode" => "ldap",\n    auth_mode: "scalr",\n  },\n}\n';
    const { e } = await explainJson(['auth_mode'], main);
    expect(e).toMatchObject({ value: 'scalr', decidedBy: { line: 4 } });
    expect(e.shadows).toMatchObject([{ line: 3, how: 'duplicate', value: 'ldap', by: { line: 4 } }]);
  });

  it('a value that cannot be told from the file says why', async () => {
    const main = 'app[:configuration] = { "scalr" => {} }\nif File.exist?("/x")\n  app[:configuration]["scalr"]["auth_mode"] = "ldap"\nend\n';
    const { e } = await explainJson(['auth_mode'], main);
    expect(e.value).toBeNull();
    expect(e.unknown).toMatch(/scalr-server\.rb:2 has an assignment inside a conditional/);
  });
});

describe('explain: what Scalr knows about the connection policy', () => {
  it('app[:instances_connection_policy] feeds scalr.instances_connection_policy', async () => {
    const { e } = await explainJson(['app[:instances_connection_policy]'], sample + 'app[:instances_connection_policy] = "local"\n');
    expect(e).toMatchObject({ key: 'app[:instances_connection_policy]', value: 'local' });
    expect(e.notes.join('\n')).toMatch(/copies app\[:instances_connection_policy\] into config\.yml as scalr\.instances_connection_policy, unless app\[:configuration\] sets/);
  });

  it('... unless app[:configuration] overrides it', async () => {
    const main = 'app[:instances_connection_policy] = "local"\napp[:configuration] = { "scalr" => { "instances_connection_policy" => "public" } }\n';
    const attr = (await explainJson(['app[:instances_connection_policy]'], main)).e;
    expect(attr.notes.join('\n')).toMatch(/sets instances_connection_policy = "public" at .*scalr-server\.rb:2, which wins: app\[:instances_connection_policy\] has no effect/);
    expect(attr.effective).toMatchObject({ value: 'public' });
    const global = (await explainJson(['instances_connection_policy'], main)).e;
    expect(global.value).toBe('public');
    expect(global.notes.join('\n')).toMatch(/app\[:instances_connection_policy\] = "local" at .*:1 is ignored/);
  });

  it('the global policy comes from the attribute when app[:configuration] does not set it, else the default', async () => {
    const fromAttr = (await explainJson(['instances_connection_policy'], 'app[:instances_connection_policy] = "local"\n')).e;
    expect(fromAttr).toMatchObject({ set: false, effective: { value: 'local' } });
    const byDefault = (await explainJson(['instances_connection_policy'], sample)).e;
    expect(byDefault).toMatchObject({ set: false, effective: { value: 'auto', source: 'the default' } });
  });

  it('a per-cloud policy overrides the global one for that cloud', async () => {
    const main = 'app[:instances_connection_policy] = "public"\napp[:configuration] = { "scalr" => { "aws" => { "instances_connection_policy" => "local" } } }\n';
    const aws = (await explainJson(['aws.instances_connection_policy'], main)).e;
    expect(aws.value).toBe('local');
    expect(aws.notes.join('\n')).toMatch(/for aws instances it overrides instances_connection_policy \("public", set by app\[:instances_connection_policy\]/);
    const gce = (await explainJson(['gce.instances_connection_policy'], main)).e;
    expect(gce).toMatchObject({ set: false, effective: { value: 'public', scope: 'gce instances' } });
    const global = (await explainJson(['instances_connection_policy'], main)).e;
    expect(global.notes.join('\n')).toMatch(/aws\.instances_connection_policy = "local" at .*:2 overrides it for aws instances/);
  });

  it("the docs' aws. spelling and the ec2. key Scalr's code reads point at each other", async () => {
    const docsOnly = 'app[:configuration] = { "scalr" => { "aws" => { "instances_connection_policy" => "local" } } }\n';
    const { file, e: aws } = await explainJson(['aws.instances_connection_policy'], docsOnly);
    const unpaired = (at: string) =>
      `Scalr's docs write aws.instances_connection_policy; Scalr's code reads per-cloud settings by platform id, as ec2.instances_connection_policy, which is not set: set it too, to "local", the value of aws.instances_connection_policy at ${at}:1 (scalr-conf set --with-ec2 sets both)`;
    expect(aws.notes).toContain(unpaired(file));
    // Explaining either key says the same of the pair.
    const other = await explainJson(['ec2.instances_connection_policy'], docsOnly);
    expect(other.e).toMatchObject({ set: false, effective: { value: 'auto', scope: 'ec2 instances' } });
    expect(other.e.notes).toContain(unpaired(other.file));

    const disagree = 'app[:configuration] = {\n  "scalr" => {\n    "aws" => { "instances_connection_policy" => "local" },\n    "ec2" => { "instances_connection_policy" => "public" },\n  },\n}\n';
    const both = await explainJson(['aws.instances_connection_policy'], disagree);
    expect(both.e.notes).toContain(
      `Scalr's docs write aws.instances_connection_policy; Scalr's code reads per-cloud settings by platform id, as ec2.instances_connection_policy, set to "public" at ${both.file}:4: the two disagree (aws.instances_connection_policy is "local" at ${both.file}:3)`,
    );
    // vmware is the vSphere platform's own id: nothing to point at.
    const vmware = (await explainJson(['vmware.instances_connection_policy'], sample)).e;
    expect(vmware.notes.join('\n')).not.toMatch(/platform id/);
  });

  it('text output: value, deciding line, shadows, notes, then the schema with values and default', async () => {
    const { dir, file } = withLocal(sample, 'app[:configuration]["scalr"]["aws"] = { "instances_connection_policy" => "local" }\n');
    const r = await runCli(['explain', 'aws.instances_connection_policy', '--file', file]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toContain(`aws.instances_connection_policy = "local"\n  set at ${join(dir, 'scalr-server-local.rb')}:1: `);
    expect(r.stdout).toMatch(/note: for aws instances it overrides instances_connection_policy \("auto", the default\)/);
    expect(r.stdout).toMatch(/\n  type: enum\n  values:\n    public +connect only to the instance's public IP\n    local +connect only to the private IP.*\n    auto +the public IP when/);
    expect(r.stdout).toContain('  default: none');
    const unset = await runCli(['explain', 'auth_mode', '--file', configDir('').file]);
    expect(unset.stdout).toMatch(/^auth_mode is not set in scalr-server\.rb \(there is no scalr-server-local\.rb\)/);
    expect(unset.stdout).toContain('  default: "scalr"');
  });
});

describe('explain: every layer, as reconfigure applies them', () => {
  const secretsJson = { mysql: { scalr_password: 'from-json' } };
  const main = 'app[:configuration] = { "scalr" => { "auth_mode" => "off" } }\nmysql[:scalr_password] = "from-rb"\n';

  it('a string that string2boolean turns: the file holds "off", Scalr gets false, as Ruby says', async () => {
    requireRuby();
    const { e } = await explainJson(['auth_mode'], main);
    const ruby = loadUses({ main });
    expect(ruby.error).toBeNull();
    expect((ruby.configuration as Record<string, Record<string, unknown>>).scalr.auth_mode).toBe(false);
    expect(e.value).toBe('off');
    expect(e.used).toEqual({ value: false, unreadable: null, source: expect.stringMatching(/scalr-server\.rb$/), steps: ['string2boolean'] });
    expect(e.layers.map((p: { outcome: string; value: unknown }) => [p.value, p.outcome])).toEqual([
      ['scalr', 'replaced'],
      ['off', 'used'],
    ]);
  });

  it('a key scalr-server-secrets.json holds: the .rb line is replaced by the JSON, as Ruby says', async () => {
    requireRuby();
    const { dir } = withLocal(main);
    writeFileSync(join(dir, 'scalr-server-secrets.json'), JSON.stringify(secretsJson));
    const r = await runCli(['explain', 'mysql[:scalr_password]', '--file', join(dir, 'scalr-server.rb'), '--json', '--show-secrets']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const e = JSON.parse(r.stdout);
    const ruby = loadUses({ main, secrets: secretsJson });
    expect((ruby.attributes as Record<string, Record<string, unknown>>).mysql.scalr_password).toBe('from-json');
    expect(e.used).toMatchObject({ value: 'from-json', source: join(dir, 'scalr-server-secrets.json'), steps: ['secrets'] });
    expect(e.layers).toEqual([
      { file: join(dir, 'scalr-server.rb'), line: 2, value: 'from-rb', outcome: 'replaced' },
      { file: join(dir, 'scalr-server-secrets.json'), line: null, value: 'from-json', outcome: 'used' },
    ]);
    const text = await runCli(['explain', 'mysql[:scalr_password]', '--file', join(dir, 'scalr-server.rb')]);
    expect(text.stdout).not.toMatch(/from-json|from-rb/);
    expect(text.stdout).toContain(`note: mysql[:scalr_password] comes from ${join(dir, 'scalr-server-secrets.json')}`);
  });

  it('main, then local, each with its line; an unset key shows the default Scalr keeps', async () => {
    const local = 'app[:configuration]["scalr"]["auth_mode"] = "ldap"\n';
    const { dir, e } = await explainJson(['auth_mode'], main, local);
    expect(e.layers).toEqual([
      { file: 'default', line: null, value: 'scalr', outcome: 'replaced' },
      { file: join(dir, 'scalr-server.rb'), line: 1, value: 'off', outcome: 'overridden' },
      { file: join(dir, 'scalr-server-local.rb'), line: 1, value: 'ldap', outcome: 'used' },
    ]);
    expect(e.used).toMatchObject({ value: 'ldap', steps: [] });
    const unset = await explainJson(['auth_mode'], '');
    expect(unset.e.used).toMatchObject({ value: 'scalr', source: 'default' });
    const text = await runCli(['explain', 'auth_mode', '--file', configDir('').file]);
    expect(text.stdout).toContain('  Scalr uses the default: "scalr"');
  });

  it('a nil keeps the default, as the cookbook merge does', async () => {
    const { e } = await explainJson(['auth_mode'], 'app[:configuration] = { "scalr" => { "auth_mode" => nil } }\n');
    expect(e.used).toMatchObject({ value: 'scalr', steps: ['default'] });
  });
});

describe('explain: keys and secrets', () => {
  it('masks secrets unless --show-secrets', async () => {
    const { file } = withLocal(sample);
    const masked = await runCli(['explain', 'mysql[:root_password]', '--file', file]);
    expect(masked.stdout).not.toContain('8c1f0b3e2d7a4c59');
    expect(masked.stdout).toContain('mysql[:root_password] = "********"');
    const shown = await runCli(['explain', 'mysql[:root_password]', '--file', file, '--show-secrets']);
    expect(shown.stdout).toContain('8c1f0b3e2d7a4c59');
  });

  it('a near miss of a known key is a usage error with did-you-mean', async () => {
    const r = await runCli(['explain', 'aws.instances_conection_policy', '--file', configDir().file, '--json']);
    expect(expectError(r, { code: 'usage', exit: 'USAGE' }).message).toContain('did you mean aws.instances_connection_policy?');
  });

  it('a key unknown to the schema but set in the file is still explained', async () => {
    const { e } = await explainJson(['custom.thing'], 'app[:configuration] = { "scalr" => { "custom" => { "thing" => 1 } } }\n');
    expect(e).toMatchObject({ set: true, value: 1, setting: null });
  });

  it('a syntax error names the file', async () => {
    const { dir, file } = withLocal(sample, 'app[:configuration] = {\n');
    const r = await runCli(['explain', 'auth_mode', '--file', file]);
    expect(r.code).toBe(EXIT.REFUSED);
    expect(r.stderr).toMatch(/scalr-server-local\.rb: syntax error at line 1/);
    const j = await runCli(['explain', 'auth_mode', '--file', file, '--json']);
    expectError(j, { code: 'syntax', exit: 'REFUSED', file: join(dir, 'scalr-server-local.rb'), line: 1 });
  });
});

/** Every leaf of a canonical hash as [dotted path, value]. */
function leaves(v: Canonical, path: string[] = []): [string[], Canonical][] {
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && !Object.keys(v).some((k) => k.startsWith('$')) && Object.keys(v).length) {
    return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]));
  }
  return [[path, v]];
}

describe('explain agrees with Ruby on every value', () => {
  const configs: [string, string, string | undefined][] = [
    ['the sample', sample, undefined],
    ['the sample with a local override file', sample, 'app[:configuration]["scalr"]["auth_mode"] = "scalr"\nproxy[:ssl_enable] = false\napp[:configuration]["scalr"]["aws"] = { "ip_pool" => ["10.0.0.0/8"] }\n'],
    ['a local file replacing app[:configuration]', sample, 'app[:configuration] = { "scalr" => { "environment" => "QA", "auth_mode" => "scalr" } }\n'],
    ['duplicates and a second block', 'app[:configuration] = { "scalr" => { "a" => 1, :a => 2, "b" => { "c" => 3 } } }\napp[:configuration] = { "scalr" => { "b" => { "d" => 4 }, b: { "e" => 5 } } }\nproxy[:ssl_enable] = true\nproxy[:ssl_enable] = false\n', undefined],
  ];
  for (const [name, main, local] of configs) {
    it(name, () => {
      const [r] = loadMany([local === undefined ? main : { main, local }]);
      expect(r.ok, r.ok ? '' : r.error).toBe(true);
      if (!r.ok) return;
      let checked = 0;
      for (const [group, value] of Object.entries(r.value.groups)) {
        for (const [path, leaf] of leaves(value)) {
          if (path.length === 0) continue;
          const key = `${group}${path.map((k) => `[${JSON.stringify(k)}]`).join('')}`;
          const e = explain(main, local, key);
          expect(e.value && toCanonical(e.value), key).toEqual(leaf);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(1);
    });
  }
});
