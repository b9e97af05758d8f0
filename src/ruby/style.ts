import type { SyntaxNode } from '../../grammars/ruby';
import { hashPairs } from './literal';

/** How the file's author writes: new text is made to look like theirs. */
export interface DocStyle {
  eol: '\n' | '\r\n';
  indentUnit: string;
  /** Most multi-line hashes end with a comma after their last pair. */
  trailingComma: boolean;
}

export type KeyForm = 'string-rocket' | 'symbol-rocket' | 'colon' | 'quoted-colon';

export interface PairStyle {
  form: KeyForm;
  quote: '"' | "'";
  /** What separates key and value, e.g. " => " or ": ". */
  separator: string;
}

export const DEFAULT_PAIR_STYLE: PairStyle = { form: 'string-rocket', quote: '"', separator: ' => ' };

export function docStyle(text: string): DocStyle {
  const crlf = (text.match(/\r\n/g) ?? []).length;
  const lf = (text.match(/\n/g) ?? []).length - crlf;
  return { eol: crlf > lf ? '\r\n' : '\n', indentUnit: indentUnit(text), trailingComma: trailingCommas(text) };
}

/** How far style detection reads: enough to know the author, bounded on huge files. */
const SAMPLE_CHARS = 200_000;

/** Whether multi-line hashes mostly end with a comma after their last pair. */
function trailingCommas(text: string): boolean {
  const sample = text.slice(0, SAMPLE_CHARS);
  const withComma = (sample.match(/,[ \t]*\r?\n[ \t]*\}/g) ?? []).length;
  const without = (sample.match(/[^,{\s][ \t]*\r?\n[ \t]*\}/g) ?? []).length;
  return withComma > without;
}

/** The most common step by which a line is indented deeper than the line before it. */
function indentUnit(text: string): string {
  const counts = new Map<string, number>();
  let previous: string | undefined;
  for (const line of text.slice(0, SAMPLE_CHARS).split('\n')) {
    if (!/\S/.test(line) || /^\s*#/.test(line)) continue;
    const indent = line.match(/^[ \t]*/)![0];
    if (previous !== undefined && indent.length > previous.length && indent.startsWith(previous)) {
      const step = indent.slice(previous.length);
      if (/^( +|\t+)$/.test(step)) counts.set(step, (counts.get(step) ?? 0) + 1);
    }
    previous = indent;
  }
  let best = '  ';
  let bestCount = 0;
  for (const [step, n] of counts) {
    if (n > bestCount) [best, bestCount] = [step, n];
  }
  return best;
}

export function pairStyleOf(pair: SyntaxNode): PairStyle {
  const key = pair.childForFieldName('key')!;
  const value = pair.childForFieldName('value');
  const sepToken = pair.children.find((c) => c.type === '=>' || c.type === ':');
  const text = pair.text;
  const sepEnd = (value ? value.startIndex : pair.endIndex) - pair.startIndex;
  // Quote style follows the key when it is quoted, else a string value.
  const quoted = key.type === 'string' || key.type === 'delimited_symbol' ? key : value?.type === 'string' ? value : undefined;
  const quote = quoted && /^:?'/.test(quoted.text) ? "'" : '"';
  if (key.type === 'hash_key_symbol') return { form: 'colon', quote, separator: normaliseSep(text.slice(key.endIndex - pair.startIndex, sepEnd), ': ') };
  const rocket = sepToken?.type === '=>';
  const separator = normaliseSep(text.slice(key.endIndex - pair.startIndex, sepEnd), rocket ? ' => ' : ': ');
  if (!rocket) return { form: 'quoted-colon', quote, separator };
  return { form: key.type === 'string' ? 'string-rocket' : 'symbol-rocket', quote, separator };
}

/** Keep the author's spacing unless it spans lines or aligns columns. */
function normaliseSep(sep: string, fallback: string): string {
  if (/[\r\n]/.test(sep)) return fallback;
  return sep.replace(/^ {2,}/, ' ');
}

/** Siblings decide; an empty hash asks its enclosing hashes, then the whole file. */
export function pairStyleFor(hash: SyntaxNode | undefined, fallback: PairStyle): PairStyle {
  for (let h: SyntaxNode | null | undefined = hash; h; h = h.parent) {
    if (h.type !== 'hash') continue;
    // The last keyed pair, found from the end: asking every pair of a large hash costs a native call each.
    const pairs = hashPairs(h);
    for (let i = pairs.length - 1; i >= 0; i--) {
      if (pairs[i].type === 'pair' && pairs[i].childForFieldName('key')) return pairStyleOf(pairs[i]);
    }
  }
  return fallback;
}

/** The style most pairs in the file use (the first few hundred), for hashes with no styled neighbours. */
export function dominantPairStyle(root: SyntaxNode): PairStyle {
  const counts = new Map<string, { style: PairStyle; n: number }>();
  const pairs = root.descendantsOfType('pair', { row: 0, column: 0 }, { row: 3000, column: 0 }).slice(0, 300);
  for (const pair of pairs) {
    if (!pair.childForFieldName('key')) continue;
    const s = pairStyleOf(pair);
    const id = `${s.form}|${s.quote}|${s.separator}`;
    const c = counts.get(id) ?? { style: s, n: 0 };
    c.n++;
    counts.set(id, c);
  }
  let best: { style: PairStyle; n: number } | undefined;
  for (const c of counts.values()) if (!best || c.n > best.n) best = c;
  return best?.style ?? DEFAULT_PAIR_STYLE;
}
