import fs from 'node:fs';

/** Where output goes: a descriptor, or what a test passes instead. */
export interface Stream {
  write(chunk: string | Uint8Array): unknown;
  isTTY?: boolean;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Synchronous, complete writes, as process.stdout makes them on pipes and files. A descriptor left
 * non-blocking by whoever shares it is waited on; once the reader is gone (`| head`), the rest of
 * the output is dropped, as `head` expects, and the exit status still tells the outcome.
 */
export function fdStream(fd: number): Stream {
  let gone = false;
  return {
    write(chunk) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      for (let done = 0; done < bytes.length && !gone; ) {
        try {
          done += fs.writeSync(fd, bytes, done);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 2);
          else if (code === 'EPIPE' || code === 'EBADF') gone = true;
          else throw err;
        }
      }
      return true;
    },
  };
}
