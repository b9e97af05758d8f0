/**
 * Model-based check through the real command line: random sequences of `set` / `unset` runs (several
 * changes per run too) on generated files, each compared with a model of what Ruby should then hold.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { commentedSettingFor } from '../../src/edit/commented';
import { parseDocument } from '../../src/ruby/document';
import { toCanonical, type Canonical } from '../../src/values/value';
import {
  bin,
  changeSpecArb,
  cliKeyArb,
  cliSafeKey,
  generatedFileArb,
  isPrefix,
  isUtf8,
  pickPath,
  targetOf,
  type Bin,
  type ChangeSpec,
  type GeneratedFile,
  type LineTag,
} from './arbitraries';
import { assert, assertEqual, bytes, loaded, printable, showText, type Check } from './checks';
import { runCli } from './cli';
import { foldChanges } from './core-properties';
import { normalise } from './model';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const BIN = join(ROOT, 'bin/scalr-conf');

export type CliType = 'string' | 'integer' | 'float' | 'boolean' | 'nil' | 'symbol' | 'json';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export type CliValue =
  | { type: 'string'; bin: Bin }
  | { type: 'integer'; v: bigint }
  | { type: 'float'; v: number }
  | { type: 'boolean'; word: string }
  | { type: 'nil'; word: string }
  | { type: 'symbol'; name: Bin }
  | { type: 'json'; json: Json };

export interface StepSpec {
  type: CliType;
  sets: { change: ChangeSpec; value: CliValue }[];
  unsets: ChangeSpec[];
}

export interface ModelCase {
  file: GeneratedFile;
  steps: StepSpec[];
  /** Run bin/scalr-conf as a process instead of main() in-process. */
  spawn: boolean;
  /** How keys are spelled: dotted where possible (true) or always group[...] brackets. */
  dotted: boolean[];
}

// ------------------------------------------------------------------ values

const jsonKeyArb = fc.oneof(cliKeyArb.map((k) => Buffer.from(k, 'latin1').toString('utf8')), fc.string({ maxLength: 6 })).filter((k) => k !== '__proto__');

const jsonArb: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -1e6, max: 1e6 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ unit: 'grapheme', maxLength: 8 }),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.uniqueArray(fc.tuple(jsonKeyArb, tie('v')), { selector: ([k]) => k, maxLength: 3 }).map((es) => Object.fromEntries(es) as Json),
  ),
})).v;

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, false: false, yes: true, no: false, on: true, off: false, '1': true, '0': false, TRUE: true, Off: false };

function valueArb(type: CliType): fc.Arbitrary<CliValue> {
  switch (type) {
    case 'string':
      return fc
        .oneof(
          fc.constantFrom('local', 'public', '', 'a b', '-5', '--', '-', `\\'; system("id") #`, '#{1+1}', '"quoted"', 'tab\there', 'line\nbreak', bin('é日本'), '\xff\xfe', 'nul\0byte'),
          fc.string({ unit: 'grapheme', maxLength: 10 }).map(bin),
          fc.uint8Array({ maxLength: 6 }).map((u) => Buffer.from(u).toString('latin1')),
        )
        .map((b) => ({ type, bin: b }));
    case 'integer':
      return fc.oneof(fc.bigInt(-1000n, 100000n), fc.bigInt(-(2n ** 70n), 2n ** 70n)).map((v) => ({ type, v }));
    case 'float':
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-0, 0.5, 1e21, 2.5e-8)).map((v) => ({ type, v }));
    case 'boolean':
      return fc.constantFrom(...Object.keys(BOOLEAN_WORDS)).map((word) => ({ type, word }));
    case 'nil':
      return fc.constantFrom('', 'nil', 'null').map((word) => ({ type, word }));
    case 'symbol':
      return fc.constantFrom('local', 'public', 'foo?', 'a b', bin('é'), '#{x}').map((name) => ({ type, name }));
    case 'json':
      return jsonArb.map((json) => ({ type, json }));
  }
}

function jsonCanonical(v: Json): Canonical {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    // As JSON reads the text the command line gets: digits only are an exact Integer (JSON.stringify
    // of 114794849303154816 is "114794849303154820"), a fraction or an exponent a Float.
    const text = JSON.stringify(v);
    if (!/^-?\d+$/.test(text)) return { $float: v };
    const n = BigInt(text);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : { $int: n.toString() };
  }
  if (Array.isArray(v)) return v.map(jsonCanonical);
  const o: { [k: string]: Canonical } = {};
  for (const [k, x] of Object.entries(v)) Object.defineProperty(o, k, { value: jsonCanonical(x), enumerable: true, writable: true, configurable: true });
  return o;
}

/** What Ruby should hold after `set KEY VALUE --type T`. */
export function expectedCanonical(v: CliValue): Canonical {
  switch (v.type) {
    case 'string':
      return toCanonical({ kind: 'string', bin: v.bin });
    case 'integer':
      return toCanonical({ kind: 'integer', value: v.v });
    case 'float':
      return { $float: v.v };
    case 'boolean':
      return BOOLEAN_WORDS[v.word];
    case 'nil':
      return null;
    case 'symbol':
      return { $sym: Buffer.from(v.name, 'latin1').toString('utf8') };
    case 'json':
      return jsonCanonical(v.json);
  }
}

const stepArb: fc.Arbitrary<StepSpec> = fc
  .constantFrom<CliType>('string', 'string', 'string', 'integer', 'float', 'boolean', 'nil', 'symbol', 'json', 'json')
  .chain((type) =>
    fc.record({
      type: fc.constant(type),
      sets: fc.array(fc.record({ change: changeSpecArb(cliKeyArb), value: valueArb(type) }), { maxLength: 2 }),
      unsets: fc.array(changeSpecArb(cliKeyArb), { maxLength: 2 }),
    }),
  )
  .map((s) => (s.sets.length + s.unsets.length === 0 ? { ...s, unsets: [{ op: 'unset', where: 'existing', pick: 0, extra: ['a'], group: 'app', value: { kind: 'nil' } } as ChangeSpec] } : s));

export const modelCaseArb = (spawn = false): fc.Arbitrary<ModelCase> =>
  fc.record({
    file: generatedFileArb({ opaque: 1, maxStatements: 10 }),
    steps: fc.array(stepArb, { minLength: 1, maxLength: 4 }),
    spawn: fc.constant(spawn),
    dotted: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  });

// ------------------------------------------------------------------ command lines

const cliSafePath = (p: Bin[]): boolean => p.length >= 2 && p.slice(1).every(cliSafeKey);

const text = (b: Bin): string => Buffer.from(b, 'latin1').toString('utf8');
// Tested on the decoded text, as the CLI does: U+2028 and NBSP are white space there.
const DOTTED_SEGMENT = /^[^.\s\x00-\x1f\x7f\[\]"'\\]+$/;

/** The key as a user types it: dotted below app[:configuration]["scalr"] when it can be, else brackets. */
export function cliKey(path: Bin[], dotted: boolean): string {
  if (path[0] === 'enable_all') return 'enable_all';
  const rest = path.slice(3);
  if (dotted && path[0] === 'app' && path[1] === 'configuration' && path[2] === 'scalr' && rest.length && rest.every((s) => DOTTED_SEGMENT.test(text(s))) && !rest[0].startsWith('-')) {
    const key = rest.map(text).join('.');
    return rest[0] === 'scalr' || rest.length === 1 ? `scalr.${key}` : key;
  }
  return path[0] + path.slice(1).map((s) => (/^[A-Za-z_]\w*$/.test(s) ? `[:${s}]` : `["${text(s).replace(/[\\"]/g, '\\$&')}"]`)).join('');
}

export interface ResolvedStep {
  args: string[];
  stdin?: Buffer;
  changes: { op: 'set' | 'unset'; path: Bin[]; canonical?: Canonical }[];
}

/** The command line of a step and the changes it makes, in the order the tool applies them. */
export function resolveStep(step: StepSpec, candidates: Bin[][], dotted: boolean, spawn: boolean, file: string): ResolvedStep {
  const base = ['--file', file, '--no-reconfigure', '--backups', '0', '--no-verify', '--force'];
  const changes: ResolvedStep['changes'] = [];
  let stdin: Buffer | undefined;
  const kvs: string[] = [];
  for (const { change, value } of step.sets) {
    const path = pickPath(change, candidates);
    let v = value;
    let arg: string;
    if (v.type === 'string') {
      let b = v.bin;
      if (spawn) b = b.replace(/\0/g, ' ');
      if ((!isUtf8(b) || b === '-') && stdin === undefined) {
        // Bytes that are not UTF-8 cannot be argv text: they come on stdin, which loses one final newline.
        if (/\r?\n$/.test(b)) b += '.';
        stdin = Buffer.from(b, 'latin1');
        arg = '-';
      } else {
        if (!isUtf8(b)) b = bin(text(b));
        if (b === '-') b = '-.';
        arg = text(b);
      }
      v = { type: 'string', bin: b };
    } else if (v.type === 'integer') arg = v.v.toString();
    else if (v.type === 'float') arg = Object.is(v.v, -0) ? '-0' : String(v.v);
    else if (v.type === 'boolean' || v.type === 'nil') arg = v.word;
    else if (v.type === 'symbol') arg = text(v.name);
    else arg = JSON.stringify(v.json);
    kvs.push(cliKey(path, dotted), arg);
    changes.push({ op: 'set', path, canonical: expectedCanonical(v) });
  }
  const unsetKeys = step.unsets.map((c) => {
    const path = pickPath(c, candidates);
    changes.push({ op: 'unset', path });
    return cliKey(path, dotted);
  });
  const args = step.sets.length
    ? [...base, '--type', step.type, 'set', ...(unsetKeys.length ? ['--unset', ...unsetKeys] : []), '--', ...kvs]
    : [...base, 'unset', '--', ...unsetKeys];
  return { args, stdin, changes };
}

async function run(args: string[], stdin: Buffer | undefined, spawn: boolean): Promise<{ code: number; stderr: string; stdout: string }> {
  if (!spawn) return runCli(args, { stdin });
  const r = spawnSync(process.execPath, [BIN, ...args], { input: stdin ?? Buffer.alloc(0), encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stderr: r.stderr, stdout: r.stdout };
}

// ------------------------------------------------------------------ preservation

function norm(line: string): string {
  return line.replace(/\r$/, '').replace(/,/g, '').trimEnd();
}

/** Whether a line of the original may go when these paths change: blank, or on one of the paths. */
function deletable(tags: LineTag[], line: string, changed: Bin[][]): boolean {
  if (line.trim() === '') return true;
  return tags.some((t) => t.path.length > 0 && changed.some((c) => isPrefix(c, t.path) || (t.role === 'own' && t.path.length < c.length && isPrefix(t.path, c))));
}

/**
 * Every line of the original that holds nothing on a changed path (its own key, its value, the
 * braces of hashes around it) is still in the text, in order, up to commas.
 */
export function checkPreserved(file: GeneratedFile, current: string, changed: Bin[][]): void {
  const orig = file.text.split('\n');
  const now = current.split('\n').map(norm);
  let at = 0;
  // A commented-out line of a changed key may have been taken over by its set.
  const doc = parseDocument(file.text);
  const taken = new Set(changed.flatMap((c) => {
    const t = commentedSettingFor(doc, targetOf(c));
    return t ? [t.comment.startPosition.row] : [];
  }));
  orig.forEach((line, i) => {
    if (taken.has(i) || deletable(file.lineTags[i] ?? [], line, changed)) return;
    const want = norm(line);
    const found = now.indexOf(want, at);
    assert(found >= 0, `line ${i + 1} of the original, ${printable(line)}, is on no changed path but is gone or out of order`);
    at = found + 1;
  });
}

// ------------------------------------------------------------------ the check

interface StepRun {
  resolved: ResolvedStep;
  code: number;
  stderr: string;
  /** Index into texts() of the file after this step; -1 when the step was refused. */
  textIndex: number;
}
interface ModelPrep {
  texts: Buffer[];
  steps: StepRun[];
}

const OK = 0;
const REFUSED = 3;

/** The command lines a case ran, for its report (later steps pick paths earlier ones created). */
const ranLines = new WeakMap<ModelCase, string[]>();

function commandLine(r: ResolvedStep): string {
  const args = r.args.slice(r.args.indexOf('--force') + 1);
  return `scalr-conf ${args.map((a) => printable(a)).join(' ')}${r.stdin ? ` < ${printable(r.stdin.toString('latin1'))}` : ''}`;
}

export function modelCheck(spawn = false): Check<ModelCase, ModelPrep> {
  return {
    name: spawn ? 'command line model (bin/scalr-conf processes)' : 'command line model',
    proves:
      'after every set/unset run of the CLI the configuration Ruby evaluates equals the model; refusals (exit REFUSED) leave the bytes alone and only happen across a non-hash, a non-literal or a later write below; a repeated run changes nothing; every original line not on a changed path survives in order',
    weight: spawn ? 0 : 2,
    chunk: 25,
    arb: modelCaseArb(spawn),
    async prepare(v) {
      ranLines.set(v, []);
      const dir = mkdtempSync(join(tmpdir(), 'scalr-conf-model-'));
      const file = join(dir, 'scalr-server.rb');
      try {
        writeFileSync(file, bytes(v.file.text));
        const candidates = v.file.paths.filter(cliSafePath);
        const texts: Buffer[] = [bytes(v.file.text)];
        const steps: StepRun[] = [];
        const changed: Bin[][] = [];
        for (const [i, step] of v.steps.entries()) {
          const before = readFileSync(file);
          const resolved = resolveStep(step, candidates, v.dotted[i % v.dotted.length], v.spawn, file);
          ranLines.set(v, [...(ranLines.get(v) ?? []), commandLine(resolved)]);
          const r = await run(resolved.args, resolved.stdin, v.spawn);
          const after = readFileSync(file);
          assert(r.code === OK || r.code === REFUSED, `step ${i + 1} exited ${r.code}: ${r.stderr.trim()}`);
          if (r.code === REFUSED) {
            assert(after.equals(before), `step ${i + 1} was refused but changed the file`);
            steps.push({ resolved, code: r.code, stderr: r.stderr, textIndex: -1 });
            continue;
          }
          parseDocument(after.toString('latin1'));
          for (const c of resolved.changes) {
            changed.push(c.path);
            if (c.op === 'set' && cliSafePath(c.path)) candidates.push(c.path);
          }
          checkPreserved(v.file, after.toString('latin1'), changed);
          const paths = resolved.changes.map((c) => c.path);
          const independent = paths.every((p, a) => paths.every((q, b) => a === b || (!isPrefix(p, q) && !isPrefix(q, p))));
          if (independent) {
            const again = await run(resolved.args, resolved.stdin, v.spawn);
            assert(again.code === OK, `repeating step ${i + 1} exited ${again.code}: ${again.stderr.trim()}`);
            assert(readFileSync(file).equals(after), `repeating step ${i + 1} changed the file again:\n${showText(readFileSync(file).toString('latin1'))}`);
          }
          texts.push(after);
          steps.push({ resolved, code: r.code, stderr: r.stderr, textIndex: texts.length - 1 });
        }
        return { texts, steps };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    texts: (p) => p.texts,
    verify(v, p, results) {
      let state = loaded(results[0], 'the generated file');
      p.steps.forEach((s, i) => {
        const fold = foldChanges(v.file, state, s.resolved.changes);
        if (s.code === REFUSED) {
          assert(fold.justified, `step ${i + 1} was refused without reason: ${s.stderr.trim()}`);
          return;
        }
        assert(!fold.mustRefuse, `step ${i + 1} went through although ${fold.mustRefuse}`);
        const now = loaded(results[s.textIndex], `the file after step ${i + 1}`);
        assertEqual(normalise(now), normalise(fold.state), `after step ${i + 1} Ruby disagrees with the model`);
        state = now;
      });
    },
    show(v) {
      const lines = (ranLines.get(v) ?? []).map((l, i) => `  ${i + 1}. ${l}`);
      return `file (${v.file.text.length} bytes):\n${showText(v.file.text)}\nruns, each with --file F --no-reconfigure --backups 0 --no-verify --force:\n${lines.join('\n')}`;
    },
  };
}

export const modelBased = modelCheck(false);
export const modelBasedSpawned = modelCheck(true);
