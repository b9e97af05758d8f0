import { lineOf, parseDocument, type Document } from '../ruby/document';
import { applyEdits, type TextEdit } from '../ruby/edits';
import { fail, ScalrConfError } from '../values/errors';
import { formatKey, type Target } from '../values/keys';
import { combineTexts, placedInLayers } from '../ruby/layers';
import type { Slot, ValueNode } from '../ruby/evaluated';
import { enableAllArgument, groupKeyText, nest, planSet, planUnset, type Change, type Plan, type PlanOptions } from './plan';
import { renderString, renderValue } from './render';
import type { RubyValue } from '../values/value';

/**
 * Changes to scalr-server-local.rb, planned with scalr-server.rb in view: Ruby evaluates the local
 * file after the main one into the same configuration, so an edit there must build on what the
 * main file set, never replace it. Planned against both texts joined (the effective model of both);
 * an edit the core would make inside the main file becomes an assignment at the end of the local
 * file instead, indexed down to the deepest hash that already exists:
 *
 *   app[:configuration]["scalr"]["aws"] = { "instances_connection_policy" => "local" }
 *
 * rather than an `app[:configuration] = { ... }` that would discard everything the main file set.
 */
export function planLocalChanges(mainText: string, localText: string, changes: readonly Change[], options: PlanOptions = {}): Plan {
  const opts = { ...options, revive: true };
  let local = localText;
  const summary: string[] = [];
  for (const change of changes) {
    const key = formatKey(change.target);
    let edited = false;
    let note = '';
    for (let round = 0; round < 1000; round++) {
      const { doc, localStart, lineOffset } = joined(mainText, local);
      const edits = placedInLayers(lineOffset, () => (change.op === 'set' ? planSet(doc, change.target, change.value, opts) : planUnset(doc, change.target, opts)));
      if (edits.length === 0) break;
      if (edits.every((e) => e.start >= localStart)) {
        local = reparsed(applyEdits(local, edits.map((e) => ({ ...e, start: e.start - localStart, end: e.end - localStart }))), key);
        edited = true;
        if (change.op === 'set') break;
        continue;
      }
      if (change.op === 'unset') {
        note = edited ? '' : ' (it is set in scalr-server.rb, which --local does not change)';
        break;
      }
      local = reparsed(applyEdits(local, [appendStatement(local, placedInLayers(lineOffset, () => statementFor(doc, change.target, change.value, key)))]), key);
      edited = true;
      break;
    }
    summary.push(edited ? `${change.op} ${key}` : `${key}: ${change.op === 'set' ? 'already has that value' : `not set in the local file${note}`}`);
  }
  return { before: localText, after: local, summary };
}

function joined(mainText: string, localText: string): { doc: Document; localStart: number; lineOffset: number } {
  const { text, localStart, lineOffset } = combineTexts(mainText, localText);
  try {
    return { doc: parseDocument(text, undefined, localStart), localStart, lineOffset };
  } catch (e) {
    if (e instanceof ScalrConfError && e.code === 'syntax') {
      fail('syntax', `scalr-server.rb and scalr-server-local.rb do not parse together (${e.message}); run scalr-conf doctor`, undefined, undefined, e.quoted);
    }
    throw e;
  }
}

function reparsed(text: string, key: string): string {
  try {
    parseDocument(text);
  } catch (e) {
    if (e instanceof ScalrConfError && e.code === 'syntax') fail('unsupported', `changing ${key} would leave text that does not parse; nothing written`);
    throw e;
  }
  return text;
}

/** `group[:a]["b"] = value`, starting below the deepest key that already holds a hash after both files. */
function statementFor(doc: Document, target: Target, value: RubyValue, key: string): string {
  if (target.kind === 'enable_all') return `enable_all ${enableAllArgument(render(value, doc), value)}`;
  let node: ValueNode = doc.model.groups.get(target.group)!;
  let depth = 0;
  for (; depth < target.path.length - 1; depth++) {
    if (node.kind !== 'hash') break;
    const slot: Slot | undefined = node.slots.get(target.path[depth]);
    if (!slot) break;
    if (slot.value.kind === 'leaf') {
      fail('not-hash', `cannot set ${key}: ${JSON.stringify(target.path[depth])} holds a value that is not a hash; refusing to overwrite it`);
    }
    node = slot.value;
  }
  if (node.kind === 'opaque') {
    fail('unsupported', `cannot set ${key} with certainty: line ${lineOf(node.node)} has ${node.reason}; edit it by hand`);
  }
  const lhs = target.path.slice(0, depth + 1);
  const inner = nest(target.path.slice(depth + 1), value);
  const index = lhs.map((k, i) => `[${i === 0 ? groupKeyText(k) : renderString(k)}]`).join('');
  return `${target.group}${index} = ${render(inner, doc)}`;
}

function render(value: RubyValue, doc: Document): string {
  return renderValue(value, {
    indent: '',
    indentUnit: doc.style.indentUnit,
    eol: doc.style.eol,
    multiline: true,
    pairStyle: doc.pairStyle,
    trailingComma: doc.style.trailingComma,
  });
}

/** The edit that adds `line` as the file's last statement; a file of only blank space is replaced. */
function appendStatement(text: string, line: string): TextEdit {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  if (text.trim() === '') return { start: 0, end: text.length, text: line + eol };
  return { start: text.length, end: text.length, text: (text.endsWith('\n') ? '' : eol) + line + eol };
}
