/**
 * Global setup: every temp dir of a run (the tests', Ruby's, the CLI's own) lives under one root,
 * removed when the run ends, so no run leaves anything in /tmp, even after a test that failed
 * before its own clean-up. Node, Ruby, Python and mktemp all honour TMPDIR.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'scalr-conf-tests-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(root, { recursive: true, force: true });
  };
}
