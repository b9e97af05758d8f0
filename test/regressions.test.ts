/**
 * Counterexamples the property and model-based checks found, kept as scenarios:
 * fixtures/regressions/<name>/ holds input.rb, args.json (the command line) and expected.rb or
 * expected-exit. Each runs through the CLI on a private copy, then Ruby checks that the new file
 * means the input plus the change. A few were found below the command line (changes it cannot
 * express) and are kept here as plans.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/app/exitCodes';
import { parseDocument } from '../src/ruby/document';
import { parseKey, type Target } from '../src/values/keys';
import { planChanges, type Change, type PlanOptions } from '../src/edit/plan';
import { parseValue, type ValueType } from '../src/values/parseValue';
import { toCanonical, type Canonical, type RubyValue } from '../src/values/value';
import { assertEqual, at, ckey } from './support/checks';
import { runCli } from './support/cli';
import { applyModel } from './support/core-properties';
import { normalise } from './support/model';
import { loadMany, rubyAvailable, type Effective, type LoadResult } from './support/ruby';
import { loadScenarios, stage } from './support/scenarios';

const scenarios = loadScenarios('regressions');
const GLOBAL = ['--no-reconfigure', '--backups', '0', '--yes', '--no-verify'];

beforeAll(() => {
  if (!rubyAvailable()) throw new Error('ruby with mixlib-config is required (apt-get install ruby ruby-mixlib-config)');
});

const pathOf = (t: Target): string[] => (t.kind === 'enable_all' ? ['enable_all'] : [t.group, ...t.path]);

/** The changes a set/unset command line makes, in the order the tool applies them. */
function changesOf(args: string[]): { op: 'set' | 'unset'; path: string[]; canonical?: Canonical }[] {
  let type: ValueType = 'string';
  let command: string | undefined;
  let inUnset = false;
  let ended = false;
  const words: string[] = [];
  const unsets: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!ended && a === '--') {
      ended = true;
      inUnset = false;
    } else if (!ended && (a === '--type' || a === '-t')) {
      type = args[++i] as ValueType;
      inUnset = false;
    } else if (!ended && (a === '--unset' || a === '-u')) inUnset = true;
    else if (!ended && a.startsWith('-')) inUnset = false;
    else if (inUnset) unsets.push(a);
    else if (command === undefined) command = a;
    else words.push(a);
  }
  if (command === 'unset') return words.map((k) => ({ op: 'unset' as const, path: pathOf(parseKey(k)) }));
  const out: { op: 'set' | 'unset'; path: string[]; canonical?: Canonical }[] = [];
  for (let i = 0; i < words.length; i += 2) {
    const value = parseValue(Buffer.from(words[i + 1], 'utf8').toString('latin1'), type);
    out.push({ op: 'set', path: pathOf(parseKey(words[i])), canonical: toCanonical(value) });
  }
  for (const k of unsets) out.push({ op: 'unset', path: pathOf(parseKey(k)) });
  return out;
}

function loaded(r: LoadResult, what: string): Effective {
  if (!r.ok) throw new Error(`${what} does not load in Ruby: ${r.error}`);
  return r.value;
}

describe('regressions found by the property and model-based checks', () => {
  it('has its scenarios', () => {
    expect(scenarios.length).toBeGreaterThan(10);
  });

  const done: { name: string; input: Buffer; after: Buffer; args: string[]; refused: boolean }[] = [];

  for (const s of scenarios) {
    it(s.name, async () => {
      const file = stage(s);
      const run = await runCli(['--file', file, ...GLOBAL, ...s.args]);
      const after = readFileSync(file);
      if (s.expectedExit) {
        expect(run.code, run.stderr).toBe(EXIT[s.expectedExit as keyof typeof EXIT]);
        expect(after.equals(s.input), 'a refused change must leave the file byte for byte').toBe(true);
      } else {
        expect(run.code, run.stderr).toBe(EXIT.OK);
        expect(after.toString('latin1')).toBe(s.expected!.toString('latin1'));
        parseDocument(after.toString('latin1'));
      }
      done.push({ name: s.name, input: s.input, after, args: s.args, refused: !!s.expectedExit });
    });
  }

  it('every result means the input plus the change, as Ruby reads them', () => {
    expect(done.length).toBe(scenarios.length);
    const results = loadMany(done.flatMap((d) => [d.input, d.after]));
    for (const [i, d] of done.entries()) {
      const before = loaded(results[2 * i], `${d.name}/input.rb`);
      const after = loaded(results[2 * i + 1], `${d.name} after the change`);
      if (d.refused) continue;
      let expected = before;
      for (const c of changesOf(d.args)) expected = applyModel(expected, c);
      assertEqual(normalise(after), normalise(expected), `${d.name}: Ruby disagrees with the change`);
    }
  });
});

const set = (path: string[], value: RubyValue): Change => ({
  op: 'set',
  target: { kind: 'group', group: 'app', path },
  value,
});

/** Found below the command line: the CLI cannot express these changes (byte keys, unset then set). */
const PLANS: { name: string; input: string; changes: Change[]; expected: string; options?: PlanOptions }[] = [
  {
    // The old document's pair style was read after its tree had been edited for reuse.
    name: 'unset then set in one plan keeps the pair style',
    input: '# /etc/scalr-server/scalr-server.rb\n\napp[:configuration] = {\n  "scalr" => {}\n}\n',
    changes: [{ op: 'unset', target: { kind: 'group', group: 'app', path: ['configuration'] } }, set(['configuration', 'scalr'], { kind: 'string', bin: 'local' })],
    expected: '# /etc/scalr-server/scalr-server.rb\n\napp[:configuration] = {\n  "scalr" => "local"\n}\n',
  },
  {
    // `:"\x80" =>` does not load: a key that is not UTF-8 is written as a string.
    name: 'a key that is not UTF-8 in a hash of symbol keys',
    input: 'app[:configuration] = {\n  :class => {},\n  :scalr => {}\n}\n',
    changes: [set(['configuration', 'scalr', '\x80'], { kind: 'integer', value: 0n })],
    expected: 'app[:configuration] = {\n  :class => {},\n  :scalr => { "\\x80" => 0 }\n}\n',
  },
  {
    // `scalr:0` replaced by a hash whose pairs copy the `key:` spacing: `scalr::public` is a scope.
    name: 'a symbol value after a colon key without a space',
    input: 'app[:configuration] = {\n  scalr:0\n}\n',
    changes: [set(['configuration', 'scalr'], { kind: 'hash', entries: [['scalr', { kind: 'symbol', name: 'public' }]] })],
    expected: 'app[:configuration] = {\n  scalr:{\n    scalr: :public\n  }\n}\n',
    // A scalar becoming a hash needs --force.
    options: { force: true },
  },
];

describe('regressions found below the command line', () => {
  const afters: string[] = [];
  for (const p of PLANS) {
    it(p.name, () => {
      const after = planChanges(p.input, p.changes, p.options).after;
      expect(after).toBe(p.expected);
      afters.push(after);
    });
  }

  it('a symbol value that is not UTF-8 is a usage error (Ruby cannot load :"\\xff")', () => {
    expect(() => parseValue('\xff', 'symbol')).toThrow(/UTF-8/);
    expect(parseValue(Buffer.from('é').toString('latin1'), 'symbol')).toEqual({ kind: 'symbol', name: '\xc3\xa9' });
  });

  it('each plan means the input plus the changes, as Ruby reads them', () => {
    const results = loadMany(PLANS.flatMap((p) => [Buffer.from(p.input, 'latin1'), Buffer.from(p.expected, 'latin1')]));
    for (const [i, p] of PLANS.entries()) {
      let expected = loaded(results[2 * i], `${p.name}: the input`);
      const after = loaded(results[2 * i + 1], `${p.name}: the result`);
      for (const c of p.changes) {
        const path = pathOf(c.target);
        expected = applyModel(expected, { op: c.op, path, canonical: c.op === 'set' ? toCanonical(c.value) : undefined });
        if (c.op === 'set') assertEqual(at(after, path)?.value, toCanonical(c.value), `${p.name}: the value at ${path.map(ckey).join('.')}`);
      }
      assertEqual(normalise(after), normalise(expected), `${p.name}: Ruby disagrees with the changes`);
    }
  });
});
