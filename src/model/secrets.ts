import { ScalrConfError } from '../values/errors';
import type { RubyValue } from '../values/value';
import { parseJsonValue } from '../values/json';

/**
 * scalr-server-secrets.json: reconfigure assigns every `group → key → value` in it over what the
 * .rb files set (`ScalrServer[group][key] = value`), so those keys are decided there, not in the
 * files scalr-conf edits.
 */
export interface SecretEntry {
  /** [group, key]. */
  path: [string, string];
  value: RubyValue;
}

/** The entries of the secrets file's text; a file that is not a JSON object of objects is an error. */
export function parseSecrets(text: string, file: string): SecretEntry[] {
  let value: RubyValue;
  try {
    value = parseJsonValue(text);
  } catch (e) {
    throw new ScalrConfError('unreadable', `${file} is not valid JSON (${(e as Error).message}); reconfigure cannot read it either`, undefined, file);
  }
  if (value.kind !== 'hash') throw new ScalrConfError('unreadable', `${file} does not hold a JSON object`, undefined, file);
  const out: SecretEntry[] = [];
  for (const [group, inner] of value.entries) {
    if (inner.kind !== 'hash') throw new ScalrConfError('unreadable', `${file}: ${JSON.stringify(group)} does not hold an object`, undefined, file);
    for (const [key, v] of inner.entries) out.push({ path: [group, key], value: v });
  }
  return out;
}

