import type { Deps } from './deps';

/** `--color`: auto colours a terminal only; always and never do what they say. */
export const COLOR_WHEN = ['auto', 'always', 'never'] as const;
export type ColorWhen = (typeof COLOR_WHEN)[number];

/**
 * Whether diffs on stdout are coloured. In auto mode, only on a terminal, and not when NO_COLOR is
 * set to anything (no-color.org) or the terminal says it is dumb.
 */
export async function wantsColour(when: ColorWhen | undefined, deps: Deps): Promise<boolean> {
  if (when === 'always') return true;
  if (when === 'never') return false;
  if (deps.env.NO_COLOR || deps.env.TERM === 'dumb') return false;
  return deps.stdoutIsTTY ? deps.stdoutIsTTY() : !!deps.stdout.isTTY;
}

const RED = '\x1b[31m';
const GREEN = '\x1b[32m';
const CYAN = '\x1b[36m';
const BOLD = '\x1b[1m';
const RESET = '\x1b[0m';

/**
 * A unified diff (byte string, one char per byte) with its lines coloured: removed red, added
 * green, hunk headers cyan, file headers bold. Line ends stay outside the colour, and every other
 * byte is as given. Hunk line counts are followed, so a removed line that reads `-- x` is still a
 * removed line and not a file header.
 */
export function colourDiff(diff: string): string {
  const lines = diff.split('\n');
  let oldLeft = 0;
  let newLeft = 0;
  const out = lines.map((line) => {
    const body = line.endsWith('\r') ? line.slice(0, -1) : line;
    const end = line.slice(body.length);
    if (body === '') return line;
    const paint = (code: string) => code + body + RESET + end;
    if (oldLeft > 0 || newLeft > 0) {
      if (body[0] === '-') return oldLeft--, paint(RED);
      if (body[0] === '+') return newLeft--, paint(GREEN);
      if (body[0] === ' ') return oldLeft--, newLeft--, line;
      return line;
    }
    const hunk = body.match(/^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/);
    if (hunk) {
      oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
      newLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
      return paint(CYAN);
    }
    if (body.startsWith('--- ') || body.startsWith('+++ ') || body.startsWith('Index: ')) return paint(BOLD);
    return line;
  });
  return out.join('\n');
}

/** A diff's bytes as they go to stdout: coloured when `colour` says so. */
export function diffBytes(diff: Buffer, colour: boolean): Buffer {
  return colour ? Buffer.from(colourDiff(diff.toString('latin1')), 'latin1') : diff;
}
