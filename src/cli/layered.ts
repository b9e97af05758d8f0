import { parseDocument, type Document } from '../core/document';
import { fail } from '../core/errors';
import { LayerSyntaxError, layerDocuments } from '../core/layers';
import { planLocalChanges } from '../core/localPlan';
import { planChanges, type Change, type Plan } from '../core/plan';
import type { Found } from '../core/query';
import { readText } from './configFiles';
import { mainFile, type GlobalOptions } from './options';

/**
 * --local: scalr-server-local.rb means nothing on its own. scalr-server-ctl evaluates it after
 * scalr-server.rb into the same configuration, so it is read and planned with the main file in view.
 */

/** How an edit of the target file is planned: with the main file in view for --local. */
export function planFor(opts: GlobalOptions, env: NodeJS.ProcessEnv, changes: readonly Change[]): (text: string) => Plan & { changes: readonly Change[] } {
  if (!opts.local) return (text) => ({ ...planChanges(text, changes), changes });
  const mainText = readText(mainFile(opts, env));
  return (text) => ({ ...planLocalChanges(mainText, text, changes), changes });
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
  let layered: ReturnType<typeof layerDocuments>;
  try {
    layered = layerDocuments(mainText, localText);
  } catch (e) {
    if (e instanceof LayerSyntaxError) fail('syntax', `${e.layer === 'main' ? mainPath : file}: ${e.message}`, e.position);
    throw e;
  }
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
