import { fail } from '../values/errors';
import { utf8Text } from '../values/value';
import { applyFixes, loadProblems, type LoadProblem } from '../knowledge/loadProblems';
import type { Planner } from '../app/pendingWrite';
import type { Deps } from '../app/deps';
import { isMissing } from '../io/localFile';
import { readText } from '../app/configFiles';
import { localFileFor, mainFile, type GlobalOptions } from '../app/options';
import { asText } from '../app/text';

const shown = (bin: string): string => utf8Text(bin) ?? bin;

/**
 * `doctor --fix`: the repairs of the two pasted-documentation mistakes, as a plan for the write
 * every command uses. Curly quotes become straight ones; a list of choices becomes the one named
 * by --choose, since which one the admin meant cannot be told from the file.
 */
export function fixPlanner(file: string, choose: readonly string[], deps: Deps): Planner {
  return (text) => {
    const fixes: { start: number; end: number; text: string }[] = [];
    const summary: string[] = [];
    const left: LoadProblem[] = [];
    const used = new Set<string>();
    for (const p of loadProblems(text)) {
      if (p.code === 'curly-quote') {
        if (!p.fix) left.push(p);
        else {
          fixes.push(p.fix);
          summary.push(`line ${p.line}: ${shown(text.slice(p.fix.start, p.fix.end))} -> ${shown(p.fix.text)}`);
        }
        continue;
      }
      const ph = p.placeholder!;
      const picked = choose.filter((v) => ph.values.includes(v));
      if (picked.length > 1) fail('usage', `${file}:${p.line}: --choose ${picked.join(' and ')} are both among ${ph.options.join(', ')}; give one of them`);
      if (picked.length === 0) {
        left.push(p);
        continue;
      }
      used.add(picked[0]);
      const chosen = ph.nodes[ph.values.indexOf(picked[0])];
      fixes.push({ start: ph.nodes[0].startIndex, end: ph.nodes[ph.nodes.length - 1].endIndex, text: chosen.text });
      summary.push(`line ${p.line}: ${shown(chosen.text)} of ${shown(ph.options.join(', '))}`);
    }
    const unused = choose.filter((v) => !used.has(v));
    if (unused.length) fail('usage', `--choose ${unused.join(', ')}: not one of the choices ${file} lists; nothing written`);
    const blocking = left.find((p) => p.breaksLoad);
    if (blocking) {
      const how = blocking.placeholder ? `pass --choose with one of ${blocking.placeholder.values.map((v) => JSON.stringify(v)).join(', ')}` : 'edit it by hand';
      fail('breaks-load', `${file}:${blocking.line}: ${blocking.message}; which is meant cannot be told from the file: ${how}; nothing written`, { line: blocking.line, column: blocking.column }, file);
    }
    for (const p of left) deps.stderr.write(asText(`scalr-conf: note: ${file}:${p.line}: left as it is: ${p.message} (--choose VALUE picks one)`) + '\n');
    if (!fixes.length) return { before: text, after: text, summary: ['no curly quotes or chosen placeholders to repair'] };
    return { before: text, after: applyFixes(text, fixes), summary };
  };
}

/** --fix repairs one file: what the other one reconfigure reads holds is said, with the command for it. */
export function otherFileNote(opts: GlobalOptions, env: NodeJS.ProcessEnv): string | undefined {
  const main = mainFile(opts, env);
  const other = opts.local ? main : localFileFor(main);
  if (isMissing(other)) return undefined;
  const problems = loadProblems(readText(other));
  if (!problems.length) return undefined;
  const lines = problems.map((p) => p.line).join(', ');
  return `${other} has curly quotes or a pasted list of choices too (line${problems.length === 1 ? '' : 's'} ${lines}); repair it with scalr-conf doctor --fix${opts.local ? '' : ' --local'}`;
}
