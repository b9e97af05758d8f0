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
  // Each text is parsed once: the fold of the files as they are is read in full before planning
  // edits the main file's tree, and the planned text is folded from the plan's own parse.
  const layered = inNamedFiles(input.names, () => layerDocuments(main, local));
  const before = foldUses({ layered, secrets: input.secrets, defaultAt: input.defaultAt });
  const alsoChanging = definitionReaders(layered, changes, target);
  const plan = target === 'main' ? planChanges(main, changes, options, layered.main) : planLocalChanges(main, local ?? '', changes, options);
  const edited = plan.after !== plan.before;
  const after = !edited ? before : usesOf(target === 'main' ? plan.after : main, target === 'local' ? plan.after : local, input, target === 'main' ? plan.doc : undefined);
  const refusal = proveEdit({ before, after, changes, target, edited, force, allowOverridden: input.allowOverridden, names: input.names, alsoChanging });
  if (refusal) throw refusal;
  return plan;
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
