import { firstSyntaxError, parseRuby, sourceOf, type SyntaxNode, type Tree } from '../../grammars/ruby';
import { fail } from '../values/errors';
import { buildModel, type Model } from './evaluated';
import { scanStatements, type Statement } from './statements';
import { docStyle, dominantPairStyle, type DocStyle, type PairStyle } from './style';
import { heredocBody } from './literal';
import type { TextEdit } from './edits';

/** A parsed file: its byte text (one char per byte), tree, effective model and style. */
export interface Document {
  text: string;
  tree: Tree;
  /** The file's top-level statements, classified once; the model and the write list read them. */
  statements: Statement[];
  model: Model;
  /** Read from the text on first use. */
  readonly style: DocStyle;
  readonly pairStyle: PairStyle;
}

/**
 * Parses a file. With `previous` (the document the text was edited from, and the edits), the parse
 * reuses the old tree and the style already read, so a chain of changes costs little more than one.
 * `localStart` is where scalr-server-local.rb starts when the text is both files joined (layers.ts).
 */
export function parseDocument(text: string, previous?: { doc: Document; edits: readonly TextEdit[] }, localStart?: number): Document {
  // The old document's style must be read before its tree is edited for reuse: the edit moves its nodes.
  let style: DocStyle | undefined = previous?.doc.style;
  let pairStyle: PairStyle | undefined = previous?.doc.pairStyle;
  const tree = parseRuby(text, previous ? editedTree(previous.doc, previous.edits) : undefined);
  const error = firstSyntaxError(tree);
  if (error) {
    const { row, column } = error.startPosition;
    const render = (excerpt: string) => JSON.stringify(firstLine(excerpt));
    const near = error.isMissing ? `missing ${error.type}` : `near ${render(error.text)}`;
    const quoted = error.isMissing ? undefined : { text, start: error.startIndex, end: error.endIndex, render };
    fail('syntax', `syntax error at line ${row + 1}, column ${column + 1} (${near}); fix the file first`, { line: row + 1, column: column + 1 }, undefined, quoted);
  }
  const statements = scanStatements(tree.rootNode, localStart);
  return {
    text,
    tree,
    statements,
    model: buildModel(statements),
    get style() {
      return (style ??= docStyle(text));
    },
    get pairStyle() {
      return (pairStyle ??= dominantPairStyle(tree.rootNode));
    },
  };
}

/** Tells the old tree about the edits (last first, so each one's offsets hold in both texts). */
function editedTree(doc: Document, edits: readonly TextEdit[]): Tree {
  const tree = doc.tree;
  let text = doc.text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) {
    const after = text.slice(0, e.start) + e.text + text.slice(e.end);
    tree.edit({
      startIndex: e.start,
      oldEndIndex: e.end,
      newEndIndex: e.start + e.text.length,
      startPosition: pointAt(text, e.start),
      oldEndPosition: pointAt(text, e.end),
      newEndPosition: pointAt(after, e.start + e.text.length),
    });
    text = after;
  }
  return tree;
}

function pointAt(text: string, index: number): { row: number; column: number } {
  let row = 0;
  let at = text.indexOf('\n');
  let lineStart = 0;
  while (at >= 0 && at < index) {
    row++;
    lineStart = at + 1;
    at = text.indexOf('\n', lineStart);
  }
  return { row, column: index - lineStart };
}

function firstLine(s: string): string {
  const line = s.split(/\r?\n/)[0];
  return line.length > 30 ? line.slice(0, 30) + '…' : line;
}

/** Where a node's text really ends: heredoc bodies it starts come after it in the file. */
export function extentEnd(node: SyntaxNode): number {
  let end = node.endIndex;
  if (!sourceOf(node).slice(node.startIndex, end).includes('<<')) return end;
  for (const begin of node.descendantsOfType('heredoc_beginning')) {
    const body = heredocBody(begin);
    if (body) end = Math.max(end, body.endIndex);
  }
  return end;
}

export function lineOf(node: SyntaxNode): number {
  return node.startPosition.row + 1;
}
