import { fail } from './errors';
import { utf8Text, type RubyValue } from './value';
import { parseJsonValue } from './json';

export const VALUE_TYPES = ['string', 'integer', 'float', 'boolean', 'symbol', 'nil', 'json'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/** A command-line VALUE as the Ruby literal it stands for. `raw` is a byte string. */
export function parseValue(raw: string, type: ValueType): RubyValue {
  switch (type) {
    case 'string':
      return { kind: 'string', bin: raw };
    case 'integer':
      if (!/^[-+]?\d+$/.test(raw)) fail('usage', `${JSON.stringify(raw)} is not an integer`);
      return { kind: 'integer', value: BigInt(raw) };
    case 'float': {
      const n = Number(raw);
      if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw) || !Number.isFinite(n)) fail('usage', `${JSON.stringify(raw)} is not a finite number`);
      return { kind: 'float', value: n };
    }
    case 'boolean': {
      const b = BOOLEANS[raw.toLowerCase()];
      if (b === undefined) fail('usage', `${JSON.stringify(raw)} is not a boolean (true/false, yes/no, on/off, 1/0)`);
      return { kind: 'boolean', value: b };
    }
    case 'symbol':
      if (raw === '') fail('usage', 'a symbol cannot be empty');
      // Ruby cannot load a symbol literal that is not valid UTF-8.
      if (utf8Text(raw) === undefined) fail('usage', 'a symbol must be valid UTF-8');
      return { kind: 'symbol', name: raw };
    case 'nil':
      if (!['', 'nil', 'null'].includes(raw)) fail('usage', `--type nil takes no value (or "nil"), not ${JSON.stringify(raw)}`);
      return { kind: 'nil' };
    case 'json': {
      try {
        return parseJsonValue(Buffer.from(raw, 'latin1').toString('utf8'));
      } catch (e) {
        fail('usage', `the value is not valid JSON: ${(e as Error).message}`);
      }
    }
  }
}

export const BOOLEANS: Record<string, boolean> = {
  true: true, yes: true, on: true, '1': true,
  false: false, no: false, off: false, '0': false,
};
