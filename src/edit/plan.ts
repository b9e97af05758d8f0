import type { SyntaxNode } from '../../grammars/ruby';
import { extentEnd, lineOf, parseDocument, type Document } from '../ruby/document';
import { commentedPair, commentedStatement, type CommentedSetting } from './commented';
import { applyEdits, type TextEdit } from '../ruby/edits';
import { fail, ScalrConfError } from '../values/errors';
import { formatKey, type Target } from '../values/keys';
import { hashPairs, heredocBody } from '../ruby/literal';
import { indentAt, isBlank, lineEnd, lineStart, nextLineStart, startsLine } from '../ruby/lines';
import type { HashNode, OpaqueNode, Slot, ValueNode } from '../ruby/evaluated';
import { renderPair, renderString, renderValue, type Layout } from './render';
import { pairStyleFor } from '../ruby/style';
import { sameValue, type RubyValue } from '../values/value';
import { namesAt, settingsReading } from '../ruby/query';
import { keyBinOfPath } from '../ruby/writes';
import { planAtDefinition } from './definition';

/** `atDefinition`: change the assignment of the constant or variable the value is (definition.ts). */
export type Change = { op: 'set'; target: Target; value: RubyValue; atDefinition?: boolean } | { op: 'unset'; target: Target };

export interface Plan {
  before: string;
  after: string;
  /** `after`, parsed: what the last change left, for a caller that reads it again. */
  doc?: Document;
  /** `before`, parsed, with its tree whole (not spent by planning), for a caller that reads it again. */
  beforeDoc?: Document;
  /** One line per change: what it did, or that it changed nothing. */
  summary: string[];
  /** What the admin should hear beside the diff: other settings that read a name the edit replaced or changed. */
  notes?: string[];
}

export interface PlanOptions {
  /** --force: a hash may replace a scalar and a scalar a hash. */
  force?: boolean;
  /**
   * Removing a key may remove the statement that overrides an earlier value, letting that value
   * show again: what a --local unset means. Off for the main file, where it would revive a value
   * the admin replaced on purpose.
   */
  revive?: boolean;
}

/**
 * Plans changes in order, each against the text the previous ones produced, so later changes see
 * earlier ones exactly as Ruby would. Every intermediate text must parse again.
 */
export function planChanges(text: string, changes: readonly Change[], options: PlanOptions = {}, parsed?: Document): Plan {
  // `parsed` is `text` already parsed; planning edits its tree for the next parse, so it is spent.
  let doc = parsed?.text === text ? parsed : parseDocument(text);
  const summary: string[] = [];
  const notes: string[] = [];
  for (const change of changes) {
    const key = formatKey(change.target);
    const shared = change.op === 'set' ? (change.atDefinition ? definitionReaders(doc, change.target, change.value) : sharedNames(doc, change.target)) : '';
    let edited = false;
    // An unset can uncover an earlier value of the same key (a duplicate or an earlier write): repeat.
    for (let round = 0; round < 1000; round++) {
      const edits =
        change.op === 'unset' ? planUnset(doc, change.target, options) : change.atDefinition ? planAtDefinition(doc, change.target, change.value).edits : planSet(doc, change.target, change.value, options);
      if (edits.length === 0) break;
      doc = reparse(doc, edits, key);
      edited = true;
      if (change.op === 'set') break;
    }
    summary.push(edited ? `${change.op} ${key}${shared}` : `${key}: ${change.op === 'set' ? 'already has that value' : 'not set'}`);
    if (edited && shared) notes.push(`${change.op} ${key}${shared}`);
  }
  return { before: text, after: doc.text, doc, summary, notes };
}

/**
 * A set replaces the value as written, a constant or variable included, and only there: what else
 * reads the same names keeps them. Worked out before the edit, which spends the document's tree.
 */
function sharedNames(doc: Document, target: Target): string {
  const names = [...new Set(namesAt(doc, target).map((r) => r.name))];
  if (names.length === 0) return '';
  const key = formatKey(target);
  const readers = settingsReading(doc, names);
  const parts = names.map((name) => {
    const others = readers.get(name)!.map(keyBinOfPath).filter((k) => k !== key);
    return others.length === 0 ? `${name}, which no other setting reads` : `${name}, which ${others.join(', ')} still read${others.length === 1 ? 's' : ''}`;
  });
  return ` (in place of ${parts.join('; ')})`;
}

/** What --at-definition changes besides the key: every other setting of this file that reads the name there. */
function definitionReaders(doc: Document, target: Target, value: RubyValue): string {
  const { name, definitionAt } = planAtDefinition(doc, target, value);
  const key = formatKey(target);
  const others = (settingsReading(doc, [name], definitionAt).get(name) ?? []).map(keyBinOfPath).filter((k) => k !== key);
  return ` (at the definition of ${name}${others.length ? `, which also changes ${others.join(', ')}` : ''})`;
}

function reparse(doc: Document, edits: TextEdit[], key: string): Document {
  try {
    return parseDocument(applyEdits(doc.text, edits), { doc, edits });
  } catch (e) {
    if (e instanceof ScalrConfError && e.code === 'syntax') {
      fail('unsupported', `changing ${key} would leave text that does not parse; nothing written`);
    }
    throw e;
  }
}

function refuseOpaque(node: OpaqueNode, key: string): never {
  fail('unsupported', `cannot change ${key} with certainty: line ${lineOf(node.node)} has ${node.reason}; edit it by hand`, {
    line: lineOf(node.node),
    column: node.node.startPosition.column + 1,
  });
}

// ---------------------------------------------------------------- set

export function planSet(doc: Document, target: Target, value: RubyValue, options: PlanOptions = {}): TextEdit[] {
  const key = formatKey(target);
  if (target.kind === 'enable_all') return planSetEnableAll(doc, value);
  const root = doc.model.groups.get(target.group)!;
  if (root.kind === 'opaque') refuseOpaque(root, key);
  let node: HashNode = root;
  const { path } = target;
  for (let i = 0; i < path.length; i++) {
    const slot = node.slots.get(path[i]);
    if (!slot) return insertMissing(doc, node, target.group, path, i, value);
    if (i === path.length - 1) return replaceSlot(doc, slot, value, key, options);
    if (slot.value.kind === 'opaque') refuseOpaque(slot.value, key);
    if (slot.value.kind === 'leaf') {
      const at = slot.origin.kind === 'opaque' ? slot.origin.node : slot.origin.valueNode;
      const render = (excerpt: string) => excerpt.split('\n')[0];
      const quoted = { text: doc.text, start: at.startIndex, end: at.endIndex, render };
      fail('not-hash', `cannot set ${key}: ${JSON.stringify(path[i])} at line ${lineOf(at)} holds ${render(at.text)}, not a hash; refusing to overwrite it`, { line: lineOf(at), column: at.startPosition.column + 1 }, undefined, quoted);
    }
    node = slot.value;
  }
  return [];
}

function planSetEnableAll(doc: Document, value: RubyValue): TextEdit[] {
  const current = doc.model.enableAll;
  const text = enableAllArgument(renderValue(value, layoutAt(doc, 0, false)), value);
  if (!current) return appendStatement(doc, `enable_all ${text}`);
  if (current.value.kind === 'opaque') refuseOpaque(current.value, 'enable_all');
  if (current.value.kind === 'leaf' && sameValue(current.value.value, value)) return [];
  const arg = current.statement.childForFieldName('arguments')!.namedChildren[0];
  return [{ start: arg.startIndex, end: arg.endIndex, text }];
}

function replaceSlot(doc: Document, slot: Slot, value: RubyValue, key: string, options: PlanOptions): TextEdit[] {
  if (slot.origin.kind === 'opaque') refuseOpaque(slot.value as OpaqueNode, key);
  if (slot.value.kind === 'leaf' && sameValue(slot.value.value, value)) return [];
  if (slot.value.kind === 'hash' && value.kind === 'hash') {
    const current = hashValue(slot.value);
    if (current && sameValue(current, value)) return [];
  }
  // Every setting inside a hash would go with it, or a setting would become a hash of settings.
  const emptyHash = slot.value.kind === 'hash' && slot.value.slots.size === 0;
  if ((slot.value.kind === 'hash') !== (value.kind === 'hash') && !emptyHash && !options.force) {
    const at = slot.origin.valueNode;
    const what = slot.value.kind === 'hash' ? `a hash of ${slot.value.slots.size} setting${slot.value.slots.size === 1 ? '' : 's'}` : 'a single value';
    fail('replaces-hash', `${key} at line ${lineOf(at)} holds ${what}; replacing it with ${value.kind === 'hash' ? 'a hash' : 'a single value'} needs --force`, {
      line: lineOf(at),
      column: at.startPosition.column + 1,
    });
  }
  // A later statement writing below this key would merge into the new value, or fail on it.
  const later = laterWriteBelow(slot.value);
  if (later) {
    fail('unsupported', `cannot set ${key} with certainty: line ${lineOf(later)} writes below it later; remove that line first or edit by hand`, {
      line: lineOf(later),
      column: later.startPosition.column + 1,
    });
  }
  const at = slot.origin.valueNode;
  const multiline = slot.origin.kind === 'statement' || spansLines(slot.origin.hash);
  const rendered = renderValue(value, layoutAt(doc, at.startIndex, multiline, at));
  // `a:` then `:b` needs a space: `a::b` is a scope.
  const text = doc.text[at.startIndex - 1] === ':' && rendered.startsWith(':') ? ' ' + rendered : rendered;
  const edits: TextEdit[] = [{ start: at.startIndex, end: at.endIndex, text }];
  if (at.type === 'heredoc_beginning') {
    const body = heredocBody(at);
    // The body starts at the LF of its opening line's CRLF: the CR goes with it, or it is left alone at the line's end.
    if (body) edits.push({ start: doc.text[body.startIndex - 1] === '\r' ? body.startIndex - 1 : body.startIndex, end: body.endIndex, text: '' });
  }
  return edits;
}

/** The first top-level statement (or uncertain construct) that writes inside a value after it was assigned. */
function laterWriteBelow(node: ValueNode): SyntaxNode | undefined {
  if (node.kind !== 'hash') return undefined;
  for (const s of node.slots.values()) {
    if (s.origin.kind === 'statement') return s.origin.statement;
    if (s.origin.kind === 'opaque') return s.origin.node;
    const inner = laterWriteBelow(s.value);
    if (inner) return inner;
  }
  return undefined;
}

/** The value of a hash whose every leaf is known; undefined when some part is not. */
function hashValue(node: HashNode): RubyValue | undefined {
  const entries: [string, RubyValue][] = [];
  for (const [k, slot] of node.slots) {
    const v = slot.value.kind === 'leaf' ? slot.value.value : slot.value.kind === 'hash' ? hashValue(slot.value) : undefined;
    if (!v) return undefined;
    entries.push([k, v]);
  }
  return { kind: 'hash', entries };
}

/** The argument of `enable_all`: a hash in parentheses, as `enable_all {...}` would pass a block. */
export function enableAllArgument(rendered: string, value: RubyValue): string {
  return value.kind === 'hash' ? `(${rendered})` : rendered;
}

/** `value` inside one hash per key of `path`, outermost first. */
export function nest(path: string[], value: RubyValue): RubyValue {
  return path.reduceRight<RubyValue>((inner, key) => ({ kind: 'hash', entries: [[key, inner]] }), value);
}

function insertMissing(doc: Document, node: HashNode, group: string, path: string[], i: number, value: RubyValue): TextEdit[] {
  if (i === path.length - 1) {
    const taken = node.literal ? uncommentPair(doc, node.literal, path[i], value) : uncommentStatement(doc, group, path[i], value);
    if (taken) return taken;
  }
  const inner = nest(path.slice(i + 1), value);
  if (node.literal) return insertPair(doc, node.literal, path[i], inner);
  const lhs = `${group}[${groupKeyText(path[0])}]`;
  const text = `${lhs} = ${renderValue(inner, layoutAt(doc, 0, true))}`;
  const last = doc.model.lastStatement.get(group as never);
  return last ? insertAfterStatement(doc, last, text) : appendStatement(doc, text);
}

/** The commented-out `group[key] = ...` line made real, with the new value. */
function uncommentStatement(doc: Document, group: string, key: string, value: RubyValue): TextEdit[] | undefined {
  const found = commentedStatement(doc, group, key);
  if (!found) return undefined;
  const rendered = renderValue(value, layoutAt(doc, found.comment.startIndex, true));
  return [uncommented(doc, found, rendered, doc.text.slice(found.valueEnd, found.end))];
}

/**
 * The commented-out pair line inside the hash made real, with the new value. Commas follow the
 * hash: a comma before a pair below it, and as the last pair the trailing comma of the pair before.
 */
function uncommentPair(doc: Document, hash: SyntaxNode, key: string, value: RubyValue): TextEdit[] | undefined {
  const found = commentedPair(doc, hash, key);
  if (!found) return undefined;
  const pairs = hashPairs(hash);
  const prev = pairs.filter((p) => p.endIndex <= found.comment.startIndex).pop();
  const next = pairs.find((p) => p.startIndex >= found.end);
  const prevComma = prev ? commaAfter(prev) : undefined;
  const rendered = renderValue(value, layoutAt(doc, found.comment.startIndex, spansLines(hash), hash));
  let rest = doc.text.slice(found.valueEnd, found.end);
  const edits: TextEdit[] = [];
  if (next) {
    if (!found.comma) rest = rest.trimEnd() + ',';
  } else if (prev) {
    if (!prevComma) edits.push({ start: prev.endIndex, end: prev.endIndex, text: ',' });
    if (found.comma && !prevComma) rest = rest.replace(/^\s*,/, '');
    else if (!found.comma && prevComma) rest = rest.trimEnd() + ',';
  }
  edits.push(uncommented(doc, found, rendered, rest));
  return edits;
}

/** The comment replaced by its own text without `#`, the value swapped: indentation and key as written. */
function uncommented(doc: Document, found: CommentedSetting, rendered: string, rest: string): TextEdit {
  const head = doc.text.slice(found.bodyStart, found.valueStart);
  // `a:` then `:b` needs a space: `a::b` is a scope.
  const value = head.endsWith(':') && rendered.startsWith(':') ? ' ' + rendered : rendered;
  return { start: found.comment.startIndex, end: found.end, text: head + value + rest };
}

/** A group's first key on the left of a new statement: `:name`, else a string. */
export function groupKeyText(key: string): string {
  return /^[A-Za-z_]\w*$/.test(key) ? `:${key}` : renderString(key);
}

function spansLines(node: SyntaxNode): boolean {
  return node.startPosition.row !== node.endPosition.row;
}

function layoutAt(doc: Document, at: number, multiline: boolean, near?: SyntaxNode): Layout {
  const hash = near ? enclosingHash(near) : undefined;
  return {
    indent: indentAt(doc.text, at),
    indentUnit: doc.style.indentUnit,
    eol: doc.style.eol,
    multiline,
    pairStyle: pairStyleFor(hash, doc.pairStyle),
    trailingComma: doc.style.trailingComma,
  };
}

function enclosingHash(node: SyntaxNode): SyntaxNode | undefined {
  for (let n: SyntaxNode | null = node; n; n = n.parent) if (n.type === 'hash') return n;
  return undefined;
}

/** The token after a pair, skipping heredoc bodies and comments: a comma or not. */
function commaAfter(pair: SyntaxNode): SyntaxNode | undefined {
  for (let n = pair.nextSibling; n; n = n.nextSibling) {
    if (n.type === 'heredoc_body' || n.type === 'comment') continue;
    return n.type === ',' ? n : undefined;
  }
  return undefined;
}

function insertPair(doc: Document, hash: SyntaxNode, key: string, value: RubyValue): TextEdit[] {
  const text = doc.text;
  const pairs = hashPairs(hash);
  const open = hash.child(0)!;
  const close = hash.child(hash.childCount - 1)!;
  const style = pairStyleFor(hash, doc.pairStyle);
  const multiline = spansLines(hash);
  const last = pairs[pairs.length - 1];
  const comma = last ? commaAfter(last) : undefined;
  const trailingComma = last ? !!comma : doc.style.trailingComma;
  const render = (indent: string, ml: boolean): string =>
    renderPair(key, value, { indent, indentUnit: doc.style.indentUnit, eol: doc.style.eol, multiline: ml, pairStyle: style, trailingComma });

  if (pairs.length === 0) {
    const hasComments = hash.namedChildren.some((c) => c.type === 'comment');
    if (multiline && startsLine(text, close.startIndex)) {
      const indent = indentAt(text, close.startIndex) + doc.style.indentUnit;
      return [{ start: lineStart(text, close.startIndex), end: lineStart(text, close.startIndex), text: indent + render(indent, true) + (trailingComma ? ',' : '') + doc.style.eol }];
    }
    if (hasComments) fail('unsupported', `cannot add ${key} to the hash at line ${lineOf(hash)}: it holds only comments on one line`);
    // `{}` written as the whole value of a statement grows like a new block; inside one-line hashes it stays on one line.
    const base = indentAt(text, hash.startIndex);
    const grow = value.kind === 'hash' && (hash.parent?.type === 'assignment' || multilineAncestor(hash));
    if (grow) {
      const indent = base + doc.style.indentUnit;
      return [{ start: open.endIndex, end: close.startIndex, text: doc.style.eol + indent + render(indent, true) + (trailingComma ? ',' : '') + doc.style.eol + base }];
    }
    return [{ start: open.endIndex, end: close.startIndex, text: ` ${render(base, false)} ` }];
  }

  if (multiline && startsLine(text, close.startIndex)) {
    const indent = startsLine(text, last.startIndex)
      ? indentAt(text, last.startIndex)
      : text.slice(lineStart(text, last.startIndex), last.startIndex).replace(/[^\t]/g, ' ');
    const at = lineStart(text, close.startIndex);
    const edits: TextEdit[] = [];
    if (!comma) edits.push({ start: last.endIndex, end: last.endIndex, text: ',' });
    edits.push({ start: at, end: at, text: indent + render(indent, true) + (comma ? ',' : '') + doc.style.eol });
    return edits;
  }
  if (multiline) {
    const indent = startsLine(text, last.startIndex) ? indentAt(text, last.startIndex) : text.slice(lineStart(text, last.startIndex), last.startIndex).replace(/[^\t]/g, ' ');
    const at = comma ? comma.endIndex : last.endIndex;
    return [{ start: at, end: at, text: (comma ? '' : ',') + doc.style.eol + indent + render(indent, true) + (comma ? ',' : '') }];
  }
  const base = indentAt(text, hash.startIndex);
  if (comma) return [{ start: comma.endIndex, end: comma.endIndex, text: ` ${render(base, false)},` }];
  return [{ start: last.endIndex, end: last.endIndex, text: `, ${render(base, false)}` }];
}

function multilineAncestor(hash: SyntaxNode): boolean {
  const parent = hash.parent?.parent;
  return parent?.type === 'hash' && spansLines(parent);
}


function insertAfterStatement(doc: Document, statement: SyntaxNode, line: string): TextEdit[] {
  const text = doc.text;
  const end = extentEnd(statement);
  const eolAt = lineEnd(text, end);
  if (eolAt === text.length) return [{ start: text.length, end: text.length, text: doc.style.eol + line }];
  const at = nextLineStart(text, end);
  return [{ start: at, end: at, text: line + doc.style.eol }];
}

/**
 * A new statement goes on its own line at the end. No blank line is added, so that removing the
 * statement again gives back the original bytes whatever the file ended with.
 */
function appendStatement(doc: Document, line: string): TextEdit[] {
  const text = doc.text;
  const eol = doc.style.eol;
  if (text.length === 0) return [{ start: 0, end: 0, text: line + eol }];
  if (text.endsWith('\n')) return [{ start: text.length, end: text.length, text: line + eol }];
  return [{ start: text.length, end: text.length, text: eol + line }];
}

// ---------------------------------------------------------------- unset

export function planUnset(doc: Document, target: Target, options: PlanOptions = {}): TextEdit[] {
  const key = formatKey(target);
  if (target.kind === 'enable_all') {
    const current = doc.model.enableAll;
    if (!current) return [];
    if (current.value.kind === 'opaque') refuseOpaque(current.value, key);
    return removeStatement(doc, current.statement);
  }
  const root = doc.model.groups.get(target.group)!;
  if (root.kind === 'opaque') refuseOpaque(root, key);
  const chain: { container: HashNode; slot: Slot }[] = [];
  let node: ValueNode = root;
  for (let i = 0; i < target.path.length; i++) {
    if (node.kind === 'opaque') refuseOpaque(node, key);
    if (node.kind !== 'hash') return [];
    const slot = node.slots.get(target.path[i]);
    if (!slot) return [];
    chain.push({ container: node, slot });
    node = slot.value;
  }
  const final = chain[chain.length - 1].slot;
  if (final.origin.kind === 'opaque') refuseOpaque(final.value as OpaqueNode, key);

  // Prune hashes the removal leaves empty, but never revive an earlier value by removing its successor.
  let t = chain.length - 1;
  while (t > 0) {
    const { container, slot } = chain[t];
    const parent = chain[t - 1].slot;
    const literal = container.literal;
    const onlyPair =
      slot.origin.kind === 'pair' &&
      literal !== undefined &&
      slot.origin.hash.id === literal.id &&
      hashPairs(literal).length === 1 &&
      !literal.namedChildren.some((c) => c.type === 'comment');
    if (!onlyPair || container.slots.size !== 1 || (parent.shadows && !options.revive) || parent.origin.kind === 'opaque') break;
    // `app[:configuration] = {}  # filled in later` is the admin's line: its hash is emptied, not removed.
    if (parent.origin.kind === 'statement' && hasComment(doc, parent.origin.statement)) break;
    t--;
  }
  const victim = chain[t].slot;
  if (victim.origin.kind === 'pair') return removePair(doc, victim.origin.pair, victim.origin.hash, key);
  if (victim.origin.kind === 'statement') return removeStatement(doc, victim.origin.statement);
  return refuseOpaque(victim.value as OpaqueNode, key);
}

/** A comment on the statement's lines or after it on its last line. */
function hasComment(doc: Document, statement: SyntaxNode): boolean {
  if (statement.descendantsOfType('comment').length > 0) return true;
  const end = extentEnd(statement);
  return /^[ \t]*#/.test(doc.text.slice(end, lineEnd(doc.text, end)));
}

function restOfLineIsBlankOrComment(text: string, at: number): boolean {
  const rest = text.slice(at, lineEnd(text, at));
  return /^[ \t]*(#.*)?$/.test(rest);
}

function removePair(doc: Document, pair: SyntaxNode, hash: SyntaxNode, key: string): TextEdit[] {
  const text = doc.text;
  const pairs = hashPairs(hash);
  const idx = pairs.findIndex((p) => p.id === pair.id);
  const comma = commaAfter(pair);
  const value = pair.childForFieldName('value');
  const body = value?.type === 'heredoc_beginning' ? heredocBody(value) : undefined;
  const own = comma ? comma.endIndex : pair.endIndex;
  const isLast = idx === pairs.length - 1;

  // The last pair of a statement's hash: back to `{}`, the form a set into `{}` grew it from.
  const statementHash = hash.parent?.type === 'assignment' && !hash.namedChildren.some((c) => c.type === 'comment');
  if (pairs.length === 1 && statementHash && !body) {
    return [{ start: hash.child(0)!.endIndex, end: hash.child(hash.childCount - 1)!.startIndex, text: '' }];
  }

  const shared = !body && pairs.length > 1 && !startsLine(text, pair.startIndex) && restOfLineIsBlankOrComment(text, own);
  if (shared) return removeLineTail(doc, pairs, idx, own);

  if (startsLine(text, pair.startIndex) && restOfLineIsBlankOrComment(text, own)) {
    const from = lineStart(text, pair.startIndex);
    const to = nextLineStart(text, body ? body.endIndex : own);
    const edits: TextEdit[] = [{ start: from, end: to, text: '' }];
    // A last pair without a trailing comma: the comma before it was only a separator.
    if (isLast && !comma && idx > 0) {
      const prevComma = commaAfter(pairs[idx - 1]);
      if (prevComma && prevComma.endIndex <= from) edits.push({ start: prevComma.startIndex, end: prevComma.endIndex, text: '' });
    }
    return edits;
  }
  const edits: TextEdit[] = [];
  if (body) edits.push({ start: body.startIndex, end: body.endIndex, text: '' });
  if (pairs.length === 1) {
    const open = hash.child(0)!;
    const close = hash.child(hash.childCount - 1)!;
    edits.push({ start: open.endIndex, end: close.startIndex, text: '' });
  } else if (!isLast) {
    edits.push({ start: pair.startIndex, end: pairs[idx + 1].startIndex, text: '' });
  } else {
    edits.push({ start: pairs[idx - 1].endIndex, end: pair.endIndex, text: '' });
  }
  if (body && edits.some((e) => e !== edits[0] && e.start < body.endIndex && e.end > body.startIndex)) {
    fail('unsupported', `cannot remove ${key}: its heredoc at line ${lineOf(pair)} shares lines with other pairs; edit it by hand`);
  }
  return edits;
}

/**
 * A pair that ends its line but shares it with what comes before (`{ "a" => 1,` or `"x" => 0, "a" => 1,`):
 * the line keeps what precedes the pair and its own line break, so the next line stays its own.
 */
function removeLineTail(doc: Document, pairs: SyntaxNode[], idx: number, own: number): TextEdit[] {
  const text = doc.text;
  const pair = pairs[idx];
  const from = lineStart(text, pair.startIndex);
  const isLast = idx === pairs.length - 1;
  // Without a trailing comma, the last pair's separator goes with it; else only the space before the pair.
  let start = pair.startIndex;
  if (isLast && !commaAfter(pair)) start = pairs[idx - 1].endIndex;
  else while (start > from && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
  return [{ start, end: lineEnd(text, own), text: '' }];
}

function removeStatement(doc: Document, statement: SyntaxNode): TextEdit[] {
  const text = doc.text;
  const end = extentEnd(statement);
  if (!startsLine(text, statement.startIndex) || !restOfLineIsBlankOrComment(text, end)) {
    fail('unsupported', `cannot remove line ${lineOf(statement)}: it holds more than one statement; edit it by hand`);
  }
  let from = lineStart(text, statement.startIndex);
  const to = nextLineStart(text, end);
  if (to === text.length && !text.endsWith('\n')) {
    // The last line, without a final newline: take the line break before it instead.
    if (from > 0) from -= text[from - 2] === '\r' ? 2 : 1;
    return [{ start: from, end: to, text: '' }];
  }
  // Between two blank lines, one of them goes too; the end of the file does not count as blank.
  if (from > 0 && to < text.length) {
    const prevStart = lineStart(text, from - 1);
    if (isBlank(text, prevStart, from - 1) && isBlank(text, to, lineEnd(text, to))) from = prevStart;
  }
  return [{ start: from, end: to, text: '' }];
}
