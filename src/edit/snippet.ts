import { firstSyntaxError, parseRuby, type SyntaxNode } from '../../grammars/ruby';
import type { Document } from '../ruby/document';
import { fail } from '../values/errors';
import { GROUPS, type Group } from '../values/groups';
import type { Target } from '../values/keys';
import { evaluateLiteral } from '../ruby/literal';
import type { ValueNode } from '../ruby/evaluated';
import type { Change } from './plan';
import { utf8Text, type RubyValue } from '../values/value';
import { scanStatements } from '../ruby/statements';
import { line, scanWrites } from '../ruby/writes';

/**
 * A Ruby snippet to merge, such as a sample from Scalr's documentation: the values its plain
 * assignments give, as if every assignment merged into what is there instead of replacing it.
 */
export interface Snippet {
  /** Per group, a hash of what the snippet sets. */
  groups: Map<Group, RubyValue & { kind: 'hash' }>;
  enableAll?: RubyValue;
  /** What was read differently from the text as given, for the user to know. */
  notes: string[];
}

const ELLIPSIS_LINE = /^[ \t]*(\.\.\.|\u00e2\u0080\u00a6)[ \t]*,?[ \t]*(#.*)?$/;
// Typographic quotes, as UTF-8 bytes (one char per byte): “ ” „ ‘ ’.
const DOUBLE_QUOTES = /\u00e2\u0080[\u009c\u009d\u009e]/g;
const SINGLE_QUOTES = /\u00e2\u0080[\u0098\u0099]/g;
const NBSP = /\u00c2\u00a0/g;

/**
 * Reads a snippet (a byte string); refuses with a usage error anything that is not plain literal
 * assignments. Text copied from a web page may carry typographic quotes: when the snippet does not
 * read as given, it is read once more with plain quotes.
 */
export function readSnippet(text: string): Snippet {
  try {
    return readAs(text);
  } catch (e) {
    if (![DOUBLE_QUOTES, SINGLE_QUOTES, NBSP].some((re) => text.search(re) >= 0)) throw e;
    const plain = text.replace(DOUBLE_QUOTES, '"').replace(SINGLE_QUOTES, "'").replace(NBSP, ' ');
    let snippet: Snippet;
    try {
      snippet = readAs(plain);
    } catch {
      throw e;
    }
    snippet.notes.push('read typographic quotes and non-breaking spaces (from a web page) as plain ones');
    return snippet;
  }
}

function readAs(text: string): Snippet {
  const notes: string[] = [];
  // `...` on a line of its own is the documentation's "your other settings": merging keeps them anyway.
  const lines = text.split('\n');
  const dropped = lines.flatMap((l, i) => (ELLIPSIS_LINE.test(l.replace(/\r$/, '')) ? [i + 1] : []));
  if (dropped.length) {
    notes.push(`ignored "..." on line${dropped.length > 1 ? 's' : ''} ${dropped.join(', ')}: merge keeps the settings that are already there`);
    text = lines.map((l, i) => (dropped.includes(i + 1) ? '' : l)).join('\n');
  }
  const tree = parseRuby(text);
  const error = firstSyntaxError(tree);
  if (error) {
    const render = (excerpt: string) => JSON.stringify(shown(excerpt, 30));
    const near = error.isMissing ? `missing ${error.type}` : `near ${render(error.text)}`;
    const quoted = error.isMissing ? undefined : { text, start: error.startIndex, end: error.endIndex, render };
    fail('usage', `the snippet is not valid Ruby: line ${line(error)} (${near}); paste only the Ruby lines of the sample, with one value where it lists choices`, undefined, undefined, quoted);
  }

  const root = tree.rootNode;
  const { writes, others } = scanWrites(scanStatements(root), 'main');
  if (others.length) refuseStatement(others[0].statement, others[0].kind === 'unknown-group' ? `${others[0].name} is not a scalr-server.rb group (${GROUPS.join(', ')})` : undefined);
  const statements = new Set(writes.filter((w) => w.kind !== 'pair').map((w) => w.statement.id));
  for (const s of root.namedChildren) {
    if (s.type !== 'comment' && s.type !== 'empty_statement' && !statements.has(s.id)) refuseStatement(s);
  }
  if (statements.size === 0) fail('usage', 'the snippet sets nothing: give assignments such as proxy[:ssl_enable] = true or app[:configuration] = { ... }');

  const snippet: Snippet = { groups: new Map(), notes };
  for (const w of writes) {
    if (w.kind === 'pair') continue;
    const v = evaluateLiteral(w.valueNode);
    if (!v.ok) {
      fail('usage', `line ${line(v.node)} of the snippet has ${shown(v.reason, 80)}: merge takes plain values only (a string, number, true/false, nil, list or hash); write the value itself`);
    }
    if (w.kind === 'setter') {
      snippet.enableAll = v.value;
      continue;
    }
    const group = w.path[0] as Group;
    let node = snippet.groups.get(group) ?? { kind: 'hash', entries: [] };
    snippet.groups.set(group, node);
    const keys = w.path.slice(1);
    for (const k of keys.slice(0, -1)) {
      let next = node.entries.find(([e]) => e === k)?.[1];
      if (!next || next.kind !== 'hash') {
        next = { kind: 'hash', entries: [] };
        put(node, k, next);
      }
      node = next as RubyValue & { kind: 'hash' };
    }
    put(node, keys[keys.length - 1], v.value);
  }
  return snippet;
}

function put(hash: RubyValue & { kind: 'hash' }, key: string, value: RubyValue): void {
  const at = hash.entries.findIndex(([k]) => k === key);
  if (at >= 0) hash.entries.splice(at, 1);
  hash.entries.push([key, value]);
}

/** The first line of some source text, as readable text, cut to `max` characters. */
function shown(bin: string, max: number): string {
  const first = bin.split('\n')[0].trim();
  const text = utf8Text(first) ?? first;
  return text.length > max ? text.slice(0, max - 3) + '...' : text;
}

function refuseStatement(s: SyntaxNode, why?: string): never {
  fail(
    'usage',
    `line ${line(s)} of the snippet is not a plain setting assignment (${shown(s.text, 40)})` +
      `${why ? `: ${why}` : ''}; merge takes lines such as proxy[:ssl_enable] = true and app[:configuration] = { ... }`,
  );
}

/**
 * The set changes that deep-merge the snippet into a file: hashes merge key by key, everything else
 * (scalars, arrays) replaces. An empty hash is only set where no hash is.
 */
export function mergeChanges(doc: Document, snippet: Snippet): Change[] {
  const changes: Change[] = [];
  const set = (group: Group, path: string[], value: RubyValue): void => {
    const target: Target = { kind: 'group', group, path };
    changes.push({ op: 'set', target, value });
  };
  const walk = (group: Group, path: string[], value: RubyValue & { kind: 'hash' }, there: ValueNode | undefined): void => {
    for (const [key, v] of value.entries) {
      const p = [...path, key];
      const current = there?.kind === 'hash' ? there.slots.get(key)?.value : undefined;
      if (v.kind !== 'hash') set(group, p, v);
      else if (v.entries.length === 0) {
        if (current?.kind !== 'hash') set(group, p, v);
      } else if (current?.kind === 'leaf') set(group, p, v);
      else walk(group, p, v, current);
    }
  };
  for (const [group, value] of snippet.groups) walk(group, [], value, doc.model.groups.get(group));
  if (snippet.enableAll) changes.push({ op: 'set', target: { kind: 'enable_all' }, value: snippet.enableAll });
  return changes;
}
