/**
 * Setup of each test file: its own temp dir inside the run's root (see sandbox.ts), made the
 * TMPDIR of the file and of every process it starts, and removed with all it holds when the
 * file's tests end. Temp dirs made by a test, by the CLI under test or by Ruby all go there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const runRoot = tmpdir();
const mine = mkdtempSync(join(runRoot, 'file-'));
process.env.TMPDIR = mine;

afterAll(() => {
  process.env.TMPDIR = runRoot;
  rmSync(mine, { recursive: true, force: true });
});
