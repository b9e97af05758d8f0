import { firstSyntaxError, parseRuby, type SyntaxNode, type Tree } from '../../grammars/ruby';
import { fail } from './errors';
import { buildModel, type Model } from './model';
import { docStyle, dominantPairStyle, type DocStyle, type PairStyle } from './style';
import { heredocBody } from './literal';

/** A parsed file: its byte text (one char per byte), tree, effective model and style. */
export interface Document {
  text: string;
  tree: Tree;
  model: Model;
  style: DocStyle;
  pairStyle: PairStyle;
}

export function parseDocument(text: string): Document {
  const tree = parseRuby(text);
  const error = firstSyntaxError(tree);
  if (error) {
    const { row, column } = error.startPosition;
    const near = error.isMissing ? `missing ${error.type}` : `near ${JSON.stringify(firstLine(error.text))}`;
    fail('syntax', `syntax error at line ${row + 1}, column ${column + 1} (${near}); fix the file first`, {
      line: row + 1,
      column: column + 1,
    });
  }
  return {
    text,
    tree,
    model: buildModel(tree.rootNode),
    style: docStyle(text, tree.rootNode),
    pairStyle: dominantPairStyle(tree.rootNode),
  };
}

function firstLine(s: string): string {
  const line = s.split(/\r?\n/)[0];
  return line.length > 30 ? line.slice(0, 30) + '…' : line;
}

/** Where a node's text really ends: heredoc bodies it starts come after it in the file. */
export function extentEnd(node: SyntaxNode): number {
  let end = node.endIndex;
  const visit = (n: SyntaxNode): void => {
    if (n.type === 'heredoc_beginning') {
      const body = heredocBody(n);
      if (body) end = Math.max(end, body.endIndex);
    }
    for (const c of n.namedChildren) visit(c);
  };
  visit(node);
  return end;
}

export function lineOf(node: SyntaxNode): number {
  return node.startPosition.row + 1;
}
