import { canonicalText, type RubyValue } from '../values/value';
import { keyBinOfPath } from '../ruby/writes';
import type { Use, Uses } from './uses';

/**
 * Where two configurations differ in what Scalr uses. Both sides are folds of their files (see
 * uses.ts), so quoting, key styles, layout, comments and the spellings reconfigure converts
 * (`"off"` and `false`) are already gone: only values Scalr would get differently remain.
 */

export interface Difference {
  /** The group, then the keys below it, as in Use. */
  path: string[];
  /** The key as users write it, a byte string (`aws.instances_connection_policy`, `mysql[:bind_port]`). */
  key: string;
  /** Absent when that side does not set the key. */
  a?: Use;
  b?: Use;
  /** The cookbook's default, which a side that does not set the key gets. */
  default?: RubyValue;
}

/**
 * Whether a leaf gives Scalr anything. reconfigure's merges (node attributes over the cookbook's
 * defaults, app[:configuration] over config.yml's) skip a nil, and an empty hash adds no key, so
 * either amounts to not setting the key.
 */
const setsValue = (use: Use | undefined): boolean =>
  use !== undefined && use.value?.kind !== 'nil' && !(use.value?.kind === 'hash' && use.value.entries.length === 0);

/**
 * What a side amounts to, as comparable text. A key a side does not set has the default when one is
 * known; a value only Ruby can compute is equal only to the same Ruby text.
 */
function effectiveText(use: Use | undefined, fallback: RubyValue | undefined): string | undefined {
  if (!setsValue(use)) return fallback && canonicalText(fallback);
  if (use!.value) return canonicalText(use!.value);
  return `?${use!.code ?? use!.unreadable}`;
}

/** The settings whose value Scalr uses differs between `a` and `b`, sorted by key. */
export function compareUses(a: Uses, b: Uses, defaultAt: (path: string[]) => RubyValue | undefined = () => undefined): Difference[] {
  const out: Difference[] = [];
  for (const id of new Set([...a.leaves.keys(), ...b.leaves.keys()])) {
    const ua = a.leaves.get(id);
    const ub = b.leaves.get(id);
    const path = (ua ?? ub)!.path;
    const fallback = setsValue(ua) && setsValue(ub) ? undefined : defaultAt(path);
    if (effectiveText(ua, fallback) === effectiveText(ub, fallback)) continue;
    out.push({ path, key: keyBinOfPath(path), a: ua, b: ub, ...(fallback ? { default: fallback } : {}) });
  }
  return out.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}
