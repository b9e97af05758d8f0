import { MASK, maskText, type TextRange } from '../ruby/secretRanges';

/** One side of a diff: the text and the secret ranges read from its own parse. */
export interface DiffSide {
  text: string;
  ranges: readonly TextRange[];
}

/** A line of a unified diff, and which line of which text it shows (0-based), if any. */
interface DiffLine {
  line: string;
  side?: 'before' | 'after';
  at: number;
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * The lines of a diff as unifiedDiff renders it. A '-' line shows a line of the old text; '+' and
 * context lines are shown as lines of the new text (a context line is the same in both).
 */
function diffLines(diff: string): DiffLine[] {
  let oldAt = 0;
  let newAt = 0;
  let oldLeft = 0;
  let newLeft = 0;
  return diff.split('\n').map((line): DiffLine => {
    if (oldLeft === 0 && newLeft === 0) {
      // Outside a hunk: file headers, a hunk header, the end of the text.
      const hunk = HUNK.exec(line);
      if (hunk) {
        oldAt = Number(hunk[1]) - 1;
        oldLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
        newAt = Number(hunk[3]) - 1;
        newLeft = hunk[4] === undefined ? 1 : Number(hunk[4]);
      }
      return { line, at: -1 };
    }
    switch (line[0]) {
      case '-':
        oldLeft--;
        return { line, side: 'before', at: oldAt++ };
      case '+':
        newLeft--;
        return { line, side: 'after', at: newAt++ };
      case ' ':
        oldLeft--;
        newLeft--;
        oldAt++;
        return { line, side: 'after', at: newAt++ };
      default:
        // "\ No newline at end of file".
        return { line, at: -1 };
    }
  });
}

/**
 * Where in each text the diff shows lines: secrets need only be looked for there (a parse is read
 * whole, but a walk of all of a large file's tree is what costs).
 */
export function diffWindows(diff: string, before: string, after: string): { before: TextRange[]; after: TextRange[] } {
  const starts = { before: lineStarts(before), after: lineStarts(after) };
  const texts = { before, after };
  const out: { before: TextRange[]; after: TextRange[] } = { before: [], after: [] };
  for (const { side, at } of diffLines(diff)) {
    if (!side) continue;
    const s = starts[side];
    out[side].push({ start: s[at] ?? texts[side].length, end: s[at + 1] ?? texts[side].length });
  }
  return out;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) starts.push(nl + 1);
  return starts;
}

/**
 * A unified diff of `before` and `after` (as unifiedDiff renders it) with secrets masked: a '-'
 * line by the ranges of the old text, '+' and context lines by those of the new text, so neither
 * an old nor a new secret shows. A line that is not the text's own line at that number (never
 * expected) is masked whole rather than trusted.
 */
export function maskDiff(diff: string, before: DiffSide, after: DiffSide): string {
  const raw = { before: before.text.split('\n'), after: after.text.split('\n') };
  const shown = { before: maskText(before.text, before.ranges).split('\n'), after: maskText(after.text, after.ranges).split('\n') };
  return diffLines(diff)
    .map(({ line, side, at }) => {
      if (!side) return line;
      return line[0] + (raw[side][at] === line.slice(1) ? shown[side][at] : MASK);
    })
    .join('\n');
}
