import { inNamedFiles, layerDocuments } from '../core/layers';
import { planLocalChanges } from '../core/localPlan';
import { planChanges, type Change, type Plan } from '../core/plan';
import type { RubyValue } from '../core/value';
import type { Layer } from '../core/writes';
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
  /** merge: a snippet's hash replaces a scalar in its way, as a deep merge does, without --force. */
  replaceKinds?: boolean;
  names: FileNames;
  defaultAt?: (path: string[]) => RubyValue | undefined;
}

/** What Scalr uses with these files. A syntax error names its file. */
export function usesOf(main: string, local: string | undefined, input: Pick<EditInput, 'secrets' | 'defaultAt' | 'names'>): Uses {
  return inNamedFiles(input.names, () => foldUses({ layered: layerDocuments(main, local), secrets: input.secrets, defaultAt: input.defaultAt }));
}

/**
 * Plans the edit in its file and proves it against both files and the secrets JSON: the plan is
 * returned only when what Scalr uses changes exactly at the requested keys.
 */
export function planEdit(input: EditInput): Plan {
  const { main, local, target, changes, force } = input;
  const options = { force: force || input.replaceKinds };
  const plan = target === 'main' ? planChanges(main, changes, options) : planLocalChanges(main, local ?? '', changes, options);
  const edited = plan.after !== plan.before;
  const before = usesOf(main, local, input);
  const after = edited ? usesOf(target === 'main' ? plan.after : main, target === 'local' ? plan.after : local, input) : before;
  const refusal = proveEdit({ before, after, changes, target, edited, force, names: input.names });
  if (refusal) throw refusal;
  return plan;
}
