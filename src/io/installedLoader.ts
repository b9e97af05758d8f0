import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fail, type SourcePosition } from '../values/errors';
import { formatKey, type Target } from '../values/keys';
import { isGroup } from '../values/groups';
import loaderScript from './installed-loader.rb';
import { findRuby, verifyRubySyntax, VerifyFailed } from './verify';

/**
 * The installed Scalr decides: when its embedded Ruby and its ScalrServer library are there, a new
 * file is loaded with them (installed-loader.rb) and compared with what they make of the current
 * files. Without them, ruby -c is the check, as reconfigure's own first step.
 */

export const DEFAULT_SCALR_ROOT = '/opt/scalr-server';
export const SCALR_ROOT_ENV = 'SCALR_SERVER_ROOT';
/** Seconds one load may take; the 7.x loader needs about 7 s for a 20 MB file. */
export const VERIFY_TIMEOUT_ENV = 'SCALR_CONF_VERIFY_TIMEOUT';
const DEFAULT_TIMEOUT_SECONDS = 120;
const MAX_OUTPUT = 512 * 1024 * 1024;

/** Where the omnibus package installs them: bin/ruby of its Ruby build, the cookbooks rsync'ed under embedded/. */
export function embeddedRuby(root: string): string {
  return path.join(root, 'embedded', 'bin', 'ruby');
}
export function installedLibrary(root: string): string {
  return path.join(root, 'embedded', 'cookbooks', 'scalr-server', 'libraries', 'scalr_server.rb');
}

/** A configuration key as a path of byte strings from the group name down; ['enable_all'] for that setting. */
export type KeyPath = string[];

export function keyPathOf(target: Target): KeyPath {
  return target.kind === 'enable_all' ? ['enable_all'] : [target.group, ...target.path];
}

export interface CandidateWrite {
  root: string;
  env: NodeJS.ProcessEnv;
  /** scalr-server.rb and scalr-server-local.rb as reconfigure finds them. */
  mainPath: string;
  localPath: string;
  /** Which of the two gets `bytes`. */
  target: 'main' | 'local';
  bytes: Buffer;
  /** The keys the change asked for; undefined when the whole file is replaced (restore). */
  keys?: KeyPath[];
  warn(line: string): void;
}

/** Checks a write before it is installed; returns which check ran. Throws verify-failed. */
export async function verifyWrite(c: CandidateWrite): Promise<string> {
  const shown = c.target === 'main' ? c.mainPath : c.localPath;
  const ruby = findRuby(c.env, c.root);
  // Fails closed: a verifier that did not finish cleanly has not vouched for the file.
  const syntax = await verifyRubySyntax(c.bytes, c.env, c.root);
  if (syntax && !syntax.ok) throw new VerifyFailed(shown, syntax);
  const library = installedLibrary(c.root);
  if (!ruby) return 'no check: no Ruby found';
  if (ruby !== embeddedRuby(c.root)) return 'ruby -c (system ruby)';
  if (!fs.existsSync(library)) return `ruby -c (embedded ${(await rubyVersion(ruby, c.env)) ?? 'Ruby'})`;

  const where = `the installed loader at ${c.root}`;
  const timeout = timeoutSeconds(c.env);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'scalr-conf-verify-'));
  try {
    const script = path.join(work, 'installed-loader.rb');
    fs.writeFileSync(script, loaderScript);
    const candidate = path.join(work, path.basename(shown));
    fs.writeFileSync(candidate, c.bytes);
    const secrets = path.join(path.dirname(c.mainPath), 'scalr-server-secrets.json');
    const run = (main: string, local: string) => runLoader(ruby, [script, library, main, local, secrets], c.env, timeout);
    const before = await run(c.mainPath, c.localPath);
    const after = c.target === 'main' ? await run(candidate, c.localPath) : await run(c.mainPath, candidate);
    const named = (text: string) => text.split(candidate).join(shown);
    if (before.kind === 'crash') fail('verify-failed', `${where} failed: ${before.message}; nothing written`);
    if (after.kind === 'crash') fail('verify-failed', `${where} failed: ${named(after.message)}; nothing written`);
    if (after.kind === 'load-error') {
      const position: SourcePosition | undefined = after.file === candidate && after.line ? { line: after.line, column: 1 } : undefined;
      const at = after.file && after.line ? ` (${named(after.file)}:${after.line})` : '';
      fail('verify-failed', `the new ${shown} does not load with ${where}: ${named(after.error)}${at}; nothing written`, position);
    }
    if (before.kind === 'load-error') {
      // Nothing to compare with; the new files load, which is what the change is for.
      c.warn(`scalr-conf: warning: the current files do not load with ${where} (${before.error}); the new ones do`);
      return where;
    }
    const difference = c.keys ? firstDifference(before.groups, after.groups, c.keys) : undefined;
    if (difference) {
      fail(
        'verify-failed',
        `with ${where}, ${describeKey(difference.path)} would change too (${shortValue(difference.path, difference.before)} before, ${shortValue(difference.path, difference.after)} after), though the change names only ${c.keys!.map(describeKey).join(', ')}; nothing written`,
      );
    }
    return where;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function timeoutSeconds(env: NodeJS.ProcessEnv): number {
  const raw = env[VERIFY_TIMEOUT_ENV];
  if (raw === undefined || raw === '') return DEFAULT_TIMEOUT_SECONDS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) fail('usage', `${VERIFY_TIMEOUT_ENV} takes a number of seconds, not ${JSON.stringify(raw)}`);
  return n;
}

/** Tagged JSON from installed-loader.rb: strings, booleans, nil and arrays plain; the rest {"$": kind, v}. */
export type Tagged = string | boolean | null | Tagged[] | { $: string; v: unknown };

type LoaderRun =
  | { kind: 'ok'; groups: Tagged }
  | { kind: 'load-error'; error: string; file?: string; line?: number }
  | { kind: 'crash'; message: string };

/** Reconfigure runs the library without the caller's Ruby settings; so does this. */
function rubyEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean = { ...env };
  for (const name of ['RUBYOPT', 'BUNDLE_BIN_PATH', 'BUNDLE_GEMFILE', 'GEM_PATH', 'GEM_HOME']) delete clean[name];
  return clean;
}

/**
 * One run in its own process group, so a timeout also stops whatever the Ruby started; a shell
 * wrapper that never exits could otherwise hold the output pipes open.
 */
function runLoader(ruby: string, args: string[], env: NodeJS.ProcessEnv, timeout: number): Promise<LoaderRun> {
  return new Promise((resolve) => {
    const child = spawn(ruby, args, { env: rubyEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let why: string | undefined;
    const stop = (reason: string) => {
      why ??= reason;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT) stop(`printed more than ${MAX_OUTPUT} bytes`);
      else into.push(chunk);
    };
    child.stdout!.on('data', collect(out));
    child.stderr!.on('data', collect(err));
    const timer = setTimeout(() => stop(`timed out after ${timeout} s`), timeout * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ kind: 'crash', message: `cannot run ${ruby}: ${e.message}` });
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = firstLine(Buffer.concat(err).toString('utf8'));
      if (why) return resolve({ kind: 'crash', message: why });
      const parsed = parseResult(stdout);
      if (status === 0 && parsed && 'groups' in parsed) return resolve({ kind: 'ok', groups: parsed.groups as Tagged });
      if (status === 3 && parsed && typeof parsed.error === 'string') {
        const file = typeof parsed.file === 'string' ? parsed.file : undefined;
        const line = typeof parsed.line === 'number' && parsed.line > 0 ? parsed.line : undefined;
        return resolve({ kind: 'load-error', error: fromBytes(parsed.error), file, line });
      }
      if (status === 4 && parsed && typeof parsed.error === 'string') {
        return resolve({ kind: 'crash', message: `its library does not load (${fromBytes(parsed.error)})` });
      }
      const how = signal ? `killed by ${signal}` : `exit ${status}`;
      const said = stderr || (stdout.trim() ? `printed ${JSON.stringify(firstLine(stdout).slice(0, 80))}, not a result` : 'no result');
      resolve({ kind: 'crash', message: status === 0 ? `printed no JSON result: ${said}` : `${how}: ${said}` });
    });
  });
}

function parseResult(stdout: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(stdout);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** The loader writes bytes as one character each; messages are shown as the UTF-8 they usually are. */
function fromBytes(text: string): string {
  return Buffer.from(text, 'latin1').toString('utf8');
}

async function rubyVersion(ruby: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(ruby, ['-e', 'print RUBY_VERSION'], { env: rubyEnv(env), stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('error', () => resolve(undefined));
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve(status === 0 && /^\d+(\.\d+)*$/.test(out.trim()) ? out.trim() : undefined);
    });
  });
}

// ---------------------------------------------------------------- comparison

const isHash = (t: Tagged | undefined): t is { $: 'hash'; v: Record<string, Tagged> } =>
  t !== null && typeof t === 'object' && !Array.isArray(t) && t.$ === 'hash';

function same(a: Tagged | undefined, b: Tagged | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b) || (isHash(a) && isHash(b) && sameHash(a.v, b.v));
}

function sameHash(a: Record<string, Tagged>, b: Record<string, Tagged>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
}

const startsWith = (p: KeyPath, prefix: KeyPath) => prefix.length <= p.length && prefix.every((s, i) => p[i] === s);

export interface Difference {
  path: KeyPath;
  before?: Tagged;
  after?: Tagged;
}

/**
 * The first (innermost) place where the two loads differ other than at a requested key or below it. A parent of
 * a requested key may appear or vanish when it holds nothing else: a set makes it, an unset leaves
 * it empty and removes it.
 */
export function firstDifference(before: Tagged, after: Tagged, keys: KeyPath[]): Difference | undefined {
  const walk = (b: Tagged | undefined, a: Tagged | undefined, at: KeyPath): Difference | undefined => {
    if (same(b, a)) return undefined;
    if (keys.some((k) => startsWith(at, k))) return undefined;
    const parent = keys.some((k) => k.length > at.length && startsWith(k, at));
    const bh = isHash(b) ? b.v : parent && b === undefined ? {} : undefined;
    const ah = isHash(a) ? a.v : parent && a === undefined ? {} : undefined;
    if (!bh || !ah) return { path: at, before: b, after: a };
    for (const k of new Set([...Object.keys(bh), ...Object.keys(ah)])) {
      const d = walk(Object.hasOwn(bh, k) ? bh[k] : undefined, Object.hasOwn(ah, k) ? ah[k] : undefined, [...at, k]);
      if (d) return d;
    }
    return undefined;
  };
  return walk(before, after, []);
}

export function describeKey(p: KeyPath): string {
  const [group, ...rest] = p;
  if (p.length === 1 && group === 'enable_all') return 'enable_all';
  if (group !== undefined && isGroup(group) && rest.every((s) => !s.startsWith('\u0000'))) {
    return fromBytes(formatKey({ kind: 'group', group, path: rest }));
  }
  return fromBytes(p.map((s) => (s.startsWith('\u0000') ? s.slice(1) : JSON.stringify(s))).join(' > ')) || 'the configuration';
}

/** Short, and never a secret's value: a message may end up in a log. */
function shortValue(at: KeyPath, t: Tagged | undefined): string {
  if (t === undefined) return 'not set';
  if (t === null) return 'nil';
  if (typeof t === 'boolean') return String(t);
  if (Array.isArray(t)) return 'an array';
  if (typeof t === 'object' && t.$ === 'hash') return 'a hash';
  if (/pass|secret|key|token/i.test(at[at.length - 1] ?? '')) return typeof t === 'string' ? 'a string' : `a ${t.$}`;
  const text = typeof t === 'string' ? JSON.stringify(fromBytes(t)) : t.$ === 'symbol' ? `:${fromBytes(String(t.v))}` : fromBytes(String(t.v));
  return text.length > 40 ? text.slice(0, 37) + '...' : text;
}
