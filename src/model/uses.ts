import type { Layered } from '../ruby/layers';
import type { Quoted } from '../values/errors';
import { quotedNode } from '../ruby/query';
import type { HashNode, OpaqueNode, Slot, ValueNode } from '../ruby/evaluated';
import { canonicalText, utf8Text, type RubyValue } from '../values/value';
import type { Layer } from '../ruby/writes';
import { reachesConfigYml, string2boolean, usedLeaf, type Step } from './pipeline';
import type { SecretEntry } from './secrets';

/**
 * What Scalr uses: every leaf of the configuration after scalr-server.rb, scalr-server-local.rb,
 * scalr-server-secrets.json and reconfigure's own steps, each with the file and line that decide
 * it. Commands that change files compare this before and after their edit; get, show and explain
 * read it to say what reconfigure does to what the files hold.
 */

/** Which input decides a value. */
export type Source = Layer | 'secrets';

export interface Use {
  /** The group, then the keys below it; `['enable_all']` for the setter. */
  path: string[];
  /** What the files (or the secrets JSON) hold: a scalar, an array, or an empty hash. */
  literal?: RubyValue;
  /** What Scalr ends up with; absent when the value cannot be read without running Ruby. */
  value?: RubyValue;
  /** Why the value cannot be read. */
  unreadable?: string;
  /** The Ruby text that computes an unreadable value: the same text computes the same value. */
  code?: string;
  /** Where `unreadable` quotes the file, for masking a secret in it. */
  quoted?: Quoted;
  /** The steps of reconfigure that changed the literal. */
  steps: Step[];
  source: Source;
  /** 1-based, in the file `source` names; absent for the secrets JSON. */
  line?: number;
}

/** Something in the files that stops reconfigure from loading them, as data. */
export interface LoadProblem {
  code: 'breaks-load';
  source: Layer;
  line: number;
  column: number;
  reason: string;
  /** The setting it is about. */
  path: string[];
}

export interface Uses {
  /** By `pathId(path)`. */
  leaves: Map<string, Use>;
  problems: LoadProblem[];
}

export interface UsesInputs {
  layered: Layered;
  secrets?: readonly SecretEntry[];
  /** The cookbook's default for a key, which a nil leaves in place. */
  defaultAt?: (path: string[]) => RubyValue | undefined;
  /**
   * Only the leaves at or below these paths (and a leaf above one, which decides it): a command
   * that reads one key of a large file folds that subtree alone. Load problems are always whole.
   */
  under?: readonly (readonly string[])[];
}

export const pathId = (path: readonly string[]): string => path.join('\u0000');

export function foldUses({ layered, secrets = [], defaultAt = () => undefined, under }: UsesInputs): Uses {
  const leaves = new Map<string, Use>();
  const wanted = (path: readonly string[]): boolean => !under || under.some((root) => onOnePath(path, root));
  const problems: LoadProblem[] = [];
  const where = (node: { startPosition: { row: number } }) => layered.where(node.startPosition.row + 1);

  const opaque = (path: string[], node: OpaqueNode): void => {
    const at = where(node.node);
    leaves.set(pathId(path), { path, unreadable: node.reason, code: node.node.text, quoted: quotedNode(node.node), steps: [], source: at.layer, line: at.line });
  };
  const leaf = (path: string[], literal: RubyValue, source: Source, line?: number): void => {
    // Only a nil (or a string string2boolean turns into nil) falls back to the default: most leaves never look it up.
    const { value, steps } = usedLeaf(path, literal, becomesNil(literal) ? defaultAt(path) : undefined);
    if (source === 'secrets') steps.unshift({ kind: 'secrets' });
    leaves.set(pathId(path), { path, literal, value, steps, source, line });
    // config.yml is dumped as YAML, which stops at a string that is not UTF-8: reconfigure fails.
    if (source !== 'secrets' && reachesConfigYml(path) && (hasNonUtf8(literal) || path.some((k) => utf8Text(k) === undefined))) {
      problems.push({ code: 'breaks-load', source, line: line ?? 1, column: 1, reason: 'a string that is not valid UTF-8, which config.yml cannot hold', path });
    }
  };
  const walk = (path: string[], node: ValueNode, slot: Slot): void => {
    if (node.kind === 'opaque') return opaque(path, node);
    if (node.kind === 'leaf') {
      const at = where(slotNode(slot));
      return leaf(path, node.value, at.layer, at.line);
    }
    if (node.slots.size === 0) {
      const at = where(slotNode(slot));
      return leaf(path, { kind: 'hash', entries: [] }, at.layer, at.line);
    }
    for (const [k, s] of node.slots) if (wanted([...path, k])) walk([...path, k], s.value, s);
  };

  const model = layered.combined.model;
  // Ruby stops at such a statement whatever comes after it, so each is a problem even when a later write replaces its setting.
  for (const f of model.loadFailures) {
    const at = where(f.node.node);
    problems.push({ code: 'breaks-load', source: at.layer, line: at.line, column: f.node.node.startPosition.column + 1, reason: f.node.reason, path: f.path });
  }
  for (const [group, root] of model.groups) {
    if (!wanted([group])) continue;
    if (root.kind === 'opaque') {
      opaque([group], root);
      continue;
    }
    for (const [k, s] of (root as HashNode).slots) if (wanted([group, k])) walk([group, k], s.value, s);
  }
  if (model.enableAll && wanted(['enable_all'])) {
    const at = where(model.enableAll.statement);
    const v = model.enableAll.value;
    if (v.kind === 'leaf') leaf(['enable_all'], v.value, at.layer, at.line);
    else if (v.kind === 'opaque') opaque(['enable_all'], v);
  }

  // ScalrServer[group][key] = value for every entry: it replaces whatever the files had there.
  for (const entry of secrets) {
    if (!wanted(entry.path)) continue;
    const id = pathId(entry.path);
    for (const k of [...leaves.keys()]) if (k === id || k.startsWith(id + '\u0000')) leaves.delete(k);
    for (const [path, v] of flattenValue([...entry.path], entry.value)) if (wanted(path)) leaf(path, v, 'secrets');
  }
  return { leaves, problems };
}

/** One path leads to the other: either is a prefix of the other. */
export function onOnePath(a: readonly string[], b: readonly string[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function becomesNil(v: RubyValue): boolean {
  return v.kind === 'nil' || (v.kind === 'string' && string2boolean(v.bin)?.kind === 'nil');
}

function hasNonUtf8(v: RubyValue): boolean {
  if (v.kind === 'string') return utf8Text(v.bin) === undefined;
  if (v.kind === 'array') return v.items.some(hasNonUtf8);
  if (v.kind === 'hash') return v.entries.some(([k, x]) => utf8Text(k) === undefined || hasNonUtf8(x));
  return false;
}

function slotNode(slot: Slot) {
  const o = slot.origin;
  return o.kind === 'opaque' ? o.node : o.kind === 'pair' ? o.pair : o.statement;
}

export function flattenValue(path: string[], v: RubyValue): [string[], RubyValue][] {
  if (v.kind !== 'hash' || v.entries.length === 0) return [[path, v]];
  return v.entries.flatMap(([k, x]) => flattenValue([...path, k], x));
}

/** A use's value as comparable text: what Scalr gets, or why it cannot be told. */
export function useText(use: Use | undefined): string | undefined {
  if (!use) return undefined;
  if (use.value) return canonicalText(use.value);
  return `?${use.unreadable}`;
}

/** The line a use comes from, as `file:line` with the file's display name. */
export function useWhere(use: Use, names: { main: string; local: string; secrets: string }): string {
  return use.source === 'secrets' ? names.secrets : `${names[use.source]}:${use.line}`;
}

