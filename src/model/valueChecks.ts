import { ScalrConfError } from '../values/errors';
import type { RubyValue } from '../values/value';
import { keyOfPath } from '../ruby/writes';
import { inConfiguration, string2boolean } from './pipeline';

/**
 * What reconfigure will make of a value before Scalr sees it, checked before anything is planned:
 * a refusal when Scalr would get something else than asked, a note when it is only worth knowing.
 */
export interface ValueCheck {
  refusal?: ScalrConfError;
  notes: string[];
}

export interface SettingFacts {
  type?: string;
  default?: RubyValue;
  /** --force was given. */
  force?: boolean;
}

export function checkValue(path: string[], value: RubyValue, facts: SettingFacts): ValueCheck {
  const key = keyOfPath(path);
  const notes: string[] = [];
  if (value.kind === 'string') {
    const becomes = string2boolean(value.bin);
    if (becomes) {
      const what = becomes.kind === 'boolean' ? String(becomes.value) : 'nil';
      const text = JSON.stringify(value.bin);
      if (facts.type === 'string') {
        return {
          refusal: new ScalrConfError('becomes-boolean', `reconfigure turns the string ${text} into ${what} (string2boolean), so ${key} would not get ${text}; choose another value; nothing written`),
          notes,
        };
      }
      notes.push(`reconfigure turns the string ${text} into ${what} for ${key} (string2boolean)`);
    }
  }
  const symbol = inConfiguration(path) && !facts.force ? firstSymbol(value) : undefined;
  if (symbol !== undefined) {
    return {
      refusal: new ScalrConfError('symbol-value', `config.yml gets a Symbol as the string ":${symbol}", which Scalr does not read as ${symbol}; give the value as a string, or pass --force; nothing written`),
      notes,
    };
  }
  if (value.kind === 'nil' && facts.default && facts.default.kind !== 'nil') {
    notes.push(`reconfigure ignores nil: Scalr keeps the default for ${key}`);
  }
  return { notes };
}

/** The name of the first Symbol in a value, anywhere inside it. */
function firstSymbol(v: RubyValue): string | undefined {
  if (v.kind === 'symbol') return v.name;
  const inner = v.kind === 'array' ? v.items : v.kind === 'hash' ? v.entries.map(([, x]) => x) : [];
  for (const x of inner) {
    const name = firstSymbol(x);
    if (name !== undefined) return name;
  }
  return undefined;
}
