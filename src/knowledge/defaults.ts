import { parseJsonValue } from '../values/json';
import type { RubyValue } from '../values/value';
import { keyOfPath } from '../ruby/writes';
import { lookupSetting } from './schema';

const cache = new Map<string, RubyValue | undefined>();

/** The default Scalr ships for a setting, as the value a nil in the files leaves in place. */
export function knownDefault(path: string[]): RubyValue | undefined {
  const key = keyOfPath(path);
  if (cache.has(key)) return cache.get(key);
  const d = lookupSetting(key)?.default;
  const value = d === undefined || d === null ? undefined : parseJsonValue(JSON.stringify(d));
  cache.set(key, value);
  return value;
}
