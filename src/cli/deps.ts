import { isatty } from 'node:tty';
import { ScalrConfError } from '../core/errors';

/** What the CLI needs from the outside world; tests pass their own. */
export interface Stream {
  write(chunk: string | Uint8Array): unknown;
  isTTY?: boolean;
}

export interface Deps {
  env: NodeJS.ProcessEnv;
  stdout: Stream;
  stderr: Stream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Whether stdin is a terminal, without opening it. */
  stdinIsTTY?: () => boolean;
  /** Asks a yes/no question on the terminal; only called when stdin and stdout are TTYs. */
  confirm?: (question: string) => Promise<boolean>;
  /** Asks the user to pick one of `options` on the terminal; resolves to the chosen value. Only called on a TTY. */
  choose?: (question: string, options: Choice[]) => Promise<string>;
}

/** One answer offered by `choose`: the value and what it means. */
export interface Choice {
  value: string;
  meaning: string;
}

/**
 * The real process. stdin is opened only when a command reads it: creating the stream on a pipe
 * holds the process open for a while after the command is done.
 */
export function processDeps(): Deps {
  return {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    get stdin() {
      return process.stdin;
    },
    stdinIsTTY: () => isatty(0),
  };
}

export function stdinIsTTY(deps: Deps): boolean {
  return deps.stdinIsTTY ? deps.stdinIsTTY() : !!deps.stdin.isTTY;
}

export async function readStdin(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

export async function askYesNo(deps: Deps, question: string): Promise<boolean> {
  if (deps.confirm) return deps.confirm(question);
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: deps.stdin, output: deps.stdout as NodeJS.WritableStream });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Numbered choices on the terminal; the number or the value itself is accepted. */
export async function askChoice(deps: Deps, question: string, options: Choice[]): Promise<string> {
  if (deps.choose) return deps.choose(question, options);
  const { createInterface } = await import('node:readline');
  // The terminal echoes what is typed; prompts are written here, so readline needs no output.
  const rl = createInterface({ input: deps.stdin, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  try {
    const width = Math.max(...options.map((o) => o.value.length));
    const menu = options.map((o, i) => `  ${i + 1}) ${o.value.padEnd(width)}  ${o.meaning}`).join('\n');
    deps.stdout.write(`${question}\n${menu}\n`);
    for (let attempt = 0; attempt < 3; attempt++) {
      deps.stdout.write(`choose 1-${options.length} (empty to cancel): `);
      const next = await lines.next();
      const answer = next.done ? '' : String(next.value).trim();
      if (answer === '') break;
      const byNumber = /^\d+$/.test(answer) ? options[Number(answer) - 1] : undefined;
      const chosen = byNumber ?? options.find((o) => o.value === answer);
      if (chosen) return chosen.value;
      deps.stdout.write(`${JSON.stringify(answer)} is not one of the choices\n`);
    }
    throw new ScalrConfError('aborted', 'no value chosen; nothing written');
  } finally {
    rl.close();
  }
}
