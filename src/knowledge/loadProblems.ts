/**
 * Two mistakes that come from pasting Scalr's documentation, and that a file can already hold
 * before scalr-conf edits it: quotes typeset as curly ones (the LDAP page's `:port => ‘389’`), and
 * the list of choices (`"local" or "public"`) taken for a value. Both can pass `ruby -c` or the
 * parser and still stop reconfigure, so the write commands look for them before planning, and
 * `doctor --fix` repairs them. A file with neither is not parsed here at all.
 */
import { parseRuby, type SyntaxNode, type Tree } from '../../grammars/ruby';
import { findPlaceholders, keyOfPath, line, pathOf, type Placeholder } from '../ruby/writes';
import { utf8Text } from '../values/value';
import { lookupSetting } from './schema';

export interface LoadProblem {
  code: 'curly-quote' | 'placeholder';
  line: number;
  column: number;
  message: string;
  /** Reconfigure stops on it; otherwise the file loads, with a value nobody chose. */
  breaksLoad: boolean;
  /** The text that repairs it, over [start, end); none when only the admin can tell. */
  fix?: { start: number; end: number; text: string };
  placeholder?: Placeholder;
}

// U+2018, U+2019, U+201C, U+201D as UTF-8 bytes, one char per byte.
const CURLY = /\u00e2\u0080[\u0098\u0099\u009c\u009d]/g;
const SINGLE = new Set(['\u00e2\u0080\u0098', '\u00e2\u0080\u0099']);
// Two literals joined by or, ||, |: what a pasted list of choices looks like, before parsing.
const CHOICES = /(?:["'\d]|\btrue|\bfalse)\s*(?:\bor\b|\|\|?)\s*(?:["':\d]|true\b|false\b)/;
// Where a curly quote is only text: Ruby reads these as they are.
const TEXT_NODES = new Set(['string', 'string_content', 'comment', 'heredoc_body', 'heredoc_content', 'regex', 'delimited_symbol', 'subshell', 'character']);

/** The problems of one file's text (one char per byte), in file order. */
export function loadProblems(text: string, parsed?: Tree): LoadProblem[] {
  CURLY.lastIndex = 0;
  const curly = CURLY.test(text);
  if (!curly && !CHOICES.test(text)) return [];
  const tree = parsed ?? parseRuby(text);
  const problems = [...(curly ? curlyQuotes(text, tree) : []), ...findPlaceholders(tree.rootNode).map(placeholderProblem)];
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** A curly quote in code, paired with the next one on its line; the pair becomes a straight-quoted string. */
function curlyQuotes(text: string, tree: Tree): LoadProblem[] {
  const found: LoadProblem[] = [];
  CURLY.lastIndex = 0;
  for (let m = CURLY.exec(text); m; m = CURLY.exec(text)) {
    const start = m.index;
    if (inText(tree.rootNode.descendantForIndex(start))) continue;
    const lineEnd = text.indexOf('\n', start) === -1 ? text.length : text.indexOf('\n', start);
    CURLY.lastIndex = start + 3;
    const close = CURLY.exec(text);
    const at = positionOf(text, start);
    if (!close || close.index >= lineEnd) {
      CURLY.lastIndex = start + 3;
      found.push({ code: 'curly-quote', ...at, breaksLoad: true, message: `${shown(m[0])} is a typographic (curly) quote, which Ruby does not read as a quote; write a straight ' or " and close it` });
      continue;
    }
    const inner = text.slice(start + 3, close.index);
    const written = text.slice(start, close.index + 3);
    const straight = stringLiteral(inner, SINGLE.has(m[0]));
    found.push({
      code: 'curly-quote',
      ...at,
      breaksLoad: true,
      message:
        `${shown(written)} is quoted with typographic (curly) quotes, which Ruby does not read as quotes: it takes ${shown(written)} for a name, ` +
        `and reconfigure stops there; write ${shown(straight)} with straight quotes`,
      fix: { start, end: close.index + 3, text: straight },
    });
  }
  return found;
}

function inText(node: SyntaxNode | null): boolean {
  for (let n = node; n; n = n.parent) if (TEXT_NODES.has(n.type)) return true;
  return false;
}

/** `'389'`, or double quotes when the text holds a single quote or a backslash. */
function stringLiteral(inner: string, single: boolean): string {
  const singleOk = !/['\\]/.test(inner);
  const doubleOk = !/["\\#]/.test(inner);
  if (singleOk && (single || !doubleOk)) return `'${inner}'`;
  if (doubleOk) return `"${inner}"`;
  return `'${inner.replace(/[\\']/g, (c) => '\\' + c)}'`;
}

function positionOf(text: string, index: number): { line: number; column: number } {
  let lineNo = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    lineNo++;
    lineStart = i + 1;
  }
  return { line: lineNo, column: index - lineStart + 1 };
}

const shown = (bin: string): string => utf8Text(bin) ?? bin;

/** The operator joining a placeholder's choices: or, || or |. */
export function placeholderOperator(p: Placeholder): string {
  return p.node.childForFieldName('operator')?.text ?? p.node.child(1)?.text ?? 'or';
}

/**
 * What Ruby does with `a or b`: inside a hash, an array or a call's arguments `or` is a syntax
 * error; `|` on a string or symbol is a NoMethodError; otherwise the first choice (or, ||) or
 * their bitwise union (|, of numbers or booleans) is taken without a word.
 */
function placeholderBreaksLoad(p: Placeholder): boolean {
  const op = placeholderOperator(p);
  if (op === 'or') return ['pair', 'array', 'argument_list'].includes(p.node.parent?.type ?? '');
  if (op === '|') return ['string', 'simple_symbol', 'delimited_symbol'].includes(p.nodes[0].type);
  return false;
}

function placeholderProblem(p: Placeholder): LoadProblem {
  const start = p.nodes[0].startPosition;
  return { code: 'placeholder', line: line(p.node), column: start.column + 1, message: placeholderMessage(p), breaksLoad: placeholderBreaksLoad(p), placeholder: p };
}

/** Why a pasted `"a" or "b"` is wrong, with what each choice means when the setting is known. */
export function placeholderMessage(p: Placeholder): string {
  const path = pathOf(p.nodes[0]);
  const key = path ? keyOfPath(path) : undefined;
  const op = placeholderOperator(p);
  const written = p.options.join(` ${op} `);
  const ruby = !placeholderBreaksLoad(p)
    ? op === '|' ? `Ruby quietly computes ${p.options.join(' | ')}` : `Ruby quietly takes the first, ${p.options[0]}`
    : op === 'or' ? 'Ruby refuses it here (a syntax error)' : `Ruby stops at it (${p.nodes[0].type === 'string' ? 'String' : 'Symbol'} has no | method)`;
  const setting = key ? lookupSetting(key) : undefined;
  const meanings = setting?.values
    ? ': ' + p.values.map((v) => `${JSON.stringify(v)} (${setting.values![v] ?? 'not a known value'})`).join(', ')
    : '';
  return `${written} is the documentation's list of choices${key ? ` for ${key}` : ''}, pasted literally; ${ruby}. Pick one value${meanings}`;
}

/** The file's text with every repair applied; the repairs must not overlap (they never do: one per literal). */
export function applyFixes(text: string, fixes: { start: number; end: number; text: string }[]): string {
  let out = text;
  for (const f of [...fixes].sort((a, b) => b.start - a.start)) out = out.slice(0, f.start) + f.text + out.slice(f.end);
  return out;
}
