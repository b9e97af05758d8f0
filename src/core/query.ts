import { lineOf, type Document } from './document';
import { fail } from './errors';
import { formatKey, type Target } from './keys';
import type { HashNode, Slot, ValueNode } from './model';
import type { RubyValue } from './value';

/** Where a value came from: the line that decides it. */
export interface Found {
  value: RubyValue;
  line: number;
}

/** The value Ruby computes for a key, read from the model; undefined when not set. */
export function getValue(doc: Document, target: Target): Found | undefined {
  const key = formatKey(target);
  if (target.kind === 'enable_all') {
    const e = doc.model.enableAll;
    if (!e) return undefined;
    return { value: known(e.value, key), line: lineOf(e.statement) };
  }
  let node: ValueNode = doc.model.groups.get(target.group)!;
  let slot: Slot | undefined;
  for (const seg of target.path) {
    if (node.kind === 'opaque') known(node, key);
    if (node.kind !== 'hash') return undefined;
    slot = node.slots.get(seg);
    if (!slot) return undefined;
    node = slot.value;
  }
  const at = slot!.origin.kind === 'opaque' ? slot!.origin.node : slot!.origin.kind === 'pair' ? slot!.origin.pair : slot!.origin.statement;
  return { value: known(node, key), line: lineOf(at) };
}

function known(node: ValueNode, key: string): RubyValue {
  if (node.kind === 'leaf') return node.value;
  if (node.kind === 'opaque') {
    fail('unsupported', `cannot tell the value of ${key}: line ${lineOf(node.node)} has ${node.reason}`, {
      line: lineOf(node.node),
      column: node.node.startPosition.column + 1,
    });
  }
  return { kind: 'hash', entries: [...(node as HashNode).slots].map(([k, s]) => [k, known(s.value, key + '.' + k)]) };
}

/** Every leaf under a key, as [key, value, line] rows in file order of their keys. */
export function flatten(doc: Document, target: Target): [string, RubyValue, number][] {
  const found = getValue(doc, target);
  const rows: [string, RubyValue, number][] = [];
  if (!found || target.kind !== 'group') return rows;
  const walk = (path: string[], value: RubyValue): void => {
    if (value.kind === 'hash' && value.entries.length) {
      for (const [k, v] of value.entries) walk([...path, k], v);
    } else {
      const t: Target = { ...target, path };
      rows.push([formatKey(t), value, getValue(doc, t)?.line ?? found.line]);
    }
  };
  walk(target.path, found.value);
  return rows;
}
