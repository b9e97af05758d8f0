import { parseDocument, type Document } from '../ruby/document';
import { inNamedFiles, layerDocuments } from '../ruby/layers';
import type { Change, Plan } from '../edit/plan';
import type { Source, UsesInputs } from '../model/uses';
import { planEdit } from '../model/planEdit';
import type { FileNames } from '../model/prove';
import { knownDefault } from '../knowledge/defaults';
import { isMissing } from '../io/localFile';
import { readSecrets, readText, secretsFileFor } from './configFiles';
import { FILTER, localFileFor, mainFile, scalrRoot, type GlobalOptions } from './options';
import { refuseUnloadable } from './loadCheck';
import { scalrTarget } from './scalrTarget';

/**
 * scalr-server-local.rb means nothing on its own, and scalr-server.rb is not the last word either:
 * reconfigure evaluates both, then assigns scalr-server-secrets.json over them. Every edit is
 * planned in its file and proved against all three.
 */

export function fileNames(opts: GlobalOptions, env: NodeJS.ProcessEnv): FileNames {
  const main = mainFile(opts, env);
  return { main, local: localFileFor(main), secrets: secretsFileFor(main) };
}

/**
 * What messages call each file. With `--file -`, stdin is the file the command targets: `<stdin>`,
 * unless $SCALR_CONF_FILE names the main file it stands for (a fleet's controller feeding a host's).
 */
export function shownNames(opts: GlobalOptions, env: NodeJS.ProcessEnv): FileNames {
  const names = fileNames(opts, env);
  if (opts.file !== FILTER || (!opts.local && env.SCALR_CONF_FILE)) return names;
  return { ...names, [opts.local ? 'local' : 'main']: '<stdin>' };
}

/**
 * How an edit of the target file is planned. The other files are read when the planner runs, which
 * for a real write is under the lock that covers both .rb files.
 */
export function planFor(
  opts: GlobalOptions,
  env: NodeJS.ProcessEnv,
  changes: readonly Change[] | ((combined: Document) => Change[]),
  how: { replaceKinds?: boolean } = {},
): (text: string) => Plan & { changes: readonly Change[] } {
  const names = fileNames(opts, env);
  const shown = shownNames(opts, env);
  return (text) => {
    const main = opts.local ? readText(names.main) : text;
    const local = opts.local ? text : isMissing(names.local) ? undefined : readText(names.local);
    // Broken before the edit: said as it is, not left for the write's check to blame on the edit.
    refuseUnloadable(
      [
        { name: shown.main, text: main, layer: 'main' },
        { name: shown.local, text: local, layer: 'local' },
      ],
      scalrTarget(undefined, scalrRoot(opts, env)),
    );
    const wanted = typeof changes === 'function' ? changes(combinedDoc(main, opts.local ? text : undefined, shown)) : changes;
    const plan = planEdit({ main, local, secrets: readSecrets(names.main), target: opts.local ? 'local' : 'main', changes: wanted, force: opts.force, allowOverridden: opts.allowOverridden, replaceKinds: how.replaceKinds, names: shown, defaultAt: knownDefault });
    return { ...plan, changes: wanted };
  };
}

/** For merge: what is there already, including what scalr-server.rb sets when the target is the local file. */
function combinedDoc(main: string, local: string | undefined, names: FileNames): Document {
  if (local === undefined) return parseDocument(main);
  return inNamedFiles(names, () => layerDocuments(main, local).combined);
}

export interface View {
  /** scalr-server.rb, and scalr-server-local.rb after it unless the view is of the main file alone. */
  inputs: UsesInputs;
  /** The model to look keys up in (for hints): both files together, as reconfigure evaluates them. */
  doc: Document;
  /** --local: only the values scalr-server-local.rb decides. */
  localOnly: boolean;
  /** scalr-server-local.rb takes part: what the main file alone holds may differ. */
  layered: boolean;
  /** The file a source names. */
  fileOf(source: Source): string;
}

/**
 * What get and show read: scalr-server.rb and then scalr-server-local.rb, then the secrets JSON,
 * which is what Scalr uses. With --local, only the values scalr-server-local.rb decides; with
 * `mainOnly`, scalr-server.rb as it stands, which every node of a fleet must share.
 */
export function readView(opts: GlobalOptions, env: NodeJS.ProcessEnv, file: string, how: { mainOnly?: boolean } = {}): View {
  const names = fileNames(opts, env);
  const withLocal = opts.local || (!how.mainOnly && file !== '-' && !isMissing(names.local));
  const mainPath = withLocal ? names.main : file;
  const shown = { main: mainPath, local: names.local };
  const layered = inNamedFiles(shown, () => (withLocal ? layerDocuments(readText(names.main), readText(names.local)) : layerDocuments(readText(file))));
  return {
    inputs: { layered, secrets: readSecrets(names.main), defaultAt: knownDefault },
    doc: layered.combined,
    localOnly: !!opts.local,
    layered: withLocal,
    fileOf: (source) => (source === 'secrets' ? names.secrets : shown[source]),
  };
}
