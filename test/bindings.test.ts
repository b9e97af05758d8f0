/**
 * Values read through top-level constants and local variables, held to Ruby: what the model reads
 * is what load-config.rb gets, and what it cannot be sure of it leaves unread.
 */
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMany, requireRuby, type Effective, type LoadResult } from './support/ruby';
import { configDir, ROOT } from './support/tmp';
import { runCli } from './support/cli';
import { expectError } from './support/runError';
import { EXIT } from '../src/app/exitCodes';
import { explain } from '../src/knowledge/explain';
import { layerDocuments } from '../src/ruby/layers';
import { readValue } from '../src/ruby/query';
import { parseKey } from '../src/values/keys';
import { toCanonical, type Canonical } from '../src/values/value';
import { foldUses } from '../src/model/uses';

requireRuby();

interface Case {
  name: string;
  main: string;
  local?: string;
  /** Keys the model must read, with the value Ruby has. */
  read: string[];
  /** Keys the model must leave unread. */
  unread?: string[];
  /** Ruby cannot load the files (a name it does not know there). */
  rubyFails?: RegExp;
}

const CASES: Case[] = [
  { name: 'a constant', main: "ENDPOINT = 'scalr.example.com'\nrouting[:endpoint_host] = ENDPOINT\n", read: ['routing[:endpoint_host]'] },
  { name: 'a local variable', main: "proto = 'https'\nrouting[:endpoint_scheme] = proto\n", read: ['routing[:endpoint_scheme]'] },
  {
    name: 'string concatenation in an array',
    main: "S1 = 'app1'\nPORT = \"11211\"\napp[:memcached_servers] = [S1 + ':' + PORT, 'app2' + ':' + PORT]\n",
    read: ['app[:memcached_servers]'],
  },
  { name: 'a name defined from another', main: "HOST = 'example.com'\nENDPOINT = 'scalr.' + HOST\nrouting[:endpoint_host] = ENDPOINT\n", read: ['routing[:endpoint_host]'] },
  {
    name: 'if/then/else on ==, both ways',
    main: "proto = 'http'\nrouting[:plotter_port] = if proto == 'http' then 80 else 443 end\nproto = 'https'\nrouting[:graphics_port] = if proto == 'http' then 80 else 443 end\n",
    read: ['routing[:plotter_port]', 'routing[:graphics_port]'],
  },
  {
    name: 'ternaries, !=, elsif, unless, a missing else, a multi-line if',
    main: [
      "P = 'https'",
      "routing[:a] = P != 'http' ? 443 : 80",
      "routing[:b] = if P == 'http' then 1 elsif P == 'https' then 2 else 3 end",
      "routing[:c] = unless P == 'http' then :secure else :plain end",
      "routing[:d] = if P == 'ftp' then 1 end",
      'routing[:e] = if P == :https',
      "  'symbol'",
      'else',
      "  'string'",
      'end',
      "routing[:f] = (P == 'https')",
      '',
    ].join('\n'),
    read: ['routing[:a]', 'routing[:b]', 'routing[:c]', 'routing[:d]', 'routing[:e]', 'routing[:f]'],
  },
  { name: 'a frozen literal', main: "ENDPOINT = 'scalr.example.com'.freeze\nrouting[:endpoint_host] = ENDPOINT\n", read: ['routing[:endpoint_host]'] },
  {
    name: 'a name inside a hash literal, and as the argument of enable_all',
    main: "HOST = 'ldap.example.com'\nON = true\nenable_all ON\napp[:configuration] = { 'scalr' => { 'connections' => { 'ldap' => { 'host' => HOST, 'port' => 389 } } } }\n",
    read: ['enable_all', 'app[:configuration]'],
  },
  {
    name: 'a reassignment counts from where it is',
    main: "E = 'a.example.com'\nrouting[:endpoint_host] = E\nE = 'b.example.com'\nrouting[:graphics_host] = E\n",
    read: ['routing[:endpoint_host]', 'routing[:graphics_host]'],
  },
  {
    name: "a constant of scalr-server.rb in scalr-server-local.rb",
    main: "ENDPOINT = 'scalr.example.com'\n",
    local: 'routing[:endpoint_host] = ENDPOINT\n',
    read: ['routing[:endpoint_host]'],
  },
  {
    name: 'a constant reassigned in scalr-server-local.rb, after scalr-server.rb read it',
    main: "E = 'main.example.com'\nrouting[:endpoint_host] = E\n",
    local: "E = 'local.example.com'\nrouting[:graphics_host] = E\n",
    read: ['routing[:endpoint_host]', 'routing[:graphics_host]'],
  },
  {
    name: "scalr-server-local.rb's own variable of the same name",
    main: "proto = 'http'\nrouting[:endpoint_scheme] = proto\n",
    local: "proto = 'https'\nrouting[:graphics_scheme] = proto\n",
    read: ['routing[:endpoint_scheme]', 'routing[:graphics_scheme]'],
  },
  {
    name: "a local variable of scalr-server.rb is not seen in scalr-server-local.rb",
    main: "proto = 'http'\nrouting[:endpoint_scheme] = proto\n",
    local: 'routing[:graphics_scheme] = proto\n',
    read: [],
    unread: ['routing[:graphics_scheme]'],
    rubyFails: /proto/,
  },
  {
    name: 'a constant used before it is defined',
    main: "routing[:endpoint_host] = LATER\nLATER = 'x'\n",
    read: [],
    unread: ['routing[:endpoint_host]'],
    rubyFails: /LATER/,
  },
  {
    name: 'a constant of scalr-server-local.rb is not there yet in scalr-server.rb',
    main: 'routing[:endpoint_host] = FROM_LOCAL\n',
    local: "FROM_LOCAL = 'x'\n",
    read: [],
    unread: ['routing[:endpoint_host]'],
    rubyFails: /FROM_LOCAL/,
  },
  {
    name: 'a value changed in place by <<',
    main: "E = 'a'\nrouting[:endpoint_host] = E\nE << '.example.com'\nrouting[:graphics_host] = 'literal'\n",
    read: ['routing[:graphics_host]'],
    unread: ['routing[:endpoint_host]'],
  },
  {
    name: 'a value changed in place by a method',
    main: "E = 'a'\nrouting[:endpoint_host] = E\nE.concat('.example.com')\n",
    read: [],
    unread: ['routing[:endpoint_host]'],
  },
  {
    name: "a value changed in place through another setting that holds the same string",
    main: "E = 'x.example.com'\nrouting[:endpoint_host] = E\nrouting[:graphics_host] = E\nrouting[:endpoint_host]['x'] = 'scalr'\n",
    read: [],
    unread: ['routing[:graphics_host]'],
  },
  {
    name: 'a value changed in place by an index of a variable',
    main: "e = 'x.example.com'\nrouting[:endpoint_host] = e\ne['x'] = 'scalr'\n",
    read: [],
    unread: ['routing[:endpoint_host]'],
  },
  {
    name: "a value changed in place in scalr-server-local.rb",
    main: "E = 'x.example.com'\nrouting[:endpoint_host] = E\n",
    local: "E.sub!('x', 'scalr')\n",
    read: [],
    unread: ['routing[:endpoint_host]'],
  },
  {
    name: 'an assignment inside a conditional, ||= and a multiple assignment',
    main: "proto = 'http'\nif true then proto = 'https' end\nrouting[:endpoint_scheme] = proto\nP = nil\nP ||= 'a'\nrouting[:graphics_scheme] = P\nx, y = 'a', 'b'\nrouting[:plotter_scheme] = x\n",
    read: [],
    unread: ['routing[:endpoint_scheme]', 'routing[:graphics_scheme]', 'routing[:plotter_scheme]'],
  },
  {
    name: 'the variable of a for loop, and an assignment nested in a value',
    main: "p = 'a'\nfor p in ['b'] do end\nrouting[:endpoint_scheme] = p\nq = 'a'\nrouting[:plotter_scheme] = (q = 'c')\nrouting[:graphics_scheme] = q\n",
    read: [],
    unread: ['routing[:endpoint_scheme]', 'routing[:plotter_scheme]', 'routing[:graphics_scheme]'],
  },
  {
    name: 'what is not followed: a method call, a string and an integer added, a hash',
    main: "H = ENV.fetch('HOME', '/root')\nrouting[:endpoint_host] = H\nrouting[:graphics_host] = 'a' + 1.to_s\nC = { 'scalr' => {} }\napp[:configuration] = C\nrouting[:plotter_host] = 'plain'\n",
    read: ['routing[:plotter_host]'],
    unread: ['routing[:endpoint_host]', 'routing[:graphics_host]', 'app[:configuration]'],
  },
  {
    name: 'a hash an if gives (writes below it could not be followed), beside one in parentheses',
    main: "P = 'a'\napp[:configuration] = if P == 'a' then { 'scalr' => { 'x' => 1 } } else {} end\nenable_all({ 'proxy' => true })\n",
    read: ['enable_all'],
    unread: ['app[:configuration]'],
  },
];

/** The value at a key in what Ruby loaded. */
function rubyAt(effective: Effective, key: string): Canonical | undefined {
  const target = parseKey(key);
  if (target.kind === 'enable_all') return effective.enable_all;
  let cur: Canonical | undefined = effective.groups[target.group];
  for (const k of target.path) cur = cur && typeof cur === 'object' && !Array.isArray(cur) ? (cur as Record<string, Canonical>)[k] : undefined;
  return cur;
}

describe('constants and local variables, as Ruby reads them', () => {
  const loaded = loadMany(CASES.map((c) => ({ main: c.main, local: c.local })));

  for (const [i, c] of CASES.entries()) {
    it(c.name, () => {
      const ruby: LoadResult = loaded[i];
      const doc = layerDocuments(c.main, c.local).combined;
      if (c.rubyFails) {
        expect(ruby.ok).toBe(false);
        if (!ruby.ok) expect(ruby.error).toMatch(c.rubyFails);
      } else if (!ruby.ok) throw new Error(`Ruby failed: ${ruby.error}`);
      for (const key of c.read) {
        const found = readValue(doc, parseKey(key));
        expect(found && !('kind' in found), `${key} is read`).toBe(true);
        if (ruby.ok && found && !('kind' in found)) expect(toCanonical(found.value), key).toEqual(rubyAt(ruby.value, key));
      }
      for (const key of c.unread ?? []) {
        const found = readValue(doc, parseKey(key));
        expect(found && 'kind' in found ? found.kind : found, `${key} is unread`).toBe('unreadable');
      }
    });
  }
});

describe("Scalr's 4-server HA template (fixtures/bindings/4-server-ha)", () => {
  const dir = join(ROOT, 'fixtures/bindings/4-server-ha');
  const main = readFileSync(join(dir, 'scalr-server.rb'), 'latin1');
  const local = readFileSync(join(dir, 'scalr-server-local.rb'), 'latin1');

  it('reads every value Ruby reads, with and without the local file', () => {
    const [both, alone] = loadMany([{ main, local }, { main }]);
    for (const [ruby, layered] of [
      [both, layerDocuments(main, local)],
      [alone, layerDocuments(main)],
    ] as const) {
      if (!ruby.ok) throw new Error(ruby.error);
      const model = new Map<string, Canonical>();
      for (const use of foldUses({ layered }).leaves.values()) {
        expect(use.unreadable, use.path.join('.')).toBeUndefined();
        model.set(use.path.join('.'), toCanonical(use.literal!));
      }
      const expected = new Map<string, Canonical>();
      for (const [group, value] of Object.entries(ruby.value.groups)) flattenCanonical([group], value, expected);
      if (ruby.value.enable_all !== null) expected.set('enable_all', ruby.value.enable_all);
      expect(Object.fromEntries(model)).toEqual(Object.fromEntries(expected));
      expect(model.size).toBeGreaterThanOrEqual(20);
    }
  });
});

/** Ruby's leaves as the fold lists them: a hash with keys is no leaf, an empty one is. */
function flattenCanonical(path: string[], v: Canonical, out: Map<string, Canonical>): void {
  const special = v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && Object.keys(v)[0].startsWith('$');
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !special && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v)) flattenCanonical([...path, k], x as Canonical, out);
  } else if (path.length > 1) out.set(path.join('.'), v);
}

describe('get, show and explain through names', () => {
  it('explain names the line that sets each constant or variable, in the file that sets it', () => {
    const main = "# topology\nENDPOINT = 'scalr.example.com'\nproto = 'https'\nrouting[:endpoint_scheme] = proto\n";
    const local = "# this node\nPORT = 8080\nrouting[:plotter_port] = if ENDPOINT == 'scalr.example.com' then PORT else 80 end\n";
    const e = explain(main, local, 'routing[:plotter_port]');
    expect(e.value).toEqual({ kind: 'integer', value: 8080n });
    expect(e.decidedBy).toMatchObject({ layer: 'local', line: 3 });
    expect(e.notes).toContain("ENDPOINT is set at scalr-server.rb:2: ENDPOINT = 'scalr.example.com'");
    expect(e.notes).toContain('PORT is set at scalr-server-local.rb:2: PORT = 8080');
    expect(e.layers).toEqual([{ source: 'local', line: 3, value: { kind: 'integer', value: 8080n }, outcome: 'used' }]);
    const scheme = explain(main, local, 'routing[:endpoint_scheme]');
    expect(scheme.notes).toContain("proto is set at scalr-server.rb:3: proto = 'https'");
    expect(scheme.layers).toEqual([{ source: 'main', line: 4, value: { kind: 'string', bin: 'https' }, outcome: 'used' }]);
  });

  it('get, show and explain on the command line print what Ruby reads', async () => {
    const dir = join(ROOT, 'fixtures/bindings/4-server-ha');
    const { dir: tmp, file } = configDir(readFileSync(join(dir, 'scalr-server.rb')));
    try {
      copyFileSync(join(dir, 'scalr-server-local.rb'), join(tmp, 'scalr-server-local.rb'));
      const get = await runCli(['get', 'app[:memcached_servers]', '--file', file, '--json']);
      expect(get.code, get.stderr).toBe(EXIT.OK);
      expect(JSON.parse(get.stdout).value).toEqual(['scalr server1 hostname:11211', 'scalr server2 hostname:11211']);
      const show = await runCli(['show', '--all', '--file', file]);
      expect(show.code, show.stderr).toBe(EXIT.OK);
      expect(show.stdout).toContain('routing[:plotter_port] = 80\n');
      expect(show.stdout).toContain('routing[:endpoint_host] = "loadbalancer or hostname of endpoint"\n');
      expect(show.stdout + show.stderr).not.toMatch(/cannot/);
      const ex = await runCli(['explain', 'routing[:plotter_port]', '--file', file]);
      expect(ex.code, ex.stderr).toBe(EXIT.OK);
      expect(ex.stdout).toContain(`proto is set at ${file}:12: proto = 'http'`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('set of a key whose value is a constant or variable', () => {
  const dir = join(ROOT, 'fixtures/bindings/4-server-ha');
  const main = readFileSync(join(dir, 'scalr-server.rb'), 'latin1');
  const local = readFileSync(join(dir, 'scalr-server-local.rb'), 'latin1');

  it('replaces that one reference, changes exactly that key as Ruby reads both files, and names what else reads it', async () => {
    const { dir: tmp, file } = configDir(main);
    try {
      writeFileSync(join(tmp, 'scalr-server-local.rb'), local, 'latin1');
      const r = await runCli(['set', 'routing[:endpoint_host]', 'scalr.example.com', 'routing[:plotter_port]', '8080', '--file', file, '--json', '--no-reconfigure', '--backups', '0', '--yes']);
      expect(r.code, r.stderr).toBe(EXIT.OK);
      const summary = JSON.parse(r.stdout).summary as string[];
      expect(summary[0]).toBe('set routing[:endpoint_host] (in place of ENDPOINT, which routing[:graphics_host], routing[:plotter_host] still read)');
      expect(summary[1]).toMatch(/^set routing\[:plotter_port\] \(in place of proto, which routing\[:endpoint_scheme\], routing\[:graphics_scheme\], routing\[:plotter_scheme\] still read\)$/);
      // Without --json the same is said beside the diff.
      const dry = await runCli(['set', 'routing[:graphics_host]', 'lb.example.com', '--file', file, '--dry-run']);
      expect(dry.stderr).toContain('scalr-conf: note: set routing[:graphics_host] (in place of ENDPOINT, which routing[:plotter_host] still reads)\n');
      const after = readFileSync(file, 'latin1');
      expect(after).toContain('routing[:endpoint_host] = "scalr.example.com"\n');
      expect(after).toContain("ENDPOINT = 'loadbalancer or hostname of endpoint'");
      expect(after).toContain('routing[:graphics_host] = ENDPOINT\n');
      expect(after).toContain('routing[:plotter_port] = 8080\n');
      const [before, now] = loadMany([{ main, local }, { main: after, local }]);
      if (!before.ok || !now.ok) throw new Error('Ruby failed');
      const changed = { ...(before.value.groups.routing as Record<string, Canonical>), endpoint_host: 'scalr.example.com', plotter_port: 8080 };
      expect(now.value.groups).toEqual({ ...before.value.groups, routing: changed });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('refuses an edit that stops a value being changed in place, which changes every setting that reads it', async () => {
    const text = "E = 'a'\nrouting[:endpoint_host] = E\nrouting[:graphics_host] = E.concat('.example.com')\n";
    const { dir: tmp, file } = configDir(text);
    try {
      const [ruby] = loadMany([text]);
      expect(ruby.ok && ruby.value.groups.routing).toEqual({ endpoint_host: 'a.example.com', graphics_host: 'a.example.com' });
      const r = await runCli(['set', 'routing[:graphics_host]', 'b.example.com', '--file', file, '--no-reconfigure', '--backups', '0', '--yes', '--json']);
      // The place named is the line of the other setting that would change.
      const error = expectError(r, { code: 'collateral', exit: 'REFUSED', file, line: 2 });
      expect(error.message).toContain('routing[:endpoint_host]');
      expect(readFileSync(file, 'latin1')).toBe(text);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('changes nothing when the name already gives that value', async () => {
    const { dir: tmp, file } = configDir(main);
    try {
      const r = await runCli(['set', 'routing[:endpoint_host]', 'loadbalancer or hostname of endpoint', '--file', file, '--no-reconfigure', '--backups', '0', '--yes']);
      expect(r.code, r.stderr).toBe(EXIT.OK);
      expect(r.stdout).toContain('already has that value');
      expect(readFileSync(file, 'latin1')).toBe(main);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('set --at-definition', () => {
  const dir = join(ROOT, 'fixtures/bindings/4-server-ha');
  const main = readFileSync(join(dir, 'scalr-server.rb'), 'latin1');
  const local = readFileSync(join(dir, 'scalr-server-local.rb'), 'latin1');
  const BASE = ['--no-reconfigure', '--backups', '0', '--yes'];

  async function inDir<T>(mainText: string, localText: string | undefined, fn: (file: string) => Promise<T>): Promise<T> {
    const { dir: tmp, file } = configDir(mainText);
    try {
      if (localText !== undefined) writeFileSync(join(tmp, 'scalr-server-local.rb'), localText, 'latin1');
      return await fn(file);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  it('changes the line that sets the name, and with it exactly the settings that read it, as Ruby reads both files', async () => {
    // A constant of the main file read in the local file changes there too.
    const withReader = local + 'app[:hostname] = ENDPOINT\n';
    await inDir(main, withReader, async (file) => {
      const r = await runCli(['set', 'routing[:endpoint_host]', 'scalr.example.com', '--at-definition', '--file', file, '--json', ...BASE]);
      expect(r.code, r.stderr).toBe(EXIT.OK);
      expect(JSON.parse(r.stdout).summary).toEqual(['set routing[:endpoint_host] (at the definition of ENDPOINT, which also changes routing[:graphics_host], routing[:plotter_host])']);
      const after = readFileSync(file, 'latin1');
      expect(after).toBe(main.replace("ENDPOINT = 'loadbalancer or hostname of endpoint'", 'ENDPOINT = "scalr.example.com"'));
      const [before, now] = loadMany([{ main, local: withReader }, { main: after, local: withReader }]);
      if (!before.ok || !now.ok) throw new Error('Ruby failed');
      const routing = { ...(before.value.groups.routing as Record<string, Canonical>), endpoint_host: 'scalr.example.com', graphics_host: 'scalr.example.com', plotter_host: 'scalr.example.com' };
      const app = { ...(before.value.groups.app as Record<string, Canonical>), hostname: 'scalr.example.com' };
      expect(now.value.groups).toEqual({ ...before.value.groups, routing, app });
    });
  });

  it('refuses when a setting that does not read the name itself changes too', async () => {
    const text = "E = 'a.example.com'\nD = 'scalr.' + E\nrouting[:endpoint_host] = E\nrouting[:graphics_host] = D\n";
    await inDir(text, undefined, async (file) => {
      const r = await runCli(['set', 'routing[:endpoint_host]', 'b.example.com', '--at-definition', '--file', file, '--json', ...BASE]);
      const error = expectError(r, { code: 'collateral', exit: 'REFUSED', file, line: 4 });
      expect(error.message).toContain('routing[:graphics_host]');
      expect(readFileSync(file, 'latin1')).toBe(text);
    });
  });

  it('refuses a value that is more than one name, a name set from an expression, and --local', async () => {
    await inDir(main, local, async (file) => {
      const r = await runCli(['set', 'app[:memcached_servers]', '["x:1"]', '--type', 'json', '--at-definition', '--file', file, '--json', ...BASE]);
      // At the first name the value reads: the line to look at.
      const line = main.split('\n').findIndex((l) => l.startsWith('app[:memcached_servers]')) + 1;
      expect(line).toBeGreaterThan(0);
      expect(expectError(r, { code: 'unsupported', exit: 'REFUSED', file, line }).message).toContain('without --at-definition');
      const l = await runCli(['set', 'routing[:endpoint_host]', 'x', '--at-definition', '--local', '--file', file, '--json', ...BASE]);
      expectError(l, { code: 'usage', exit: 'USAGE' });
      expect(readFileSync(file, 'latin1')).toBe(main);
    });
    const text = "HOST = 'example.com'\nE = 'scalr.' + HOST\nrouting[:endpoint_host] = E\n";
    await inDir(text, undefined, async (file) => {
      const r = await runCli(['set', 'routing[:endpoint_host]', 'x', '--at-definition', '--file', file, '--json', ...BASE]);
      // The line of the definition that is more than a literal: the one to edit by hand.
      expect(expectError(r, { code: 'unsupported', exit: 'REFUSED', file, line: 2 }).message).toContain('E is set at line 2');
      expect(readFileSync(file, 'latin1')).toBe(text);
    });
  });
});
