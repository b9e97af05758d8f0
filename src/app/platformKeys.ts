/**
 * set and the aws./ec2. pair: --with-ec2 sets the key Scalr's code reads along with the docs'
 * spelling, and a set that leaves the two apart says so, in the words explain and doctor use.
 */
import type { Change } from '../edit/plan';
import { fail } from '../values/errors';
import { formatKey, parseKey } from '../values/keys';
import { sameValue } from '../values/value';
import { layerDocuments } from '../ruby/layers';
import { isMissing } from '../io/localFile';
import { pairNote, pairTrouble, pairValues, platformPair, platformPairs } from '../knowledge/platformKeys';
import { readText } from './configFiles';
import { fileNames, shownNames } from './layered';
import type { GlobalOptions } from './options';
import type { Planner } from './pendingWrite';

/** Each set of a docs-spelled key (aws.…) also sets the key Scalr's code reads (ec2.…), in the same edit. */
export function withCodeKeys(changes: Change[]): Change[] {
  const out = [...changes];
  let paired = false;
  for (const c of changes) {
    const key = formatKey(c.target);
    const pair = platformPair(key);
    if (c.op !== 'set' || pair?.docs !== key) continue;
    paired = true;
    const given = changes.find((o) => formatKey(o.target) === pair.code);
    if (given?.op === 'set' && sameValue(given.value, c.value)) continue;
    if (given) fail('usage', `--with-ec2 sets ${pair.code} to the value of ${key}, and the command also ${given.op === 'set' ? 'sets it to another value' : 'unsets it'}`);
    out.push({ op: 'set', target: parseKey(pair.code), value: c.value });
  }
  if (!paired) fail('usage', `--with-ec2 goes with a key Scalr's docs spell by cloud name: ${platformPairs().map((p) => p.docs).join(', ')}`);
  return out;
}

/**
 * The planner, and what it found of each pair the planned files leave apart (the docs' key without
 * the code's, or the two unequal): said once the command has succeeded, so a refusal stays one line.
 */
export function notingPlatformKeys(planner: Planner, opts: GlobalOptions, env: NodeJS.ProcessEnv): { planner: Planner; notes: () => string[] } {
  let notes: string[] = [];
  const noting: Planner = (text, read) => {
    const plan = planner(text, read);
    const pairs = (plan.changes ?? []).flatMap((c) => (c.op === 'set' ? [platformPair(formatKey(c.target))] : [])).filter((p) => p !== undefined);
    if (pairs.length === 0) return plan;
    const names = fileNames(opts, env);
    const shown = shownNames(opts, env);
    const main = opts.local ? readText(names.main) : plan.after;
    const local = opts.local ? plan.after : isMissing(names.local) ? undefined : readText(names.local);
    // The plan's own parse of the new main file: a large file is not parsed a third time for a note.
    const layered = layerDocuments(main, local, opts.local ? undefined : plan.doc);
    // The last planning is the one written: notes are of it alone.
    notes = [];
    for (const pair of pairs) {
      const v = pairValues(layered, pair);
      const note = pairNote(pair, v, (p) => `${shown[p.layer]}:${p.line}`);
      if (pairTrouble(v) && !notes.includes(note)) notes.push(note);
    }
    return plan;
  };
  return { planner: noting, notes: () => notes };
}
