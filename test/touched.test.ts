/**
 * The proof folds only the subtrees the changed text writes. That is sound only if every leaf an
 * edit changes lies on one of those paths: checked here against full folds, over real planner
 * edits of every fixture file, and on the constructs that must make it give up.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planChanges, type Change } from '../src/edit/plan';
import { planLocalChanges } from '../src/edit/localPlan';
import { parseKey } from '../src/values/keys';
import { parseDocument } from '../src/ruby/document';
import { layerDocuments } from '../src/ruby/layers';
import { changedPaths } from '../src/model/planEdit';
import { foldUses, useText, type Uses } from '../src/model/uses';
import { keyBinOfPath } from '../src/ruby/writes';
import { changedSpans, pathsWrittenIn } from '../src/model/touched';
import { ROOT } from './support/tmp';

const onOnePath = (a: readonly string[], b: readonly string[]) => a.slice(0, Math.min(a.length, b.length)).every((k, i) => b[i] === k);

function differing(before: Uses, after: Uses): string[][] {
  const out: string[][] = [];
  for (const k of new Set([...before.leaves.keys(), ...after.leaves.keys()])) {
    const a = before.leaves.get(k);
    const b = after.leaves.get(k);
    if (useText(a) !== useText(b)) out.push((b ?? a)!.path);
  }
  return out;
}

function rbFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? rbFiles(p) : f.endsWith('.rb') ? [p] : [];
  });
}

/** Plans `changes`; undefined when the planner refuses (nothing to check then). */
function tryPlan(main: string, local: string | undefined, target: 'main' | 'local', changes: Change[]) {
  try {
    return target === 'main' ? planChanges(main, changes) : planLocalChanges(main, local ?? '', changes);
  } catch {
    return undefined;
  }
}

/** Every leaf the edit changes, by full folds, lies on a path changedPaths names. */
function checkEdit(main: string, local: string | undefined, target: 'main' | 'local', changes: Change[]): boolean {
  const plan = tryPlan(main, local, target, changes);
  if (!plan || plan.after === plan.before) return false;
  let before, after;
  try {
    before = layerDocuments(main, local);
    after = layerDocuments(target === 'main' ? plan.after : main, target === 'local' ? plan.after : local);
  } catch {
    return false;
  }
  const under = changedPaths(before, after, plan, target);
  if (under === undefined) return true;
  const roots = [...under, ...changes.map((c) => (c.target.kind === 'enable_all' ? ['enable_all'] : [c.target.group, ...c.target.path]))];
  const missed = differing(foldUses({ layered: before }), foldUses({ layered: after })).filter((p) => !roots.some((r) => onOnePath(p, r)));
  expect(missed, `${target} ${changes.map((c) => c.op + ' ' + JSON.stringify(c.target)).join(', ')} on\n${target === 'main' ? main : local}`).toEqual([]);
  // The restricted folds see the same differences as the full ones.
  const restricted = differing(foldUses({ layered: before, under: roots }), foldUses({ layered: after, under: roots }));
  expect(restricted.map((p) => p.join('.')).sort()).toEqual(differing(foldUses({ layered: before }), foldUses({ layered: after })).map((p) => p.join('.')).sort());
  return true;
}

describe('the paths an edit writes', () => {
  it('finds the one span two texts differ in', () => {
    expect(changedSpans('abcXYdef', 'abcZdef')).toEqual({ before: { start: 3, end: 5 }, after: { start: 3, end: 4 } });
    expect(changedSpans('same', 'same')).toEqual({ before: { start: 4, end: 4 }, after: { start: 4, end: 4 } });
    expect(changedSpans('aa', 'aaa')).toEqual({ before: { start: 2, end: 2 }, after: { start: 2, end: 3 } });
  });

  it('names the deepest pair the changed text is in, and the parent of text inserted between pairs on neither side', () => {
    const text = 'app[:configuration] = {\n  "scalr" => {\n    "aws" => { "ip_pool" => "a" },\n    "b" => 1\n  }\n}\n';
    const doc = parseDocument(text);
    const at = text.indexOf('"a"');
    expect(pathsWrittenIn(doc, { start: at + 1, end: at + 2 })).toEqual([['app', 'configuration', 'scalr', 'aws', 'ip_pool']]);
    const between = text.indexOf('"b"') - 1;
    expect(pathsWrittenIn(doc, { start: between, end: between + 1 })).toEqual([]);
    expect(pathsWrittenIn(doc, { start: 0, end: 1 })).toEqual([['app', 'configuration']]);
  });

  it('gives up on changed text in a statement that is no literal write', () => {
    const text = 'POOL = "a"\napp[:configuration] = { "scalr" => { "aws" => { "ip_pool" => POOL } } }\nputs 1\n';
    const doc = parseDocument(text);
    expect(pathsWrittenIn(doc, { start: 1, end: 2 })).toBeUndefined();
    const puts = text.indexOf('puts');
    expect(pathsWrittenIn(doc, { start: puts, end: puts + 1 })).toBeUndefined();
  });

  it('covers every leaf that planned edits of the fixture files change, as full folds see them', () => {
    const files = rbFiles(join(ROOT, 'fixtures')).filter((f) => !f.includes('/ctl/') && !f.includes('fake-ctl'));
    expect(files.length).toBeGreaterThan(50);
    let checked = 0;
    for (const file of files) {
      const text = readFileSync(file).toString('latin1');
      let keys: string[];
      try {
        keys = [...foldUses({ layered: layerDocuments(text) }).leaves.values()].filter((u) => u.value).map((u) => keyBinOfPath(u.path));
      } catch {
        continue;
      }
      const local = 'app[:configuration]["scalr"]["aws"] = { "ip_pool" => ["10.0.0.0/8"] }\n';
      for (const key of keys.slice(0, 8)) {
        let target;
        try {
          target = parseKey(key);
        } catch {
          continue; // a leaf no command-line key names (an empty app[:configuration]["scalr"])
        }
        if (checkEdit(text, undefined, 'main', [{ op: 'unset', target }])) checked++;
        if (checkEdit(text, undefined, 'main', [{ op: 'set', target, value: { kind: 'integer', value: 42n } }])) checked++;
        if (checkEdit(text, local, 'main', [{ op: 'set', target, value: { kind: 'string', bin: 'x' } }])) checked++;
        if (checkEdit(text, local, 'local', [{ op: 'set', target, value: { kind: 'string', bin: 'y' } }])) checked++;
      }
      const fresh = parseKey('aws.instances_connection_policy');
      if (checkEdit(text, undefined, 'main', [{ op: 'set', target: fresh, value: { kind: 'string', bin: 'local' } }, { op: 'unset', target: parseKey('aws.ip_pool') }])) checked++;
      if (checkEdit(text, local, 'local', [{ op: 'unset', target: parseKey('aws.ip_pool') }])) checked++;
    }
    expect(checked).toBeGreaterThan(200);
  });
});
