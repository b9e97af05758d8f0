/**
 * The real process writes its output with writeSync on fds 1 and 2 (src/app/deps.ts): complete
 * writes, a wait when the descriptor is non-blocking and full, and quiet once the reader is gone.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fdStream } from '../src/app/stream';
import { BIN, configDir } from './support/tmp';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('fdStream', () => {
  it('finishes partial writes and waits out EAGAIN', () => {
    const got: number[] = [];
    let calls = 0;
    vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, buffer: Uint8Array, offset: number) => {
      calls++;
      if (calls === 2) throw errno('EAGAIN');
      // At most 3 bytes a call, as a nearly full pipe takes them.
      const n = Math.min(3, buffer.length - offset);
      got.push(...buffer.subarray(offset, offset + n));
      return n;
    }) as typeof fs.writeSync);
    fdStream(1).write('héllo, world');
    expect(Buffer.from(got).toString('utf8')).toBe('héllo, world');
    expect(calls).toBeGreaterThan(5);
  });

  it('drops the rest quietly once the reader is gone', () => {
    const spy = vi.spyOn(fs, 'writeSync').mockImplementation((() => {
      throw errno('EPIPE');
    }) as typeof fs.writeSync);
    const out = fdStream(1);
    out.write('first');
    out.write('second');
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('lets other write errors through', () => {
    vi.spyOn(fs, 'writeSync').mockImplementation((() => {
      throw errno('EIO');
    }) as typeof fs.writeSync);
    expect(() => fdStream(1).write('x')).toThrow('EIO');
  });

  it('in a pipeline cut short by head, exits 0 with nothing on stderr', () => {
    // Far more than a pipe holds, so writes go on after head has exited.
    const entries = Array.from({ length: 6000 }, (_, i) => `    "key_${i}" => "value number ${i} of a long listing",`).join('\n');
    const { file } = configDir(`app[:configuration] = {\n  "scalr" => {\n${entries}\n  },\n}\n`);
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" show --file "${file}" | head -n 1; echo "\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    expect([r.stdout, r.stderr]).toEqual(['key_0 = "value number 0 of a long listing"\n0\n', '']);
  });
});
