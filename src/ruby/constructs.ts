import type { SyntaxNode } from '../../grammars/ruby';

/** How a statement that is no literal write touches settings. */
export type StatementKind = 'conditional' | 'loop' | 'conditional-assignment' | 'other';

/** What kind of statement makes the settings it touches uncertain: they may or may not run. */
export function statementKind(statement: SyntaxNode): StatementKind {
  switch (statement.type) {
    case 'if':
    case 'unless':
    case 'if_modifier':
    case 'unless_modifier':
    case 'case':
    case 'conditional':
      return 'conditional';
    case 'while':
    case 'until':
    case 'for':
    case 'while_modifier':
    case 'until_modifier':
      return 'loop';
    case 'operator_assignment':
      return 'conditional-assignment';
    default:
      return 'other';
  }
}
