import { parseRuby, type SyntaxNode } from '../../grammars/ruby';
import type { Document } from '../ruby/document';
import type { Target } from '../values/keys';
import type { ValueNode } from '../ruby/evaluated';
import { hashPairs, indexChain, pairKey } from '../ruby/literal';
import { lineEnd, lineStart, nextLineStart, startsLine } from '../ruby/lines';

/**
 * A setting the file holds only as a commented-out line of the same shape (`# proxy[:ssl_enable] =
 * false`, or `# "policy" => "public",` inside a hash literal): a set of that key takes the line over,
 * where the author put it, instead of adding a new one. Offsets are in the document's text.
 */
export interface CommentedSetting {
  comment: SyntaxNode;
  /** Where the statement or pair starts, after `#` and the spaces after it. */
  bodyStart: number;
  /** The end of the comment, before a CR of CRLF. */
  end: number;
  valueStart: number;
  valueEnd: number;
  /** Pairs: the line ends with a comma after the pair. */
  comma: boolean;
}

/**
 * The line a set of `target` takes over: the key is missing, its hash (or its group, for a group's
 * own key) is there, and a commented-out line of the same key is in it.
 */
export function commentedSettingFor(doc: Document, target: Target): CommentedSetting | undefined {
  if (target.kind !== 'group') return undefined;
  const { path } = target;
  let node: ValueNode | undefined = doc.model.groups.get(target.group);
  for (let i = 0; i < path.length; i++) {
    if (!node || node.kind !== 'hash') return undefined;
    const slot = node.slots.get(path[i]);
    if (!slot) {
      if (i !== path.length - 1) return undefined;
      return node.literal ? commentedPair(doc, node.literal, path[i]) : commentedStatement(doc, target.group, path[i]);
    }
    node = slot.value;
  }
  return undefined;
}

/**
 * The commented-out `group[key] = value` among the top-level comments. With several, the last one
 * is taken: in Ruby the last assignment wins, so the last example is the one a reader takes as the
 * setting's place.
 */
export function commentedStatement(doc: Document, group: string, key: string): CommentedSetting | undefined {
  let found: CommentedSetting | undefined;
  for (const node of doc.tree.rootNode.namedChildren) {
    if (node.type !== 'comment') continue;
    const line = commentLine(doc.text, node);
    if (!line) continue;
    const tree = parseRuby(line.body);
    const root = tree.rootNode;
    if (root.hasError || root.namedChildCount !== 1) continue;
    const statement = root.namedChildren[0];
    if (statement.type !== 'assignment') continue;
    const left = statement.childForFieldName('left');
    const right = statement.childForFieldName('right');
    if (!left || !right || left.type !== 'element_reference') continue;
    const chain = indexChain(left);
    if (!chain || chain.unknown || chain.root !== group || chain.path.length !== 1 || chain.path[0] !== key) continue;
    if (insideCommentedBlock(doc.text, node)) continue;
    found = setting(node, line, right.startIndex, right.endIndex, false);
  }
  return found;
}

/**
 * The commented-out `key => value` pair among the comments of a hash literal (its own, not a nested
 * hash's). With several, the last one: where a new pair would go is the end of the hash, and the
 * last is the nearest before it.
 */
export function commentedPair(doc: Document, hash: SyntaxNode, key: string): CommentedSetting | undefined {
  let found: CommentedSetting | undefined;
  for (const node of hashComments(hash)) {
    const line = commentLine(doc.text, node);
    if (!line) continue;
    // A pair alone is no Ruby program: read it as the only pair of a hash.
    const root = parseRuby(`{${line.body}}`).rootNode;
    if (root.hasError || root.namedChildCount !== 1) continue;
    const wrapper = root.namedChildren[0];
    if (wrapper.type !== 'hash' || wrapper.namedChildCount !== 1) continue;
    const pair = wrapper.namedChildren[0];
    const value = pair.type === 'pair' ? pair.childForFieldName('value') : null;
    if (!value) continue;
    const k = pairKey(pair);
    if (!k.ok || k.key !== key) continue;
    if (insideCommentedBlock(doc.text, node) || commaBelow(hash, node)) continue;
    const comma = line.body.slice(value.endIndex - 1).trim() === ',';
    found = setting(node, line, value.startIndex - 1, value.endIndex - 1, comma);
  }
  return found;
}

/** `"a" => 1 <comment> , "b" => 2`: the comma of the pair above comes after the line, so the line has no clean place. */
function commaBelow(hash: SyntaxNode, comment: SyntaxNode): boolean {
  const prev = hashPairs(hash).filter((p) => p.endIndex <= comment.startIndex).pop();
  if (!prev) return false;
  for (let n = prev.nextSibling; n; n = n.nextSibling) {
    if (n.type === 'heredoc_body' || n.type === 'comment') continue;
    return n.type === ',' && n.startIndex > comment.startIndex;
  }
  return false;
}

interface Line {
  body: string;
  bodyStart: number;
  end: number;
}

function setting(comment: SyntaxNode, line: Line, valueStart: number, valueEnd: number, comma: boolean): CommentedSetting {
  return { comment, bodyStart: line.bodyStart, end: line.end, valueStart: line.bodyStart + valueStart, valueEnd: line.bodyStart + valueEnd, comma };
}

/** A `#` comment that is the whole of its line: its text after `#` and the spaces after it. */
function commentLine(text: string, node: SyntaxNode): Line | undefined {
  if (text[node.startIndex] !== '#' || !startsLine(text, node.startIndex)) return undefined;
  const end = lineEnd(text, node.startIndex);
  if (node.endIndex < end) return undefined;
  const raw = text.slice(node.startIndex + 1, end);
  const lead = raw.match(/^[ \t]*/)![0].length;
  const body = raw.slice(lead);
  // `#!`, `#{`, `#--` and the like are never settings; an empty comment is nothing.
  if (body === '' || /^[!{-]/.test(raw)) return undefined;
  return { body, bodyStart: node.startIndex + 1 + lead, end };
}

/** Comments directly inside the hash: between its pairs, not inside their values. */
function hashComments(hash: SyntaxNode): SyntaxNode[] {
  const pairs = hashPairs(hash);
  return hash.descendantsOfType('comment').filter((c) => {
    const parent = c.parent;
    if (!parent) return false;
    if (parent.id === hash.id) return true;
    if (parent.type !== 'pair' || !pairs.some((p) => p.id === parent.id)) return false;
    const value = parent.childForFieldName('value');
    return !!value && c.startIndex >= value.endIndex;
  });
}

/**
 * Whether the comment line is one line of a commented-out block (`# app[:configuration] = {` ...
 * `# }`, `# if x` ... `# end`): an opener above it in the same run of comment lines is not yet
 * closed, or a closer below it closes something opened before it.
 */
function insideCommentedBlock(text: string, node: SyntaxNode): boolean {
  const own = lineStart(text, node.startIndex);
  let depth = 0;
  for (const line of runAbove(text, own)) {
    depth += balance(line);
    if (depth > 0) return true;
    // Read upwards, a closer (negative) may be matched further up: keep counting.
  }
  depth = 0;
  for (let at = nextLineStart(text, own); at < text.length; at = nextLineStart(text, at)) {
    const line = uncommented(text, at);
    if (line === undefined) break;
    depth += balance(line);
    if (depth < 0) return true;
  }
  return false;
}

/** The comment lines directly above the line at `start`, nearest first, uncommented. */
function* runAbove(text: string, start: number): Generator<string> {
  for (let at = start; at > 0; ) {
    at = lineStart(text, at - 1);
    const line = uncommented(text, at);
    if (line === undefined) return;
    yield line;
  }
}

function uncommented(text: string, at: number): string | undefined {
  const m = /^[ \t]*#(.*)$/.exec(text.slice(at, lineEnd(text, at)));
  return m ? m[1].trim() : undefined;
}

const KEYWORD_OPENER = /^(if|unless|while|until|case|begin|for|def|class|module)\b|\bdo(\s*\|[^|]*\|)?$/;

/** What a line opens minus what it closes: brackets outside strings, and Ruby's `... end` blocks. */
function balance(line: string): number {
  const code = line.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  let n = 0;
  for (const ch of code) {
    if (ch === '{' || ch === '[' || ch === '(') n++;
    else if (ch === '}' || ch === ']' || ch === ')') n--;
  }
  // `end` alone closes a block; "end of file" is prose.
  if (/^end\s*(#|$)/.test(code)) n--;
  // Only what reads as code with its `end` counts: prose such as "# if you use a proxy:" does not.
  else if (KEYWORD_OPENER.test(code) && !parseRuby(`${line}\nend`).rootNode.hasError) n++;
  return n;
}
