/**
 * The core's properties over generated files, checked against real Ruby: planChanges must land a
 * set where Ruby reads it, leave every other setting alone, be idempotent, undo exactly, refuse
 * only with a reason, and always produce text that parses and loads.
 */
import fc from 'fast-check';
import { commentedSettingFor } from '../../src/edit/commented';
import { parseDocument } from '../../src/ruby/document';
import { isBlank, lineEnd, lineStart, nextLineStart } from '../../src/ruby/lines';
import { ScalrConfError } from '../../src/values/errors';
import { planChanges, type Change } from '../../src/edit/plan';
import { getValue } from '../../src/ruby/query';
import { toCanonical, type Canonical, type RubyValue } from '../../src/values/value';
import type { Effective } from './ruby';
import {
  changeSeqArb,
  changeSpecArb,
  generatedFileArb,
  hashFileArb,
  isPrefix,
  laterWriteBelow,
  resolvePath,
  targetOf,
  type ChangeSpec,
  type GeneratedFile,
} from './arbitraries';
import { assert, assertEqual, at, bytes, ckey, loaded, nonHashOnPath, printable, showText, type Check } from './checks';
import { clone, modelSet, modelUnset, normalise } from './model';
import { reachesConfigYml } from '../../src/model/pipeline';

/** What the generator knows about a file: its non-literal constructs and top-level writes. */
export type FileFacts = { opaque: string[][]; writes: string[][] };

export type Outcome = { ok: true; after: string } | { ok: false; code: string; message: string };

/** planChanges, with refusals as data; any other failure is a bug and propagates. */
export function plan(text: string, changes: Change[]): Outcome {
  try {
    return { ok: true, after: planChanges(text, changes, { force: true }).after };
  } catch (e) {
    if (e instanceof ScalrConfError && (e.code === 'not-hash' || e.code === 'unsupported')) return { ok: false, code: e.code, message: e.message };
    throw e;
  }
}

export interface Resolved {
  op: 'set' | 'unset';
  path: string[];
  value?: RubyValue;
}

export function changeOf(r: Resolved): Change {
  return r.op === 'set' ? { op: 'set', target: targetOf(r.path), value: r.value! } : { op: 'unset', target: targetOf(r.path) };
}

export function resolve(file: GeneratedFile, c: ChangeSpec): Resolved {
  return { op: c.op, path: resolvePath(file, c), value: c.op === 'set' ? c.value : undefined };
}

/** The expected effect of one change on what Ruby holds. */
export function applyModel(eff: Effective, r: { op: 'set' | 'unset'; path: string[]; canonical?: Canonical }): Effective {
  if (r.path[0] === 'enable_all') {
    const next = clone(eff);
    next.enable_all = r.op === 'set' ? clone(r.canonical!) : null;
    return next;
  }
  const keys = r.path.slice(1).map(ckey);
  return r.op === 'set' ? modelSet(eff, r.path[0], keys, r.canonical!) : modelUnset(eff, r.path[0], keys);
}

/** A non-literal construct decides this path, something inside it, or something it is inside. */
export function opaqueRelated(file: FileFacts, path: string[]): boolean {
  return file.opaque.some((o) => isPrefix(o, path) || isPrefix(path, o));
}

/** Why refusing this change is right, or undefined when a refusal would be a bug. */
export function refusalReason(file: FileFacts, eff: Effective, op: 'set' | 'unset', path: string[]): string | undefined {
  const blocked = op === 'set' ? nonHashOnPath(eff, path) : undefined;
  if (blocked) return `${JSON.stringify(blocked)} holds ${JSON.stringify(at(eff, blocked)?.value)}, not a hash`;
  if (opaqueRelated(file, path)) return 'a non-literal construct on the path';
  // A set replaces the last assignment; an unset removes every one, so any statement below counts.
  const later = op === 'set' ? laterWriteBelow(file, path) : file.writes.find((w) => w.length > path.length && isPrefix(path, w));
  if (later) return `a later statement writes below it (${JSON.stringify(later)})`;
  return undefined;
}

/**
 * config.yml is dumped as YAML, which fails on a string that is not UTF-8 (a key or a value). Which
 * attributes reach config.yml is the pipeline's list; test/bytes.test.ts holds it to Ruby.
 */
export function notForConfigYml(path: string[], value: Canonical | undefined): string | undefined {
  if (!reachesConfigYml(path)) return undefined;
  // Path keys are byte strings; a value's keys come from JSON text, which is UTF-8.
  const bad = (v: unknown): boolean => v !== null && typeof v === 'object' && ('$bytes' in v || Object.values(v).some(bad));
  return path.some((k) => !isUtf8Bin(k)) || bad(value) ? 'config.yml cannot hold a string that is not UTF-8' : undefined;
}

function isUtf8Bin(bin: string): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(bin, 'latin1'));
    return true;
  } catch {
    return false;
  }
}

/** Walks a change sequence over the model; returns the end state, or why a refusal is justified. */
export function foldChanges(file: FileFacts, eff: Effective, changes: { op: 'set' | 'unset'; path: string[]; canonical?: Canonical }[]) {
  let state = eff;
  let justified: string | undefined;
  let mustRefuse: string | undefined;
  for (const c of changes) {
    const reason = refusalReason(file, state, c.op, c.path) ?? (c.op === 'set' ? notForConfigYml(c.path, c.canonical) : undefined);
    justified ??= reason;
    // A set across a non-hash can only be refused; anything else may go through.
    if (c.op === 'set' && nonHashOnPath(state, c.path)) mustRefuse ??= reason;
    else state = applyModel(state, c);
  }
  return { state, justified, mustRefuse };
}

function describe(r: Resolved): string {
  return `${r.op} ${printable(r.path)}${r.op === 'set' ? ` = ${printable(toCanonical(r.value!))}` : ''}`;
}

function showCase(file: GeneratedFile, changes: Resolved[]): string {
  return `file (${file.text.length} bytes):\n${showText(file.text)}\nchanges:\n${changes.map((c) => '  ' + describe(c)).join('\n')}`;
}

const canon = (v: RubyValue): Canonical => toCanonical(v);

// ------------------------------------------------------------------ set

interface OneCase {
  file: GeneratedFile;
  change: ChangeSpec;
}
interface OnePrep {
  text: string;
  r: Resolved;
  out: Outcome;
}

const setArb = (fileArb: fc.Arbitrary<GeneratedFile>) => fc.record({ file: fileArb, change: changeSpecArb().map((c) => ({ ...c, op: 'set' as const })) });

function setCheck(name: string, fileArb: fc.Arbitrary<GeneratedFile>, weight: number): Check<OneCase, OnePrep> {
  return {
    name,
    proves:
      'a set lands where Ruby reads it (getValue on the new text and Ruby both return the value), changes no other setting, ' +
      'a second identical set changes no byte, the text re-parses in tree-sitter and loads in Ruby, and a refusal only ever comes from a non-hash or non-literal on the path',
    weight,
    arb: setArb(fileArb),
    prepare({ file, change }) {
      const r = resolve(file, change);
      const out = plan(file.text, [changeOf(r)]);
      if (out.ok) {
        const doc = parseDocument(out.after);
        const got = getValue(doc, targetOf(r.path));
        assert(got, `getValue finds nothing at ${JSON.stringify(r.path)} after the set`);
        assertEqual(canon(got.value), canon(r.value!), 'getValue after the set');
        const again = plan(out.after, [changeOf(r)]);
        assert(again.ok, `setting the same value again is refused: ${!again.ok && again.message}`);
        assert(again.after === out.after, `setting the same value again changes the text:\n${showText(again.after)}`);
      }
      return { text: file.text, r, out };
    },
    texts: ({ text, out }) => (out.ok ? [bytes(text), bytes(out.after)] : [bytes(text)]),
    verify({ file }, { r, out }, [before, after]) {
      const eff = loaded(before, 'the generated file');
      if (!out.ok) {
        assert(refusalReason(file, eff, 'set', r.path), `unjustified refusal (${out.code}): ${out.message}`);
        return;
      }
      const blocked = nonHashOnPath(eff, r.path);
      assert(!blocked, `the set went through although ${JSON.stringify(blocked)} holds a non-hash in Ruby`);
      const now = loaded(after, 'the text after the set');
      assertEqual(at(now, r.path)?.value, canon(r.value!), 'Ruby reads a different value at the path');
      assertEqual(normalise(now), normalise(applyModel(eff, { op: 'set', path: r.path, canonical: canon(r.value!) })), 'other settings changed');
    },
    show: ({ file, change }) => showCase(file, [resolve(file, change)]),
  };
}

export const setWholeFiles = setCheck('set on whole files', generatedFileArb({ opaque: 1 }), 5);
export const setHashLiterals = setCheck('set in hash literals of every key style', hashFileArb, 3);

// ------------------------------------------------------------------ set, then unset a new key

interface UndoPrep extends OnePrep {
  undone?: Outcome;
}

export const setThenUnsetNew: Check<OneCase, UndoPrep> = {
  name: 'set then unset of a new key',
  proves:
    'unsetting a key the set just created restores the original bytes exactly (when the key was new and its nearest existing ancestor is a non-empty hash or a group), less the commented-out line of the key the set took over',
  weight: 3,
  arb: fc.record({
    file: fc.oneof(generatedFileArb({ opaque: 1 }), hashFileArb),
    change: changeSpecArb().map((c) => ({ ...c, op: 'set' as const, where: c.where === 'existing' ? ('child' as const) : c.where })),
  }),
  prepare({ file, change }) {
    const r = resolve(file, change);
    const out = plan(file.text, [changeOf(r)]);
    if (!out.ok) return { text: file.text, r, out };
    const undone = plan(out.after, [{ op: 'unset', target: targetOf(r.path) }]);
    assert(undone.ok, `unsetting the key just set is refused: ${!undone.ok && undone.message}`);
    parseDocument(undone.after);
    return { text: file.text, r, out, undone };
  },
  texts: ({ text, undone }) => (undone?.ok ? [bytes(text), bytes(undone.after)] : [bytes(text)]),
  verify({ file }, { r, out, undone }, [before, after]) {
    const eff = loaded(before, 'the generated file');
    if (!out.ok) {
      assert(refusalReason(file, eff, 'set', r.path), `unjustified refusal (${out.code}): ${out.message}`);
      return;
    }
    const restored = undone!.ok ? undone!.after : '';
    assertEqual(normalise(loaded(after, 'the text after set and unset')), normalise(applyModel(eff, { op: 'unset', path: r.path })), 'set then unset changed other settings');
    if (!isNew(eff, file, r.path) || opaqueRelated(file, r.path)) return;
    const expected = withoutTakenLine(file.text, r.path);
    assert(restored === expected, `set then unset of a new key did not restore the bytes:\n${showText(restored)}`);
  },
  show: ({ file, change }) => showCase(file, [resolve(file, change)]),
};

/**
 * What set then unset of a new key gives back: the original bytes, except that a commented-out line
 * of the key, which the set took over, is gone as unset removes any line of its own (a statement
 * between two blank lines takes one of them; the last line without a final newline takes the line
 * break before it).
 */
function withoutTakenLine(text: string, path: string[]): string {
  const taken = commentedSettingFor(parseDocument(text), targetOf(path));
  if (!taken) return text;
  let from = lineStart(text, taken.comment.startIndex);
  const to = nextLineStart(text, taken.end);
  if (to === text.length && !text.endsWith('\n')) return text.slice(0, from > 0 ? from - (text[from - 2] === '\r' ? 2 : 1) : 0);
  const topLevel = taken.comment.parent?.type === 'program';
  if (topLevel && from > 0 && to < text.length) {
    const prev = lineStart(text, from - 1);
    if (isBlank(text, prev, from - 1) && isBlank(text, to, lineEnd(text, to))) from = prev;
  }
  return text.slice(0, from) + text.slice(to);
}

/**
 * Absent in Ruby, and the nearest ancestor Ruby has is a group, or a hash literal with other keys
 * (an empty one is pruned again, or grows over lines; keys only later statements add are not in it).
 */
function isNew(eff: Effective, file: FileFacts, path: string[]): boolean {
  if (path[0] === 'enable_all') return eff.enable_all === null;
  if (at(eff, path)) return false;
  for (let n = path.length - 1; n >= 1; n--) {
    const anc = at(eff, path.slice(0, n));
    if (!anc) continue;
    if (n === 1) return true;
    const keys = typeof anc.value === 'object' && anc.value !== null ? Object.keys(anc.value) : [];
    const written = new Set(file.writes.filter((w) => w.length === n + 1 && isPrefix(path.slice(0, n), w)).map((w) => ckey(w[n])));
    return keys.some((k) => !written.has(k));
  }
  return true;
}

// ------------------------------------------------------------------ unset

export const unsetCheck: Check<OneCase, OnePrep> = {
  name: 'unset',
  proves:
    'an unset removes the key as Ruby sees it (duplicates and earlier writes included) and prunes only hashes it empties, changes no other setting, is idempotent, and yields text that parses and loads',
  weight: 4,
  arb: fc.record({ file: generatedFileArb({ opaque: 1 }), change: changeSpecArb().map((c) => ({ ...c, op: 'unset' as const })) }),
  prepare({ file, change }) {
    const r = resolve(file, change);
    const out = plan(file.text, [changeOf(r)]);
    if (out.ok) {
      const doc = parseDocument(out.after);
      const got = getValue(doc, targetOf(r.path));
      assert(!got, `getValue still finds ${JSON.stringify(got && canon(got.value))} after the unset`);
      const again = plan(out.after, [changeOf(r)]);
      assert(again.ok && again.after === out.after, 'a second unset changes the text or is refused');
    }
    return { text: file.text, r, out };
  },
  texts: ({ text, out }) => (out.ok ? [bytes(text), bytes(out.after)] : [bytes(text)]),
  verify({ file }, { r, out }, [before, after]) {
    const eff = loaded(before, 'the generated file');
    if (!out.ok) {
      assert(refusalReason(file, eff, 'unset', r.path), `unjustified refusal (${out.code}): ${out.message}`);
      return;
    }
    const now = loaded(after, 'the text after the unset');
    const still = at(now, r.path);
    assert(!still || (r.path[0] === 'enable_all' && still.value === null), `Ruby still has ${JSON.stringify(still?.value)} at the path`);
    assertEqual(normalise(now), normalise(applyModel(eff, { op: 'unset', path: r.path })), 'other settings changed');
  },
  show: ({ file, change }) => showCase(file, [resolve(file, change)]),
};

// ------------------------------------------------------------------ change sequences

interface SeqCase {
  file: GeneratedFile;
  changes: ChangeSpec[];
}
interface SeqPrep {
  text: string;
  rs: Resolved[];
  out: Outcome;
}

export const sequenceCheck: Check<SeqCase, SeqPrep> = {
  name: 'change sequences in one plan',
  proves:
    'several sets and unsets planned together give what Ruby would hold after applying them one by one, and are refused only when one of them crosses a non-hash or a non-literal',
  weight: 4,
  arb: fc.record({ file: generatedFileArb({ opaque: 1 }), changes: changeSeqArb() }),
  prepare({ file, changes }) {
    const rs = changes.map((c) => resolve(file, c));
    const out = plan(file.text, rs.map(changeOf));
    if (out.ok) parseDocument(out.after);
    return { text: file.text, rs, out };
  },
  texts: ({ text, out }) => (out.ok ? [bytes(text), bytes(out.after)] : [bytes(text)]),
  verify({ file }, { rs, out }, [before, after]) {
    const eff = loaded(before, 'the generated file');
    const fold = foldChanges(file, eff, rs.map((r) => ({ op: r.op, path: r.path, canonical: r.value && canon(r.value) })));
    if (!out.ok) {
      assert(fold.justified, `unjustified refusal (${out.code}): ${out.message}`);
      return;
    }
    assert(!fold.mustRefuse, `the changes went through although ${fold.mustRefuse}`);
    assertEqual(normalise(loaded(after, 'the text after the changes')), normalise(fold.state), 'Ruby disagrees with the model');
  },
  show: ({ file, changes }) => showCase(file, changes.map((c) => resolve(file, c))),
};

// ------------------------------------------------------------------ the core reads files as Ruby does

interface ReadPrep {
  text: string;
  groups: Record<string, Canonical>;
  enableAll: Canonical;
}

export const modelAgreesCheck: Check<GeneratedFile, ReadPrep> = {
  name: 'the core reads literal files as Ruby does',
  proves:
    'for files made only of literals, the value getValue reports for every key of every group equals what Ruby evaluates (escapes, heredocs, numbers, symbols, duplicate keys, later writes)',
  weight: 3,
  arb: generatedFileArb({ opaque: 0 }),
  prepare(file) {
    const doc = parseDocument(file.text);
    const groups: Record<string, Canonical> = {};
    for (const [group, node] of doc.model.groups) {
      assert(node.kind === 'hash', `the core finds ${group} uncertain in a literal-only file`);
      const o: Record<string, Canonical> = {};
      for (const k of node.slots.keys()) {
        const found = getValue(doc, { kind: 'group', group, path: [k] });
        assert(found, `getValue misses ${group}[${JSON.stringify(k)}]`);
        Object.defineProperty(o, ckey(k), { value: canon(found.value), enumerable: true, writable: true, configurable: true });
      }
      groups[group] = o;
    }
    const e = getValue(doc, { kind: 'enable_all' });
    return { text: file.text, groups, enableAll: e ? canon(e.value) : null };
  },
  texts: ({ text }) => [bytes(text)],
  verify(_file, p, [r]) {
    const eff = loaded(r, 'the generated file');
    assertEqual({ groups: p.groups, enable_all: p.enableAll }, eff, 'the core reads the file differently from Ruby');
  },
  show: (file) => `file (${file.text.length} bytes):\n${showText(file.text)}`,
};

export const CORE_CHECKS = [setWholeFiles, setHashLiterals, setThenUnsetNew, unsetCheck, sequenceCheck, modelAgreesCheck];
