import { fail } from '../values/errors';
import { formatKey, type Target } from '../values/keys';
import { parseValue, type ValueType } from '../values/parseValue';
import { utf8Text, type RubyValue } from '../values/value';
import { checkValue } from '../model/valueChecks';
import { coerceValue, didYouMean, lookupSetting, parseExactJson, suggestKeys, type Setting } from './schema';
import { knownDefault } from './defaults';

/**
 * A KEY VALUE pair of the command line as the value scalr-conf writes: the schema's type for a
 * known key, --type otherwise, then what reconfigure will do with it. `raw` is a byte string.
 */
export interface ArgumentOptions {
  type?: ValueType;
  force?: boolean;
}

/**
 * Known keys take their type from the schema (near-misses of them were refused before). Then what
 * reconfigure will do with the value is checked: Scalr must get what was asked.
 */
export function argumentValue(target: Target, raw: string, opts: ArgumentOptions): { value: RubyValue; notes: string[] } {
  const setting = lookupSetting(formatKey(target));
  const value = parsedValue(target, setting, raw, opts);
  if (target.kind !== 'group') return { value, notes: [] };
  const path = [target.group, ...target.path];
  const check = checkValue(path, value, { type: setting?.type, default: knownDefault(path), force: opts.force });
  if (check.refusal) throw check.refusal;
  return { value, notes: check.notes };
}

function parsedValue(target: Target, setting: Setting | undefined, raw: string, opts: ArgumentOptions): RubyValue {
  // JSON.parse would make 1.0 an integer and round integers past 2^53.
  if (opts.type === 'json') return parseExactJson(utf8Value(raw, 'JSON'), formatKey(target));
  if (opts.type) return parseValue(raw, opts.type);
  // Strings keep their bytes: a Latin-1 password is not valid UTF-8, and is not to be "repaired".
  if (!setting || setting.type === 'string') return parseValue(raw, 'string');
  if (opts.force && setting.type === 'enum') return parseValue(raw, 'string');
  const text = utf8Text(raw);
  if (text !== undefined) return coerceValue(setting, text);
  if (setting.type === 'hash' || raw.trim().startsWith('[')) utf8Value(raw, 'JSON');
  return bytesBack(coerceValue(setting, raw));
}

function utf8Value(raw: string, what: string): string {
  const text = utf8Text(raw);
  if (text === undefined) fail('usage', `the value is not valid UTF-8, which ${what} must be`);
  return text;
}

/** A near-miss of a known key is refused; other unknown keys are looked at with the file (checkChangedKeys). */
export function checkedKey(target: Target, opts: ArgumentOptions): Target {
  const key = formatKey(target);
  if (opts.force || lookupSetting(key)) return target;
  const hint = didYouMean(suggestKeys(key));
  if (hint) fail('usage', `unknown key ${key}: ${hint} (--force to use it anyway)`);
  return target;
}

/**
 * A value read as text by a known key's type (coerceValue decodes it as UTF-8), for a value whose
 * bytes are not UTF-8: each byte is read as one char, and the strings made of it are put back to
 * those bytes, so that `a,b` lists keep every byte too.
 */
export function bytesBack(v: RubyValue): RubyValue {
  if (v.kind === 'string') return { kind: 'string', bin: utf8Text(v.bin) ?? v.bin };
  if (v.kind === 'array') return { kind: 'array', items: v.items.map(bytesBack) };
  return v;
}
