/**
 * Ask real Ruby what scalr-server-ctl would see: test/ruby/load-config.rb evaluates the files with
 * Mixlib::Config in strict mode and prints the canonical JSON form of src/values/value.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Canonical } from '../../src/values/value';

const here = dirname(fileURLToPath(import.meta.url));
export const LOAD_CONFIG_RB = resolve(here, '../ruby/load-config.rb');

const RUBY = process.env.RUBY ?? 'ruby';
// Batches print a lot; the default 1 MiB would cut them off.
const MAX_BUFFER = 512 * 1024 * 1024;
const TIMEOUT_MS = 120_000;

export interface Effective {
  groups: Record<string, Canonical>;
  enable_all: Canonical;
}

export type LoadResult =
  | { ok: true; value: Effective; warnings?: string[] }
  | { ok: false; error: string; line?: number };

export type SyntaxResult = { ok: true } | { ok: false; error: string; line?: number };

/** A configuration to evaluate: the main file's text, or the main and local files' texts. */
export type ConfigText = string | Buffer | { main: string | Buffer; local?: string | Buffer };

let available: boolean | undefined;

export function rubyAvailable(): boolean {
  if (available === undefined) {
    const r = spawnSync(RUBY, ['-e', 'require "mixlib/config"; require "json"; require "yaml"'], {
      stdio: 'ignore',
      timeout: 30_000,
    });
    available = r.status === 0;
  }
  return available;
}

/**
 * True when Ruby (with mixlib-config) can be used; otherwise a failure, never a skip: Ruby is the
 * oracle these tests are measured against.
 */
export const requireRuby = (): boolean => {
  if (rubyAvailable()) return true;
  throw new Error(`Ruby with mixlib-config is required (tried "${RUBY}"): apt-get install ruby ruby-mixlib-config`);
};

function run(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(RUBY, args, {
    input,
    encoding: 'utf8',
    maxBuffer: MAX_BUFFER,
    timeout: TIMEOUT_MS,
    env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
  });
  if (r.error) throw new Error(`cannot run ${RUBY}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function parseLine<T>(stdout: string, what: string): T {
  try {
    return JSON.parse(stdout) as T;
  } catch {
    throw new Error(`${what}: output is not JSON: ${stdout.slice(0, 500)}`);
  }
}

/** Evaluates the files as scalr-server-ctl does; throws with Ruby's message on failure. */
export function loadEffective(mainPath: string, localPath?: string): Effective {
  const args = [LOAD_CONFIG_RB, mainPath];
  if (localPath !== undefined) args.push(localPath);
  const r = run(args);
  if (r.status !== 0) throw new Error(r.stderr.trim() || `load-config.rb exited with ${r.status}`);
  return parseLine<Effective>(r.stdout, 'load-config.rb');
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'scalr-conf-ruby-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** loadEffective on texts, written to scalr-server.rb / scalr-server-local.rb in a temp dir. */
export function loadEffectiveText(mainText: string | Buffer, localText?: string | Buffer): Effective {
  return withTempDir((dir) => {
    const main = join(dir, 'scalr-server.rb');
    writeFileSync(main, mainText);
    let local: string | undefined;
    if (localText !== undefined) {
      local = join(dir, 'scalr-server-local.rb');
      writeFileSync(local, localText);
    }
    return loadEffective(main, local);
  });
}

/**
 * Evaluates many configurations in one Ruby process, each in a fresh configuration. Results are in
 * input order; a failing entry does not affect the others.
 */
export function loadMany(texts: ConfigText[]): LoadResult[] {
  if (texts.length === 0) return [];
  return withTempDir((dir) => {
    const entries = texts.map((t, i) => {
      const { main, local } = typeof t === 'string' || Buffer.isBuffer(t) ? { main: t, local: undefined } : t;
      const mainPath = join(dir, `${i}-scalr-server.rb`);
      writeFileSync(mainPath, main);
      if (local === undefined) return { main: mainPath };
      const localPath = join(dir, `${i}-scalr-server-local.rb`);
      writeFileSync(localPath, local);
      return { main: mainPath, local: localPath };
    });
    const r = run([LOAD_CONFIG_RB, '--batch'], JSON.stringify(entries));
    if (r.status !== 0) throw new Error(r.stderr.trim() || `load-config.rb --batch exited with ${r.status}`);
    const results = parseLine<LoadResult[]>(r.stdout, 'load-config.rb --batch');
    if (!Array.isArray(results) || results.length !== texts.length) {
      throw new Error(`load-config.rb --batch returned ${results.length} results for ${texts.length} inputs`);
    }
    return results;
  });
}

/** `ruby -c` on the text: ok, or the parser's message. */
export function rubySyntaxOk(text: string | Buffer): { ok: boolean; message?: string } {
  return withTempDir((dir) => {
    const file = join(dir, 'scalr-server.rb');
    writeFileSync(file, text);
    const r = run(['-c', file]);
    if (r.status === 0) return { ok: true };
    return { ok: false, message: r.stderr.trim() || r.stdout.trim() };
  });
}

/** The parse-only check of `ruby -c` for many texts in one Ruby process. */
export function syntaxMany(texts: (string | Buffer)[]): SyntaxResult[] {
  if (texts.length === 0) return [];
  return withTempDir((dir) => {
    const paths = texts.map((t, i) => {
      const p = join(dir, `${i}-scalr-server.rb`);
      writeFileSync(p, t);
      return p;
    });
    const r = run([LOAD_CONFIG_RB, '--syntax-batch'], JSON.stringify(paths));
    if (r.status !== 0) throw new Error(r.stderr.trim() || `load-config.rb --syntax-batch exited with ${r.status}`);
    return parseLine<SyntaxResult[]>(r.stdout, 'load-config.rb --syntax-batch');
  });
}

/** A YAML file (such as a generated config.yml) in canonical JSON form. */
export function readYaml(path: string): Canonical {
  const r = run([LOAD_CONFIG_RB, '--yaml', path]);
  if (r.status !== 0) throw new Error(r.stderr.trim() || `load-config.rb --yaml exited with ${r.status}`);
  return parseLine<Canonical>(r.stdout, 'load-config.rb --yaml');
}

/** The step of reconfigure's pipeline that failed (see test/ruby/scalr_pipeline.rb). */
export type UsesStage = 'load' | 'secrets' | 'string2boolean' | 'attributes' | 'config.yml';

export interface UsesError {
  /** The Ruby exception class, e.g. Mixlib::Config::UnknownConfigOptionError. */
  class: string;
  message: string;
  stage: UsesStage;
  /** Line in the .rb file named by the message, when Ruby gave one. */
  line?: number;
}

/**
 * What Scalr uses after reconfigure: the node attributes of every group (plus enable_all), and
 * config.yml as Scalr loads it. On failure both are null and error says which step failed.
 */
export type Uses =
  | {
      attributes: Record<string, Canonical>;
      configuration: Canonical;
      /** Secrets reconfigure would generate, as "group.key"; their values are fixed stand-ins. */
      generated: string[];
      error: null;
      warnings?: string[];
    }
  | { attributes: null; configuration: null; generated: string[]; error: UsesError; warnings?: string[] };

/** Texts of the three inputs; secrets as JSON text, or a value to serialise. */
export interface UsesInput {
  main: string | Buffer;
  local?: string | Buffer;
  secrets?: string | Buffer | Record<string, unknown>;
}

export interface UsesPaths {
  main: string;
  local?: string;
  secrets?: string;
}

function checkUses(results: Uses[], expected: number, what: string): Uses[] {
  if (!Array.isArray(results) || results.length !== expected) {
    throw new Error(`${what} returned ${Array.isArray(results) ? results.length : 'no'} results for ${expected} inputs`);
  }
  return results;
}

/** Runs the pipeline on files. Only the paths given are read: nothing is looked up beside main. */
export function loadUsesFiles(paths: UsesPaths[]): Uses[] {
  if (paths.length === 0) return [];
  const r = run([LOAD_CONFIG_RB, '--uses-batch'], JSON.stringify(paths));
  if (r.status !== 0) throw new Error(r.stderr.trim() || `load-config.rb --uses-batch exited with ${r.status}`);
  return checkUses(parseLine<Uses[]>(r.stdout, 'load-config.rb --uses-batch'), paths.length, 'load-config.rb --uses-batch');
}

/**
 * Runs reconfigure's pipeline on many main + local + secrets triples in one Ruby process, each in a
 * fresh configuration. Results are in input order; a failing entry does not affect the others.
 */
export function loadUsesMany(inputs: UsesInput[]): Uses[] {
  if (inputs.length === 0) return [];
  return withTempDir((dir) => {
    const paths = inputs.map((input, i): UsesPaths => {
      const write = (name: string, text: string | Buffer): string => {
        const p = join(dir, `${i}-${name}`);
        writeFileSync(p, text);
        return p;
      };
      const entry: UsesPaths = { main: write('scalr-server.rb', input.main) };
      if (input.local !== undefined) entry.local = write('scalr-server-local.rb', input.local);
      if (input.secrets !== undefined) {
        const s = input.secrets;
        entry.secrets = write('scalr-server-secrets.json', typeof s === 'string' || Buffer.isBuffer(s) ? s : JSON.stringify(s));
      }
      return entry;
    });
    return loadUsesFiles(paths);
  });
}

/** loadUsesMany for one triple. */
export function loadUses(input: UsesInput): Uses {
  return loadUsesMany([input])[0];
}

const LEAF_TAGS = new Set(['$bytes', '$sym', '$int', '$float', '$ruby']);

/** A hash of the configuration, as opposed to an array, a scalar or a tagged value such as {$sym}. */
type CanonicalHash = { [key: string]: Canonical };

function isHash(v: Canonical | undefined): v is CanonicalHash {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return !(keys.length === 1 && LEAF_TAGS.has(keys[0]));
}

/**
 * Where two results of the pipeline differ: key paths under "attributes" and "configuration",
 * down to the deepest hash both sides hold (arrays and scalars compare whole; a key on one side
 * only is reported at that key, unless it is nil there). A
 * change of error is reported as ["error"].
 */
export function usesChanges(before: Uses, after: Uses): string[][] {
  const out: string[][] = [];
  const walk = (a: Canonical | undefined, b: Canonical | undefined, path: string[]): void => {
    if (isHash(a) && isHash(b)) {
      // The tagged leaves also fit CanonicalHash, so the guard alone does not narrow to it.
      const [ha, hb] = [a as CanonicalHash, b as CanonicalHash];
      for (const k of new Set([...Object.keys(ha), ...Object.keys(hb)])) {
        // A nil is read as no key: the same as a key that is not there.
        if (!(k in ha) || !(k in hb)) {
          if ((k in ha ? ha[k] : hb[k]) !== null) out.push([...path, k]);
        } else walk(ha[k], hb[k], [...path, k]);
      }
    } else if (!isDeepStrictEqual(a, b)) {
      out.push(path);
    }
  };
  if (!isDeepStrictEqual(before.error, after.error)) out.push(['error']);
  walk(before.attributes ?? undefined, after.attributes ?? undefined, ['attributes']);
  walk(before.configuration ?? undefined, after.configuration ?? undefined, ['configuration']);
  return out;
}
