import type { SyntaxNode } from '../../grammars/ruby';
import { configReferences, topLevelStatements } from '../../grammars/queries';
import { statementKind, type StatementKind } from './constructs';
import { isGroup, type Group } from '../values/groups';
import { indexChain } from './literal';
import { Bindings } from './bindings';

/**
 * The one scan of a parsed file: every top-level statement that sets or touches a setting, in file
 * order, as plain data. The fold of the effective configuration (model.ts) and the list of every
 * write with its fate (writes.ts) both read this; neither classifies statements on its own.
 */
export type Statement =
  /** `group[:a]["b"] = value` with literal keys. */
  | { kind: 'write'; statement: SyntaxNode; group: Group; path: string[]; target: SyntaxNode; value: SyntaxNode; scope: Bindings }
  /** `group[:a][name] = value`: a key only Ruby can compute; `path` holds the literal keys before it. */
  | { kind: 'computed-key'; statement: SyntaxNode; group: Group; path: string[]; key: SyntaxNode; value: SyntaxNode }
  /** `enable_all value`. */
  | { kind: 'enable_all'; statement: SyntaxNode; value: SyntaxNode; scope: Bindings }
  /** `prxy[:x] = 1`: an index write on a name that is no group (scalr-server-ctl fails on it). */
  | { kind: 'unknown-group'; statement: SyntaxNode; name: string }
  /** `enabl_all true`, `puts "x"`: a top-level call other than enable_all with one argument. */
  | { kind: 'call'; statement: SyntaxNode; name: string }
  /** Anything else that mentions a group: a conditional, a loop, `||=`, a method call on a group, ... */
  | { kind: 'uncertain'; statement: SyntaxNode; how: StatementKind; references: SyntaxNode[] };

/**
 * `localStart`: where scalr-server-local.rb starts when `root` is both files joined; its local
 * variables are its own (see bindings.ts). Each write and enable_all carries the names visible at it.
 */
export function scanStatements(root: SyntaxNode, localStart = Infinity): Statement[] {
  const out: Statement[] = [];
  let scope = Bindings.start(root);
  let inLocal = false;
  const matches = new Map<number, ReturnType<typeof topLevelStatements>[number]>();
  for (const match of topLevelStatements(root)) matches.set(match.statement.id, match);
  // Names assigned as local variables so far: `x = {}; x[:a] = 1` is plain Ruby, not a setting.
  const locals = new Set<string>();

  for (const statement of root.namedChildren) {
    if (statement.type === 'comment') continue;
    if (!inLocal && statement.startIndex >= localStart) {
      inLocal = true;
      scope = scope.forNextFile();
    }
    const before = scope;
    // Names the statement assigns other than by a plain top-level `name = ...` are unknown after it.
    const named = statement.type === 'assignment' && isName(statement.childForFieldName('left'));
    scope = scope.reassigned(statement, named);
    const match = matches.get(statement.id);
    if (match?.kind === 'write') {
      const chain = indexChain(match.target);
      if (chain && isGroup(chain.root)) {
        const group = chain.root;
        if (chain.unknown) out.push({ kind: 'computed-key', statement, group, path: chain.path, key: chain.unknown, value: match.value });
        else out.push({ kind: 'write', statement, group, path: chain.path, target: match.target, value: match.value, scope: before });
        continue;
      }
      if (chain && !locals.has(chain.root)) {
        out.push({ kind: 'unknown-group', statement, name: chain.root });
        continue;
      }
    } else if (match?.kind === 'call') {
      if (match.setter.text === 'enable_all' && match.arguments.namedChildCount === 1) {
        out.push({ kind: 'enable_all', statement, value: match.arguments.namedChildren[0], scope: before });
      } else {
        out.push({ kind: 'call', statement, name: match.setter.text });
      }
      continue;
    }
    if (statement.type === 'assignment') {
      const left = statement.childForFieldName('left');
      const right = statement.childForFieldName('right');
      if (left?.type === 'identifier') locals.add(left.text);
      if (named && left && right) scope = scope.assign(left, statement, right);
    }
    const references = configReferences(statement);
    if (references.length === 0) continue;
    out.push({ kind: 'uncertain', statement, how: statementKind(statement), references });
  }
  return out;
}

function isName(node: SyntaxNode | null): node is SyntaxNode {
  return node?.type === 'identifier' || node?.type === 'constant';
}

/** References to groups inside a statement that is not a literal write; computed on demand. */
export function referencesOf(s: Statement): SyntaxNode[] {
  return s.kind === 'uncertain' ? s.references : configReferences(s.statement);
}
