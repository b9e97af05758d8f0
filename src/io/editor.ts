/**
 * The editor side of `scalr-conf edit`: a private copy of the file to edit, and the editor run on
 * it. The copy lives in its own directory (mode 0700, from mkdtemp) as a 0600 file named like the
 * original, so the editor picks Ruby highlighting and nobody else can read the secrets in it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';

/** $VISUAL, else $EDITOR, else vi: the order of crontab(1), git and visudo's own fallbacks. */
export function editorCommand(env: NodeJS.ProcessEnv): string {
  for (const name of ['VISUAL', 'EDITOR'] as const) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return 'vi';
}

export interface EditCopy {
  path: string;
  /** What the editor left, one char per byte; undefined when it left no file there. */
  read(): string | undefined;
  /** Removes the copy and its directory; safe to call more than once. */
  remove(): void;
}

/** Signals that end this process while a copy exists; the keyboard's two are typed at the editor too. */
const KEYBOARD: readonly NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];
const ENDING: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGTERM', ...KEYBOARD];
/** While the editor runs, the keyboard's signals are the editor's. */
let editorRunning = false;

/** `onEnd` runs too when a signal ends the process: the caller's own leftovers go with the copy. */
export function makeEditCopy(original: string, bytes: Buffer, onEnd?: () => void): EditCopy {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalr-conf-edit-'));
  const file = path.join(dir, path.basename(original));
  try {
    fs.writeFileSync(file, bytes, { mode: 0o600, flag: 'wx' });
    // The umask can only take bits away; the mode is meant exactly.
    fs.chmodSync(file, 0o600);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  // Told to end (the terminal hung up, kill, Ctrl-C at a question): the copy, secrets and all, goes
  // first, then the signal does what it would have done. Ctrl-C and Ctrl-\ in the editor are its own.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (editorRunning && KEYBOARD.includes(signal)) return;
    remove();
    onEnd?.();
    process.kill(process.pid, signal);
  };
  const remove = (): void => {
    for (const signal of ENDING) process.off(signal, onSignal);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  for (const signal of ENDING) process.on(signal, onSignal);
  return {
    path: file,
    // By name: many editors save by writing a new file and renaming it over the old one.
    read: () => {
      try {
        return fs.readFileSync(file).toString('latin1');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    remove,
  };
}

export interface EditorExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Runs the editor on `file` with the terminal, as git does: through sh, so `$EDITOR` may carry
 * arguments (`emacs -nw`, `code --wait`). Ctrl-C and Ctrl-\ belong to the editor while it runs,
 * so this process ignores them rather than dying and leaving the copy behind. With stdoutToStderr
 * (--json, whose result is stdout's) what the editor prints goes to stderr, the terminal as a rule.
 */
export function runEditor(command: string, file: string, env: NodeJS.ProcessEnv, o: { stdoutToStderr?: boolean } = {}): Promise<EditorExit> {
  const ignore = (): void => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGQUIT', ignore);
  editorRunning = true;
  return new Promise<EditorExit>((resolve) => {
    const child = spawn('/bin/sh', ['-c', `${command} "$@"`, command, file], { stdio: ['inherit', o.stdoutToStderr ? 2 : 'inherit', 'inherit'], env });
    // A command sh cannot start ends with 127 from sh itself; a spawn error means no /bin/sh.
    child.on('error', () => resolve({ code: 127, signal: null }));
    child.on('close', (code, signal) => resolve(signal ? { code, signal } : { code, signal: signalOfShell(code) }));
  }).finally(() => {
    editorRunning = false;
    process.off('SIGINT', ignore);
    process.off('SIGQUIT', ignore);
  });
}

/**
 * The editor runs under sh, which reports a command killed by signal N as status 128+N (it stays
 * alive itself): read back as the signal, so a killed editor is told from one that failed.
 */
function signalOfShell(code: number | null): NodeJS.Signals | null {
  if (code === null || code <= 128) return null;
  const found = Object.entries(os.constants.signals).find(([, n]) => n === code - 128);
  return found ? (found[0] as NodeJS.Signals) : null;
}
