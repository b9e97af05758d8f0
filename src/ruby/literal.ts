import type { SyntaxNode } from '../../grammars/ruby';
import type { RubyValue } from '../values/value';

/**
 * The value of a literal, or why it is not one (a variable, a call, interpolation, ...). With a
 * scope, `names` lists the constants and variables the value was read through.
 */
export type Evaluated = { ok: true; value: RubyValue; names?: NameRead[] } | { ok: false; node: SyntaxNode; reason: string };

/** A constant or local variable an expression read, and the assignment that gave it its value. */
export interface NameRead {
  name: string;
  /** Where it is read. */
  node: SyntaxNode;
  /** The top-level assignment that decides it. */
  definition: SyntaxNode;
}

/** What a name holds at one point of the file: its value, or why it cannot be known there. */
export type Bound = { definition: SyntaxNode; value: RubyValue } | { definition?: SyntaxNode; unreadable: string };

/** The names visible at one point of a file, as bindings.ts follows them. */
export interface Scope {
  lookup(name: string): Bound | undefined;
}

const notLiteral = (node: SyntaxNode, reason: string): Evaluated => ({ ok: false, node, reason });
const ok = (value: RubyValue): Evaluated => ({ ok: true, value });

/** With a scope, expressions on literals and names are read too; the names read are collected. */
interface Context {
  scope: Scope;
  reads: NameRead[];
}

/** Heredoc bodies stand apart from their `<<~ID` beginnings in the tree; pair them up in order. */
export function heredocBody(begin: SyntaxNode): SyntaxNode | undefined {
  let bodies = bodyCache.get(begin.tree);
  if (!bodies) {
    bodies = new Map();
    const found = begin.tree.rootNode.descendantsOfType(['heredoc_beginning', 'heredoc_body']);
    const begins = found.filter((n) => n.type === 'heredoc_beginning');
    const ends = found.filter((n) => n.type === 'heredoc_body');
    begins.forEach((b, i) => bodies!.set(b.startIndex, ends[i]));
    bodyCache.set(begin.tree, bodies);
  }
  return bodies.get(begin.startIndex);
}
const bodyCache = new WeakMap<object, Map<number, SyntaxNode | undefined>>();

/**
 * The value of a literal. Given the scope at its place in the file, also names, `+`, `==`/`!=`,
 * `if`/`unless`/ternaries and `.freeze` on such values, as Ruby computes them.
 */
export function evaluateLiteral(node: SyntaxNode, scope?: Scope): Evaluated {
  if (!scope) return evaluate(node);
  const ctx: Context = { scope, reads: [] };
  const v = evaluate(node, ctx);
  return v.ok && ctx.reads.length > 0 ? { ...v, names: ctx.reads } : v;
}

function evaluate(node: SyntaxNode, ctx?: Context): Evaluated {
  if (ctx) {
    const v = evaluateExpression(node, ctx);
    if (v) return v;
  }
  switch (node.type) {
    case 'string':
      return stringValue(node);
    case 'chained_string': {
      let bin = '';
      for (const part of node.namedChildren) {
        const v = stringValue(part);
        if (!v.ok) return v;
        bin += (v.value as { bin: string }).bin;
      }
      return ok({ kind: 'string', bin });
    }
    case 'heredoc_beginning':
      return heredocValue(node);
    case 'simple_symbol':
      return ok({ kind: 'symbol', name: node.text.slice(1) });
    case 'delimited_symbol': {
      const v = quotedContent(node, node.text.startsWith(":'"));
      return v.ok ? ok({ kind: 'symbol', name: (v.value as { bin: string }).bin }) : v;
    }
    case 'integer':
      return integerValue(node, node.text);
    case 'float':
      return floatValue(node, node.text);
    case 'unary': {
      const operand = node.childForFieldName('operand');
      const op = node.child(0)?.text;
      if (operand && (op === '-' || op === '+') && (operand.type === 'integer' || operand.type === 'float')) {
        return operand.type === 'integer' ? integerValue(node, op + operand.text) : floatValue(node, op + operand.text);
      }
      return notLiteral(node, 'an expression');
    }
    case 'true':
    case 'false':
      return ok({ kind: 'boolean', value: node.type === 'true' });
    case 'nil':
      return ok({ kind: 'nil' });
    case 'array':
      return listValue(node, node.namedChildren, (item) => evaluate(item, ctx));
    case 'string_array':
    case 'symbol_array':
      return listValue(node, node.namedChildren, (word) => {
        const v = wordValue(word);
        if (!v.ok || node.type === 'string_array') return v;
        return ok({ kind: 'symbol', name: (v.value as { bin: string }).bin });
      });
    case 'hash': {
      const entries: [string, RubyValue][] = [];
      for (const pair of hashPairs(node)) {
        if (pair.type !== 'pair') return notLiteral(pair, 'a hash splat');
        const key = pairKey(pair);
        if (!key.ok) return key;
        const valueNode = pair.childForFieldName('value');
        if (!valueNode) return notLiteral(pair, 'a shorthand hash pair');
        const value = evaluate(valueNode, ctx);
        if (!value.ok) return value;
        const at = entries.findIndex(([k]) => k === key.key);
        if (at >= 0) entries.splice(at, 1);
        entries.push([key.key, value.value]);
      }
      return ok({ kind: 'hash', entries });
    }
    case 'parenthesized_statements':
      return node.namedChildCount === 1 ? evaluate(node.namedChildren[0], ctx) : notLiteral(node, 'an expression');
    default:
      return notLiteral(node, describe(node));
  }
}

// ------------------------------------------------------------------------------------------------
// Expressions on literals and names, read only with a scope

/** Undefined when the node is no expression of these kinds: it is read as a plain literal. */
function evaluateExpression(node: SyntaxNode, ctx: Context): Evaluated | undefined {
  switch (node.type) {
    case 'identifier':
    case 'constant':
      return nameValue(node, ctx);
    case 'binary':
      return binaryValue(node, ctx);
    case 'if':
    case 'elsif':
    case 'unless':
    case 'conditional':
      return conditionalValue(node, ctx);
    case 'call': {
      // `'x'.freeze` is the same string; nothing else with a receiver is followed.
      const receiver = node.childForFieldName('receiver');
      const method = node.childForFieldName('method')?.text;
      if (receiver && method === 'freeze' && !node.childForFieldName('arguments') && !node.childForFieldName('block')) {
        return evaluate(receiver, ctx);
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function nameValue(node: SyntaxNode, ctx: Context): Evaluated {
  const bound = ctx.scope.lookup(node.text);
  if (!bound) return notLiteral(node, describe(node));
  // Assigned in the file, so a variable (not a method) for certain.
  if ('unreadable' in bound) return notLiteral(node, `${node.type === 'constant' ? describe(node) : `the variable "${node.text}"`}, ${bound.unreadable}`);
  ctx.reads.push({ name: node.text, node, definition: bound.definition });
  return ok(bound.value);
}

function binaryValue(node: SyntaxNode, ctx: Context): Evaluated | undefined {
  const op = node.childForFieldName('operator')?.text;
  if (op !== '+' && op !== '==' && op !== '!=') return undefined;
  const leftNode = node.childForFieldName('left');
  const rightNode = node.childForFieldName('right');
  if (!leftNode || !rightNode) return undefined;
  const left = evaluate(leftNode, ctx);
  if (!left.ok) return left;
  const right = evaluate(rightNode, ctx);
  if (!right.ok) return right;
  const a = left.value;
  const b = right.value;
  if (op === '+') {
    if (a.kind === 'string' && b.kind === 'string') return ok({ kind: 'string', bin: a.bin + b.bin });
    if (a.kind === 'integer' && b.kind === 'integer') return ok({ kind: 'integer', value: a.value + b.value });
    if (a.kind === 'array' && b.kind === 'array') return ok({ kind: 'array', items: [...a.items, ...b.items] });
    return notLiteral(node, describe(node));
  }
  const same = equal(a, b);
  if (same === undefined) return notLiteral(node, describe(node));
  return ok({ kind: 'boolean', value: op === '==' ? same : !same });
}

/** Ruby's `==` on two values, where this tool can be sure of it. */
function equal(a: RubyValue, b: RubyValue): boolean | undefined {
  const numeric = (v: RubyValue) => v.kind === 'integer' || v.kind === 'float';
  if (a.kind !== b.kind) return numeric(a) && numeric(b) ? undefined : a.kind === 'hash' || b.kind === 'hash' ? undefined : false;
  switch (a.kind) {
    case 'string':
      return a.bin === (b as typeof a).bin;
    case 'symbol':
      return a.name === (b as typeof a).name;
    case 'integer':
      return a.value === (b as typeof a).value;
    case 'boolean':
      return a.value === (b as typeof a).value;
    case 'nil':
      return true;
    case 'array': {
      const other = (b as typeof a).items;
      if (other.length !== a.items.length) return false;
      for (let i = 0; i < other.length; i++) {
        const e = equal(a.items[i], other[i]);
        if (e !== true) return e;
      }
      return true;
    }
    default:
      return undefined;
  }
}

/** `if c then a else b end`, `elsif`, `unless`, `c ? a : b`: Ruby evaluates only the branch taken. */
function conditionalValue(node: SyntaxNode, ctx: Context): Evaluated {
  const conditionNode = node.childForFieldName('condition');
  if (!conditionNode) return notLiteral(node, describe(node));
  const condition = evaluate(conditionNode, ctx);
  if (!condition.ok) return condition;
  const c = condition.value;
  const truthy = !(c.kind === 'nil' || (c.kind === 'boolean' && !c.value));
  const taken = truthy !== (node.type === 'unless') ? node.childForFieldName('consequence') : node.childForFieldName('alternative');
  if (!taken) return ok({ kind: 'nil' });
  if (taken.type === 'elsif') return node.type === 'unless' ? notLiteral(taken, describe(taken)) : conditionalValue(taken, ctx);
  if (node.type === 'conditional') return evaluate(taken, ctx);
  // A `then` or `else` body: the value of its last statement; one statement is all this follows.
  const body = taken.namedChildren.filter((c) => c.type !== 'comment' && c.type !== 'heredoc_body');
  if (body.length === 0) return ok({ kind: 'nil' });
  if (body.length > 1) return notLiteral(taken, 'a branch of more than one statement');
  return evaluate(body[0], ctx);
}

/** The pairs of a hash literal in order, without comments and heredoc bodies. */
export function hashPairs(hash: SyntaxNode): SyntaxNode[] {
  // Asked for more than once per hash while planning; on huge hashes each native call adds up.
  let byNode = pairCache.get(hash.tree);
  if (!byNode) pairCache.set(hash.tree, (byNode = new Map()));
  let pairs = byNode.get(hash.id);
  if (!pairs) byNode.set(hash.id, (pairs = hash.namedChildren.filter((c) => c.type !== 'comment' && c.type !== 'heredoc_body')));
  return pairs;
}
const pairCache = new WeakMap<object, Map<number, SyntaxNode[]>>();

export type KeyResult = { ok: true; key: string } | { ok: false; node: SyntaxNode; reason: string };

/** A Mash stores every string or symbol key as a string. */
export function pairKey(pair: SyntaxNode): KeyResult {
  const keyNode = pair.childForFieldName('key');
  if (!keyNode) return { ok: false, node: pair, reason: 'a hash pair without a key' };
  return keyValue(keyNode);
}

export function keyValue(keyNode: SyntaxNode): KeyResult {
  // `a:` is a symbol key; a bare `a` or `A` (as in `app[a]` or `{ a => 1 }`) is a variable or constant.
  if (keyNode.type === 'hash_key_symbol') return { ok: true, key: keyNode.text };
  const v = evaluateLiteral(keyNode);
  if (!v.ok) return v;
  if (v.value.kind === 'string') return { ok: true, key: v.value.bin };
  if (v.value.kind === 'symbol') return { ok: true, key: v.value.name };
  return { ok: false, node: keyNode, reason: 'a key that is neither a string nor a symbol' };
}

export function describe(node: SyntaxNode): string {
  switch (node.type) {
    case 'identifier':
      return `the variable or method "${node.text}"`;
    case 'constant':
    case 'scope_resolution':
      return `the constant ${node.text}`;
    case 'call':
    case 'method_call':
      return `a method call (${node.text.split('\n')[0].slice(0, 40)})`;
    case 'interpolation':
      return 'string interpolation';
    case 'binary':
      return `an expression (${node.text.split('\n')[0].slice(0, 40)})`;
    case 'element_reference':
      return `a lookup (${node.text.split('\n')[0].slice(0, 40)})`;
    default: {
      const name = node.type.replace(/_/g, ' ');
      return `${/^[aeiou]/.test(name) ? 'an' : 'a'} ${name}`;
    }
  }
}

function listValue(node: SyntaxNode, items: SyntaxNode[], each: (n: SyntaxNode) => Evaluated): Evaluated {
  const out: RubyValue[] = [];
  for (const item of items) {
    if (item.type === 'comment' || item.type === 'heredoc_body') continue;
    const v = each(item);
    if (!v.ok) return v;
    out.push(v.value);
  }
  return ok({ kind: 'array', items: out });
}

function wordValue(word: SyntaxNode): Evaluated {
  let bin = '';
  for (const part of word.children) {
    if (part.type === 'string_content') bin += part.text;
    else if (part.type === 'escape_sequence') bin += part.text.slice(1);
    else return notLiteral(part, describe(part));
  }
  return ok({ kind: 'string', bin });
}

function integerValue(node: SyntaxNode, text: string): Evaluated {
  let t = text.replace(/_/g, '');
  const neg = t.startsWith('-');
  if (/^[-+]/.test(t)) t = t.slice(1);
  let digits: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) digits = BigInt(t);
  else if (/^0[bB][01]+$/.test(t)) digits = BigInt(t);
  else if (/^0[oO]?[0-7]+$/.test(t)) digits = BigInt('0o' + t.replace(/^0[oO]?/, ''));
  else if (/^(0[dD])?\d+$/.test(t)) digits = BigInt(t.replace(/^0[dD]/, ''));
  else return notLiteral(node, 'an unusual number');
  return ok({ kind: 'integer', value: neg ? -digits : digits });
}

function floatValue(node: SyntaxNode, text: string): Evaluated {
  const t = text.replace(/_/g, '');
  if (!/^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(t)) return notLiteral(node, 'an unusual number');
  return ok({ kind: 'float', value: Number(t) });
}

function stringValue(node: SyntaxNode): Evaluated {
  if (node.type !== 'string') return notLiteral(node, describe(node));
  // Most strings have nothing to decode: their bytes are the text between the quotes. Reading
  // that from the text saves asking the native tree for three child nodes per string.
  const text = node.text;
  if (PLAIN_STRING.test(text)) return ok({ kind: 'string', bin: text.slice(1, -1) });
  const open = node.child(0)?.text ?? '';
  return quotedContent(node, open === "'" || open.startsWith('%q'));
}

/** No escape, interpolation (`#`) or CR (read as LF inside a literal): the content is the text. */
const PLAIN_STRING = /^(?:"[^"\\#\r]*"|'[^'\\\r]*')$/;

/** Decodes the content children of a string-like node; `raw` for single-quote rules. */
function quotedContent(node: SyntaxNode, raw: boolean): Evaluated {
  const open = node.child(0)?.text ?? '';
  const closeDelim = node.child(node.childCount - 1)?.text ?? '';
  let bin = '';
  for (const part of node.children.slice(1, -1)) {
    if (part.type === 'string_content') {
      // Ruby reads a CRLF line break inside a literal as LF.
      const text = part.text.replace(/\r\n/g, '\n');
      bin += raw ? unescapeRaw(text, closeDelim, open) : text;
    } else if (part.type === 'escape_sequence') {
      const e = raw ? unescapeRaw(part.text, closeDelim, open) : unescape(part.text);
      if (e === undefined) return notLiteral(part, `the escape ${part.text}`);
      bin += e;
    } else return notLiteral(part, describe(part));
  }
  return ok({ kind: 'string', bin });
}

function unescapeRaw(text: string, close: string, open: string): string {
  const openDelim = open.slice(-1);
  return text.replace(/\\([\s\S])/g, (m, c: string) => (c === '\\' || c === close || c === openDelim ? c : m));
}

const SIMPLE: Record<string, string> = {
  n: '\n', t: '\t', s: ' ', r: '\r', '0': '\0', a: '\x07', b: '\b', e: '\x1b', f: '\f', v: '\v', '\n': '',
};

/** Double-quote escapes, to bytes (one char per byte). */
export function unescape(seq: string): string | undefined {
  const body = seq.slice(1);
  let m: RegExpMatchArray | null;
  if ((m = body.match(/^u\{([0-9a-fA-F ]+)\}$/))) {
    let out = '';
    for (const cp of m[1].trim().split(/ +/)) {
      const n = parseInt(cp, 16);
      if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return undefined;
      out += Buffer.from(String.fromCodePoint(n), 'utf8').toString('latin1');
    }
    return out;
  }
  if ((m = body.match(/^u([0-9a-fA-F]{4})$/))) {
    const n = parseInt(m[1], 16);
    if (n >= 0xd800 && n <= 0xdfff) return undefined;
    return Buffer.from(String.fromCharCode(n), 'utf8').toString('latin1');
  }
  if ((m = body.match(/^x([0-9a-fA-F]{1,2})$/))) return String.fromCharCode(parseInt(m[1], 16));
  if ((m = body.match(/^([0-7]{1,3})$/))) return String.fromCharCode(parseInt(m[1], 8) & 0xff);
  if (body.length === 1 && body in SIMPLE) return SIMPLE[body];
  if (body === '\r\n') return '';
  if (/^[cCM]/.test(body) && body.length > 1) return undefined;
  return body.length === 1 ? body : undefined;
}

function heredocValue(begin: SyntaxNode): Evaluated {
  const m = begin.text.match(/^<<([~-]?)(['"`]?)(.*)\2$/);
  const body = heredocBody(begin);
  if (!m || !body || m[2] === '`') return notLiteral(begin, 'an unusual heredoc');
  const squiggly = m[1] === '~';
  const raw = m[2] === "'";
  const end = body.namedChildren.find((c) => c.type === 'heredoc_end');
  if (!end) return notLiteral(begin, 'an unterminated heredoc');
  let text = '';
  for (const part of body.namedChildren) {
    if (part.id === end.id) break;
    // Ruby has no comments in a heredoc; tree-sitter reads `#\` in one as a comment, but it is text.
    if (part.type === 'heredoc_content' || part.type === 'comment') text += part.text;
    else if (part.type === 'escape_sequence') text += part.text;
    else return notLiteral(part, `${describe(part)} in a heredoc`);
  }
  // A terminator that ends the file without a newline is read by tree-sitter as content.
  if (end.startIndex === end.endIndex) {
    const last = text.lastIndexOf('\n');
    const tail = text.slice(last + 1);
    if (last >= 0 && (m[1] ? tail.trimStart() : tail) === m[3]) text = text.slice(0, last + 1);
  }
  // The content starts with the newline that ends the line of `<<ID` and ends with the terminator's indent.
  text = text.replace(/^\r?\n/, '').replace(/[ \t]*$/, '');
  // Ruby 3.1 dedents lines of only spaces or tabs in a `<<~` heredoc erratically (unless it is raw).
  if (squiggly && !raw && /(^|\n)[ \t]+\r?(?=\n|$)/.test(text)) return notLiteral(begin, 'a `<<~` heredoc with lines of only spaces');
  // Ruby removes the indentation of `<<~` from the source lines before it reads escapes.
  if (squiggly) text = dedent(text);
  if (!raw && /\\/.test(text)) {
    const decoded = decodeEscapesInText(text);
    if (decoded === undefined) return notLiteral(body, 'an escape in a heredoc');
    text = decoded;
  }
  return ok({ kind: 'string', bin: text.replace(/\r\n/g, '\n') });
}

function decodeEscapesInText(text: string): string | undefined {
  let failed = false;
  const out = text.replace(/\\(u\{[0-9a-fA-F ]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{1,2}|[0-7]{1,3}|[\s\S])/g, (seq) => {
    const v = unescape(seq);
    if (v === undefined) failed = true;
    return v ?? '';
  });
  return failed ? undefined : out;
}

function dedent(text: string): string {
  const lines = text.split('\n');
  let min = Infinity;
  for (const line of lines) {
    if (!line.trim()) continue;
    const indent = line.match(/^[ \t]*/)![0].replace(/\t/g, '        ').length;
    min = Math.min(min, indent);
  }
  // With no other line, lines of only spaces and tabs lose them all.
  return lines.map((l) => stripColumns(l, min)).join('\n');
}

function stripColumns(line: string, columns: number): string {
  let col = 0;
  let i = 0;
  while (i < line.length && col < columns && (line[i] === ' ' || line[i] === '\t')) {
    col = line[i] === '\t' ? (Math.floor(col / 8) + 1) * 8 : col + 1;
    if (col > columns) break;
    i++;
  }
  return line.slice(i);
}

/** An index chain such as `app[:a]["b"]`: the name it starts at and its literal keys. */
export interface IndexChain {
  root: string;
  path: string[];
  /** The first index that is not a literal key; `path` holds the keys before it. */
  unknown?: SyntaxNode;
}

/** Reads `name[k1][k2]...`; undefined when the chain does not start at a plain name. */
export function indexChain(node: SyntaxNode): IndexChain | undefined {
  const keys: SyntaxNode[] = [];
  let cur = node;
  while (cur.type === 'element_reference') {
    const obj = cur.childForFieldName('object');
    if (!obj) return undefined;
    const args = cur.namedChildren.filter((c) => c.id !== obj.id && c.type !== 'comment');
    keys.unshift(args.length === 1 ? args[0] : cur);
    cur = obj;
  }
  if (cur.type !== 'identifier') return undefined;
  const path: string[] = [];
  for (const k of keys) {
    const v = keyValue(k);
    if (!v.ok) return { root: cur.text, path, unknown: k };
    path.push(v.key);
  }
  return { root: cur.text, path };
}
