import type { Target } from '../values/keys';
import type { RubyValue } from '../values/value';
import type { Step } from './pipeline';
import { foldUses, type Source, type Use, type UsesInputs } from './uses';

/**
 * What get and show print: the fold's leaves at a key, put back together. Every value comes
 * from the one fold of all layers, so get, show, explain and the proof of an edit cannot disagree.
 */

/** The group and the keys below it, as the fold names a leaf; `['enable_all']` for the setter. */
export function pathOfTarget(target: Target): string[] {
  return target.kind === 'enable_all' ? ['enable_all'] : [target.group, ...target.path];
}

export interface Reading {
  kind: 'reading';
  value: RubyValue;
  /** Which input decides it; for a hash, the first leaf not decided by scalr-server.rb, if any. */
  source: Source;
  line?: number;
  /** reconfigure's steps over every leaf of the value. */
  steps: Step[];
}

/** A value Scalr computes only when Ruby runs: the leaf that cannot be read. */
export interface Unknown {
  kind: 'unknown';
  use: Use;
}

/** What Scalr uses at `target`; undefined when nothing sets it. */
export function readSetting(inputs: UsesInputs, target: Target, keep: (u: Use) => boolean = () => true): Reading | Unknown | undefined {
  const path = pathOfTarget(target);
  const uses = [...foldUses({ ...inputs, under: [path] }).leaves.values()].filter(keep);
  const above = uses.find((u) => u.path.length < path.length);
  // A leaf above the key decides it: unknown if it cannot be read, else the key is not there.
  if (above) return above.value ? undefined : { kind: 'unknown', use: above };
  if (uses.length === 0) return undefined;
  const unknown = uses.find((u) => !u.value);
  if (unknown) return { kind: 'unknown', use: unknown };
  const decider = uses.find((u) => u.source !== 'main') ?? uses[0];
  const value = uses.length === 1 && uses[0].path.length === path.length ? uses[0].value! : nest(uses, path.length);
  return { kind: 'reading', value, source: decider.source, line: decider.line, steps: uses.flatMap((u) => u.steps) };
}

/**
 * Every leaf under the roots, in the order the fold meets them (a root is a path as pathOfTarget
 * gives), and the leaves above a root, which decide everything under it. `keep` picks leaves by origin.
 */
export function readSettings(inputs: UsesInputs, roots: readonly (readonly string[])[], keep: (u: Use) => boolean = () => true): { rows: Use[]; above: Use[] } {
  const uses = [...foldUses({ ...inputs, under: roots }).leaves.values()].filter(keep);
  const below = (u: Use) => roots.some((r) => u.path.length >= r.length && r.every((k, i) => u.path[i] === k));
  const isAbove = (u: Use) => !below(u);
  return { rows: uses.filter((u) => !isAbove(u)), above: uses.filter(isAbove) };
}

/** The hash the leaves below `depth` make: each leaf's path past `depth` is its place in it. */
function nest(uses: readonly Use[], depth: number): RubyValue {
  const root: RubyValue & { kind: 'hash' } = { kind: 'hash', entries: [] };
  for (const u of uses) {
    let at = root;
    const keys = u.path.slice(depth);
    keys.forEach((k, i) => {
      let entry = at.entries.find(([e]) => e === k);
      if (i === keys.length - 1) {
        if (entry) entry[1] = u.value!;
        else at.entries.push([k, u.value!]);
        return;
      }
      if (!entry || entry[1].kind !== 'hash') {
        entry = [k, { kind: 'hash', entries: [] }];
        at.entries.push(entry);
      }
      at = entry[1] as RubyValue & { kind: 'hash' };
    });
  }
  return root;
}
