import { parseRuby, sourceOf, type SyntaxNode, type Tree, type TreeCursor } from '../../grammars/ruby';
import { isGroup } from '../values/groups';
import { heredocBody, indexChain, keyValue } from './literal';
import { lineStart } from './lines';
import { keyOfPath } from './writes';
import type { Quoted } from '../values/errors';

/**
 * Where a file's secret values are, read from its parse: every value written under a key the
 * caller calls secret, in whatever literal form the file spells it. Offsets are UTF-16 indexes
 * into the text as given (for the byte strings of the rest of the core, byte offsets).
 */
export interface TextRange {
  start: number;
  end: number;
}

/** Decides whether a key is secret: the full key of a setting, or one bare key name. */
export type IsSecret = (key: string) => boolean;

export const MASK = '********';

/**
 * With `within`, only what overlaps those ranges is read (the lines a diff shows, say); the ranges
 * found may reach past them, as a string spanning lines does. `parsed` is the text's tree when the
 * caller has one (a plan parses both its texts already); a tree of another text is not used.
 */
export function secretRanges(text: string, isSecret: IsSecret, within?: readonly TextRange[], parsed?: Tree): TextRange[] {
  const tree = parsed && sourceOf(parsed.rootNode) === text ? parsed : parseRuby(text);
  const walk: Walk = { text, isSecret, out: [], within: within && withHeredocStarts(tree.rootNode, mergeRanges(within)) };
  // A cursor, not nodes: on files of tens of thousands of entries each node object costs.
  visitChildren(walk, tree.walk());
  return mergeRanges(walk.out);
}

interface Walk {
  text: string;
  isSecret: IsSecret;
  out: TextRange[];
  /** Sorted, not overlapping; undefined: the whole text. */
  within?: TextRange[];
}

/** A heredoc body is secret by the key its `<<~ID` is written to, often on a line before the range. */
function withHeredocStarts(root: SyntaxNode, within: TextRange[]): TextRange[] {
  if (!root.descendantsOfType('heredoc_body').some((body) => overlaps(within, body.startIndex, body.endIndex))) return within;
  const starts = root.descendantsOfType('heredoc_beginning').filter((begin) => {
    const body = heredocBody(begin);
    return body && overlaps(within, body.startIndex, body.endIndex);
  });
  return mergeRanges([...within, ...starts.map((b) => ({ start: b.startIndex, end: b.endIndex }))]);
}

/** Whether [start, end) meets one of the sorted ranges; a point range meets what contains it. */
function overlaps(ranges: readonly TextRange[], start: number, end: number): boolean {
  let lo = 0;
  let hi = ranges.length;
  // The first range that ends after `start`.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid].end <= start) lo = mid + 1;
    else hi = mid;
  }
  return lo < ranges.length && ranges[lo].start < Math.max(end, start + 1);
}

/**
 * The node under the cursor and all below it. `path`: for a hash literal written to a group, its
 * setting path, so its pairs are judged by their whole key (`connections.mysql.pass`); pairs of
 * other hashes (a variable's, a call's arguments) are judged by their own name.
 */
function visit(walk: Walk, c: TreeCursor, path?: string[]): void {
  switch (c.nodeType) {
    case 'comment':
      // Text the parse does not read (`# was: "pass" => "..."`) is matched by key name.
      keyedIn(walk, c.startIndex, c.endIndex);
      return;
    case 'ERROR':
      // So is what failed to parse, from the start of its line: the key of a broken
      // `x[:pass] = "...",` parses on its own, outside the error. What did parse inside is still read below.
      keyedIn(walk, lineStart(walk.text, c.startIndex), c.endIndex);
      break;
    case 'hash':
      visitChildren(walk, c, path);
      return;
    case 'pair':
    case 'assignment':
    case 'operator_assignment':
      visitWrite(walk, c, path);
      return;
  }
  visitChildren(walk, c);
}

function visitChildren(walk: Walk, c: TreeCursor, hashPath?: string[]): void {
  if (!c.gotoFirstChild()) return;
  do {
    if (walk.within && !overlaps(walk.within, c.startIndex, c.endIndex)) continue;
    visit(walk, c, c.nodeType === 'pair' ? hashPath : undefined);
  } while (c.gotoNextSibling());
  c.gotoParent();
}

/** A pair or an assignment: its value is secret when the key it writes is. */
function visitWrite(walk: Walk, c: TreeCursor, hashPath?: string[]): void {
  const pair = c.nodeType === 'pair';
  const [keyField, valueField] = pair ? ['key', 'value'] : ['left', 'right'];
  let written: Written | undefined;
  if (!c.gotoFirstChild()) return;
  do {
    const field = c.currentFieldName;
    if (field === keyField) written = pair ? pairWritten(walk, c, hashPath) : assignmentWritten(c.currentNode);
    if (field === valueField && written) {
      if (walk.isSecret(written.path ? keyOfPath(written.path) : written.name)) secretValueRanges(c.currentNode, walk.out);
      visit(walk, c, c.nodeType === 'hash' ? written.path : undefined);
    } else visit(walk, c);
  } while (c.gotoNextSibling());
  c.gotoParent();
}

function keyedIn(walk: Walk, start: number, end: number): void {
  for (const r of keyedLiteralRanges(walk.text.slice(start, end), walk.isSecret)) walk.out.push({ start: r.start + start, end: r.end + start });
}

/** What a write lands on: its own key name, and its whole setting path when it is a setting. */
interface Written {
  name: string;
  path?: string[];
}

/** The key under the cursor: plain forms read from the text, others evaluated as literals. */
function pairWritten(walk: Walk, c: TreeCursor, hashPath?: string[]): Written | undefined {
  const name = plainKey(walk.text, c) ?? literalKey(c.currentNode);
  return name === undefined ? undefined : { name, path: hashPath && [...hashPath, name] };
}

function plainKey(text: string, c: TreeCursor): string | undefined {
  switch (c.nodeType) {
    case 'hash_key_symbol':
      return text.slice(c.startIndex, c.endIndex);
    case 'simple_symbol':
      return text.slice(c.startIndex + 1, c.endIndex);
    case 'string': {
      // `"name"` with nothing but text between its quotes (no escape, no interpolation).
      const start = c.startIndex;
      const end = c.endIndex;
      c.gotoFirstChild();
      const types: string[] = [];
      do types.push(c.nodeType);
      while (c.gotoNextSibling());
      c.gotoParent();
      const quote = text[start];
      if (quote !== '"' && quote !== "'") return undefined;
      if (types.length === 2) return '';
      const content = text.slice(start + 1, end - 1);
      return types.length === 3 && types[1] === 'string_content' && !content.includes('\\') ? content : undefined;
    }
    default:
      return undefined;
  }
}

function literalKey(node: SyntaxNode): string | undefined {
  const v = keyValue(node);
  return v.ok ? v.key : undefined;
}

/** `group[...][:name] = `, any other `x[...][:name] =`, a variable, or `obj.name =`. */
function assignmentWritten(left: SyntaxNode | null): Written | undefined {
  if (!left) return undefined;
  switch (left.type) {
    case 'element_reference': {
      const chain = indexChain(left);
      if (chain && !chain.unknown && isGroup(chain.root) && chain.path.length > 0) {
        return { name: chain.path[chain.path.length - 1], path: [chain.root, ...chain.path] };
      }
      const obj = left.childForFieldName('object');
      const args = left.namedChildren.filter((c) => c.id !== obj?.id && c.type !== 'comment');
      if (args.length !== 1) return undefined;
      const v = keyValue(args[0]);
      return v.ok ? { name: v.key } : undefined;
    }
    case 'identifier':
    case 'instance_variable':
    case 'class_variable':
    case 'global_variable':
    case 'constant':
      return { name: left.text.replace(/^[@$]+/, '') };
    case 'call': {
      const method = left.childForFieldName('method');
      return method ? { name: method.text } : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The literal text of a value: string contents between their delimiters (quotes, %q(), %w[],
 * heredoc bodies, each part of "a" "b" or "a" + b), and numbers and symbols whole. A hash is left
 * to its pairs, which are judged by their own keys; code such as a method name stays visible.
 */
/** A bare word as the whole value is most likely the secret with its quotes forgotten. */
function secretValueRanges(node: SyntaxNode, out: TextRange[]): void {
  if (node.type === 'identifier') out.push({ start: node.startIndex, end: node.endIndex });
  else valueRanges(node, out);
}

function valueRanges(node: SyntaxNode, out: TextRange[]): void {
  switch (node.type) {
    case 'hash':
      return;
    case 'string':
    case 'delimited_symbol':
    case 'string_array':
    case 'symbol_array':
    case 'regex':
    case 'subshell':
      out.push(innerRange(node));
      return;
    case 'heredoc_beginning': {
      const body = heredocBody(node);
      if (!body) return;
      // Up to the line of the terminator, whose indentation (`<<-ID`, `<<~ID`) is no part of the value.
      const end = body.children.find((c) => c.type === 'heredoc_end');
      out.push({ start: body.startIndex, end: end ? lineStart(sourceOf(node), end.startIndex) : body.endIndex });
      return;
    }
    case 'character':
    case 'integer':
    case 'float':
    case 'rational':
    case 'complex':
    case 'simple_symbol':
      out.push({ start: node.startIndex, end: node.endIndex });
      return;
    default:
      for (const child of node.namedChildren) valueRanges(child, out);
  }
}

/** Between the opening and the closing delimiter, when the node has both. */
function innerRange(node: SyntaxNode): TextRange {
  const first = node.firstChild;
  const last = node.lastChild;
  if (node.childCount >= 2 && first && last && !first.isNamed && !last.isNamed) return { start: first.endIndex, end: last.startIndex };
  return { start: node.startIndex, end: node.endIndex };
}

const QUOTED = String.raw`"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'`;
const KEYED = new RegExp(String.raw`(?:"([^"\\]*)"|'([^'\\]*)'|:?([A-Za-z_]\w*))\]?\s*(?:=>|:|\]\s*=|=)\s*(?:${QUOTED})`, 'g');

/**
 * Quoted values after a secret key name, read from text alone (`"pass" => "..."`, `pass: '...'`,
 * `x[:root_password] = "..."`): for text with no parse, such as a command-line argument.
 */
export function keyedLiteralRanges(text: string, isSecret: IsSecret): TextRange[] {
  const out: TextRange[] = [];
  const keyed = new RegExp(KEYED);
  for (let m = keyed.exec(text); m; m = keyed.exec(text)) {
    const content = m[4] ?? m[5] ?? '';
    const end = m.index + m[0].length - 1;
    if (isSecret(m[1] ?? m[2] ?? m[3] ?? '')) out.push({ start: end - content.length, end });
    // `was: "pass" => "..."`: what looked like a value may be the next key.
    else keyed.lastIndex = end - content.length - 1;
  }
  return mergeRanges(out);
}

/** Sorted, with empty ranges dropped and overlapping or touching ones joined. */
function mergeRanges(ranges: readonly TextRange[]): TextRange[] {
  const sorted = ranges.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: TextRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/**
 * The text with each range's text replaced by the mask, line by line: line breaks (LF or CRLF)
 * stay, so line numbers and diff lines still match the text the ranges were read from.
 */
export function maskText(text: string, ranges: readonly TextRange[]): string {
  let out = '';
  let at = 0;
  for (const r of mergeRanges(ranges)) {
    out += text.slice(at, r.start);
    out += text
      .slice(r.start, r.end)
      .split('\n')
      .map((piece) => {
        const cr = piece.endsWith('\r') ? '\r' : '';
        return piece.length > cr.length ? MASK + cr : piece;
      })
      .join('\n');
    at = r.end;
  }
  return out + text.slice(at);
}

/** A message with the file text it quotes masked where that text is secret. */
export function maskQuoted(message: string, quoted: Quoted | undefined, isSecret: IsSecret): string {
  if (!quoted) return message;
  const { text, start, end } = quoted;
  const ranges = secretRanges(text, isSecret, [{ start, end }])
    .filter((r) => r.end > start && r.start < end)
    .map((r) => ({ start: Math.max(r.start, start) - start, end: Math.min(r.end, end) - start }));
  if (ranges.length === 0) return message;
  const excerpt = text.slice(start, end);
  // The quote comes last in every such message (wrappers add before it); a short quote may match earlier text too.
  const shown = quoted.render(excerpt);
  const at = message.lastIndexOf(shown);
  if (at < 0) return message;
  return message.slice(0, at) + quoted.render(maskText(excerpt, ranges)) + message.slice(at + shown.length);
}
