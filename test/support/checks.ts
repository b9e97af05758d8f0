/**
 * Property checks whose oracle is real Ruby, run in batches: the TypeScript side of every run
 * goes first (and fails fast-check runs the ordinary way), then one Ruby process evaluates all the
 * texts those runs produced, then each run's Ruby-side assertions are checked. A run that fails
 * only there is replayed from its seed and path with Ruby called per run, so fast-check still
 * shrinks it. Shared by the vitest suites and `npm run fuzz`.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import type { Canonical } from '../../src/values/value';
import { loadMany, type ConfigText, type Effective, type LoadResult } from './ruby';

export interface Check<T, P> {
  name: string;
  /** What passing proves, one sentence. */
  proves: string;
  arb: fc.Arbitrary<T>;
  /** TypeScript-side work and assertions (throw to fail); returns what Ruby must evaluate. */
  prepare(v: T): P | Promise<P>;
  texts(p: P): ConfigText[];
  /** Assertions on Ruby's results for texts(p), in order. */
  verify(v: T, p: P, results: LoadResult[]): void;
  /** The counterexample as a person reads it. */
  show(v: T): string;
  /** Share of a fuzz budget. */
  weight: number;
  /** Runs per Ruby batch, for checks whose runs are slow. */
  chunk?: number;
  /** How Ruby evaluates the inputs texts() returns, many at once; default: loadAll (the files alone). */
  load?: (inputs: any[]) => any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export type AnyCheck = Check<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface CheckResult {
  name: string;
  passed: number;
  failed: number;
  ms: number;
  /** The shrunk counterexample and the error, when a run failed. */
  report?: string;
}

export interface RunOptions {
  seed: number;
  numRuns: number;
  /** Runs per Ruby batch. */
  chunk?: number;
  /** How long shrinking may take before the smallest case so far is reported. */
  shrinkMs?: number;
  progress?: (done: number, total: number) => void;
}

const RUBY_BATCH = 400;

/** Seeds of successive chunks: different streams, reproducible from the base seed. */
export function chunkSeed(seed: number, index: number): number {
  return index === 0 ? seed : (Math.imul(seed ^ (index * 0x9e3779b1), 0x85ebca6b) >>> 1) | 0;
}

/** loadMany over any number of texts, a few hundred per Ruby process. */
export function loadAll(texts: ConfigText[]): LoadResult[] {
  const out: LoadResult[] = [];
  for (let i = 0; i < texts.length; i += RUBY_BATCH) out.push(...loadMany(texts.slice(i, i + RUBY_BATCH)));
  return out;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

function report(check: AnyCheck, value: unknown, error: unknown, seed: number, path: string | null, shrinks: number): string {
  return [
    `check "${check.name}" failed (seed ${seed}, path ${path ?? '?'}, ${shrinks} shrinks)`,
    'counterexample:',
    check.show(value),
    'error:',
    errorText(error),
  ].join('\n');
}

export async function runCheck(check: AnyCheck, opts: RunOptions): Promise<CheckResult> {
  const started = Date.now();
  const chunk = opts.chunk ?? check.chunk ?? 250;
  let passed = 0;
  for (let c = 0, done = 0; done < opts.numRuns; c++) {
    const n = Math.min(chunk, opts.numRuns - done);
    const seed = chunkSeed(opts.seed, c);
    const collected: { v: unknown; p: unknown }[] = [];
    const first = await fc.check(
      fc.asyncProperty(check.arb, async (v) => {
        collected.push({ v, p: await check.prepare(v) });
      }),
      { seed, numRuns: n },
    );
    if (first.failed) {
      return {
        name: check.name,
        passed: passed + first.numRuns - 1,
        failed: 1,
        ms: Date.now() - started,
        report: report(check, first.counterexample?.[0], first.errorInstance, seed, first.counterexamplePath, first.numShrinks),
      };
    }
    const texts = collected.map(({ p }) => check.texts(p));
    const flat = (check.load ?? loadAll)(texts.flat());
    let at = 0;
    for (let i = 0; i < collected.length; i++) {
      const results = flat.slice(at, at + texts[i].length);
      at += texts[i].length;
      try {
        check.verify(collected[i].v, collected[i].p, results);
      } catch (error) {
        const shrunk = await shrink(check, seed, i, opts.shrinkMs ?? 120_000);
        return {
          name: check.name,
          passed: passed + i,
          failed: 1,
          ms: Date.now() - started,
          report: shrunk ?? report(check, collected[i].v, error, seed, String(i), 0),
        };
      }
    }
    passed += n;
    done += n;
    opts.progress?.(done, opts.numRuns);
  }
  return { name: check.name, passed, failed: 0, ms: Date.now() - started };
}

/** Replays run `index` of a chunk with Ruby per run, so fast-check shrinks it. */
async function shrink(check: AnyCheck, seed: number, index: number, budgetMs: number): Promise<string | undefined> {
  const deadline = Date.now() + budgetMs;
  const details = await fc.check(
    fc.asyncProperty(check.arb, async (v) => {
      // Out of time: candidates count as passing, so the smallest failure so far is reported.
      if (Date.now() > deadline) return;
      const p = await check.prepare(v);
      check.verify(v, p, (check.load ?? loadMany)(check.texts(p)));
    }),
    { seed, path: String(index), numRuns: 1 },
  );
  if (!details.failed) return undefined;
  return report(check, details.counterexample?.[0], details.errorInstance, seed, details.counterexamplePath, details.numShrinks);
}

// ------------------------------------------------------------------ helpers on canonical values

export type Obj = { [key: string]: Canonical };

export function isHash(v: Canonical | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !['$sym', '$bytes', '$int', '$float', '$ruby'].some((m) => m in v);
}

/** The canonical JSON key of a byte-string key (as the loader prints it). */
export function ckey(seg: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(seg, 'latin1'));
  } catch {
    return seg;
  }
}

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** What Ruby holds at a group-prefixed path: { value } or undefined when absent. */
export function at(eff: Effective, path: string[]): { value: Canonical } | undefined {
  // enable_all is null both when never set and when set to nil.
  if (path[0] === 'enable_all') return { value: eff.enable_all };
  let cur: Canonical = eff.groups[path[0]];
  for (const seg of path.slice(1)) {
    const k = ckey(seg);
    if (!isHash(cur) || !has(cur, k)) return undefined;
    cur = (cur as Obj)[k];
  }
  return { value: cur };
}

/** The first proper prefix of the path holding something that is not a hash, if any. */
export function nonHashOnPath(eff: Effective, path: string[]): string[] | undefined {
  if (path[0] === 'enable_all') return undefined;
  let cur: Canonical = eff.groups[path[0]];
  for (let i = 1; i < path.length; i++) {
    if (!isHash(cur)) return path.slice(0, i);
    const k = ckey(path[i]);
    if (!has(cur, k)) return undefined;
    cur = (cur as Obj)[k];
  }
  return undefined;
}

export function assertEqual(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(`${what}\n  expected: ${JSON.stringify(expected)}\n  actual:   ${JSON.stringify(actual)}${firstDifference(actual, expected)}`);
  }
}

function firstDifference(a: unknown, b: unknown, path = ''): string {
  if (isDeepStrictEqual(a, b)) return '';
  if (typeof a === 'object' && typeof b === 'object' && a && b && !Array.isArray(a) && !Array.isArray(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference((a as Obj)[k], (b as Obj)[k], `${path}/${k}`);
      if (d) return d;
    }
  }
  return `\n  first difference at ${path || '/'}: expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}`;
}

/** A byte string (one char per byte) as the bytes Ruby must read. */
export const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

/** The loader's result for a text, or an error naming what failed to load. */
export function loaded(r: LoadResult, what: string): Effective {
  if (!r.ok) throw new Error(`${what} does not load in Ruby: ${r.error}`);
  return r.value;
}

/** JSON with every char outside printable ASCII escaped, so bytes stay visible in reports. */
export function printable(v: unknown): string {
  return JSON.stringify(v).replace(/[\x7f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** A byte string as a readable, copyable JS literal, line by line. */
export function showText(text: string): string {
  const lines = text.split('\n');
  return lines.map((l, i) => `  ${String(i + 1).padStart(3)} | ${printable(i < lines.length - 1 ? l + '\n' : l).slice(1, -1)}`).join('\n');
}
