/**
 * The expected effect of a change on the effective configuration, computed on the canonical JSON
 * the Ruby loader prints: set replaces the value at the path (creating hashes), unset removes it and
 * prunes the hashes it leaves empty. Empty hashes are dropped on both sides before comparing: an
 * empty hash merged into Scalr's config changes nothing.
 */
import type { Canonical } from '../../src/values/value';
import type { Effective } from './ruby';

type Obj = { [k: string]: Canonical };

const isHash = (v: Canonical | undefined): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !('$sym' in v || '$bytes' in v || '$int' in v || '$float' in v || '$ruby' in v);

// structuredClone, not a JSON round trip: that would turn Ruby's -0.0 into 0.
export function clone<T>(v: T): T {
  return structuredClone(v);
}

export function modelSet(eff: Effective, group: string, path: string[], value: Canonical): Effective {
  const next = clone(eff);
  let cur = next.groups[group] as Obj;
  for (const seg of path.slice(0, -1)) {
    if (!isHash(cur[seg])) cur[seg] = {};
    cur = cur[seg] as Obj;
  }
  cur[path[path.length - 1]] = clone(value);
  return next;
}

export function modelUnset(eff: Effective, group: string, path: string[]): Effective {
  const next = clone(eff);
  const chain: Obj[] = [next.groups[group] as Obj];
  for (const seg of path.slice(0, -1)) {
    const v = chain[chain.length - 1][seg];
    if (!isHash(v)) return next;
    chain.push(v);
  }
  delete chain[chain.length - 1][path[path.length - 1]];
  for (let i = chain.length - 1; i > 0 && Object.keys(chain[i]).length === 0; i--) delete chain[i - 1][path[i - 1]];
  return next;
}

/** Drops empty hashes recursively (groups themselves stay). */
export function normalise(eff: Effective): Effective {
  const strip = (v: Canonical): Canonical | undefined => {
    if (Array.isArray(v)) return v.map((x) => strip(x) ?? {});
    if (!isHash(v)) return v;
    const o: Obj = {};
    for (const [k, x] of Object.entries(v)) {
      const s = strip(x);
      if (s !== undefined) o[k] = s;
    }
    return Object.keys(o).length ? o : undefined;
  };
  const groups: Record<string, Canonical> = {};
  for (const [g, v] of Object.entries(eff.groups)) groups[g] = (strip(v) as Obj | undefined) ?? {};
  return { groups, enable_all: eff.enable_all };
}
