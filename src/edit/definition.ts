import { lineOf, type Document } from '../ruby/document';
import type { TextEdit } from '../ruby/edits';
import { evaluateLiteral } from '../ruby/literal';
import { indentAt } from '../ruby/lines';
import { namesAt, readValue } from '../ruby/query';
import { fail } from '../values/errors';
import { formatKey, type Target } from '../values/keys';
import { sameValue, type RubyValue } from '../values/value';
import { renderValue } from './render';

/**
 * `set --at-definition`: a key whose value is one constant or variable (`routing[:endpoint_host] =
 * ENDPOINT`) changes where that name is set (`ENDPOINT = '...'`), so every setting that reads it
 * changes with it. Only a name set from a literal in this file is changed; anything else is refused.
 */
export interface DefinitionEdit {
  edits: TextEdit[];
  name: string;
  /** Where the assignment that sets the name starts: the same in both files joined. */
  definitionAt: number;
}

export function planAtDefinition(doc: Document, target: Target, value: RubyValue): DefinitionEdit {
  const key = formatKey(target);
  const reads = namesAt(doc, target);
  const read = reads[0];
  // The value as written must be the name alone: `[A + ':' + B]` has no one place to change.
  const parent = read?.node.parent;
  const alone = parent && reads.length === 1 && (parent.type === 'assignment' ? parent.childForFieldName('right') : parent.type === 'pair' ? parent.childForFieldName('value') : undefined)?.id === read.node.id;
  if (!alone) {
    // The first name the value reads, else the line that sets it.
    const set = readValue(doc, target);
    const at = read ? { line: lineOf(read.node), column: read.node.startPosition.column + 1 } : set ? { line: set.line, column: 1 } : undefined;
    fail('unsupported', `cannot set ${key} --at-definition: its value is not one constant or variable; set it without --at-definition`, at);
  }
  const right = read.definition.childForFieldName('right');
  const current = right ? evaluateLiteral(right) : undefined;
  if (!right || !current?.ok) {
    fail('unsupported', `cannot set ${key} --at-definition: ${read.name} is set at line ${lineOf(read.definition)} from more than a literal; edit that line by hand`, {
      line: lineOf(read.definition),
      column: read.definition.startPosition.column + 1,
    });
  }
  if (value.kind === 'hash') fail('unsupported', `cannot set ${key} --at-definition to a hash: a hash is not followed through names`);
  const found = { name: read.name, definitionAt: read.definition.startIndex };
  if (sameValue(current.value, value)) return { edits: [], ...found };
  const text = renderValue(value, {
    indent: indentAt(doc.text, right.startIndex),
    indentUnit: doc.style.indentUnit,
    eol: doc.style.eol,
    multiline: true,
    pairStyle: doc.pairStyle,
    trailingComma: doc.style.trailingComma,
  });
  return { edits: [{ start: right.startIndex, end: right.endIndex, text }], ...found };
}
