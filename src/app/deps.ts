import fs from 'node:fs';
import { fail, ScalrConfError } from '../values/errors';
import type { Terminal, TtyInput } from './terminal';
import { fdStream, type Stream } from './stream';

/** What the CLI needs from the outside world; tests pass their own. */
export interface Deps {
  env: NodeJS.ProcessEnv;
  stdout: Stream;
  stderr: Stream;
  stdin: TtyInput;
  /** Which of stdin and stdout are terminals; without it, their isTTY flags say. */
  terminals?: () => Promise<{ stdin: boolean; stdout: boolean }>;
  /** Opens the controlling terminal (/dev/tty); undefined when there is none. Without it there is none. */
  openTty?: () => Promise<Terminal | undefined>;
  /** Whether stdout is a terminal (for colour); without it, stdout's isTTY flag says. */
  stdoutIsTTY?: () => Promise<boolean>;
  /** Asks a yes/no question on the terminal; only called when stdout is a TTY and a terminal can answer. */
  confirm?: (question: string) => Promise<boolean>;
  /** Asks the user to pick one of `options` on the terminal; resolves to the chosen value. Only called on a TTY. */
  choose?: (question: string, options: Choice[]) => Promise<string>;
  /** The command line being run (set by main), recorded in the history of what it writes. */
  argv?: readonly string[];
}

/** One answer offered by `choose`: the value and what it means. */
export interface Choice {
  value: string;
  meaning: string;
}

/**
 * The real process. Output goes straight to file descriptors 1 and 2: creating process.stdout
 * loads the net or tty stack, which costs a read command a tenth of its run. stdin is opened only
 * when a command reads it: creating the stream on a pipe holds the process open for a while after
 * the command is done.
 */
export function processDeps(): Deps {
  return {
    env: process.env,
    stdout: fdStream(1),
    stderr: fdStream(2),
    get stdin() {
      return process.stdin;
    },
    terminals: async () => {
      const { isatty } = await import('node:tty');
      return { stdin: isatty(0), stdout: isatty(1) };
    },
    stdoutIsTTY: async () => {
      // A pipe or a file is told by fstat; node:tty (and the net stack it loads) only for a character device.
      if (!isCharacterDevice(1)) return false;
      const { isatty } = await import('node:tty');
      return isatty(1);
    },
    openTty: async () => (await import('./terminal')).openControllingTerminal(),
  };
}

function isCharacterDevice(fd: number): boolean {
  try {
    return fs.fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}

export async function terminals(deps: Deps): Promise<{ stdin: boolean; stdout: boolean }> {
  return deps.terminals ? deps.terminals() : { stdin: !!deps.stdin.isTTY, stdout: !!deps.stdout.isTTY };
}

/** Whether to talk with a person on stdin: confirm writes, offer choices for a missing value. */
export async function isInteractive(deps: Deps): Promise<boolean> {
  const tty = await terminals(deps);
  return tty.stdin && tty.stdout;
}

/** Runs whose stdin was read to its end: a question can no longer be answered there. */
const stdinRead = new WeakSet<Deps>();

/** All of stdin, as a value or snippet given as "-". */
export async function readStdin(deps: Deps): Promise<Buffer> {
  stdinRead.add(deps);
  const chunks: Buffer[] = [];
  for await (const chunk of deps.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/**
 * Asks before a write when a person is watching (stdout is a terminal) and can answer: on stdin
 * when it is the terminal, on /dev/tty when stdin carried a value or snippet. Watched but with no
 * terminal to answer on, the write is refused: it is never made unasked. Scripts are not asked.
 */
export async function confirmWrite(deps: Deps, question: string): Promise<void> {
  const tty = await terminals(deps);
  if (!tty.stdout) return;
  let answer: boolean;
  if (!stdinRead.has(deps)) {
    if (!tty.stdin) return;
    answer = await askYesNo(deps, question);
  } else {
    const terminal = deps.openTty ? await deps.openTty() : undefined;
    if (!terminal) fail('aborted', 'stdin held the input and there is no terminal to confirm on; pass --yes to write without asking; nothing written');
    try {
      answer = await askYesNo(deps, question, terminal);
    } finally {
      terminal.close();
    }
  }
  if (!answer) fail('aborted', 'not confirmed; nothing written');
}

export async function askYesNo(deps: Deps, question: string, terminal?: Terminal): Promise<boolean> {
  if (deps.confirm) return deps.confirm(question);
  const { createInterface } = await import('node:readline');
  const input = terminal?.input ?? deps.stdin;
  const output = terminal?.output ?? deps.stdout;
  // As in askChoice: the prompt is written here, the terminal echoes the answer.
  const rl = createInterface({ input, terminal: false });
  try {
    output.write(`${question} [y/N] `);
    const next = await rl[Symbol.asyncIterator]().next();
    return !next.done && /^y(es)?$/i.test(String(next.value).trim());
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
