import { utf8Text, type RubyValue } from '../values/value';
import type { PairStyle } from '../ruby/style';

/**
 * Ruby literal text for values and keys. Everything written is inert: strings are quoted so that
 * no byte can end the literal, interpolate or run code, and reads back byte for byte.
 */

export interface Layout {
  /** Indentation of the line the value starts on. */
  indent: string;
  indentUnit: string;
  eol: string;
  /** Hashes over several lines (true) or on one line. */
  multiline: boolean;
  pairStyle: PairStyle;
  /** Multi-line hashes end their last pair with a comma too. */
  trailingComma: boolean;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function renderString(bin: string, preferred: '"' | "'" = '"'): string {
  const valid = utf8Text(bin) !== undefined;
  if (preferred === "'" && valid && !/[\\'\x00-\x1f\x7f]/.test(bin)) return `'${bin}'`;
  let out = '"';
  for (const ch of bin) {
    const b = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\' || ch === '#') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (b < 0x20 || b === 0x7f || (b >= 0x80 && !valid)) out += '\\x' + b.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

export function renderSymbol(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*[?!]?$/.test(name) ? `:${name}` : `:${renderString(name)}`;
}

export function renderFloat(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError('not a finite number');
  if (Object.is(n, -0)) return '-0.0';
  const s = String(n);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

export function renderKey(key: string, style: PairStyle): string {
  // Symbols must be valid UTF-8 (`:"\xff" =>` and `"\xff": 1` do not load): write such keys as strings.
  if (style.form !== 'string-rocket' && utf8Text(key) === undefined) return `${renderString(key)} => `;
  switch (style.form) {
    // `"k": v` needs Ruby 2.2; the 7.x packages embed Ruby 2.1.6, so a key that is no label gets `=>`
    // (mixing `a: 1` and `"b" => 2` in one hash is fine in every Ruby). A hash already written with
    // `"k":` keys needs 2.2 anyway (doctor says so); its own style is kept.
    case 'colon':
      return IDENT.test(key) ? `${key}${style.separator.replace(/^\s*/, '')}` : `${renderString(key)} => `;
    case 'quoted-colon':
      return `${renderString(key, style.quote)}${style.separator}`;
    case 'symbol-rocket': {
      const symbol = renderSymbol(key);
      // `:x?=>` reads as `:x?=` then `>`.
      return /[?!]$/.test(symbol) && style.separator.startsWith('=') ? `${symbol} ${style.separator}` : `${symbol}${style.separator}`;
    }
    case 'string-rocket':
      return `${renderString(key, style.quote)}${style.separator}`;
  }
}

/** `key => value` for a new pair; colon keys carry their own separator. */
export function renderPair(key: string, value: RubyValue, layout: Layout): string {
  const k = renderKey(key, layout.pairStyle);
  const v = renderValue(value, layout);
  // `a:` then `:b` needs a space: `a::b` is a scope.
  return k.endsWith(':') && v.startsWith(':') ? `${k} ${v}` : k + v;
}

export function renderValue(value: RubyValue, layout: Layout): string {
  switch (value.kind) {
    case 'string':
      return renderString(value.bin, layout.pairStyle.quote);
    case 'integer':
      return value.value.toString();
    case 'float':
      return renderFloat(value.value);
    case 'boolean':
      return String(value.value);
    case 'nil':
      return 'nil';
    case 'symbol':
      return renderSymbol(value.name);
    case 'array':
      return `[${value.items.map((v) => renderValue(v, { ...layout, multiline: false })).join(', ')}]`;
    case 'hash':
      return renderHash(value.entries, layout);
  }
}

function renderHash(entries: [string, RubyValue][], layout: Layout): string {
  if (entries.length === 0) return '{}';
  if (!layout.multiline) {
    return `{ ${entries.map(([k, v]) => renderPair(k, v, layout)).join(', ')} }`;
  }
  const inner = layout.indent + layout.indentUnit;
  const lines = entries.map(([k, v]) => inner + renderPair(k, v, { ...layout, indent: inner }));
  return `{${layout.eol}${lines.join(',' + layout.eol)}${layout.trailingComma ? ',' : ''}${layout.eol}${layout.indent}}`;
}
