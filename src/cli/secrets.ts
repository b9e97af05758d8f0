import { isSecretKey } from '../schema/schema';
import type { RubyValue } from '../core/value';

/**
 * Secrets are masked in everything scalr-conf prints unless --show-secrets; which keys are secret
 * is decided by isSecretKey (src/schema/schema.ts). Here the rule is applied to Ruby text lines,
 * as in diffs: `"pass" => "..."`, `pass: '...'`, `mysql[:root_password] = "..."`.
 */
const QUOTED = String.raw`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`;
const PAIR = new RegExp(
  String.raw`((?:"([^"\\]*)"|'([^'\\]*)'|:?([A-Za-z_]\w*))\]?\s*(?:=>|:|\]\s*=|=)\s*)(${QUOTED})`,
  'g',
);

export const MASK = '"********"';

export function maskSecrets(text: string): string {
  return text.replace(PAIR, (whole, lead: string, dq?: string, sq?: string, bare?: string) =>
    isSecretKey(dq ?? sq ?? bare ?? '') ? lead + MASK : whole,
  );
}

/** A value with every secret leaf below it replaced by the mask. */
export function maskValue(v: RubyValue): RubyValue {
  if (v.kind !== 'hash') return v;
  return {
    kind: 'hash',
    entries: v.entries.map(([k, x]) => [k, isSecretKey(k) && x.kind !== 'hash' ? { kind: 'string', bin: '********' } : maskValue(x)]),
  };
}
