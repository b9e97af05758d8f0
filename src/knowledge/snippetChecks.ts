import { fail } from '../values/errors';
import { formatKey } from '../values/keys';
import type { Change } from '../edit/plan';
import { utf8Text } from '../values/value';
import type { Document } from '../ruby/document';
import { presentKeys, readValue } from '../ruby/query';
import { checkValue } from '../model/valueChecks';
import { covered } from './doctor';
import { valueProblem } from './knowledge';
import { knownDefault } from './defaults';
import { didYouMean, isSecretKey, lookupSetting, suggestKeys, suggestPresentKeys } from './schema';

/** What merge checks in a snippet's changes before planning them: what set checks of its one value. */

/** The checks `set` makes, for every key the snippet sets. */
export function refuseDoubtful(changes: Change[], showSecrets: boolean): void {
  const problems: string[] = [];
  for (const c of changes) {
    if (c.op !== 'set') continue;
    const bin = formatKey(c.target);
    const key = utf8Text(bin) ?? bin;
    if (c.target.kind === 'group' && covered([c.target.group, ...c.target.path])) continue;
    const setting = lookupSetting(key);
    if (!setting) {
      const hint = didYouMean(suggestKeys(key));
      if (hint) problems.push(`unknown key ${key}: ${hint}`);
      continue;
    }
    const problem = valueProblem(key, c.value, setting, !showSecrets && isSecretKey(key));
    if (problem) problems.push(problem);
  }
  if (problems.length) fail('usage', `${problems.join('; ')} (--force to merge anyway; nothing written)`);
}

/** A new key scalr-conf does not know, close to one the file holds: merged as given, and said. */
export function closeToTheFile(changes: Change[], there: Document): string[] {
  let present: string[] | undefined;
  const hints: string[] = [];
  for (const c of changes) {
    const key = formatKey(c.target);
    if (c.op !== 'set' || lookupSetting(key) || readValue(there, c.target) !== undefined) continue;
    const hint = didYouMean(suggestPresentKeys(key, (present ??= presentKeys(there))));
    if (hint) hints.push(`${key} is new to the file and not a setting scalr-conf knows; ${hint}`);
  }
  return hints;
}

/**
 * What reconfigure will do with each merged value, as set checks it: a string setting refuses a
 * word string2boolean converts, a Symbol under app[:configuration] needs --force. The notes say
 * what happens to the rest.
 */
export function checkMergedValues(changes: readonly Change[], force: boolean): string[] {
  const notes: string[] = [];
  for (const c of changes) {
    if (c.op !== 'set' || c.target.kind !== 'group') continue;
    const path = [c.target.group, ...c.target.path];
    const check = checkValue(path, c.value, { type: lookupSetting(formatKey(c.target))?.type, default: knownDefault(path), force });
    if (check.refusal) throw check.refusal;
    notes.push(...check.notes);
  }
  return notes;
}
