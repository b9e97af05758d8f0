import { sourceOf, type SyntaxNode } from '../../grammars/ruby';
import { GROUPS, isGroup, type Group } from '../values/groups';
import { evaluateLiteral, hashPairs, indexChain, pairKey, describe, type NameRead, type Scope } from './literal';
import type { RubyValue } from '../values/value';
import { statementKind } from './constructs';
import { referencesOf, type Statement } from './statements';
import type { Bindings } from './bindings';

/**
 * What Ruby holds after evaluating the file, with where each value came from: the effective
 * configuration as a tree whose every slot points at the text that decides it.
 */
export type ValueNode = HashNode | LeafNode | OpaqueNode;

export interface HashNode {
  kind: 'hash';
  /** The literal whose text holds this hash's pairs; absent for a group itself. */
  literal?: SyntaxNode;
  /** Read on first use: a file can hold tens of thousands of pairs no command looks at. */
  readonly slots: Map<string, Slot>;
}
export interface LeafNode {
  kind: 'leaf';
  value: RubyValue;
  /** The constants and variables the value was read through, when it was. */
  names?: NameRead[];
}
/** A value that cannot be known without running Ruby, and why. */
export interface OpaqueNode {
  kind: 'opaque';
  node: SyntaxNode;
  reason: string;
  /** Ruby itself raises here (NoMethodError on nil, ...): reconfigure cannot load the files. */
  failsToLoad?: boolean;
}

export interface Slot {
  key: string;
  /** Evaluated on first use. */
  readonly value: ValueNode;
  origin: Origin;
  /** An earlier value for this key exists (duplicate pair or earlier write): removing this one revives it. */
  shadows: boolean;
}
export type Origin =
  | { kind: 'pair'; pair: SyntaxNode; hash: SyntaxNode; valueNode: SyntaxNode }
  | { kind: 'statement'; statement: SyntaxNode; valueNode: SyntaxNode }
  | { kind: 'opaque'; node: SyntaxNode };

export interface Model {
  groups: Map<Group, HashNode | OpaqueNode>;
  enableAll?: { statement: SyntaxNode; value: ValueNode };
  /** The last top-level statement that touches each group: new statements go after it. */
  lastStatement: Map<Group, SyntaxNode>;
  /** Statements Ruby itself raises on, with the setting each is about: reconfigure stops there even when a later statement replaces what they touch. */
  loadFailures: { path: string[]; node: OpaqueNode }[];
}

export function buildModel(statements: readonly Statement[]): Model {
  const model: Model = { groups: new Map(), lastStatement: new Map(), loadFailures: [] };
  for (const g of GROUPS) model.groups.set(g, { kind: 'hash', slots: new Map() });

  // Every scope of the file shares what may change a value in place; any of them can be told.
  const scope = statements.find((s) => s.kind === 'write' || s.kind === 'enable_all') as { scope: Bindings } | undefined;
  const changed = (node: SyntaxNode): void => scope?.scope.changedInPlace(node);

  // In file order, as Ruby runs them: a later write replaces what an earlier uncertain statement touched.
  for (const s of statements) {
    if (s.kind === 'write') {
      model.lastStatement.set(s.group, s.statement);
      applyWrite(model, s.group, s.path, s, changed);
      continue;
    }
    if (s.kind === 'computed-key') {
      model.lastStatement.set(s.group, s.statement);
      // `app[:a][0] = "x"` changes the string at app[:a] in place.
      if (s.path.length > 0 && descend(model.groups.get(s.group)!, s.path)?.kind !== 'hash') changed(s.statement);
      markOpaque(model, s.group, s.path, s.key, `${describe(s.key)} as a key`, false, changed);
      continue;
    }
    if (s.kind === 'enable_all') {
      model.enableAll = { statement: s.statement, value: valueNodeOf(s.value, s.scope) };
      continue;
    }
    // Anything else that mentions a group makes what it touches uncertain.
    for (const ref of referencesOf(s)) {
      if (ref.text === 'enable_all') {
        model.enableAll = { statement: s.statement, value: { kind: 'opaque', node: s.statement, reason: construct(s.statement) } };
        continue;
      }
      const chain = referenceChain(ref);
      if (!chain) continue;
      model.lastStatement.set(chain.group, s.statement);
      markOpaque(model, chain.group, chain.path, s.statement, construct(s.statement), false, changed);
    }
  }
  return model;
}

function construct(statement: SyntaxNode): string {
  switch (statementKind(statement)) {
    case 'conditional':
      return 'an assignment inside a conditional';
    case 'loop':
      return 'an assignment inside a loop';
    case 'conditional-assignment':
      return `a conditional assignment (${statement.child(1)?.text ?? ''})`;
    default:
      return describe(statement);
  }
}

interface Chain {
  group: Group;
  path: string[];
  /** The first index that is not a literal key. */
  unknown?: SyntaxNode;
}

/** `app[:a]["b"]` as group + path; undefined when it is not rooted at a group. */
function groupChain(node: SyntaxNode): Chain | undefined {
  const chain = indexChain(node);
  if (!chain || !isGroup(chain.root)) return undefined;
  return { group: chain.root, path: chain.path, unknown: chain.unknown };
}

/** The literal index chain a bare reference starts, as far as it goes. */
function referenceChain(ref: SyntaxNode): Chain | undefined {
  let top = ref;
  while (top.parent?.type === 'element_reference' && top.parent.childForFieldName('object')?.id === top.id) {
    top = top.parent;
  }
  const chain = groupChain(top);
  if (!chain) return undefined;
  return chain;
}

function valueNodeOf(node: SyntaxNode, scope: Scope | undefined): ValueNode {
  if (node.type === 'hash') return new LiteralHash(node, scope) as unknown as ValueNode;
  const v = evaluateLiteral(node, scope);
  if (!v.ok) return { kind: 'opaque', node: v.node, reason: v.reason };
  // Writes below a hash need it as slots of a literal; one that only an expression on names gives is not followed.
  if (v.value.kind === 'hash' && !evaluateLiteral(node).ok) return { kind: 'opaque', node, reason: 'a hash computed by an expression' };
  return v.names ? { kind: 'leaf', value: v.value, names: v.names } : { kind: 'leaf', value: v.value };
}

/** A slot whose value is evaluated only when something asks for it. */
function lazySlot(key: string, valueNode: SyntaxNode, origin: Origin, shadows: boolean, scope: Scope | undefined): Slot {
  let value: ValueNode | undefined;
  return {
    key,
    origin,
    shadows,
    get value() {
      return (value ??= valueNodeOf(valueNode, scope));
    },
  };
}

/**
 * A hash literal's pairs, keyed as a Mash keys them; a later duplicate replaces an earlier one whole.
 * It reads as kind 'opaque' when the literal cannot be read with certainty (a splat, a computed key).
 */
class LiteralHash {
  private map?: Map<string, Slot>;
  private problem?: OpaqueNode;
  constructor(
    readonly literal: SyntaxNode,
    private readonly scope: Scope | undefined,
  ) {}

  get kind(): 'hash' | 'opaque' {
    this.read();
    return this.problem ? 'opaque' : 'hash';
  }
  get slots(): Map<string, Slot> {
    this.read();
    return this.map!;
  }
  get node(): SyntaxNode {
    this.read();
    return this.problem?.node ?? this.literal;
  }
  get reason(): string {
    this.read();
    return this.problem?.reason ?? '';
  }

  private read(): void {
    if (this.map) return;
    this.map = new Map();
    const hash = this.literal;
    const text = sourceOf(hash);
    for (const pair of hashPairs(hash)) {
      if (pair.type !== 'pair') {
        this.problem = { kind: 'opaque', node: pair, reason: 'a hash splat (**)' };
        return;
      }
      const key = fastKey(text, pair.startIndex) ?? pairKey(pair);
      if (!key.ok) {
        this.problem = { kind: 'opaque', node: key.node, reason: key.reason };
        return;
      }
      const shadows = this.map.has(key.key);
      this.map.delete(key.key);
      this.map.set(key.key, pairSlot(key.key, pair, hash, shadows, this.scope));
    }
  }
}

/** A slot for a pair; its value node is looked up only when asked for. */
function pairSlot(key: string, pair: SyntaxNode, hash: SyntaxNode, shadows: boolean, scope: Scope | undefined): Slot {
  let valueNode: SyntaxNode | null | undefined;
  let value: ValueNode | undefined;
  const node = (): SyntaxNode | null => (valueNode === undefined ? (valueNode = pair.childForFieldName('value')) : valueNode);
  const origin: Origin = {
    kind: 'pair',
    pair,
    hash,
    get valueNode() {
      return node() ?? pair;
    },
  };
  return {
    key,
    origin,
    shadows,
    get value() {
      const v = node();
      return (value ??= v ? valueNodeOf(v, scope) : { kind: 'opaque', node: pair, reason: 'a shorthand hash pair' });
    },
  };
}

/** Plain keys read straight from the text: most keys in real files, at a fraction of the cost. */
const PLAIN_KEY = /(?:"([^"\\#\r\n]*)"\s*(?:=>|:(?!:))|'([^'\\\r\n]*)'\s*(?:=>|:(?!:))|:([A-Za-z_]\w*[?!]?)\s*=>|([A-Za-z_]\w*[?!]?):(?!:))/y;
function fastKey(text: string, at: number): { ok: true; key: string } | undefined {
  PLAIN_KEY.lastIndex = at;
  const m = PLAIN_KEY.exec(text);
  if (!m) return undefined;
  return { ok: true, key: m[1] ?? m[2] ?? m[3] ?? m[4] };
}

function applyWrite(model: Model, group: Group, path: string[], match: { statement: SyntaxNode; value: SyntaxNode; scope: Scope }, changed: (node: SyntaxNode) => void): void {
  const root = model.groups.get(group)!;
  if (path.length === 0 || root.kind !== 'hash') {
    markOpaque(model, group, path, match.statement, 'an assignment this tool cannot follow');
    return;
  }
  const parent = descend(root, path.slice(0, -1));
  if (!parent || parent.kind !== 'hash') {
    // `app[:a]["x"] = 1` on a string replaces part of it, and a name may hold that same string.
    if (parent) changed(match.statement);
    // Ruby itself fails here (indexing nil or a scalar), unless the parent is only uncertain.
    const fails = !parent || parent.kind === 'leaf';
    const below = !parent ? 'a key that is not set' : parent.kind === 'leaf' ? 'a value that is not a hash' : 'an uncertain value';
    markOpaque(model, group, path, match.statement, `an assignment below ${below}`, fails);
    return;
  }
  const key = path[path.length - 1];
  const shadows = parent.slots.has(key);
  parent.slots.delete(key);
  parent.slots.set(key, lazySlot(key, match.value, { kind: 'statement', statement: match.statement, valueNode: match.value }, shadows, match.scope));
}

function descend(node: ValueNode, path: string[]): ValueNode | undefined {
  let cur: ValueNode | undefined = node;
  for (const key of path) {
    if (!cur || cur.kind !== 'hash') return cur;
    cur = cur.slots.get(key)?.value;
  }
  return cur;
}

function markOpaque(model: Model, group: Group, path: string[], node: SyntaxNode, reason: string, failsToLoad = false, changed?: (node: SyntaxNode) => void): void {
  const opaque: OpaqueNode = failsToLoad ? { kind: 'opaque', node, reason, failsToLoad } : { kind: 'opaque', node, reason };
  if (failsToLoad) model.loadFailures.push({ path: [group, ...path], node: opaque });
  if (path.length === 0) {
    model.groups.set(group, opaque);
    return;
  }
  let cur: ValueNode = model.groups.get(group)!;
  for (let i = 0; i < path.length; i++) {
    if (cur.kind !== 'hash') return;
    const slot = cur.slots.get(path[i]);
    if (i === path.length - 1 || !slot || slot.value.kind !== 'hash') {
      // Something below a value that is not a hash may change that value in place.
      if (slot && i < path.length - 1 && slot.value.kind !== 'hash') changed?.(node);
      cur.slots.set(path[i], { key: path[i], value: opaque, origin: { kind: 'opaque', node }, shadows: !!slot });
      return;
    }
    cur = slot.value;
  }
}
