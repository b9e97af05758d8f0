import fs from 'node:fs';
import { ScalrConfError } from '../values/errors';
import { fdStream, type Stream } from './stream';

/** What a terminal gives a program reading from it: bytes, and the switch that turns echo off. */
export type TtyInput = NodeJS.ReadableStream & {
  isTTY?: boolean;
  isRaw?: boolean;
  setRawMode?: (raw: boolean) => unknown;
};

/** A terminal to talk with: answers are read from `input`, questions written to `output`. */
export interface Terminal {
  input: TtyInput;
  output: Stream;
  /** Lets go of what was opened for the question. */
  close(): void;
}

/**
 * /dev/tty, the process's controlling terminal: still the person's keyboard when stdin carried a
 * value or a snippet. Undefined when there is none (setsid, cron, a CI runner).
 */
export async function openControllingTerminal(): Promise<Terminal | undefined> {
  let fd: number;
  try {
    fd = fs.openSync('/dev/tty', 'r+');
  } catch {
    return undefined;
  }
  const tty = await import('node:tty');
  if (!tty.isatty(fd)) {
    fs.closeSync(fd);
    return undefined;
  }
  const input = new tty.ReadStream(fd);
  return { input, output: fdStream(fd), close: () => input.destroy() };
}

const ENTER = new Set([0x0a, 0x0d]);
const CTRL_C = 0x03;
const CTRL_D = 0x04;
const CTRL_U = 0x15;
const ERASE = new Set([0x08, 0x7f]);
const STOPS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Reads one line from a terminal without echoing it, as passwords are typed: raw mode, so the
 * bytes arrive as typed (a Latin-1 or UTF-8 secret alike). Enter or Ctrl-D ends the line, erase
 * and Ctrl-U edit it, Ctrl-C cancels. The terminal's mode is restored however it ends, and what
 * was typed after Enter stays unread for the next question.
 */
export function readHidden(input: TtyInput, output: Stream, prompt: string): Promise<Buffer> {
  const setRawMode = input.setRawMode?.bind(input);
  if (!setRawMode) return Promise.reject(new ScalrConfError('aborted', 'cannot turn off echo on this terminal; pipe the value in instead; nothing written'));
  const wasRaw = !!input.isRaw;
  const typed: number[] = [];
  return new Promise<Buffer>((resolve, reject) => {
    const cancel = () => end(new ScalrConfError('aborted', 'cancelled; nothing written'));
    const end = (err?: Error, rest?: Buffer) => {
      input.removeListener('data', onData);
      input.removeListener('end', cancel);
      for (const s of STOPS) process.removeListener(s, cancel);
      setRawMode(wasRaw);
      input.pause();
      if (rest?.length) input.unshift(rest);
      // The Enter that ended the line was not echoed either.
      output.write('\n');
      if (err) reject(err);
      else resolve(Buffer.from(typed));
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, 'utf8');
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i];
        if (ENTER.has(b) || b === CTRL_D) {
          const next = b === 0x0d && bytes[i + 1] === 0x0a ? i + 2 : i + 1;
          return end(undefined, bytes.subarray(next));
        }
        if (b === CTRL_C) return cancel();
        if (b === CTRL_U) typed.length = 0;
        else if (ERASE.has(b)) {
          // One character, with the continuation bytes of its UTF-8 sequence.
          let last: number | undefined;
          do last = typed.pop();
          while (last !== undefined && (last & 0xc0) === 0x80);
        } else typed.push(b);
      }
    };
    output.write(prompt);
    setRawMode(true);
    // In raw mode Ctrl-C is a byte, not a signal; a signal from elsewhere still restores the mode.
    for (const s of STOPS) process.once(s, cancel);
    input.on('data', onData);
    input.once('end', cancel);
    input.resume();
  });
}
