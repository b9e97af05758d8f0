import { binOf, type RubyValue } from '../values/value';
import type { Difference } from '../model/compareUses';
import type { Use } from '../model/uses';
import { rubyish } from './valueText';
import { MASK } from '../app/secrets';

/** The files of one configuration; undefined: it has none. */
export interface Side {
  main: string;
  local?: string;
  secrets?: string;
}

const ARROW = binOf(' \u2192 ');

/** `KEY: A → B` as a byte string (keys and values are bytes; the arrow is its UTF-8 bytes). */
export function differenceLine(d: Difference, a: Side, b: Side, visible: boolean): string {
  return `${d.key}: ${sideText(d, d.a, a, visible)}${ARROW}${sideText(d, d.b, b, visible)}`;
}

export function fileOf(use: Use, s: Side): string {
  return use.source === 'main' ? s.main : use.source === 'local' ? s.local! : s.secrets!;
}

function sideText(d: Difference, use: Use | undefined, s: Side, visible: boolean): string {
  const value = (v: RubyValue) => (visible ? rubyish(v) : MASK);
  if (!use) return d.default ? `(unset, default ${value(d.default)})` : '(unset)';
  if (use.value) return value(use.value);
  const at = use.line === undefined ? fileOf(use, s) : `${fileOf(use, s)}:${use.line}`;
  // The reason quotes the code (`the variable or method "..."`), which may be the secret unquoted.
  return visible ? `(cannot tell: ${binOf(at)} has ${use.unreadable})` : `(cannot tell: ${binOf(at)} has a value only Ruby can compute)`;
}
