import { parseDocument, type Document } from '../core/document';
import { inNamedFiles, layerDocuments } from '../core/layers';
import type { Change, Plan } from '../core/plan';
import type { Found } from '../core/query';
import { planEdit } from '../model/planEdit';
import type { FileNames } from '../model/prove';
import { knownDefault } from '../schema/defaults';
import { isMissing } from '../io/localFile';
import { readSecrets, readText, secretsFileFor } from './configFiles';
import { localFileFor, mainFile, type GlobalOptions } from './options';

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
    const wanted = typeof changes === 'function' ? changes(combinedDoc(main, opts.local ? text : undefined, names)) : changes;
    const plan = planEdit({ main, local, secrets: readSecrets(names.main), target: opts.local ? 'local' : 'main', changes: wanted, force: opts.force, replaceKinds: how.replaceKinds, names, defaultAt: knownDefault });
    return { ...plan, changes: wanted };
  };
}

/** For merge: what is there already, including what scalr-server.rb sets when the target is the local file. */
function combinedDoc(main: string, local: string | undefined, names: FileNames): Document {
  if (local === undefined) return parseDocument(main);
  return inNamedFiles(names, () => layerDocuments(main, local).combined);
}

export interface View {
  /** The model to read values from: the file, or for --local both files together. */
  doc: Document;
  /** A value found in `doc`, if the target file decides it, with its line in that file. */
  own(found: Found | undefined): Found | undefined;
  /** The rows the target file decides, with their lines in that file. */
  rows<T extends [string, unknown, number]>(rows: T[]): T[];
}

/** What get and show read. For --local: the values scalr-server-local.rb decides, evaluated after scalr-server.rb. */
export function readView(opts: GlobalOptions, env: NodeJS.ProcessEnv, file: string): View {
  if (!opts.local) {
    const doc = parseDocument(readText(file));
    return { doc, own: (f) => f, rows: (r) => r };
  }
  const mainPath = mainFile(opts, env);
  const mainText = readText(mainPath);
  const localText = readText(file);
  const layered = inNamedFiles({ main: mainPath, local: file }, () => layerDocuments(mainText, localText));
  const mapLine = (line: number): number | undefined => {
    const w = layered.where(line);
    return w.layer === 'local' ? w.line : undefined;
  };
  return {
    doc: layered.combined,
    own: (f) => {
      const line = f && mapLine(f.line);
      return f && line !== undefined ? { ...f, line } : undefined;
    },
    rows: (rows) =>
      rows.flatMap((r) => {
        const line = mapLine(r[2]);
        return line === undefined ? [] : [[r[0], r[1], line, ...r.slice(3)] as unknown as (typeof rows)[number]];
      }),
  };
}
