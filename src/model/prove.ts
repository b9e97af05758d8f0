import { ScalrConfError } from '../values/errors';
import type { Change } from '../edit/plan';
import { sameValue, type RubyValue } from '../values/value';
import { keyOfPath, type Layer } from '../ruby/writes';
import { flattenValue, onOnePath, pathId, useText, type Use, type Uses } from './uses';
import { pathOfTarget } from './reading';

/**
 * The proof every write must pass: after the planned edit, what Scalr uses differs from before
 * exactly at the requested keys (and at parents the edit leaves empty or creates). When it does
 * not, the refusal says which file and line decide instead, and the way out.
 */

export interface FileNames {
  main: string;
  local: string;
  secrets: string;
}

export interface ProofInput {
  before: Uses;
  after: Uses;
  changes: readonly Change[];
  /** The file the edit is in. */
  target: Layer;
  /** Whether the edit changed any text: an unchanged file is only checked for sets that cannot take effect. */
  edited: boolean;
  /** --force: an unset may leave a value that a later file decides. */
  force?: boolean;
  /** --allow-overridden: a set may go where scalr-server-local.rb decides, as a fleet's shared file does. */
  allowOverridden?: boolean;
  names: FileNames;
  /** Settings the edit may change besides its keys: those reading a name set --at-definition changes. */
  alsoChanging?: readonly string[][];
}

const ORDER: Record<Use['source'], number> = { main: 0, local: 1, secrets: 2 };

/** The first way the edit fails to do what was asked, or undefined when it does exactly that. */
export function proveEdit(input: ProofInput): ScalrConfError | undefined {
  const { before, after, changes, target, names } = input;
  const paths = changes.map((c) => pathOfTarget(c.target));

  if (input.edited) {
    const known = new Set(before.problems.map((p) => p.source + pathId(p.path)));
    const broken = after.problems.find((p) => !known.has(p.source + pathId(p.path)));
    if (broken && broken.source === target && paths.some((p) => onOnePath(p, broken.path))) {
      // The new value itself is what reconfigure cannot take.
      return new ScalrConfError('breaks-load', `reconfigure would fail on the new value of ${keyOfPath(broken.path)}: ${broken.reason}; nothing written`, { line: broken.line, column: broken.column }, names[target]);
    }
    if (broken) {
      const file = names[broken.source];
      return new ScalrConfError(
        'breaks-load',
        `this edit would make reconfigure fail: ${file} line ${broken.line} sets ${keyOfPath(broken.path)}, ${broken.reason}; change or remove that line first${broken.source === 'local' && target === 'main' ? ' (scalr-conf --local ...)' : ''}; nothing written`,
        { line: broken.line, column: broken.column },
        file,
      );
    }
  }

  // A change a later one in the same command touches again is judged by the later one.
  const superseded = (i: number) => paths.slice(i + 1).some((p) => onOnePath(p, paths[i]));
  for (const [i, change] of changes.entries()) {
    if (change.op !== 'set' || superseded(i)) continue;
    // enable_all is one value, a hash included.
    const leaves: [string[], RubyValue][] = change.target.kind === 'enable_all' ? [[['enable_all'], change.value]] : flattenValue(pathOfTarget(change.target), change.value);
    for (const [path, wanted] of leaves) {
      const use = after.leaves.get(pathId(path));
      if (use?.literal && sameValue(use.literal, wanted)) continue;
      if (use?.source === 'secrets') return decidedElsewhere(use, target, names, 'set');
      // Nothing edited: the file already says so; that a later file decides it is no new news.
      if (!input.edited) continue;
      const overriddenOk = input.force || (input.allowOverridden && use?.source === 'local');
      if (use && ORDER[use.source] > ORDER[target] && !overriddenOk) return decidedElsewhere(use, target, names, 'set');
      if (use && overriddenOk) continue;
      const hider = replacedBy(after, path, target);
      if (hider) {
        return new ScalrConfError(
          'overridden',
          `${names[hider.source]} line ${hider.line} replaces the hash that would hold ${keyOfPath(path)} (it sets ${keyOfPath(hider.path)}), and reconfigure reads it after ${names[target]}; set it there with scalr-conf --local set; nothing written`,
          { line: hider.line!, column: 1 },
          names[hider.source],
        );
      }
      return new ScalrConfError('overridden', `setting ${keyOfPath(path)} in ${names[target]} would not take effect; nothing written`, undefined, names[target]);
    }
  }
  if (!input.edited) return undefined;

  for (const [i, change] of changes.entries()) {
    if (change.op !== 'unset' || input.force || superseded(i)) continue;
    const id = pathId(pathOfTarget(change.target));
    for (const [k, use] of after.leaves) {
      if ((k === id || k.startsWith(id + '\u0000')) && ORDER[use.source] > ORDER[target]) return decidedElsewhere(use, target, names, 'unset');
    }
  }

  const changed: Use[] = [];
  for (const k of new Set([...before.leaves.keys(), ...after.leaves.keys()])) {
    const a = before.leaves.get(k);
    const b = after.leaves.get(k);
    if (useText(a) === useText(b)) continue;
    const use = (b ?? a)!;
    if (paths.some((p) => onOnePath(p, use.path))) continue;
    if (input.alsoChanging?.some((p) => onOnePath(p, use.path))) continue;
    if (revived(use.path, b, changes, target)) continue;
    changed.push(use);
  }
  if (changed.length > 0) {
    const keys = changed.map((u) => keyOfPath(u.path));
    const shown = keys.slice(0, 3).join(', ') + (keys.length > 3 ? ` and ${keys.length - 3} more` : '');
    // The place is the first such value's, in the file that holds it (after the edit where it is still there).
    const first = changed[0];
    const at = first.source !== 'secrets' && first.line !== undefined ? { line: first.line, column: 1 } : undefined;
    return new ScalrConfError('collateral', `this edit would also change what Scalr uses for ${shown}; nothing written`, at, first.source === 'secrets' ? names.secrets : names[first.source]);
  }
  return undefined;
}

/**
 * A --local unset that removes a local assignment lets scalr-server.rb's values below it show
 * again: that is what removing a local override means. Only a removed local write can make a
 * main-file value appear, so any such value under the unset key's group key (`app[:configuration]`)
 * is one of them.
 */
function revived(path: readonly string[], now: Use | undefined, changes: readonly Change[], target: Layer): boolean {
  if (target !== 'local' || now?.source !== 'main' || path.length < 2) return false;
  return changes.some((c) => c.op === 'unset' && onOnePath(pathOfTarget(c.target).slice(0, 2), path));
}

/**
 * The value of a later .rb file that sits beside `path` under its parent hash: the sign that the
 * later file assigns that hash whole, leaving no place for the key. The one sharing most of the
 * path, first in its file.
 */
function replacedBy(after: Uses, path: readonly string[], target: Layer): Use | undefined {
  // Below the group (and app[:configuration]), and up to the key's parent.
  const least = Math.min(path[0] === 'app' && path[1] === 'configuration' ? 3 : 2, path.length - 1);
  let best: Use | undefined;
  let bestShared = 0;
  for (const use of after.leaves.values()) {
    if (use.source === 'secrets' || ORDER[use.source] <= ORDER[target] || use.line === undefined) continue;
    let shared = 0;
    while (shared < path.length && use.path[shared] === path[shared]) shared++;
    if (shared < least) continue;
    if (shared > bestShared || (shared === bestShared && best && use.line < best.line!)) [best, bestShared] = [use, shared];
  }
  return best;
}

function decidedElsewhere(use: Use, target: Layer, names: FileNames, op: 'set' | 'unset'): ScalrConfError {
  const key = keyOfPath(use.path);
  if (use.source === 'secrets') {
    return new ScalrConfError(
      'held-by-secrets',
      `${key} is decided by ${names.secrets}, which reconfigure assigns over both .rb files; change it there instead; nothing written`,
      undefined,
      names.secrets,
    );
  }
  const how = op === 'set' ? `set it there with scalr-conf --local set (or pass --allow-overridden to write it in ${names[target]} anyway)` : `unset it there with scalr-conf --local unset, or pass --force to change only ${names[target]}`;
  return new ScalrConfError(
    'overridden',
    `${names.local} line ${use.line} sets ${key}, and reconfigure reads it after ${names[target]}; ${how}; nothing written`,
    { line: use.line!, column: 1 },
    names.local,
  );
}
