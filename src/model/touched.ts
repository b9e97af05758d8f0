import type { SyntaxNode } from '../../grammars/ruby';
import type { Document } from '../ruby/document';
import { hashPairs, pairKey } from '../ruby/literal';

/**
 * Which settings an edit can change, read from the text it changed: the proof then folds those
 * subtrees alone. A pair or write statement whose text the edit leaves alone keeps its value, its
 * path and its place in the order of writes, so only the settings written by text inside the
 * changed span can differ. Anything else in that span (a constant, a local variable, a call)
 * may change values anywhere: then there is no answer and the proof folds everything.
 */

export interface Span {
  start: number;
  end: number;
}

/** The one span each text differs in: [start, end) in `before` and in `after`. */
export function changedSpans(before: string, after: string): { before: Span; after: Span } {
  const max = Math.min(before.length, after.length);
  let p = 0;
  while (p < max && before.charCodeAt(p) === after.charCodeAt(p)) p++;
  let q = 0;
  while (q < max - p && before.charCodeAt(before.length - 1 - q) === after.charCodeAt(after.length - 1 - q)) q++;
  return { before: { start: p, end: before.length - q }, after: { start: p, end: after.length - q } };
}

/** The paths (group first) that text in `span` writes, deepest first found; undefined: it cannot be told. */
export function pathsWrittenIn(doc: Document, span: Span): string[][] | undefined {
  // Values read through constants and variables change with text outside their own writes (the
  // name's line, or a line that stops changing the value in place): then every setting may differ.
  if (doc.statements.some((s) => (s.kind === 'write' || s.kind === 'enable_all') && s.scope.size > 0)) return undefined;
  const byId = new Map(doc.statements.map((s) => [s.statement.id, s]));
  const out: string[][] = [];
  for (const node of doc.tree.rootNode.namedChildren) {
    if (!meets(node, span)) continue;
    if (node.type === 'comment') continue;
    const s = byId.get(node.id);
    if (s?.kind === 'enable_all') {
      out.push(['enable_all']);
      continue;
    }
    if (s?.kind !== 'write') return undefined;
    writtenIn([s.group, ...s.path], s.value, span, out);
  }
  return out;
}

/** What `value`, written at `path`, writes within `span`. */
function writtenIn(path: string[], value: SyntaxNode, span: Span, out: string[][]): void {
  // Only changed text strictly inside the braces leaves the hash itself, and its other pairs, as they were.
  if (value.type !== 'hash' || !(value.startIndex < span.start && span.end < value.endIndex)) {
    out.push(path);
    return;
  }
  // Inside the braces: only the pairs the span meets. A span between pairs meets none here; the
  // other text's parse sees the pair it inserts or removes.
  for (const pair of hashPairs(value)) {
    if (!meets(pair, span)) continue;
    const key = pair.type === 'pair' ? pairKey(pair) : undefined;
    const inner = pair.type === 'pair' ? pair.childForFieldName('value') : null;
    if (!key?.ok || !inner) {
      out.push(path);
      return;
    }
    writtenIn([...path, key.key], inner, span, out);
  }
}

/**
 * Whether the node's text and the span share a character. A node the span only borders keeps its
 * text on this side; if the edit changes its meaning, the node holds changed text in the other
 * parse (text added after `1` makes `12` there), so both sides together miss nothing.
 */
function meets(node: SyntaxNode, span: Span): boolean {
  return node.startIndex < span.end && span.start < node.endIndex;
}
