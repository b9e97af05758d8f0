/**
 * The error a `--json` run reports, as data: tests of refusals assert its code and position, and
 * leave the wording to the few tests whose point is what the message tells the admin.
 */
import { expect } from 'vitest';
import type { CliRun } from './cli';

export interface RunError {
  code: string;
  exit: string;
  exitCode: number;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

/** The error object on the last line of a `--json` run's stderr (warnings come before it). */
export function errorOf(r: Pick<CliRun, 'stderr'>): RunError {
  const last = r.stderr.trim().split('\n').pop() ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(last);
  } catch {
    throw new Error(`stderr does not end with a JSON error: ${JSON.stringify(r.stderr)}`);
  }
  const error = (parsed as { error?: RunError }).error;
  if (!error || typeof error.code !== 'string') throw new Error(`stderr's last line is not {"error": ...}: ${last}`);
  return error;
}

/**
 * That the run failed with `code` (and, when given, the exit name and the file and line it names),
 * printed nothing on stdout, and put its message on one line.
 */
export function expectError(r: CliRun, want: { code: string; exit?: string; file?: string; line?: number }): RunError {
  const error = errorOf(r);
  expect(error.code, r.stderr).toBe(want.code);
  expect(r.code, r.stderr).toBe(error.exitCode);
  if (want.exit !== undefined) expect(error.exit).toBe(want.exit);
  if (want.file !== undefined) expect(error.file).toBe(want.file);
  if (want.line !== undefined) expect(error.line).toBe(want.line);
  expect(error.message).not.toContain('\n');
  expect(r.stdout).toBe('');
  return error;
}
