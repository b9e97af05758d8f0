/**
 * The cross-file property: scalr-server.rb, scalr-server-local.rb and scalr-server-secrets.json
 * generated together, one set or unset planned in either .rb file with planEdit (the same plan and
 * proof the CLI runs), and reconfigure's whole pipeline in real Ruby as the oracle. A write that
 * goes through must change what Scalr uses exactly at the key asked for, and the model must
 * predict the same keys Ruby reports; a refusal must carry one of the proof's codes.
 */
import fc from 'fast-check';
import { parseDocument } from '../../src/ruby/document';
import { ScalrConfError } from '../../src/values/errors';
import type { Layer } from '../../src/ruby/writes';
import { planEdit, usesOf } from '../../src/model/planEdit';
import { parseSecrets, type SecretEntry } from '../../src/model/secrets';
import { compareUses } from '../../src/model/compareUses';
import { getValue } from '../../src/ruby/query';
import { knownDefault } from '../../src/knowledge/defaults';
import { changeSpecArb, generatedFileArb, isPrefix, pickPath, targetOf, type Bin, type ChangeSpec, type GeneratedFile } from './arbitraries';
import { assert, bytes, ckey, printable, showText, type Check } from './checks';
import { changeOf, type Resolved } from './core-properties';
import { loadUsesMany, usesChanges, type Uses, type UsesInput } from './ruby';

const NAMES = { main: 'scalr-server.rb', local: 'scalr-server-local.rb', secrets: 'scalr-server-secrets.json' };

/** Codes with which the proof or the planner may refuse; anything else is a bug. */
const REFUSALS = new Set(['overridden', 'held-by-secrets', 'breaks-load', 'collateral', 'not-hash', 'unsupported', 'replaces-hash']);

/** The keys scalr-server-secrets.json holds on a real server, with values that string2boolean may turn. */
const SECRET_SLOTS: [string, string][] = [
  ['mysql', 'root_password'],
  ['mysql', 'scalr_password'],
  ['app', 'admin_password'],
  ['app', 'secret_key'],
  ['memcached', 'password'],
];
const secretsArb = fc.option(
  fc.uniqueArray(fc.record({ slot: fc.constantFrom(...SECRET_SLOTS), value: fc.constantFrom('s3cret', 'off', 'yes', '', 'p"w\\d') }), {
    selector: (e) => e.slot.join('.'),
    maxLength: 3,
  }),
  { nil: undefined },
);

const PLAIN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LOCAL_KEYS = ['aws', 'ip_pool', 'instances_connection_policy', 'host', 'port', 'x', 'k1', 'enabled'];
const LOCAL_VALUES = ['"v"', '"public"', '3307', 'true', '"off"', '{ "x" => 1 }', '["a", "b"]', 'nil'];

/** `app[:configuration]["scalr"]["aws"]` for a path whose keys are plain names. */
function chainText(path: Bin[]): string {
  return `${path[0]}[:${path[1]}]${path
    .slice(2)
    .map((k) => `["${k}"]`)
    .join('')}`;
}

/** Paths of the main file holding a hash, as the core reads them: where a local line can write below. */
function hashPaths(main: GeneratedFile): Bin[][] {
  const doc = parseDocument(main.text);
  const seen = new Set<string>();
  const out: Bin[][] = [];
  for (const p of main.paths) {
    if (p.length < 2 || !p.every((k) => PLAIN.test(k)) || seen.has(p.join('.'))) continue;
    seen.add(p.join('.'));
    try {
      if (getValue(doc, targetOf(p))?.value.kind === 'hash') out.push(p);
    } catch {
      // A value the core cannot read is no place for a generated line.
    }
  }
  return out;
}

interface LocalLine {
  path: Bin[];
  text: string;
}

/**
 * scalr-server-local.rb as admins write it: lines below hashes the main file builds (they break
 * reconfigure when the main file loses that hash), a whole hash replaced, attributes of a group.
 */
function localLinesArb(main: GeneratedFile): fc.Arbitrary<LocalLine[]> {
  const parents = hashPaths(main);
  const below: fc.Arbitrary<LocalLine>[] = [
    fc.record({ group: fc.constantFrom('mysql', 'app', 'proxy', 'routing'), key: fc.constantFrom('bind_port', 'instances_connection_policy', 'ssl_enable', 'endpoint_host'), value: fc.constantFrom(...LOCAL_VALUES) }).map(({ group, key, value }) => ({
      path: [group, key],
      text: `${group}[:${key}] = ${value}`,
    })),
  ];
  if (parents.length) {
    below.push(
      fc.record({ parent: fc.constantFrom(...parents), key: fc.constantFrom(...LOCAL_KEYS), value: fc.constantFrom(...LOCAL_VALUES) }).map(({ parent, key, value }) => ({
        path: [...parent, key],
        text: `${chainText([...parent, key])} = ${value}`,
      })),
      fc.record({ parent: fc.constantFrom(...parents), key: fc.constantFrom(...LOCAL_KEYS), value: fc.constantFrom(...LOCAL_VALUES) }).map(({ parent, key, value }) => ({
        path: parent,
        text: `${chainText(parent)} = { "${key}" => ${value} }`,
      })),
    );
  }
  return fc.array(fc.oneof(...below), { maxLength: 4 });
}

interface LayeredCase {
  main: GeneratedFile;
  /** Lines of scalr-server-local.rb, or a whole generated file; undefined: there is none. */
  local?: { lines: LocalLine[] } | { file: GeneratedFile };
  secrets?: { slot: [string, string]; value: string }[];
  target: Layer;
  force: boolean;
  change: ChangeSpec;
}

const caseArb: fc.Arbitrary<LayeredCase> = generatedFileArb({ opaque: 0 }).chain((main) =>
  fc.record({
    main: fc.constant(main),
    local: fc.oneof(
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 4, arbitrary: localLinesArb(main).map((lines) => ({ lines })) },
      { weight: 1, arbitrary: generatedFileArb({ opaque: 0 }).map((file) => ({ file })) },
    ),
    secrets: secretsArb,
    target: fc.constantFrom<Layer>('main', 'main', 'local'),
    force: fc.boolean(),
    change: changeSpecArb().filter((c) => c.where !== 'enable_all'),
  }),
);

function localText(c: LayeredCase): string | undefined {
  if (!c.local) return undefined;
  if ('file' in c.local) return c.local.file.text;
  return c.local.lines.map((l) => l.text + '\n').join('');
}

function localPaths(c: LayeredCase): Bin[][] {
  if (!c.local) return [];
  return 'file' in c.local ? c.local.file.paths : c.local.lines.map((l) => l.path);
}

function secretsText(c: LayeredCase): string | undefined {
  if (!c.secrets) return undefined;
  const o: Record<string, Record<string, string>> = {};
  for (const { slot, value } of c.secrets) (o[slot[0]] ??= {})[slot[1]] = value;
  return JSON.stringify(o);
}

function resolveCase(c: LayeredCase): Resolved {
  const candidates = [...c.main.paths, ...localPaths(c)].filter((p) => p.length >= 2);
  return { op: c.change.op, path: pickPath(c.change, candidates), value: c.change.op === 'set' ? c.change.value : undefined };
}

type Outcome = { ok: true; main: string; local?: string; predicted: Bin[][] } | { ok: false; code: string; message: string };

interface LayeredPrep {
  main: string;
  local?: string;
  secrets?: string;
  r: Resolved;
  out: Outcome;
}

/** Related paths: one holds the other. */
const related = (a: string[], b: string[]): boolean => isPrefix(a, b) || isPrefix(b, a);

/** Where Ruby's result holds a group-prefixed path: its attribute, and config.yml for app[:configuration]. */
function rubyPaths(path: Bin[]): { attribute: string[]; config?: string[] } {
  const keys = path.map(ckey);
  const attribute = ['attributes', ...keys];
  return path[0] === 'app' && path[1] === 'configuration' ? { attribute, config: ['configuration', ...keys.slice(2)] } : { attribute };
}

function show(c: LayeredCase): string {
  const r = resolveCase(c);
  const local = localText(c);
  return [
    `scalr-server.rb:\n${showText(c.main.text)}`,
    local === undefined ? 'no scalr-server-local.rb' : `scalr-server-local.rb:\n${showText(local)}`,
    `secrets: ${secretsText(c) ?? 'none'}`,
    `${c.target === 'local' ? '--local ' : ''}${r.op} ${printable(r.path)}${r.value ? ` = ${printable(r.value)}` : ''}${c.force ? ' --force' : ''}`,
  ].join('\n');
}

export const layeredCheck: Check<LayeredCase, LayeredPrep> = {
  name: 'edits across scalr-server.rb, scalr-server-local.rb and the secrets JSON',
  proves:
    'a set or unset planned in either file changes what Scalr uses (reconfigure pipeline in Ruby) exactly at the key asked for and keeps both files loading, ' +
    'the model predicts the keys Ruby reports, and a refusal carries one of the proof codes',
  weight: 4,
  chunk: 150,
  arb: caseArb,
  prepare(c) {
    const main = c.main.text;
    const local = localText(c);
    const secrets = secretsText(c);
    const entries: SecretEntry[] = secrets ? parseSecrets(secrets, NAMES.secrets) : [];
    const r = resolveCase(c);
    const input = { secrets: entries, names: NAMES, defaultAt: knownDefault };
    let out: Outcome;
    try {
      const plan = planEdit({ main, local, ...input, target: c.target, changes: [changeOf(r)], force: c.force });
      const next = { main: c.target === 'main' ? plan.after : main, local: c.target === 'local' ? plan.after : local };
      // The model's prediction is the same comparison `scalr-conf diff` makes: a missing leaf has its default.
      const predicted = plan.after === plan.before ? [] : compareUses(usesOf(main, local, input), usesOf(next.main, next.local, input), knownDefault).map((d) => d.path);
      out = { ok: true, ...next, predicted };
    } catch (e) {
      if (!(e instanceof ScalrConfError)) throw e;
      out = { ok: false, code: e.code, message: e.message };
    }
    if (!out.ok) assert(REFUSALS.has(out.code), `refused with an unexpected code ${out.code}: ${out.message}`);
    return { main, local, secrets, r, out };
  },
  texts({ main, local, secrets, out }): UsesInput[] {
    const input = (m: string, l: string | undefined): UsesInput => ({
      main: bytes(m),
      ...(l === undefined ? {} : { local: bytes(l) }),
      ...(secrets === undefined ? {} : { secrets }),
    });
    return out.ok ? [input(main, local), input(out.main, out.local)] : [input(main, local)];
  },
  load(inputs: UsesInput[]): Uses[] {
    const out: Uses[] = [];
    for (let i = 0; i < inputs.length; i += 300) out.push(...loadUsesMany(inputs.slice(i, i + 300)));
    return out;
  },
  verify(c, { r, out }, results: unknown[]) {
    const [before, after] = results as Uses[];
    // Files that already fail to load say nothing about the edit; the generators keep them rare.
    if (before.error || !out.ok) return;
    assert(!after.error, `the edit breaks reconfigure: ${after.error?.stage}: ${after.error?.message}`);
    const want = rubyPaths(r.path);
    const changes = usesChanges(before, after);
    // A --local unset that removes a local assignment lets what scalr-server.rb sets below the same
    // group key show again: that is what removing an override means (the proof allows it too).
    const revives = c.target === 'local' && r.op === 'unset';
    const revived = (ch: string[]): boolean => revives && (isPrefix(rubyPaths(r.path.slice(0, 2)).attribute, ch) || (want.config !== undefined && ch[0] === 'configuration'));
    for (const ch of changes) {
      if (revived(ch)) continue;
      if (ch[0] === 'attributes') assert(related(ch, want.attribute), `Ruby reports a change at ${printable(ch)}, which was not asked for (${printable(changes)})`);
      // config.yml is generated from attributes too; app[:configuration] decides only its own keys.
      else if (want.config) assert(related(ch, want.config), `config.yml changes at ${printable(ch)}, which was not asked for (${printable(changes)})`);
    }
    const rubyAttrs = changes.filter((ch) => ch[0] === 'attributes');
    const predicted = out.predicted.map((p) => rubyPaths(p).attribute);
    for (const ch of rubyAttrs) {
      if (revived(ch)) continue;
      assert(predicted.some((p) => related(p, ch)), `Ruby reports a change at ${printable(ch)} the model did not predict (it predicted ${printable(predicted)})`);
    }
    for (const p of predicted) {
      assert(rubyAttrs.some((ch) => related(p, ch)), `the model predicts a change at ${printable(p)} that Ruby does not make (Ruby: ${printable(rubyAttrs)})`);
    }
  },
  show,
};

export const LAYERED_CHECKS = [layeredCheck];
