import { parseDocument, type Document } from './document';
import { ScalrConfError } from '../values/errors';
import { scanWrites, type Layer, type Scan } from './writes';
import type { Scope } from './literal';

/**
 * scalr-server-ctl evaluates scalr-server.rb, then scalr-server-local.rb, into one configuration.
 * For literal assignments that is the same as evaluating the two texts one after the other, so the
 * effective model of both files is the model of their concatenation, with lines mapped back. The
 * one difference, local variables (each file has its own), is kept by telling the parse where the
 * local file starts.
 */
export interface Layered {
  main: Document;
  local?: Document;
  /** Both files as Ruby sees them together. */
  combined: Document;
  /** Where a line of the combined text comes from. */
  where(line: number): { layer: Layer; line: number };
  /** Every write of both files, main first. */
  scan: Scan;
}

const BOM = '\u00ef\u00bb\u00bf';

/** Texts are byte strings. A syntax error names the file it is in through `layer`. */
export function layerDocuments(mainText: string, localText?: string, parsedMain?: Document): Layered {
  const main = parsedMain?.text === mainText ? parsedMain : parseLayer(mainText, 'main');
  const local = localText === undefined ? undefined : parseLayer(localText, 'local');
  const joined = localText === undefined ? undefined : combineTexts(mainText, localText);
  const offset = joined?.lineOffset ?? 0;
  const combined = joined ? parseDocument(joined.text, undefined, joined.localStart) : main;
  let scan: Scan | undefined;
  return {
    main,
    local,
    combined,
    where: (line) => (localText === undefined || line <= offset ? { layer: 'main', line } : { layer: 'local', line: line - offset }),
    // Only explain and doctor list every write; get and set never pay for it on a large file.
    get scan() {
      if (scan) return scan;
      const mainScan = scanWrites(main.statements, 'main');
      const localScan = local ? scanWrites(local.statements, 'local') : { writes: [], others: [] };
      // The local file alone knows no constant of the main one: its values are read with the scopes of both joined.
      if (joined) {
        const scopes = new Map<number, Scope>();
        for (const st of combined.statements) if (st.kind === 'write' || st.kind === 'enable_all') scopes.set(st.statement.startIndex - joined.localStart, st.scope);
        for (const w of localScan.writes) w.scope = scopes.get(w.statement.startIndex) ?? w.scope;
      }
      return (scan = { writes: [...mainScan.writes, ...localScan.writes], others: [...mainScan.others, ...localScan.others] });
    },
  };
}

/** The two texts as one, and where the local one starts in it (in chars and in lines). */
export function combineTexts(mainText: string, localText: string): { text: string; localStart: number; lineOffset: number } {
  // Ruby stops reading a file at __END__; the local file is still read after it.
  const end = /(^|\n)__END__(\r?\n|$)/.exec(mainText);
  let head = end ? mainText.slice(0, end.index + end[1].length) : mainText;
  if (head !== '' && !head.endsWith('\n')) head += '\n';
  const tail = localText.startsWith(BOM) ? '   ' + localText.slice(3) : localText;
  return { text: head + tail, localStart: head.length, lineOffset: head.split('\n').length - 1 };
}

/** A syntax error in one of the two files. */
export class LayerSyntaxError extends ScalrConfError {
  constructor(
    readonly layer: Layer,
    cause: ScalrConfError,
  ) {
    super('syntax', cause.message, cause.position, undefined, cause.quoted);
  }
}

/**
 * An error positioned in the two files joined (the --local planner plans on both), placed in the
 * file it is in: its line counted in that file, and the "line N" its message quotes with it.
 */
export class LayerPlacedError extends ScalrConfError {
  constructor(
    readonly layer: Layer,
    readonly joinedLine: number,
    cause: ScalrConfError,
    lineOffset: number,
  ) {
    const p = cause.position!;
    const line = layer === 'local' ? p.line - lineOffset : p.line;
    const endLine = p.endLine === undefined ? undefined : layer === 'local' ? p.endLine - lineOffset : p.endLine;
    super(cause.code, cause.message, { ...p, line, ...(endLine === undefined ? {} : { endLine }) }, undefined, cause.quoted);
  }
}

/** Runs `plan` on the two files joined; an error at a line of them comes out as a LayerPlacedError. */
export function placedInLayers<T>(lineOffset: number, plan: () => T): T {
  try {
    return plan();
  } catch (e) {
    if (!(e instanceof ScalrConfError) || !e.position || e.file !== undefined || e instanceof LayerPlacedError) throw e;
    throw new LayerPlacedError(e.position.line <= lineOffset ? 'main' : 'local', e.position.line, e, lineOffset);
  }
}

function parseLayer(text: string, layer: Layer): Document {
  try {
    return parseDocument(text);
  } catch (e) {
    if (e instanceof ScalrConfError && e.code === 'syntax') throw new LayerSyntaxError(layer, e);
    throw e;
  }
}

/**
 * Runs `read` (which parses one or both files) and names the file in a syntax error: the message
 * starts with its path and the error carries it, whichever file it is in. An error placed in one of
 * the two files (LayerPlacedError) carries that file's path, and its message names it at the line.
 */
export function inNamedFiles<T>(names: Record<Layer, string>, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof LayerSyntaxError) throw new ScalrConfError('syntax', `${names[e.layer]}: ${e.message}`, e.position, names[e.layer], e.quoted);
    if (e instanceof LayerPlacedError) {
      const message = e.message.replace(`line ${e.joinedLine}`, `${names[e.layer]} line ${e.position!.line}`);
      throw new ScalrConfError(e.code, message, e.position, names[e.layer], e.quoted);
    }
    throw e;
  }
}
