import { parseDocument } from '../ruby/document';
import { ScalrConfError } from '../values/errors';
import { keyOfPath, type Layer } from '../ruby/writes';
import { compareUses, type Difference } from '../model/compareUses';
import { usesOf } from '../model/planEdit';
import type { FileNames } from '../model/prove';
import type { SecretEntry } from '../model/secrets';
import { pathId, type Uses } from '../model/uses';
import { knownDefault } from '../knowledge/defaults';
import { isSecretKey } from '../knowledge/schema';
import { diagnose, type Finding } from '../knowledge/doctor';
import { verifyWrite } from '../io/installedLoader';
import { scalrTarget } from './cmd-doctor';
import { errorMessage } from '../app/secrets';
import type { Verdict } from './editDecision';
import { scalrRoot, type GlobalOptions } from '../app/options';

/** The files as they are, and which one is being edited. */
export interface EditContext {
  opts: GlobalOptions;
  env: NodeJS.ProcessEnv;
  names: FileNames;
  target: Layer;
  /** The edited file as it is on disk. */
  original: string;
  /** The other .rb file: scalr-server.rb for --local, else scalr-server-local.rb (undefined: none). */
  other?: string;
  secrets: readonly SecretEntry[];
  warn(line: string): void;
}

/** How an edited copy fared. */
export interface Review {
  verdict: Verdict;
  /** What makes it doubtful or broken, one line each. */
  problems: string[];
  /** Doctor warnings the current files do not have: shown, never in the way. */
  warnings: string[];
  /** The error that stops an install without questions, when broken. */
  blocking?: ScalrConfError;
  /** What changes in what Scalr uses; undefined when the current files cannot be read for it. */
  differences?: Difference[];
  /** The Ruby check the copy passed (`ruby -c (system ruby)`, the installed loader, ...). */
  check?: string;
}

/**
 * The checks of every write, on the whole edited file: the parser, what Scalr uses before and
 * after (and whether reconfigure could still load it), doctor, and ruby -c or the installed loader.
 */
export async function reviewEdit(ctx: EditContext, edited: string): Promise<Review> {
  const { names, target } = ctx;
  const shown = `${names[target]} (edited)`;
  const broken = (e: ScalrConfError): Review => ({ verdict: 'broken', problems: [`${shown}: ${errorMessage(e, !!ctx.opts.showSecrets).replace(/; (fix the file first|nothing written)$/, '')}`], warnings: [], blocking: e });
  try {
    parseDocument(edited);
  } catch (e) {
    if (e instanceof ScalrConfError) return broken(e);
    throw e;
  }
  const files = (text: string) => (target === 'main' ? { main: text, local: ctx.other } : { main: ctx.other ?? '', local: text });
  const uses = (text: string): Uses => {
    const f = files(text);
    return usesOf(f.main, f.local, { secrets: ctx.secrets, defaultAt: knownDefault, names });
  };
  let after: Uses;
  try {
    after = uses(edited);
  } catch (e) {
    if (e instanceof ScalrConfError) return broken(e);
    throw e;
  }
  let before: Uses | undefined;
  try {
    before = uses(ctx.original);
  } catch {
    // The file as it is does not read (the edit may be its fix): nothing to compare with.
  }
  const problems: string[] = [];
  const known = new Set((before?.problems ?? []).map((p) => p.source + pathId(p.path)));
  for (const p of after.problems) {
    if (!known.has(p.source + pathId(p.path))) problems.push(`${names[p.source]}${p.source === target ? ' (edited)' : ''} line ${p.line}: ${keyOfPath(p.path)}: ${p.reason}; reconfigure would fail`);
  }

  // Findings are told apart by what they say: an edit moves the lines of those it leaves alone.
  const root = scalrRoot(ctx.opts, ctx.env);
  const scalr = scalrTarget(undefined, root);
  const doctor = (text: string): Finding[] => diagnose({ ...files(text), showSecrets: ctx.opts.showSecrets, target: scalr });
  const id = (f: Finding) => `${f.layer}\u0000${f.code}\u0000${f.message}`;
  const already = new Set(doctor(ctx.original).map(id));
  const fresh = doctor(edited).filter((f) => !already.has(id(f)));
  const line = (f: Finding) => `${names[f.layer]}${f.layer === target ? ' (edited)' : ''} line ${f.line}: ${f.message}`;
  problems.push(...fresh.filter((f) => f.severity === 'error').map(line));
  const warnings = fresh.filter((f) => f.severity === 'warning').map(line);

  let check: string | undefined;
  if (ctx.opts.verify) {
    try {
      check = await verifyWrite({ root, env: ctx.env, mainPath: names.main, localPath: names.local, target, bytes: Buffer.from(edited, 'latin1'), warn: ctx.warn });
    } catch (e) {
      if (!(e instanceof ScalrConfError)) throw e;
      const review = broken(e);
      return { ...review, problems: [...review.problems, ...problems], warnings };
    }
  }
  const differences = before && compareUses(before, after, knownDefault);
  // Only Ruby can tell what Scalr gets here: a bare word (quotes forgotten) fails reconfigure's load,
  // ENV[...] may be meant. The review cannot show the change, so installing it asks once more.
  for (const d of differences ?? []) {
    const use = d.b;
    if (!use || use.value || use.source === 'secrets') continue;
    const why = ctx.opts.showSecrets || !isSecretKey(d.key) ? use.unreadable : 'a value only Ruby can compute';
    problems.push(`${names[use.source]}${use.source === target ? ' (edited)' : ''} line ${use.line}: ${d.key}: cannot tell what Scalr gets (${why}); reconfigure fails on a name Ruby does not know`);
  }
  return { verdict: problems.length ? 'doubtful' : 'clean', problems, warnings, differences, check };
}
