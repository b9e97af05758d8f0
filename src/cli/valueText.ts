import { toCanonical, utf8Text, type RubyValue } from '../values/value';

/** How a value reads on the terminal and in --json: the one rendering every command uses. */

/** Strings raw; everything else as JSON. */
export function displayValue(v: RubyValue): string {
  if (v.kind === 'string') return v.bin;
  return Buffer.from(JSON.stringify(plainJson(v)), 'utf8').toString('latin1');
}

/** JSON without the canonical type markers: symbols as their names, bytes as best-effort text. */
export function plainJson(v: RubyValue): unknown {
  switch (v.kind) {
    case 'string':
      return utf8Text(v.bin) ?? Buffer.from(v.bin, 'latin1').toString('utf8');
    case 'symbol':
      return utf8Text(v.name) ?? Buffer.from(v.name, 'latin1').toString('utf8');
    case 'integer':
      return Number.isSafeInteger(Number(v.value)) ? Number(v.value) : v.value.toString();
    case 'array':
      return v.items.map(plainJson);
    case 'hash':
      return Object.fromEntries(v.entries.map(([k, x]) => [k, plainJson(x)]));
    default:
      return toCanonical(v) as unknown;
  }
}

/** A value as show prints it: Ruby-like, strings quoted, byte strings kept. */
export function rubyish(v: RubyValue): string {
  if (v.kind === 'symbol') return `:${v.name}`;
  if (v.kind === 'nil') return 'nil';
  if (v.kind === 'float') return String(v.value).includes('.') || String(v.value).includes('e') ? String(v.value) : `${v.value}.0`;
  return Buffer.from(JSON.stringify(plainJson(v)), 'utf8').toString('latin1');
}
