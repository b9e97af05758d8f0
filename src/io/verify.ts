import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { ScalrConfError } from '../values/errors';
import { signalGroup } from './procGroup';

/** Seconds a verifier may take before it counts as failed; $SCALR_CONF_VERIFY_TIMEOUT overrides. */
export const DEFAULT_VERIFY_TIMEOUT = 60;
export const VERIFY_TIMEOUT_ENV = 'SCALR_CONF_VERIFY_TIMEOUT';

/**
 * A file Ruby loads is UTF-8 source unless it says otherwise; a script on stdin would take the
 * locale's encoding instead (US-ASCII under LANG=C), so -Ku makes stdin read as the file will.
 */
const RUBY_C = ['-Ku', '-c'];

/** The Ruby scalr-server-ctl would use: Scalr's embedded one (under `root`) first, then ruby on PATH. */
export function findRuby(env: NodeJS.ProcessEnv, root = '/opt/scalr-server'): string | undefined {
  const candidates = [path.join(root, 'embedded/bin/ruby'), ...(env.PATH ?? '').split(':').filter(Boolean).map((d) => path.join(d, 'ruby'))];
  return candidates.find((p) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * What one run of `ruby -c` said. Only a clean pass counts as a pass: exit 0, "Syntax OK" on
 * stdout, and nothing on stderr but Ruby's own parse warnings. Anything else (another status, a
 * signal such as the OOM killer's, a timeout, stray output from a wrapper) is a failure, because
 * a verifier that did not finish its job has not vouched for the file.
 */
export type VerifyOutcome =
  | { ok: true; ruby: string; warnings: string[] }
  | { ok: false; ruby: string; kind: 'syntax' | 'status' | 'signal' | 'timeout' | 'output' | 'spawn'; detail: string; stderr: string };

interface RawRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  error?: Error;
}

const WARNING_RE = /^-:\d+: warning: /;

/** One line of what a verifier printed, short enough for a one-line error. */
function oneLine(text: string): string {
  const flat = text.trim().replace(/\s*\n\s*/g, ' | ');
  return flat.length > 300 ? flat.slice(0, 297) + '...' : flat;
}

export function verifyTimeout(env: NodeJS.ProcessEnv): number {
  const raw = env[VERIFY_TIMEOUT_ENV];
  const n = raw === undefined || raw === '' ? DEFAULT_VERIFY_TIMEOUT : Number(raw);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_VERIFY_TIMEOUT;
}

function classify(ruby: string, r: RawRun, timeout: number): VerifyOutcome {
  const fail = (kind: Exclude<VerifyOutcome, { ok: true }>['kind'], detail: string): VerifyOutcome => ({ ok: false, ruby, kind, detail, stderr: r.stderr });
  const said = r.stderr.trim() ? `: ${oneLine(r.stderr)}` : r.stdout.trim() ? `: ${oneLine(r.stdout)}` : ' and printed nothing';
  if (r.error && !r.timedOut) return fail('spawn', `cannot run ${ruby} -c: ${r.error.message}`);
  if (r.timedOut) return fail('timeout', `${ruby} -c did not finish within ${timeout} s ($${VERIFY_TIMEOUT_ENV})`);
  if (r.signal) return fail('signal', `${ruby} -c was killed by ${r.signal}${said}`);
  if (r.status !== 0) {
    // Ruby's own parse error: `-:LINE: message`, shown as the file's line.
    const first = r.stderr.trim().split('\n')[0] ?? '';
    if (/^-:\d+: /.test(first)) return fail('syntax', first.replace(/^-:/, 'line '));
    return fail('status', `${ruby} -c exited with status ${r.status}${said}`);
  }
  const errLines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  const unexpected = errLines.filter((l) => !WARNING_RE.test(l));
  if (r.stdout.trim() !== 'Syntax OK' || unexpected.length > 0) {
    return fail('output', `${ruby} -c exited 0 but printed ${oneLine(unexpected.join('\n') || r.stdout) || 'nothing'} instead of "Syntax OK"`);
  }
  return { ok: true, ruby, warnings: errLines.map((l) => l.replace(/^-:/, 'line ')) };
}

/**
 * `ruby -c` on the new text, as `scalr-server-ctl config-test` does; undefined when no Ruby exists.
 * The verifier runs in its own process group so a timeout kills whatever it started, too.
 */
export async function verifyRubySyntax(bytes: Buffer, env: NodeJS.ProcessEnv, root?: string): Promise<VerifyOutcome | undefined> {
  const ruby = findRuby(env, root);
  if (!ruby) return undefined;
  const timeout = verifyTimeout(env);
  const raw = await new Promise<RawRun>((resolve) => {
    const child = spawn(ruby, RUBY_C, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let error: Error | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    }, timeout * 1000);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    // A verifier that exits without reading its input must not crash us with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(bytes);
    child.on('error', (e) => {
      error = e;
    });
    child.on('exit', () => {
      // Whatever it left behind in its group goes with it: it holds our pipes otherwise.
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, timedOut, error, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
  return classify(ruby, raw, timeout);
}

/** VERIFY_FAILED for a verifier that did not pass, with everything it wrote to stderr. */
export class VerifyFailed extends ScalrConfError {
  constructor(
    file: string,
    readonly outcome: Exclude<VerifyOutcome, { ok: true }>,
  ) {
    super(
      'verify-failed',
      outcome.kind === 'syntax'
        ? `the new ${file} fails ruby -c (${outcome.detail}); nothing written`
        : `the new ${file} could not be verified: ${outcome.detail}; nothing written`,
    );
  }

  get stderr(): string {
    return this.outcome.stderr;
  }
}

/** The same check, synchronously, for doctor: undefined when it passes or no Ruby exists. */
export function rubySyntaxError(bytes: Buffer, env: NodeJS.ProcessEnv, root?: string): string | undefined {
  const ruby = findRuby(env, root);
  if (!ruby) return undefined;
  const timeout = verifyTimeout(env);
  const r = spawnSync(ruby, RUBY_C, { input: bytes, encoding: 'utf8', timeout: timeout * 1000, killSignal: 'SIGKILL' });
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  const outcome = classify(ruby, { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', timedOut, error: r.error }, timeout);
  return outcome.ok ? undefined : outcome.detail;
}
