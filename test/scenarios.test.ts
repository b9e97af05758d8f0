import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenarios, stage } from './support/scenarios';
import { runCli } from './support/cli';
import { loadMany, type Effective } from './support/ruby';
import { modelSet, modelUnset, normalise } from './support/model';
import { EXIT } from '../src/app/exitCodes';
import { parseKey } from '../src/values/keys';
import { toCanonical, type Canonical } from '../src/values/value';
import { getValue } from '../src/ruby/query';
import { parseDocument } from '../src/ruby/document';

const scenarios = loadScenarios('scenarios');
const BASE = ['--no-reconfigure', '--backups', '0', '--yes'];

/** The keys a command line changes, in order. */
function changesOf(args: string[]): { op: 'set' | 'unset'; key: string }[] {
  const takesValue = new Set(['--type', '-t', '--file', '-f', '--ctl', '--wait', '--backups', '--backup-dir']);
  const positional: string[] = [];
  const unsets: string[] = [];
  let inUnset = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (takesValue.has(a)) i++;
    else if (a === '--unset' || a === '-u') inUnset = true;
    else if (a.startsWith('-') && a.length > 1) inUnset = false;
    else (inUnset ? unsets : positional).push(a);
  }
  const [cmd, ...rest] = positional;
  if (cmd === 'unset') return rest.map((key) => ({ op: 'unset', key }));
  const out: { op: 'set' | 'unset'; key: string }[] = [];
  for (let i = 0; i < rest.length; i += 2) out.push({ op: 'set', key: rest[i] });
  for (const key of unsets) out.push({ op: 'unset', key });
  return out;
}

describe('fixture scenarios', () => {
  it('has scenarios for every layout the issue names', () => {
    expect(scenarios.length).toBeGreaterThan(40);
  });

  const results: { name: string; before: Buffer; after: Buffer; args: string[] }[] = [];

  for (const s of scenarios) {
    it(s.name, async () => {
      const file = stage(s);
      const run = await runCli([...s.args, '--file', file, ...BASE]);
      const after = readFileSync(file);
      if (s.expectedExit) {
        expect(run.code, run.stderr).toBe(EXIT[s.expectedExit as keyof typeof EXIT]);
        expect(after.equals(s.input)).toBe(true);
        expect(run.stderr.trim().split('\n')).toHaveLength(1);
        expect(run.stderr).not.toMatch(/\n\s+at /);
        expect(s.expectedStderr, `${s.name} needs an expected-stderr`).toBeDefined();
        expect(run.stderr).toContain(s.expectedStderr);
        return;
      }
      expect(run.code, run.stderr).toBe(EXIT.OK);
      expect(after.toString('latin1')).toBe(s.expected!.toString('latin1'));
      // Every value set reads back through the tool's own evaluator.
      const doc = parseDocument(after.toString('latin1'));
      const last = new Map(changesOf(s.args).map((c) => [c.key, c.op]));
      for (const [key, op] of last) {
        const found = getValue(doc, parseKey(key));
        if (op === 'unset') expect(found).toBeUndefined();
        else expect(found).toBeDefined();
      }
      results.push({ name: s.name, before: s.input, after, args: s.args });
    });
  }

  it('every successful edit changes exactly its keys, as Ruby reads the files', () => {
    const loaded = loadMany(results.flatMap((r) => [r.before, r.after]));
    for (let i = 0; i < results.length; i++) {
      const r = results[i];
      const before = loaded[2 * i];
      const after = loaded[2 * i + 1];
      if (!before.ok || !after.ok) throw new Error(`${r.name}: ${!before.ok ? before.error : ''} ${!after.ok ? after.error : ''}`);
      let expected: Effective = before.value;
      const doc = parseDocument(r.after.toString('latin1'));
      for (const c of changesOf(r.args)) {
        const t = parseKey(c.key);
        if (t.kind === 'enable_all') {
          const now = getValue(doc, t);
          expected = { ...expected, enable_all: now ? (toCanonical(now.value) as Canonical) : null };
          continue;
        }
        const path = t.path.map((p) => Buffer.from(p, 'latin1').toString('utf8'));
        const now = getValue(doc, t);
        expected =
          c.op === 'set' && now
            ? modelSet(expected, t.group, path, toCanonical(now.value))
            : modelUnset(expected, t.group, path);
      }
      expect(normalise(after.value), r.name).toEqual(normalise(expected));
    }
  });
});
