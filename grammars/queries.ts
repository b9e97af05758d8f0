import { Parser, rubyParser, type SyntaxNode } from './ruby';
import statementsSource from './queries/statements.scm';
import referencesSource from './queries/references.scm';

export interface WriteMatch {
  kind: 'write';
  statement: SyntaxNode;
  target: SyntaxNode;
  value: SyntaxNode;
}
export interface CallMatch {
  kind: 'call';
  statement: SyntaxNode;
  setter: SyntaxNode;
  arguments: SyntaxNode;
}

let statements: Parser.Query | undefined;
let references: Parser.Query | undefined;

function query(source: string): Parser.Query {
  return new Parser.Query(rubyParser().getLanguage(), source);
}

/** Top-level writes and setter calls, in document order. */
export function topLevelStatements(root: SyntaxNode): (WriteMatch | CallMatch)[] {
  statements ??= query(statementsSource);
  // Patterns start at the program node; a larger start depth would walk the whole tree for nothing.
  return statements.matches(root, { maxStartDepth: 0 }).map((m) => {
    const by = Object.fromEntries(m.captures.map((c) => [c.name, c.node]));
    return by.write
      ? { kind: 'write' as const, statement: by.write, target: by.target, value: by.value }
      : { kind: 'call' as const, statement: by.call, setter: by.setter, arguments: by.arguments };
  });
}

/** Identifiers that name a configuration group or setting, anywhere under `node`. */
export function configReferences(node: SyntaxNode): SyntaxNode[] {
  references ??= query(referencesSource);
  return references.captures(node).map((c) => c.node);
}
