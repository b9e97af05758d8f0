import fs from 'node:fs';
import { ScalrConfError } from '../values/errors';
import { utf8Text } from '../values/value';

/**
 * Two kinds of string meet at the edge. Keys, values and messages that quote them come from the
 * core as byte strings (one char per byte); paths and option text are Unicode text. Printing a
 * byte string as text garbles non-ASCII (`café` becomes `cafÃ©`), so output passes through asText.
 */
export function asText(s: string): string {
  // Only chars up to U+00FF can be a byte string, and only a non-ASCII one needs decoding.
  if (!/[\u0080-\u00ff]/.test(s) || /[^\u0000-\u00ff]/.test(s)) return s;
  return utf8Text(s) ?? s;
}

/**
 * Node decodes argv as UTF-8 and puts U+FFFD in place of bytes that are not, so those bytes are
 * gone before scalr-conf sees them: refused rather than written changed.
 */
export function checkArgvText(argv: readonly string[]): void {
  const at = argv.findIndex((a) => a.includes('\uFFFD'));
  if (at < 0 || !rawArgvBroken()) return;
  throw new ScalrConfError(
    'usage',
    `argument ${at + 1} is not valid UTF-8 (its bytes cannot be passed on the command line); give the value as - and pipe it on stdin: printf '%s' "$VALUE" | scalr-conf set KEY -`,
  );
}


/**
 * Node turns argv bytes that are not UTF-8 into U+FFFD, which a real U+FFFD also is: the kernel's
 * copy of the command line tells the two apart. Where it cannot be read, U+FFFD counts as broken.
 */
function rawArgvBroken(): boolean {
  let raw: Buffer;
  try {
    raw = fs.readFileSync('/proc/self/cmdline');
  } catch {
    return true;
  }
  const strict = new TextDecoder('utf-8', { fatal: true });
  return raw
    .toString('latin1')
    .split('\0')
    .some((arg) => {
      try {
        strict.decode(Buffer.from(arg, 'latin1'));
        return false;
      } catch {
        return true;
      }
    });
}
