import { parseDocument, type Document } from '../ruby/document';
import { inNamedFiles, layerDocuments } from '../ruby/layers';
import type { Change, Plan } from '../edit/plan';
import type { Found } from '../ruby/query';
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
  return (text) => {
    const main = opts.local ? readText(names.main) : text;
    const local = opts.local ? text : isMissing(names.local) ? undefined : readText(names.local);
    // Broken before the edit: said as it is, not left for the write's check to blame on the edit.
    refuseUnloadable(
      [
        { name: !opts.local && opts.file === FILTER ? '<stdin>' : names.main, text: main, layer: 'main' },
        { name: opts.local && opts.file === FILTER ? '<stdin>' : names.local, text: local, layer: 'local' },
      ],
      scalrTarget(undefined, scalrRoot(opts, env)),
    );
    const wanted = typeof changes === 'function' ? changes(combinedDoc(main, opts.local ? text : undefined, names)) : changes;
    const plan = planEdit({ main, local, secrets: readSecrets(names.main), target: opts.local ? 'local' : 'main', changes: wanted, force: opts.force, allowOverridden: opts.allowOverridden, replaceKinds: how.replaceKinds, names, defaultAt: knownDefault });
    return { ...plan, changes: wanted };
  };
}

/** For merge: what is there already, including what scalr-server.rb sets when the target is the local file. */
function combinedDoc(main: string, local: string | undefined, names: FileNames): Document {
  if (local === undefined) return parseDocument(main);
  return inNamedFiles(names, () => layerDocuments(main, local).combined);
}

export interface View {
  /** The model to read values from: both files together, as reconfigure evaluates them. */
  doc: Document;
  /** A value found in `doc`, with its own file and line, if the view includes that file. */
  own(found: Found | undefined): (Found & { file: string }) | undefined;
  /** The rows the view includes, each with its own file and line. */
  rows<T extends [string, unknown, number]>(rows: T[]): (T & { file: string })[];
  /** scalr-server-local.rb takes part: what the main file alone holds may differ. */
  layered: boolean;
}

/**
 * What get and show read: scalr-server.rb and then scalr-server-local.rb, which is what Scalr
 * uses. With --local, only the values scalr-server-local.rb decides, evaluated after scalr-server.rb;
 * with `mainOnly`, scalr-server.rb as it stands, which every node of a fleet must share.
 */
export function readView(opts: GlobalOptions, env: NodeJS.ProcessEnv, file: string, how: { mainOnly?: boolean } = {}): View {
  const mainPath = mainFile(opts, env);
  const localPath = localFileFor(mainPath);
  const withLocal = opts.local || (!how.mainOnly && file !== '-' && !isMissing(localPath));
  if (!withLocal) {
    const doc = parseDocument(readText(file));
    return { doc, own: (f) => f && { ...f, file }, rows: (r) => r.map((row) => Object.assign(row, { file })), layered: false };
  }
  const mainText = readText(mainPath);
  const localText = readText(localPath);
  const layered = inNamedFiles({ main: mainPath, local: localPath }, () => layerDocuments(mainText, localText));
  const place = (line: number): { file: string; line: number } | undefined => {
    const w = layered.where(line);
    if (opts.local && w.layer !== 'local') return undefined;
    return { file: w.layer === 'local' ? localPath : mainPath, line: w.line };
  };
  return {
    doc: layered.combined,
    own: (f) => {
      const at = f && place(f.line);
      return f && at ? { ...f, ...at } : undefined;
    },
    rows: (rows) =>
      rows.flatMap((r) => {
        const at = place(r[2]);
        return at === undefined ? [] : [Object.assign([r[0], r[1], at.line, ...r.slice(3)], { file: at.file }) as unknown as (typeof rows)[number] & { file: string }];
      }),
    layered: true,
  };
}
