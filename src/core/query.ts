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
  const found = locate(doc, target);
  return found && { value: known(found.node, formatKey(target)), line: found.line };
}

/** The model node that holds a key's value, and the line that decides it. */
function locate(doc: Document, target: Target): { node: ValueNode; line: number } | undefined {
  if (target.kind === 'enable_all') {
    const e = doc.model.enableAll;
    return e && { node: e.value, line: lineOf(e.statement) };
  }
  let node: ValueNode = doc.model.groups.get(target.group)!;
  let slot: Slot | undefined;
  for (const seg of target.path) {
    if (node.kind === 'opaque') known(node, formatKey(target));
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

/** A value Ruby computes when it runs the file, which this tool cannot read with certainty, and why. */
export interface Unreadable {
  kind: 'unreadable';
  /** e.g. `line 12 has a method call`. */
  why: string;
}

/**
 * Every leaf under a key, as [key, value, line] rows in file order of their keys; one walk of the
 * model. A value that cannot be read with certainty is a row of its own, marked, so that one such
 * line does not hide the rest.
 */
export function flatten(doc: Document, target: Target): [string, RubyValue | Unreadable, number][] {
  const rows: [string, RubyValue | Unreadable, number][] = [];
  const found = locate(doc, target);
  if (!found || target.kind !== 'group') return rows;
  const walk = (path: string[], node: ValueNode, line: number): void => {
    if (node.kind === 'hash' && node.slots.size) {
      for (const [k, slot] of node.slots) walk([...path, k], slot.value, slotLine(slot));
    } else {
      const key = formatKey({ ...target, path });
      const why = node.kind === 'opaque' ? `line ${lineOf(node.node)} has ${node.reason}` : undefined;
      rows.push([key, why ? { kind: 'unreadable', why } : known(node, key), line]);
    }
  };
  walk(target.path, found.node, found.line);
  return rows;
}
