/**
 * Secrets are masked in everything scalr-conf prints unless --show-secrets: a key is secret when
 * its name contains pass, password, passwd, secret, token, api_key, private_key, access_key or
 * key_material (the rule of src/schema/schema.ts, applied here to Ruby text lines).
 */
export const SECRET_NAME = /(pass|passwd|password|secret|token|api_key|private_key|access_key|key_material)/i;

const QUOTED = String.raw`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`;
const KEY = String.raw`(?::?"[^"]*"|:?'[^']*'|:?[A-Za-z_]\w*)`;
const PAIR = new RegExp(String.raw`(${KEY}\]?\s*(?:=>|:|\]\s*=|=)\s*)(${QUOTED})`, 'g');

export const MASK = '"********"';

export function maskSecrets(text: string): string {
  return text.replace(PAIR, (whole, lead: string, _value: string) => (SECRET_NAME.test(lead) ? lead + MASK : whole));
}
