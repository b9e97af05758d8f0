import type { Document } from '../ruby/document';
import { fail } from '../values/errors';
import { formatKey, type Target } from '../values/keys';
import type { Change } from '../edit/plan';
import { presentKeys, readValue } from '../ruby/query';
import { didYouMean, lookupSetting, suggestAnyKeys, suggestPresentKeys } from '../knowledge/schema';

/**
 * Did-you-mean for every command that takes a key, from one place: a key that is neither a known
 * setting nor in the file is compared with both. Keys are byte strings, as the file's are.
 */

/** `did you mean X?` for a key the file does not hold; empty when nothing is close, or the key is a known setting. */
export function keyHint(target: Target, doc: Document | undefined): string {
  return didYouMean(suggestAnyKeys(formatKey(target), doc ? presentKeys(doc) : []));
}

/** `; did you mean X?` to end a message with, or nothing. */
export function hintSuffix(target: Target, doc: Document | undefined): string {
  const hint = keyHint(target, doc);
  return hint ? `; ${hint}` : '';
}

function isSet(doc: Document, target: Target): boolean {
  // A value Ruby computes is there all the same.
  return readValue(doc, target) !== undefined;
}

/**
 * Before an edit is planned against the file's text. An unset of a key the file does not hold,
 * close to one it holds or to a known setting, is most likely a typo: refused (unless --force), as
 * set refuses a near-miss of a known key. A set of a key scalr-conf does not know is written as
 * given, with a warning that names a close key of the file when there is one.
 */
export function checkChangedKeys(changes: readonly Change[], doc: Document, force: boolean | undefined, warn: (line: string) => void): void {
  if (force) return;
  let present: string[] | undefined;
  const keys = () => (present ??= presentKeys(doc));
  for (const c of changes) {
    const key = formatKey(c.target);
    if (c.op === 'unset') {
      if (isSet(doc, c.target)) continue;
      const hint = didYouMean(suggestAnyKeys(key, keys()));
      if (hint) fail('usage', `cannot unset ${key}: it is not set; ${hint} (--force to go on)`);
    } else if (!lookupSetting(key)) {
      const hint = isSet(doc, c.target) ? '' : didYouMean(suggestPresentKeys(key, keys()));
      // New or undocumented settings stay possible, but the admin hears that nothing checked them.
      warn(`scalr-conf: warning: ${key} is not a setting scalr-conf knows; writing it as given${hint ? `; ${hint}` : ''}`);
    }
  }
}

/**
 * The changes for planFor, checked against the file when a key is not a known setting. Known keys
 * need no look at the file, and the usual run is spared parsing it twice.
 */
export function checkedAgainstFile(changes: Change[], force: boolean | undefined, warn: (line: string) => void): Change[] | ((there: Document) => Change[]) {
  if (force || changes.every((c) => lookupSetting(formatKey(c.target)))) return changes;
  return (there) => {
    checkChangedKeys(changes, there, force, warn);
    return changes;
  };
}
