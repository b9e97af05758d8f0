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
  /** Asks a yes/no question on the terminal; only called when stdin and stdout are TTYs. */
  confirm?: (question: string) => Promise<boolean>;
}

export function processDeps(): Deps {
  return { env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
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
