/**
 * Global setup: every temp dir of a run (the tests', Ruby's, the CLI's own) lives under one root,
 * removed when the run ends, so no run leaves anything in /tmp. Each test removes its own temp
 * dirs: what is still in the root at the end is a leak, and fails the run after being removed.
 * Node, Ruby, Python and mktemp all honour TMPDIR.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'scalr-conf-tests-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    const left = readdirSync(root);
    rmSync(root, { recursive: true, force: true });
    if (left.length === 0) return;
    // vitest reports an error thrown here but still exits 0: the status is set as well.
    process.exitCode = 1;
    throw new Error(`tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in their temp root: ${left.slice(0, 10).join(', ')}`);
  };
}
