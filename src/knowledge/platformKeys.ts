/**
 * Scalr's docs spell some per-cloud keys by cloud name (`aws.`); Scalr's code looks per-cloud
 * settings up by platform id (`ec2.`). explain, doctor and set describe such a pair with one text.
 */
import { parseKey } from '../values/keys';
import type { Layered } from '../ruby/layers';
import { readValue } from '../ruby/query';
import type { Layer } from '../ruby/writes';
import { sameValue, type RubyValue } from '../values/value';
import { rubyText } from './knowledge';
import { listSettings, lookupSetting } from './schema';

export interface PlatformPair {
  /** The key as Scalr's docs write it. */
  docs: string;
  /** The key Scalr's code reads. */
  code: string;
}

export interface PairValue {
  value: RubyValue;
  layer: Layer;
  line: number;
}

/** How a note names the place of a value: `file:line`, or `line N` within a finding's own file. */
export type PlaceText = (v: PairValue) => string;

export interface PairValues {
  docs?: PairValue;
  code?: PairValue;
}

/** The pair a key belongs to, given either spelling. */
export function platformPair(key: string): PlatformPair | undefined {
  const code = lookupSetting(key)?.platformKey;
  if (code) return { docs: key, code };
  const docs = listSettings().find((s) => s.platformKey === key);
  return docs ? { docs: docs.key, code: key } : undefined;
}

export function platformPairs(): PlatformPair[] {
  return listSettings().flatMap((s) => (s.platformKey ? [{ docs: s.key, code: s.platformKey }] : []));
}

/** Both spellings' values in both files together; a value that cannot be read counts as unset. */
export function pairValues(layered: Layered, pair: PlatformPair): PairValues {
  const one = (key: string): PairValue | undefined => {
    const found = readValue(layered.combined, parseKey(key));
    if (!found || !('value' in found)) return undefined;
    const w = layered.where(found.line);
    return { value: found.value, layer: w.layer, line: w.line };
  };
  return { docs: one(pair.docs), code: one(pair.code) };
}

/** The docs' spelling is set and Scalr's code does not read the same value. */
export function pairTrouble(v: PairValues): boolean {
  return !!v.docs && (!v.code || !sameValue(v.docs.value, v.code.value));
}

export function pairNote(pair: PlatformPair, v: PairValues, at: PlaceText): string {
  const lead = `Scalr's docs write ${pair.docs}; Scalr's code reads per-cloud settings by platform id, as ${pair.code}`;
  if (!v.code) {
    if (!v.docs) return lead;
    return `${lead}, which is not set: set it too, to ${rubyText(v.docs.value)}, the value of ${pair.docs} at ${at(v.docs)} (scalr-conf set --with-ec2 sets both)`;
  }
  const set = `${lead}, set to ${rubyText(v.code.value)} at ${at(v.code)}`;
  if (!v.docs || sameValue(v.docs.value, v.code.value)) return set;
  return `${set}: the two disagree (${pair.docs} is ${rubyText(v.docs.value)} at ${at(v.docs)})`;
}
