import { isSecretKey } from '../knowledge/schema';
import { diffWindows, maskDiff } from '../edit/maskDiff';
import { keyedLiteralRanges, maskQuoted, maskText, MASK as MASK_TEXT, secretRanges } from '../ruby/secretRanges';
import type { ScalrConfError } from '../values/errors';
import { utf8Text, type RubyValue } from '../values/value';
import type { Tree } from '../../grammars/ruby';

/**
 * Secrets are masked in everything scalr-conf prints unless --show-secrets; which keys are secret
 * is decided by isSecretKey (src/knowledge/schema.ts). File text is masked where its parse puts the
 * secret values (src/ruby/secretRanges.ts); only text that is no file is matched by key name.
 */
export const MASK = `"${MASK_TEXT}"`;

/** A file's text (a byte string) with its secret values masked. */
export function maskFile(text: string): string {
  return maskText(text, secretRanges(text, isSecretKey));
}

/**
 * A unified diff of `before` and `after`, each side masked by its own parse; `trees` are the
 * plan's parses of the two texts, which saves parsing them again.
 */
export function maskFileDiff(diff: string, before: string, after: string, trees: { before?: Tree; after?: Tree } = {}): string {
  if (diff === '') return diff;
  const shown = diffWindows(diff, before, after);
  return maskDiff(
    diff,
    { text: before, ranges: secretRanges(before, isSecretKey, shown.before, trees.before) },
    { text: after, ranges: secretRanges(after, isSecretKey, shown.after, trees.after) },
  );
}

/** Text with no parse (a command-line argument): quoted values after a secret key name. */
export function maskSecrets(text: string): string {
  return maskText(text, keyedLiteralRanges(text, isSecretKey));
}

/** A value with every secret leaf below it replaced by the mask. */
export function maskValue(v: RubyValue): RubyValue {
  if (v.kind !== 'hash') return v;
  return {
    kind: 'hash',
    entries: v.entries.map(([k, x]) => [k, isSecretKey(k) && x.kind !== 'hash' ? { kind: 'string', bin: MASK_TEXT } : maskValue(x)]),
  };
}

/** An error's message as shown: file text it quotes is masked where the parse puts a secret. */
export function errorMessage(e: ScalrConfError, showSecrets: boolean): string {
  return showSecrets ? e.message : maskQuoted(e.message, e.quoted, isSecretKey);
}

/**
 * A checker's message (Ruby's, the installed loader's) with every secret value of `texts` taken
 * out: such a message may quote a value without its key (`Reading unsupported config value
 * hunter2`), so the values themselves are looked for. Texts are byte strings; the message is text.
 */
export function maskSecretValues(message: string, texts: readonly string[]): string {
  const values = new Set<string>();
  for (const text of texts) {
    for (const r of secretRanges(text, isSecretKey)) {
      const literal = text.slice(r.start, r.end).replace(/^(["'])(.*)\1$/s, '$2');
      // Short values (a 1, "on") would mask ordinary words of the message.
      if (literal.length >= 4) values.add(utf8Text(literal) ?? literal);
    }
  }
  let out = message;
  for (const v of [...values].sort((a, b) => b.length - a.length)) out = out.split(v).join(MASK_TEXT);
  return out;
}
