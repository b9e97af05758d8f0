/**
 * Values as Ruby holds them after the file is evaluated. Strings are byte strings: `bin` holds one
 * char per byte (latin1), so bytes that are not valid UTF-8 survive every round trip.
 */
export type RubyValue =
  | { kind: 'string'; bin: string }
  | { kind: 'integer'; value: bigint }
  | { kind: 'float'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'nil' }
  | { kind: 'symbol'; name: string }
  | { kind: 'array'; items: RubyValue[] }
  | { kind: 'hash'; entries: [string, RubyValue][] };

/** The canonical JSON form shared with the Ruby loader (test/ruby/load-config.rb). */
export type Canonical =
  | string
  | number
  | boolean
  | null
  | { $bytes: string }
  | { $sym: string }
  | { $int: string }
  | { $float: number }
  | Canonical[]
  | { [key: string]: Canonical };

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Unicode text of a byte string, or undefined when the bytes are not valid UTF-8. */
export function utf8Text(bin: string): string | undefined {
  try {
    return decoder.decode(Buffer.from(bin, 'latin1'));
  } catch {
    return undefined;
  }
}

export function binOf(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

export function str(text: string): RubyValue {
  return { kind: 'string', bin: binOf(text) };
}

export function toCanonical(v: RubyValue): Canonical {
  switch (v.kind) {
    case 'string': {
      const t = utf8Text(v.bin);
      return t === undefined ? { $bytes: Buffer.from(v.bin, 'latin1').toString('hex') } : t;
    }
    case 'integer':
      return v.value >= BigInt(Number.MIN_SAFE_INTEGER) && v.value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(v.value)
        : { $int: v.value.toString() };
    case 'float':
      return { $float: v.value };
    case 'boolean':
      return v.value;
    case 'nil':
      return null;
    case 'symbol':
      return { $sym: utf8Text(v.name) ?? v.name };
    case 'array':
      return v.items.map(toCanonical);
    case 'hash': {
      const o: { [key: string]: Canonical } = {};
      for (const [k, val] of v.entries) o[utf8Text(k) ?? k] = toCanonical(val);
      return o;
    }
  }
}

/** A value as comparable text. -0.0 and 0.0 are different floats to Ruby; JSON would print both as 0. */
export function canonicalText(v: RubyValue): string {
  return JSON.stringify(toCanonical(v), (_k, x: unknown) => (Object.is(x, -0) ? '-0' : x));
}

export function sameValue(a: RubyValue, b: RubyValue): boolean {
  return canonicalText(a) === canonicalText(b);
}
