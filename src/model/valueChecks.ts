import { ScalrConfError } from '../core/errors';
import type { RubyValue } from '../core/value';
import { keyOfPath } from '../core/writes';
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
      const what = becomes.kind === 'nil' ? 'nil' : String((becomes as { value: boolean }).value);
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
  if (inConfiguration(path) && hasSymbol(value) && !facts.force) {
    return {
      refusal: new ScalrConfError('symbol-value', `config.yml gets a Symbol as the string ":${symbolName(value)}", which Scalr does not read as ${symbolName(value)}; give the value as a string, or pass --force; nothing written`),
      notes,
    };
  }
  if (value.kind === 'nil' && facts.default && facts.default.kind !== 'nil') {
    notes.push(`reconfigure ignores nil: Scalr keeps the default for ${key}`);
  }
  return { notes };
}

function hasSymbol(v: RubyValue): boolean {
  if (v.kind === 'symbol') return true;
  if (v.kind === 'array') return v.items.some(hasSymbol);
  if (v.kind === 'hash') return v.entries.some(([, x]) => hasSymbol(x));
  return false;
}

function symbolName(v: RubyValue): string {
  if (v.kind === 'symbol') return v.name;
  if (v.kind === 'array') for (const x of v.items) if (hasSymbol(x)) return symbolName(x);
  if (v.kind === 'hash') for (const [, x] of v.entries) if (hasSymbol(x)) return symbolName(x);
  return '';
}
