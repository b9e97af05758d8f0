import { canonicalText, type RubyValue } from '../values/value';
import { keyBinOfPath } from '../ruby/writes';
import { pathId, type Use, type Uses } from './uses';

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

const EMPTY: RubyValue = { kind: 'hash', entries: [] };

const isEmptyHash = (use: Use | undefined): boolean => use?.value?.kind === 'hash' && use.value.entries.length === 0;

interface Merged {
  leaves: Map<string, Use>;
  /** Paths that are hashes with something below them. */
  held: Set<string>;
}

/**
 * The leaves as reconfigure's merges read them (node attributes over the cookbook's defaults,
 * app[:configuration] over config.yml's): a nil is no key, so a hash holding only nils reads as an
 * empty hash, and that empty hash stays (over a scalar default it is the value).
 */
function merged(uses: Uses): Merged {
  const leaves = new Map<string, Use>();
  const held = new Set<string>();
  const hold = (path: string[]) => {
    for (let n = path.length - 1; n >= 1; n--) held.add(pathId(path.slice(0, n)));
  };
  const nils: Use[] = [];
  for (const [id, use] of uses.leaves) {
    if (use.value?.kind === 'nil') nils.push(use);
    else {
      leaves.set(id, use);
      hold(use.path);
    }
  }
  // The deepest first, so that a hash emptied this way counts for the one holding it.
  for (const use of nils.sort((a, b) => b.path.length - a.path.length)) {
    const parent = use.path.slice(0, -1);
    // A group, and app[:configuration], are hashes whatever the files say.
    const always = parent.length <= 1 || (parent.length === 2 && parent[0] === 'app' && parent[1] === 'configuration');
    const id = pathId(parent);
    if (always || held.has(id) || leaves.has(id)) continue;
    leaves.set(id, { ...use, path: parent, value: EMPTY, steps: [] });
    hold(parent);
  }
  return { leaves, held };
}

/**
 * What a side amounts to, as comparable text. A key a side does not set has the default when one is
 * known; an empty hash merged over a hash default leaves the default; a value only Ruby can compute
 * is equal only to the same Ruby text.
 */
function effectiveText(use: Use | undefined, fallback: RubyValue | undefined): string | undefined {
  if (!use || (isEmptyHash(use) && fallback?.kind === 'hash')) return fallback && canonicalText(fallback);
  if (use.value) return canonicalText(use.value);
  return `?${use.code ?? use.unreadable}`;
}

/** The settings whose value Scalr uses differs between `a` and `b`, sorted by key. */
export function compareUses(a: Uses, b: Uses, defaultAt: (path: string[]) => RubyValue | undefined = () => undefined): Difference[] {
  const out: Difference[] = [];
  const [ma, mb] = [merged(a), merged(b)];
  for (const id of new Set([...ma.leaves.keys(), ...mb.leaves.keys()])) {
    const ua = ma.leaves.get(id);
    const ub = mb.leaves.get(id);
    // An empty hash against one with keys: the keys are the difference, each on its own.
    if ((isEmptyHash(ua) && mb.held.has(id)) || (isEmptyHash(ub) && ma.held.has(id))) continue;
    const path = (ua ?? ub)!.path;
    const fallback = !ua || !ub || isEmptyHash(ua) || isEmptyHash(ub) ? defaultAt(path) : undefined;
    if (effectiveText(ua, fallback) === effectiveText(ub, fallback)) continue;
    out.push({ path, key: keyBinOfPath(path), a: ua, b: ub, ...(fallback && (!ua || !ub) ? { default: fallback } : {}) });
  }
  return out.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}
