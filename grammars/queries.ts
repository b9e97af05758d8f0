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

/**
 * Top-level writes and setter calls, in document order: what statements.scm matches.
 *
 * Compiling a query against the Ruby grammar costs about as much as the rest of a `get`, on every
 * run. The patterns only look at the program's direct children, so this walks those children
 * itself; `topLevelStatementsByQuery` runs the .scm file, and a test holds the two to the same
 * answers on every fixture.
 */
export function topLevelStatements(root: SyntaxNode): (WriteMatch | CallMatch)[] {
  const out: (WriteMatch | CallMatch)[] = [];
  for (const statement of root.namedChildren) {
    if (statement.type === 'assignment') {
      const target = statement.childForFieldName('left');
      const value = statement.childForFieldName('right');
      if (target?.type === 'element_reference' && value) out.push({ kind: 'write', statement, target, value });
    } else if (statement.type === 'call') {
      const setter = statement.childForFieldName('method');
      const args = statement.childForFieldName('arguments');
      if (setter?.type === 'identifier' && args?.type === 'argument_list') out.push({ kind: 'call', statement, setter, arguments: args });
    }
  }
  return out;
}

/** The same as topLevelStatements, by running statements.scm. */
export function topLevelStatementsByQuery(root: SyntaxNode): (WriteMatch | CallMatch)[] {
  statements ??= query(statementsSource);
  // Patterns start at the program node; a larger start depth would walk the whole tree for nothing.
  return statements.matches(root, { maxStartDepth: 0 }).map((m) => {
    const by = Object.fromEntries(m.captures.map((c) => [c.name, c.node]));
    return by.write
      ? { kind: 'write' as const, statement: by.write, target: by.target, value: by.value }
      : { kind: 'call' as const, statement: by.call, setter: by.setter, arguments: by.arguments };
  });
}

/** The names references.scm matches, from its one `#match?` predicate. */
const REFERENCE_NAMES = new RegExp(/#match\? @name "([^"]+)"/.exec(referencesSource)![1]);

/**
 * Identifiers that name a configuration group or setting, anywhere under `node`: what
 * references.scm captures, found without compiling it (see topLevelStatements). A test holds
 * this to `configReferencesByQuery` on every fixture.
 */
export function configReferences(node: SyntaxNode): SyntaxNode[] {
  return node.descendantsOfType('identifier').filter((n) => REFERENCE_NAMES.test(n.text));
}

/** The same as configReferences, by running references.scm. */
export function configReferencesByQuery(node: SyntaxNode): SyntaxNode[] {
  references ??= query(referencesSource);
  return references.captures(node).map((c) => c.node);
}
