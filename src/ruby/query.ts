import { lineOf, type Document } from './document';
import { fail, type Quoted } from '../values/errors';
import { sourceOf, type SyntaxNode } from '../../grammars/ruby';
import { formatKey, type Target } from '../values/keys';
import type { HashNode, OpaqueNode, Slot, ValueNode } from './evaluated';
import type { RubyValue } from '../values/value';
import type { NameRead } from './literal';

/** Where a value came from: the line that decides it. */
export interface Found {
  value: RubyValue;
  line: number;
  /** The constants and variables it was read through, in the order read, each once. */
  names?: NameRead[];
}

/** A value Ruby computes when it runs the file, which this tool cannot read with certainty, and why. */
export interface Unreadable {
  kind: 'unreadable';
  /** The key whose value is unknown (the key asked for, or a key inside it). */
  key: string;
  /** e.g. `a method call (...)`. */
  reason: string;
  line: number;
  column: number;
  /** The code the reason quotes (a bare word may be a secret without its quotes). */
  quoted?: Quoted;
}

function unreadable(node: OpaqueNode, key: string): Unreadable {
  const n = node.node;
  return { kind: 'unreadable', key, reason: node.reason, line: lineOf(n), column: n.startPosition.column + 1, quoted: quotedNode(n) };
}

/** The code an opaque node's reason quotes, as describe() in literal.ts quotes it: the first line, cut short. */
export function quotedNode(n: SyntaxNode): Quoted {
  return { text: sourceOf(n), start: n.startIndex, end: n.endIndex, render: (excerpt: string) => excerpt.split('\n')[0].slice(0, 40) };
}

/** `line N has <reason>`: why a value cannot be read. */
export function whyUnreadable(u: Unreadable): string {
  return `line ${u.line} has ${u.reason}`;
}

/** The value Ruby computes for a key, read from the model: found, unreadable, or undefined when not set. */
export function readValue(doc: Document, target: Target): Found | Unreadable | undefined {
  const found = locate(doc, target);
  if (!found || 'kind' in found) return found;
  const value = known(found.node, formatKey(target));
  if (value.kind === 'unreadable') return value;
  const names = namesUnder(found.node);
  return names.length > 0 ? { value, line: found.line, names } : { value, line: found.line };
}

/** The names the leaves of a value were read through, each (name and definition) once. */
export function namesUnder(node: ValueNode): NameRead[] {
  const out = new Map<string, NameRead>();
  const walk = (n: ValueNode): void => {
    if (n.kind === 'leaf') for (const r of n.names ?? []) out.set(`${r.name}@${r.definition.id}`, out.get(`${r.name}@${r.definition.id}`) ?? r);
    else if (n.kind === 'hash') for (const slot of n.slots.values()) walk(slot.value);
  };
  walk(node);
  return [...out.values()];
}

/** The value Ruby computes for a key; undefined when not set. Refuses one it cannot read with certainty. */
export function getValue(doc: Document, target: Target): Found | undefined {
  const found = readValue(doc, target);
  if (found && 'kind' in found) refuse(found);
  return found;
}

function refuse(u: Unreadable): never {
  return fail('unsupported', `cannot tell the value of ${u.key}: ${whyUnreadable(u)}`, { line: u.line, column: u.column }, undefined, u.quoted);
}

/** The model node that holds a key's value, and the line that decides it. */
function locate(doc: Document, target: Target): { node: ValueNode; line: number } | Unreadable | undefined {
  if (target.kind === 'enable_all') {
    const e = doc.model.enableAll;
    return e && { node: e.value, line: lineOf(e.statement) };
  }
  let node: ValueNode = doc.model.groups.get(target.group)!;
  let slot: Slot | undefined;
  for (const seg of target.path) {
    if (node.kind === 'opaque') return unreadable(node, formatKey(target));
    if (node.kind !== 'hash') return undefined;
    slot = node.slots.get(seg);
    if (!slot) return undefined;
    node = slot.value;
  }
  return { node, line: slotLine(slot!) };
}

function slotLine(slot: Slot): number {
  const o = slot.origin;
  return lineOf(o.kind === 'opaque' ? o.node : o.kind === 'pair' ? o.pair : o.statement);
}

/** A model node's value, or the first part of it that cannot be read. */
function known(node: ValueNode, key: string): RubyValue | Unreadable {
  if (node.kind === 'leaf') return node.value;
  if (node.kind === 'opaque') return unreadable(node, key);
  const entries: [string, RubyValue][] = [];
  for (const [k, s] of (node as HashNode).slots) {
    const v = known(s.value, key + '.' + k);
    if (v.kind === 'unreadable') return v;
    entries.push([k, v]);
  }
  return { kind: 'hash', entries };
}

/**
 * Every key the file sets, hashes and the keys inside them alike, in display form: what a key
 * that is not there may have been meant to be.
 */
export function presentKeys(doc: Document): string[] {
  const keys: string[] = doc.model.enableAll ? ['enable_all'] : [];
  const walk = (group: Target & { kind: 'group' }, node: ValueNode): void => {
    if (node.kind !== 'hash') return;
    for (const [k, slot] of node.slots) {
      const target = { ...group, path: [...group.path, k] };
      keys.push(formatKey(target));
      walk(target, slot.value);
    }
  };
  for (const [group, node] of doc.model.groups) walk({ kind: 'group', group, path: [] }, node);
  return keys;
}

/** The names a key's value is read through; empty when it is a literal, unset or unreadable. */
export function namesAt(doc: Document, target: Target): NameRead[] {
  const found = locate(doc, target);
  return found && !('kind' in found) ? namesUnder(found.node) : [];
}

/**
 * For each name, the settings whose values read it, as paths (group, then keys; `['enable_all']`),
 * in the order the model holds them. With `definitionAt`, only reads of the assignment that starts
 * there (a name may be set more than once).
 */
export function settingsReading(doc: Document, names: readonly string[], definitionAt?: number): Map<string, string[][]> {
  const out = new Map<string, string[][]>(names.map((n) => [n, []]));
  const visit = (path: string[], node: ValueNode): void => {
    const seen = new Set<string>();
    for (const r of namesUnder(node)) {
      if (!out.has(r.name) || seen.has(r.name) || (definitionAt !== undefined && r.definition.startIndex !== definitionAt)) continue;
      seen.add(r.name);
      out.get(r.name)!.push(path);
    }
  };
  const walk = (path: string[], node: ValueNode): void => {
    if (node.kind !== 'hash') return;
    for (const [k, slot] of node.slots) {
      if (slot.value.kind === 'hash') walk([...path, k], slot.value);
      else visit([...path, k], slot.value);
    }
  };
  for (const [group, node] of doc.model.groups) walk([group], node);
  if (doc.model.enableAll) visit(['enable_all'], doc.model.enableAll.value);
  return out;
}
