import type { Document } from '../ruby/document';
import { inNamedFiles, layerDocuments, type Layered } from '../ruby/layers';
import { planAtDefinition } from '../edit/definition';
import { settingsReading } from '../ruby/query';
import { fail } from '../values/errors';
import { planLocalChanges } from '../edit/localPlan';
import { planChanges, type Change, type Plan } from '../edit/plan';
import type { RubyValue } from '../values/value';
import type { Layer } from '../ruby/writes';
import { proveEdit, type FileNames } from './prove';
import type { SecretEntry } from './secrets';
import { foldUses, type Uses } from './uses';
import { pathOfTarget } from './reading';
import { changedSpans, pathsWrittenIn, type Span } from './touched';

/** Everything reconfigure reads, as text, and the edit asked for. */
export interface EditInput {
  main: string;
  /** scalr-server-local.rb; undefined when there is none. */
  local?: string;
  secrets?: readonly SecretEntry[];
  /** The file to change. */
  target: Layer;
  changes: readonly Change[];
  force?: boolean;
  /** A main-file set may go where scalr-server-local.rb decides the key; nothing else --force allows. */
  allowOverridden?: boolean;
  /** merge: a snippet's hash replaces a scalar in its way, as a deep merge does, without --force. */
  replaceKinds?: boolean;
  names: FileNames;
  defaultAt?: (path: string[]) => RubyValue | undefined;
}

/** What Scalr uses with these files. A syntax error names its file. */
export function usesOf(main: string, local: string | undefined, input: Pick<EditInput, 'secrets' | 'defaultAt' | 'names'>, parsedMain?: Document): Uses {
  return inNamedFiles(input.names, () => foldUses({ layered: layerDocuments(main, local, parsedMain), secrets: input.secrets, defaultAt: input.defaultAt }));
}

/**
 * Plans the edit in its file and proves it against both files and the secrets JSON: the plan is
 * returned only when what Scalr uses changes exactly at the requested keys.
 */
export function planEdit(input: EditInput): Plan {
  const { main, local, target, changes, force } = input;
  const options = { force: force || input.replaceKinds };
  // Planning edits the tree it plans on (the re-parse is incremental), so it plans on a parse of
  // its own: the files' parse stays whole for the fold before the edit and the diff's masking.
  const layered = inNamedFiles(input.names, () => layerDocuments(main, local));
  const alsoChanging = definitionReaders(layered, changes, target);
  const plan = target === 'main' ? planChanges(main, changes, options) : inNamedFiles(input.names, () => planLocalChanges(main, local ?? '', changes, options));
  const edited = plan.after !== plan.before;
  const afterLayered = !edited
    ? layered
    : inNamedFiles(input.names, () => layerDocuments(target === 'main' ? plan.after : main, target === 'local' ? plan.after : local, target === 'main' ? plan.doc : undefined));
  // Only the settings the changed text writes can differ: both folds read those subtrees alone.
  const under = edited ? changedPaths(layered, afterLayered, plan, target) : [];
  const fold = (l: Layered) => foldUses({ layered: l, secrets: input.secrets, defaultAt: input.defaultAt, under: under && [...under, ...changes.map((c) => pathOfTarget(c.target))] });
  const before = fold(layered);
  const after = edited ? fold(afterLayered) : before;
  const refusal = proveEdit({ before, after, changes, target, edited, force, allowOverridden: input.allowOverridden, names: input.names, alsoChanging });
  if (refusal) throw refusal;
  return { ...plan, beforeDoc: target === 'main' ? layered.main : layered.local };
}

/** The paths the changed span of the edited file writes, in both combined parses (a superset of what the edit can change); undefined: any. */
export function changedPaths(before: Layered, after: Layered, plan: Plan, target: 'main' | 'local'): string[][] | undefined {
  const spans = changedSpans(plan.before, plan.after);
  // Where the edited file starts in the text the fold reads (the local file comes after the main one).
  const start = (l: Layered) => (target === 'main' ? 0 : l.combined.text.length - (l.local?.text.length ?? 0));
  const inCombined = (l: Layered, span: Span): Span | undefined => {
    const at = start(l);
    const s = { start: span.start + at, end: span.end + at };
    // A main file with __END__ is cut there in the combined text: offsets past it mean nothing.
    return target === 'main' && l.local && s.end > l.combined.text.length - l.local.text.length ? undefined : s;
  };
  const b = inCombined(before, spans.before);
  const a = inCombined(after, spans.after);
  if (!a || !b || (target === 'local' && (!before.local || !after.local))) return undefined;
  const fromBefore = pathsWrittenIn(before.combined, b);
  const fromAfter = pathsWrittenIn(after.combined, a);
  return fromBefore && fromAfter && [...fromBefore, ...fromAfter];
}

/**
 * A set --at-definition changes the name's assignment: every setting of both files that reads it
 * there may change too, and only those. The name is set in scalr-server.rb, the file --local leaves alone.
 */
function definitionReaders(layered: Layered, changes: readonly Change[], target: Layer): string[][] {
  const out: string[][] = [];
  for (const c of changes) {
    if (c.op !== 'set' || !c.atDefinition) continue;
    if (target === 'local') fail('usage', '--at-definition changes where scalr-server.rb sets a name; it does not go with --local');
    const { name, definitionAt } = planAtDefinition(layered.main, c.target, c.value);
    out.push(...(settingsReading(layered.combined, [name], definitionAt).get(name) ?? []));
  }
  return out;
}
