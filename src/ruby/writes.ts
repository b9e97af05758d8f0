import type { SyntaxNode } from '../../grammars/ruby';
import { isGroup, type Group } from '../values/groups';
import { formatKey, type Target } from '../values/keys';
import { evaluateLiteral, hashPairs, indexChain, pairKey, type Scope } from './literal';
import { utf8Text } from '../values/value';
import type { StatementKind } from './constructs';
import type { Statement } from './statements';

/**
 * Every place a file writes a setting, in the order Ruby runs them, and the statements that touch
 * settings in ways that cannot be followed. The effective model keeps only what wins; explain and
 * doctor also need what lost, and why.
 */

/** Which file a write is in: the main file or scalr-server-local.rb. */
export type Layer = 'main' | 'local';

export interface Write {
  layer: Layer;
  /** The group, then the keys below it; `['enable_all']` for the setter. */
  path: string[];
  kind: 'statement' | 'pair' | 'setter';
  /** The statement, or the pair inside a hash literal. */
  node: SyntaxNode;
  valueNode: SyntaxNode;
  /** Pairs: the key as written and the hash literal holding it. */
  keyNode?: SyntaxNode;
  hash?: SyntaxNode;
  /** The top-level statement the write belongs to. */
  statement: SyntaxNode;
  /** Whether the value is a hash literal whose pairs are writes of their own. */
  expanded: boolean;
  /** The constants and variables visible at the write, for reading its value. */
  scope?: Scope;
}

export type OtherKind =
  | StatementKind
  /** `prxy[:x] = 1`: an index write on a name that is no group (scalr-server-ctl fails on it). */
  | 'unknown-group'
  /** `enabl_all true`, `puts "x"`: a top-level call other than enable_all. */
  | 'call'
  | 'computed-key';

/** A top-level statement that touches settings (or looks meant to) but is not a plain literal write. */
export interface Other {
  layer: Layer;
  kind: OtherKind;
  statement: SyntaxNode;
  /** The name or key it is about, for unknown names and computed keys. */
  name?: string;
}

export interface Scan {
  writes: Write[];
  others: Other[];
}

export const line = (node: SyntaxNode): number => node.startPosition.row + 1;

/** The writes and untraceable statements of one parsed file, from its one scan. */
export function scanWrites(statements: readonly Statement[], layer: Layer): Scan {
  const writes: Write[] = [];
  const others: Other[] = [];
  for (const s of statements) {
    const statement = s.statement;
    switch (s.kind) {
      case 'write':
        pushWrite(writes, { layer, path: [s.group, ...s.path], kind: 'statement', node: statement, valueNode: s.value, statement, scope: s.scope });
        break;
      case 'enable_all':
        writes.push({ layer, path: ['enable_all'], kind: 'setter', node: statement, valueNode: s.value, statement, expanded: false, scope: s.scope });
        break;
      case 'computed-key':
        others.push({ layer, kind: 'computed-key', statement, name: s.key.text });
        break;
      case 'unknown-group':
      case 'call':
        others.push({ layer, kind: s.kind, statement, name: s.name });
        break;
      case 'uncertain':
        others.push({ layer, kind: s.how, statement });
        break;
    }
  }
  return { writes, others };
}

function pushWrite(writes: Write[], w: Omit<Write, 'expanded'>): void {
  const pairs = w.valueNode.type === 'hash' ? hashPairs(w.valueNode) : [];
  const literalKeys = pairs.length > 0 && pairs.every((p) => p.type === 'pair' && pairKey(p).ok && p.childForFieldName('value'));
  writes.push({ ...w, expanded: literalKeys });
  if (!literalKeys) return;
  for (const pair of pairs) {
    const key = pairKey(pair);
    if (!key.ok) continue;
    pushWrite(writes, {
      layer: w.layer,
      path: [...w.path, key.key],
      kind: 'pair',
      node: pair,
      valueNode: pair.childForFieldName('value')!,
      keyNode: pair.childForFieldName('key')!,
      hash: w.valueNode,
      statement: w.statement,
      scope: w.scope,
    });
  }
}

type Chain = { path: string[]; computed?: SyntaxNode } | { unknownRoot: string };

/** `app[:a]["b"]` as its path; undefined when the target is not an index chain on a name. */
function groupPath(node: SyntaxNode): Chain | undefined {
  const chain = indexChain(node);
  if (!chain) return undefined;
  if (!isGroup(chain.root)) return { unknownRoot: chain.root };
  const path = [chain.root, ...chain.path];
  return chain.unknown ? { path, computed: chain.unknown } : { path };
}

// ------------------------------------------------------------------------------------------------
// What happened to each value

export type FateKind = 'live' | 'overridden' | 'discarded' | 'duplicate';

export interface Fate {
  write: Write;
  how: FateKind;
  /** The write that replaced or discarded it. */
  by?: Write;
}

/** Live values by path, so that replacing a key finds what lies below it without scanning them all. */
interface Trie {
  fate?: Fate;
  children: Map<string, Trie>;
}

function collect(node: Trie, out: Fate[]): void {
  if (node.fate) out.push(node.fate);
  for (const child of node.children.values()) collect(child, out);
}

/**
 * Runs the writes in order, as Ruby would, tracking every value that is not a hash literal (the
 * leaves). A write replaces what was at its path and below: a later one for the same key
 * overrides, a hash assigned above it discards, a second pair in one hash literal duplicates.
 */
export function simulate(writes: readonly Write[]): Fate[] {
  const fates: Fate[] = [];
  const root: Trie = { children: new Map() };
  for (const w of writes) {
    let node = root;
    for (const k of w.path) {
      let next = node.children.get(k);
      if (!next) node.children.set(k, (next = { children: new Map() }));
      node = next;
    }
    const replaced: Fate[] = [];
    collect(node, replaced);
    for (const fate of replaced) {
      fate.by = w;
      const sameLiteral = w.kind === 'pair' && fate.write.statement.id === w.statement.id && fate.write.layer === w.layer;
      fate.how = sameLiteral ? 'duplicate' : fate.write.path.length === w.path.length ? 'overridden' : 'discarded';
    }
    node.fate = undefined;
    node.children = new Map();
    if (!w.expanded) {
      const fate: Fate = { write: w, how: 'live' };
      fates.push(fate);
      node.fate = fate;
    }
  }
  return fates;
}

// ------------------------------------------------------------------------------------------------
// The docs' "a" or "b"

export interface Placeholder {
  node: SyntaxNode;
  /** The literal of each alternative. */
  nodes: SyntaxNode[];
  /** The alternatives as written, e.g. ['"local"', '"public"']. */
  options: string[];
  /** Their values, e.g. ['local', 'public']. */
  values: string[];
}

/**
 * `"local" or "public"`: how documentation lists the choices for a value, pasted literally. Ruby
 * refuses it inside a hash and silently takes the first choice in a plain assignment.
 */
export function findPlaceholders(root: SyntaxNode): Placeholder[] {
  const found: Placeholder[] = [];
  let insideLast: SyntaxNode | undefined;
  // In document order, outer expressions first: `"a" or "b" or "c"` is reported once.
  for (const node of root.descendantsOfType('binary')) {
    if (insideLast && node.startIndex >= insideLast.startIndex && node.endIndex <= insideLast.endIndex) continue;
    const alternatives = placeholderOptions(node);
    if (!alternatives) continue;
    found.push({ node, nodes: alternatives, options: alternatives.map((n) => n.text), values: alternatives.map(literalText) });
    insideLast = node;
  }
  return found;
}

function placeholderOptions(node: SyntaxNode): SyntaxNode[] | undefined {
  if (node.type === 'binary') {
    const op = node.childForFieldName('operator')?.text ?? node.child(1)?.text;
    if (op !== 'or' && op !== '||' && op !== '|') return undefined;
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) return undefined;
    // `app[:x] = "local" or "public"` parses as (app[:x] = "local") or "public".
    const l = left.type === 'assignment' ? left.childForFieldName('right') : left;
    if (!l) return undefined;
    const a = placeholderOptions(l);
    const b = placeholderOptions(right);
    return a && b ? [...a, ...b] : undefined;
  }
  if (['string', 'simple_symbol', 'delimited_symbol', 'integer', 'true', 'false'].includes(node.type)) {
    return evaluateLiteral(node).ok ? [node] : undefined;
  }
  return undefined;
}

function literalText(node: SyntaxNode): string {
  const v = evaluateLiteral(node);
  if (!v.ok) return node.text;
  switch (v.value.kind) {
    case 'string':
      return v.value.bin;
    case 'symbol':
      return v.value.name;
    case 'integer':
      return v.value.value.toString();
    case 'boolean':
      return String(v.value.value);
    default:
      return node.text;
  }
}

/**
 * The setting a node inside a write belongs to, as group + keys: the pairs around it and the
 * index chain of its statement. Undefined when some key on the way is not a literal.
 */
export function pathOf(node: SyntaxNode): string[] | undefined {
  const keys: string[] = [];
  for (let cur: SyntaxNode | null = node; cur; cur = cur.parent) {
    if (cur.type === 'pair') {
      const k = pairKey(cur);
      if (!k.ok) return undefined;
      keys.unshift(k.key);
    } else if (cur.type === 'assignment' || cur.type === 'operator_assignment') {
      const left = cur.childForFieldName('left');
      if (!left || left.type !== 'element_reference') return undefined;
      const chain = groupPath(left);
      if (!chain || 'unknownRoot' in chain || chain.computed) return undefined;
      return [...chain.path, ...keys];
    }
  }
  return undefined;
}

/** A write's path as a command-line target. */
export function targetOfPath(path: string[]): Target {
  return path[0] === 'enable_all' && path.length === 1 ? { kind: 'enable_all' } : { kind: 'group', group: path[0] as Group, path: path.slice(1) };
}

/** A write's path as users write the key, a byte string (`aws.instances_connection_policy`, `proxy[:ssl_enable]`). */
export function keyBinOfPath(path: string[]): string {
  return path.length === 1 && path[0] !== 'enable_all' ? path[0] : formatKey(targetOfPath(path));
}

/** keyBinOfPath as text, where it is UTF-8. */
export function keyOfPath(path: string[]): string {
  const bin = keyBinOfPath(path);
  return utf8Text(bin) ?? bin;
}
