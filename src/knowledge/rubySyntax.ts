/**
 * Syntax an older Ruby rejects. Scalr 7.x embeds Ruby 2.1.6, which runs both `scalr-server-ctl
 * config-test` (ruby -c) and the loader: `"k": v` keys need Ruby 2.2, `<<~` heredocs and `&.` need 2.3.
 */
import type { SyntaxNode } from '../../grammars/ruby';
import { renderString } from '../edit/render';
import type { PairStyle } from '../ruby/style';
import { utf8Text } from '../values/value';
import { compareVersions } from './versions';

export type NewerSyntax = 'quoted-label' | 'squiggly-heredoc' | 'safe-navigation';

export interface SyntaxUse {
  construct: NewerSyntax;
  /** 1-based. */
  line: number;
  /** The first Ruby version that reads it. */
  needs: string;
  text: string;
  /** What to write instead. */
  fix: string;
}

const NEEDS: Record<NewerSyntax, string> = { 'quoted-label': '2.2', 'squiggly-heredoc': '2.3', 'safe-navigation': '2.3' };

export function rubyAccepts(construct: NewerSyntax, rubyVersion: string): boolean {
  return compareVersions(rubyVersion, NEEDS[construct]) >= 0;
}

/** A key Ruby reads as a bare label (`name:`); anything else must be quoted. */
const LABEL = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The text of a new key, separator included, for a hash whose pairs look like `style`. A label that
 * is not a plain identifier would be `"k":`, which Ruby before 2.2 refuses; so unless the Ruby is
 * known to read it, such a key is written `"k" =>`, whatever the hash's style. A `"k":` hash already
 * in the file keeps its style when the Ruby is unknown: the file itself shows that it loads.
 * `key` is a byte string (one char per byte), as the core keeps keys; so is the text returned.
 */
export function rubyKeyLiteral(key: string, style: PairStyle, rubyVersion?: string): string {
  const rocket = (quote: '"' | "'" = style.quote) => `${renderString(key, quote)} => `;
  // Symbols must be valid UTF-8; a string key carries any bytes.
  if (style.form !== 'string-rocket' && utf8Text(key) === undefined) return rocket('"');
  const quotedLabelOk = rubyVersion !== undefined && rubyAccepts('quoted-label', rubyVersion);
  switch (style.form) {
    case 'colon':
      if (LABEL.test(key)) return `${key}${style.separator.replace(/^\s*/, '')}`;
      return quotedLabelOk ? `${renderString(key, style.quote)}${style.separator}` : rocket();
    case 'quoted-colon':
      if (rubyVersion !== undefined && !quotedLabelOk) return rocket();
      return `${renderString(key, style.quote)}${style.separator}`;
    case 'symbol-rocket': {
      const symbol = LABEL.test(key) ? `:${key}` : `:${renderString(key, style.quote)}`;
      return `${symbol}${style.separator}`;
    }
    case 'string-rocket':
      return `${renderString(key, style.quote)}${style.separator}`;
  }
}

/** Every use of syntax newer than Ruby 2.1, in file order. */
export function newerSyntaxUses(root: SyntaxNode): SyntaxUse[] {
  const uses: SyntaxUse[] = [];
  const add = (construct: NewerSyntax, node: SyntaxNode, text: string, fix: string) =>
    uses.push({ construct, line: node.startPosition.row + 1, needs: NEEDS[construct], text, fix });
  const visit = (n: SyntaxNode): void => {
    if (n.type === 'pair') {
      const key = n.childForFieldName('key');
      const colon = n.children.find((c) => c.type === ':');
      if (key && colon && (key.type === 'string' || key.type === 'delimited_symbol')) {
        const quoted = key.text.replace(/^:/, '');
        add('quoted-label', key, `${quoted}:`, `write ${quoted} => instead`);
      }
    } else if (n.type === 'heredoc_beginning' && n.text.startsWith('<<~')) {
      add('squiggly-heredoc', n, n.text, `write ${n.text.replace('<<~', '<<-')} and remove the body's indentation (a string literal does as well)`);
    } else if (n.type === '&.') {
      const call = n.parent;
      const receiver = call?.childForFieldName('receiver')?.text ?? 'x';
      add('safe-navigation', n, '&.', `write ${receiver} && ${receiver}.${call?.childForFieldName('method')?.text ?? 'method'} instead`);
    }
    for (const c of n.children) visit(c);
  };
  visit(root);
  return uses;
}
