import { parseJsonValue } from '../core/json';
import type { RubyValue } from '../core/value';
import { keyOfPath } from '../core/writes';
import { lookupSetting } from './schema';

const cache = new Map<string, RubyValue | undefined>();

/** The default Scalr ships for a setting, as the value a nil in the files leaves in place. */
export function knownDefault(path: string[]): RubyValue | undefined {
  // By path, not by key text: the fold asks for every leaf of the file, and formatting each key costs more than the lookup.
  const id = path.join('\u0000');
  if (cache.has(id)) return cache.get(id);
  const key = keyOfPath(path);
  const d = lookupSetting(key)?.default;
  const value = d === undefined || d === null ? undefined : parseJsonValue(JSON.stringify(d));
  cache.set(id, value);
  return value;
}
