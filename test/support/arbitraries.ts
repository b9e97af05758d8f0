/**
 * fast-check arbitraries for scalr-server.rb: values, hash literals in every key style, whole files
 * as people write them, and change sequences against them.
 *
 * Generated things are specs (plain data that shrinks well) rendered to text by this module's own
 * Ruby writer, never by src/edit/render.ts, so the tool is checked against an independent author.
 * Rendering repairs combinations Ruby would reject (a heredoc on a one-line hash, `%w[]` with
 * spaces, a symbol that is not UTF-8, a write below a key that is not a hash), so every spec
 * renders to a file that loads. Strings are byte strings (one char per byte) throughout, as in
 * src/core.
 */
import fc from 'fast-check';
import { GROUPS, type Group } from '../../src/values/groups';
import type { Target } from '../../src/values/keys';
import type { RubyValue } from '../../src/values/value';

export type Bin = string;

/** The UTF-8 bytes of a JS string, one char per byte. */
export const bin = (s: string): Bin => Buffer.from(s, 'utf8').toString('latin1');

export function isUtf8(b: Bin): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(b, 'latin1'));
    return true;
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------ strings and keys

/** Fragments that break naive quoting, escaping, interpolation or line handling. */
export const HOSTILE: Bin[] = [
  '"', "'", '\\', '\\\\', '#{1+1}', '#{', '}', '#@x', '#$0', '#@@y', '#', '\n', '\r\n', '\r', '\0', '\x01', '\x1b[31m',
  '\x7f', '\t', '\v', '\f', bin('é'), bin('日本語'), bin('😀'), bin('\u00a0'), bin('\u2028'), '\xff', '\xc3', '\xe2\x82', '\xc0\xaf',
  `\\'; system("id") #`, `"; system("id"); "`, '`id`', '%q(', '%w[', '=>', ':', ',', '{', '[', ']', '(', ')', 'EOS', '__END__',
  '=begin', '=end', '# not a comment', ' ', '\\n', '\\x41', '\\u0041', '?', 'nil', 'true', '<<~EOS', '$stdout',
];

const textArb = (maxLength: number): fc.Arbitrary<Bin> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: Math.ceil(maxLength / 2) }).map(bin) },
  );

/** Any byte string, biased towards hostile fragments. */
export const hostileBin: fc.Arbitrary<Bin> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...HOSTILE) }, { weight: 3, arbitrary: textArb(6) }), { maxLength: 5 }).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }).map((u) => Buffer.from(u).toString('latin1')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }).map(bin) },
);

/** Key names a scalr-server.rb really uses; a small pool so that paths collide and duplicate. */
export const KEY_POOL = [
  'scalr', 'aws', 'gce', 'system', 'connections', 'mysql', 'ldap', 'host', 'port', 'pass', 'user', 'auth_mode',
  'instances_connection_policy', 'instances_connection_timeout', 'ui', 'billing', 'enabled', 'email', 'address',
  'name', 'api', 'allowed_origins', 'ip_pool', 'security_group_name', 'endpoint', 'scheme', 'a', 'b', 'x', 'k1', '_p', 'Key9',
];

/** Key segments: mostly from the pool, sometimes anything (control characters, bytes that are not UTF-8). */
export const keyArb: fc.Arbitrary<Bin> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...KEY_POOL) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/) },
  { weight: 1, arbitrary: fc.constantFrom('class', 'end', 'nil', 'if', 'true', 'a b', 'a.b', 'a-b', 'x?', '', '0', bin('ключ'), bin('é')) },
  { weight: 1, arbitrary: hostileBin.filter((k) => k !== '__proto__') },
);

/** Key segments scalr-conf accepts on its command line: UTF-8, no control characters, not empty. */
export const cliKeyArb: fc.Arbitrary<Bin> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...KEY_POOL) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/) },
  { weight: 2, arbitrary: fc.constantFrom('class', 'end', 'a b', 'a.b', 'a-b', 'x?', '0', bin('ключ'), bin('é'), `it's`, 'say "hi"', 'back\\slash', '#{x}', ']', '-dash') },
).filter(cliSafeKey);

export function cliSafeKey(k: Bin): boolean {
  return k !== '' && k !== '__proto__' && isUtf8(k) && !/[\x00-\x1f\x7f]/.test(k);
}

// ------------------------------------------------------------------ value specs (file side)

export type KeyStyle = 'dq' | 'sq' | 'sym' | 'colon' | 'qcolon';
export type StrForm = 'dq' | 'sq' | 'pq' | 'hd~' | 'hd-' | "hd~'";

export type VSpec =
  | { t: 'str'; bin: Bin; form: StrForm; u?: boolean }
  | { t: 'int'; v: bigint; form: 'dec' | 'under' | 'hex' | 'plus' }
  | { t: 'float'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'nil' }
  | { t: 'sym'; name: Bin; quoted: boolean }
  | { t: 'arr'; items: VSpec[]; form: 'br' | 'w' | 'i'; multi: boolean }
  | { t: 'hash'; pairs: PSpec[]; layout: 'one' | 'multi' | 'compact'; comma?: boolean }
  | { t: 'opaque'; code: string };

export interface PSpec {
  key: Bin;
  style: KeyStyle;
  sep: 0 | 1 | 2;
  value: VSpec;
  /** A comment line before the pair, a blank line before it, a trailing comment after it. */
  before?: 'comment' | 'blank';
  trailing?: boolean;
}

/** Non-literal values: Ruby computes them, the tool must not pretend to know them. */
export const OPAQUE_VALUES = ['"#{1 + 1}"', 'ENV.fetch("SCALR_CONF_TEST_UNSET", "dflt")', '"a" + "b"', '[1, 2].max', 'File.basename("/a/b")', '"x#@y"', '(1..3).to_a', 'Integer("7")'];

/** Heredoc text: lines without the terminator alone on one, no CR (the file's own line ends decide). */
const heredocArb: fc.Arbitrary<Bin> = fc
  .array(
    fc.oneof(
      fc.stringMatching(/^[ A-Za-z0-9!"'(),.:;<=>?@\[\]^_{|}~$#\\-]{0,20}$/),
      fc.constantFrom('  indented', '\tTabbed', '#{not interpolated}', 'back\\slash', bin('ünïcødé'), '', '   ', '\\t escaped', 'EOSX', ' EOS x'),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((lines) => lines.join('\n') + '\n');

const intArb: fc.Arbitrary<VSpec> = fc.record({
  t: fc.constant('int' as const),
  v: fc.oneof(fc.bigInt(-1000n, 100000n), fc.bigInt(-(2n ** 70n), 2n ** 70n), fc.constantFrom(0n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 63n), 6280n)),
  form: fc.constantFrom('dec', 'dec', 'under', 'hex', 'plus'),
});

const floatArb: fc.Arbitrary<VSpec> = fc.record({
  t: fc.constant('float' as const),
  v: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0.5, 1.0, -2.25, 1e20, 1e-7, 0, -0, 3.0)),
});

const symNameArb: fc.Arbitrary<Bin> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('local', 'public', 'auto', 'ldap', 'scalr', 'crlf', 'foo?', 'bar!', '_x') },
  { weight: 1, arbitrary: fc.constantFrom('a b', bin('é'), '#{x}', 'a"b', "it's", '=>', '') },
);

function scalarArb(heredocs: boolean): fc.Arbitrary<VSpec> {
  const forms: StrForm[] = heredocs ? ['dq', 'dq', 'sq', 'sq', 'pq', 'hd~', 'hd-', "hd~'"] : ['dq', 'dq', 'sq', 'sq', 'pq'];
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ t: fc.constant('str' as const), bin: fc.oneof({ weight: 3, arbitrary: textArb(12) }, { weight: 2, arbitrary: hostileBin }), form: fc.constantFrom(...forms), u: fc.boolean() }) },
    { weight: heredocs ? 1 : 0, arbitrary: fc.record({ t: fc.constant('str' as const), bin: heredocArb, form: fc.constantFrom<StrForm>('hd~', 'hd-', "hd~'"), u: fc.constant(false) }) },
    { weight: 3, arbitrary: intArb },
    { weight: 1, arbitrary: floatArb },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('bool' as const), v: fc.boolean() }) },
    { weight: 1, arbitrary: fc.constant({ t: 'nil' as const }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('sym' as const), name: symNameArb, quoted: fc.boolean() }) },
  );
}

/** A value as a file holds it; `heredocs` where the value may start a heredoc. */
export function vspecArb(depth: number, heredocs = true, opaque = 0): fc.Arbitrary<VSpec> {
  const leaves: fc.WeightedArbitrary<VSpec>[] = [{ weight: 10, arbitrary: scalarArb(heredocs) }];
  if (opaque > 0) leaves.push({ weight: opaque, arbitrary: fc.constantFrom(...OPAQUE_VALUES).map((code) => ({ t: 'opaque' as const, code })) });
  if (depth <= 0) return fc.oneof(...leaves);
  return fc.oneof(
    ...leaves,
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('arr' as const),
        items: fc.array(vspecArb(depth - 1, false, 0), { maxLength: 4 }),
        form: fc.constantFrom<'br' | 'w' | 'i'>('br', 'br', 'w', 'i'),
        multi: fc.boolean(),
      }),
    },
    { weight: 4, arbitrary: hashSpecArb(depth - 1, opaque) },
  );
}

const keyStyleArb = fc.constantFrom<KeyStyle>('dq', 'dq', 'sq', 'sym', 'colon', 'qcolon');

export function pairArb(depth: number, opaque = 0): fc.Arbitrary<PSpec> {
  return fc.record(
    {
      key: keyArb,
      style: keyStyleArb,
      sep: fc.constantFrom<0 | 1 | 2>(0, 0, 0, 1, 2),
      value: vspecArb(depth, true, opaque),
      before: fc.option(fc.constantFrom<'comment' | 'blank'>('comment', 'blank'), { nil: undefined, freq: 4 }),
      trailing: fc.boolean(),
    },
    { requiredKeys: ['key', 'style', 'sep', 'value'] },
  );
}

/**
 * (a) Hash literals: every key style, nested, with duplicates in other spellings, hostile keys and
 * values, comments and blank lines between pairs, one-line, multi-line and compact layouts.
 */
export function hashSpecArb(depth: number, opaque = 0): fc.Arbitrary<VSpec> {
  return fc
    .record({
      pairs: fc.array(pairArb(depth, opaque), { maxLength: 5 }),
      layout: fc.constantFrom<'one' | 'multi' | 'compact'>('multi', 'multi', 'multi', 'one', 'compact'),
      comma: fc.option(fc.boolean(), { nil: undefined }),
      dup: fc.option(fc.tuple(fc.nat(), keyStyleArb, vspecArb(0, false)), { nil: undefined, freq: 4 }),
    })
    .map(({ pairs, layout, comma, dup }) => {
      // The same key again in another spelling: Ruby keeps the last.
      if (dup && pairs.length) {
        const orig = pairs[dup[0] % pairs.length];
        pairs = [...pairs, { key: orig.key, style: dup[1], sep: 0, value: dup[2] }];
      }
      return { t: 'hash' as const, pairs, layout, comma };
    });
}

// ------------------------------------------------------------------ file specs

export type IndexForm = 'sym' | 'dq' | 'sq';
const indexFormArb = fc.constantFrom<IndexForm>('sym', 'sym', 'dq', 'sq');

export type OpaqueKind = 'var' | 'merge' | 'cond' | 'modifier' | 'call' | 'varkey' | 'unless';

export type StmtSpec =
  | { k: 'group'; group: Group; key: Bin; index: IndexForm; value: VSpec; trailing: boolean }
  | { k: 'enable'; v: boolean; paren: boolean }
  | { k: 'config'; index: IndexForm; value: VSpec; trailing: boolean }
  | { k: 'write'; pick: number; key: Bin; index: IndexForm[]; value: VSpec; trailing: boolean }
  | { k: 'comment'; text: Bin }
  | { k: 'begin'; lines: Bin[] }
  | { k: 'commented'; which: number }
  | { k: 'blank'; ws: string }
  | { k: 'opaque'; kind: OpaqueKind; pick: number; key: Bin; value: VSpec };

export interface FileSpec {
  eol: '\n' | '\r\n';
  indent: '  ' | '    ' | '\t';
  comma: boolean;
  finalNewline: boolean;
  stmts: StmtSpec[];
}

/** Realistic attribute-group settings. */
const GROUP_SETTINGS: [Group, string, fc.Arbitrary<VSpec>][] = [
  ['mysql', 'bind_port', intArb],
  ['mysql', 'root_password', scalarArb(false)],
  ['proxy', 'ssl_enable', fc.record({ t: fc.constant('bool' as const), v: fc.boolean() })],
  ['proxy', 'ssl_cert_path', scalarArb(false)],
  ['routing', 'endpoint_host', scalarArb(false)],
  ['app', 'email_from_address', scalarArb(false)],
  ['app', 'instances_connection_policy', fc.constantFrom<VSpec>({ t: 'str', bin: 'local', form: 'dq' }, { t: 'sym', name: 'public', quoted: false })],
  ['memcached', 'bind_host', scalarArb(false)],
  ['cron', 'enable', fc.record({ t: fc.constant('bool' as const), v: fc.boolean() })],
  ['web', 'app_timeout', intArb],
];

const commentTextArb: fc.Arbitrary<Bin> = fc.oneof(
  fc.constantFrom('# Managed by hand.', '#', '#!/usr/bin/env ruby', '# app[:configuration]["scalr"]["aws"] = {}', '#   "scalr" => {', "# don't => touch", '# TODO: #{fix} me'),
  textArb(30).map((t) => '# ' + t.replace(/[\r\n]/g, ' ')),
);

const COMMENTED_BLOCKS = [
  ['# app[:configuration] = {', '#   "scalr" => {', '#     "aws" => { "instances_connection_policy" => "public" },', '#   },', '# }'],
  ['#mysql[:bind_port] = 3306', '#proxy[:ssl_enable] = false'],
  ['# Example:', '#   app[:configuration]["scalr"]["system"]["instances_connection_timeout"] = 30'],
];

function configValueArb(opaque: number): fc.Arbitrary<VSpec> {
  // Mostly { "scalr" => {...} }, sometimes with more top-level keys, rarely not a hash at all.
  return fc.oneof(
    {
      weight: 12,
      arbitrary: fc
        .tuple(hashSpecArb(3, opaque), fc.array(pairArb(1), { maxLength: 1 }), keyStyleArb, fc.constantFrom<'one' | 'multi' | 'compact'>('multi', 'multi', 'multi', 'multi', 'one', 'compact'), fc.boolean())
        .map(([scalr, extra, style, layout, first]) => {
          const sp: PSpec = { key: 'scalr', style, sep: 0, value: scalr };
          return { t: 'hash' as const, pairs: first ? [sp, ...extra] : [...extra, sp], layout };
        }),
    },
    { weight: 1, arbitrary: hashSpecArb(2, opaque) },
    { weight: 1, arbitrary: scalarArb(false) },
  );
}

export interface FileOptions {
  /** Weight of non-literal constructs (0: a literal-only file). */
  opaque?: number;
  maxStatements?: number;
}

export function stmtArb(opts: FileOptions = {}): fc.Arbitrary<StmtSpec> {
  const opaque = opts.opaque ?? 0;
  const trailing = fc.boolean();
  const arbs: fc.WeightedArbitrary<StmtSpec>[] = [
    {
      weight: 6,
      arbitrary: fc.oneof(
        fc.constantFrom(...GROUP_SETTINGS).chain(([group, key, value]) => fc.record({ k: fc.constant('group' as const), group: fc.constant(group), key: fc.constant(key), index: indexFormArb, value, trailing })),
        fc.record({ k: fc.constant('group' as const), group: fc.constantFrom(...GROUPS), key: keyArb, index: indexFormArb, value: vspecArb(2, true, opaque), trailing }),
      ),
    },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('enable' as const), v: fc.boolean(), paren: fc.boolean() }) },
    { weight: 5, arbitrary: fc.record({ k: fc.constant('config' as const), index: indexFormArb, value: configValueArb(opaque), trailing }) },
    { weight: 6, arbitrary: fc.record({ k: fc.constant('write' as const), pick: fc.nat(), key: keyArb, index: fc.array(indexFormArb, { minLength: 8, maxLength: 8 }), value: vspecArb(2, true, opaque), trailing }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('comment' as const), text: commentTextArb }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('begin' as const), lines: fc.array(commentTextArb.map((c) => c.replace(/^#/, '')), { maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('commented' as const), which: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('blank' as const), ws: fc.constantFrom('', '', '', '  ', '\t') }) },
  ];
  if (opaque > 0) {
    arbs.push({
      weight: opaque,
      arbitrary: fc.record({
        k: fc.constant('opaque' as const),
        kind: fc.constantFrom<OpaqueKind>('var', 'merge', 'cond', 'modifier', 'call', 'varkey', 'unless'),
        pick: fc.nat(),
        key: fc.constantFrom(...KEY_POOL),
        value: vspecArb(1, false),
      }),
    });
  }
  return fc.oneof(...arbs);
}

export function fileSpecArb(opts: FileOptions = {}): fc.Arbitrary<FileSpec> {
  return fc.record({
    eol: fc.constantFrom<'\n' | '\r\n'>('\n', '\n', '\n', '\r\n'),
    indent: fc.constantFrom<'  ' | '    ' | '\t'>('  ', '  ', '    ', '\t'),
    comma: fc.boolean(),
    finalNewline: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    stmts: fc
      .tuple(
        fc.constantFrom<StmtSpec[]>([], [{ k: 'comment', text: '# /etc/scalr-server/scalr-server.rb' }, { k: 'blank', ws: '' }]),
        fc.array(stmtArb(opts), { minLength: 1, maxLength: opts.maxStatements ?? 12 }),
      )
      .map(([head, body]) => [...head, ...body]),
  });
}

// ------------------------------------------------------------------ rendering

/** Which setting a line belongs to: its own lines (key, braces) or lines inside its value. */
export interface LineTag {
  /** Group-prefixed path, e.g. ["app", "configuration", "scalr"]; [] for top-level comments. */
  path: Bin[];
  role: 'own' | 'inner';
}

export interface GeneratedFile {
  spec: FileSpec;
  /** The file, one char per byte. */
  text: Bin;
  /** Tags of each line of text.split('\n'). */
  lineTags: LineTag[][];
  /** Every group-prefixed path the file assigns, shadowed ones included, in file order. */
  paths: Bin[][];
  /** Paths a non-literal construct decides or makes uncertain. */
  opaque: Bin[][];
  /** Whether the file sets enable_all. */
  enableAll: boolean;
  /** The paths top-level statements assign, in file order. */
  writes: Bin[][];
}

type Mirror = Map<Bin, Mirror | 'leaf'>;

class Out {
  lines: { text: string; end: string; tags: LineTag[] }[] = [];
  private cur = '';
  private tags: LineTag[] = [];
  private pending: (() => void)[] = [];
  constructor(readonly eol: string) {}

  /** Appends text; a raw newline inside it (a multi-line string literal) breaks the line. */
  w(s: string, tag?: LineTag): void {
    const parts = s.split('\n');
    parts.forEach((part, i) => {
      if (i > 0) this.push('\n');
      this.cur += part;
      if (tag && part.trim()) this.tags.push(tag);
    });
  }

  later(fn: () => void): void {
    this.pending.push(fn);
  }

  /** Ends the line; heredoc bodies started on it follow. */
  nl(): void {
    this.push(this.eol);
    const pending = this.pending;
    this.pending = [];
    for (const fn of pending) fn();
  }

  private push(end: string): void {
    if (this.tags.length === 0 && this.cur.trim() === '') this.tags.push({ path: [], role: 'own' });
    this.lines.push({ text: this.cur, end, tags: this.tags });
    this.cur = '';
    this.tags = [];
  }

  atLineStart(): boolean {
    return this.cur === '';
  }
}

const hex = (n: number): string => '\\x' + n.toString(16).padStart(2, '0');

/** A double-quoted Ruby string that reads back as `b`; `u` writes non-ASCII as \u{...}. */
export function dq(b: Bin, u = false): string {
  const valid = isUtf8(b);
  let out = '"';
  if (valid && u) {
    for (const ch of Buffer.from(b, 'latin1').toString('utf8')) {
      const cp = ch.codePointAt(0)!;
      if (cp > 0x7f) out += `\\u{${cp.toString(16)}}`;
      else out += dqChar(ch);
    }
    return out + '"';
  }
  for (const ch of b) {
    const c = ch.charCodeAt(0);
    if (c >= 0x80 && !valid) out += hex(c);
    else out += dqChar(ch);
  }
  return out + '"';
}

function dqChar(ch: string): string {
  const c = ch.charCodeAt(0);
  if (ch === '"' || ch === '\\') return '\\' + ch;
  if (ch === '#') return '\\#';
  if (ch === '\n') return '\\n';
  if (ch === '\t') return '\\t';
  if (ch === '\r') return '\\r';
  if (ch === '\x1b') return '\\e';
  if (c < 0x20 || c === 0x7f) return hex(c);
  return ch;
}

/** Single-quoted: only `\\` and `\'` are escapes; everything else is raw bytes (so UTF-8 only). */
function sq(b: Bin): string {
  return "'" + b.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}

function symbolText(name: Bin, quoted: boolean): string {
  if (!quoted && /^[A-Za-z_][A-Za-z0-9_]*[?!]?$/.test(name)) return ':' + name;
  return ':' + dq(name);
}

function floatText(n: number): string {
  if (Object.is(n, -0)) return '-0.0';
  const s = String(n);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

function intText(v: bigint, form: string): string {
  if (form === 'hex' && v >= 0n) return '0x' + v.toString(16);
  if (form === 'plus' && v >= 0n) return '+' + v.toString();
  if (form === 'under' && (v >= 1000n || v <= -1000n)) {
    const neg = v < 0n;
    const digits = (neg ? -v : v).toString();
    const groups: string[] = [];
    for (let i = digits.length; i > 0; i -= 3) groups.unshift(digits.slice(Math.max(0, i - 3), i));
    return (neg ? '-' : '') + groups.join('_');
  }
  return v.toString();
}

const WORD = /^[A-Za-z0-9_.\-:\/@]+$/;

interface Ctx {
  out: Out;
  indent: string;
  unit: string;
  comma: boolean;
  /** The pair's own path: tags for the lines it writes. */
  path: Bin[];
  /** A heredoc may start here: the value ends its line in a multi-line layout. */
  heredoc: boolean;
  opaque: Bin[][];
}

function keyText(key: Bin, style: KeyStyle, sep: 0 | 1 | 2, value?: VSpec): string {
  const rocket = [' => ', '=>', '  =>  '][sep];
  // `a::b` would read as a scope: a symbol value needs the space.
  const colon = [': ', value?.t === 'sym' ? ': ' : ':', ':  '][sep];
  const utf8 = isUtf8(key);
  switch (style) {
    case 'colon':
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return key + colon;
      if (utf8) return dq(key) + colon;
      return dq(key) + rocket;
    case 'qcolon':
      return utf8 ? dq(key) + colon : dq(key) + rocket;
    case 'sym':
      // `:x?=>` would read as `:x?=` followed by `>`.
      return utf8 ? symbolText(key, false) + (/[?!]$/.test(key) ? ' => ' : rocket) : dq(key) + rocket;
    case 'sq':
      // Ruby reads a raw CRLF in a literal as LF: a key with CR is written with escapes.
      return utf8 && !key.includes('\r') ? sq(key) + rocket : dq(key) + rocket;
    default:
      return dq(key) + rocket;
  }
}

let heredocCounter = 0;

function writeValue(v: VSpec, c: Ctx): void {
  const tag: LineTag = { path: c.path, role: 'own' };
  const { out } = c;
  switch (v.t) {
    case 'str': {
      const utf8 = isUtf8(v.bin);
      const lines = v.bin.endsWith('\n') ? v.bin.slice(0, -1).split('\n') : undefined;
      const heredocOk =
        c.heredoc && utf8 && lines !== undefined && !v.bin.includes('\r') &&
        lines.every((l) => !/^\s*(EOS|TXT)\s*$/.test(l) && !/[\x00-\x08\x0b-\x1f\x7f]/.test(l));
      if (v.form.startsWith('hd') && heredocOk) {
        const raw = v.form === "hd~'";
        const squiggly = v.form !== 'hd-';
        const id = heredocCounter++ % 2 ? 'EOS' : 'TXT';
        out.w(`<<${squiggly ? '~' : '-'}${raw ? `'${id}'` : id}`, tag);
        const body = c.indent + c.unit;
        out.later(() => {
          for (const line of lines!) {
            let t = line;
            if (!raw) t = t.replace(/\\/g, '\\\\').replace(/#(?=[{@$])/g, '\\#').replace(/\t/g, '\\t');
            else t = t.replace(/\t/g, ' ');
            // Ruby 3.1 reads lines of only spaces in a `<<~` heredoc erratically; the tool declines them.
            if (squiggly && !raw && t.trim() === '') t = '';
            out.w(t === '' ? '' : (squiggly ? body : '') + t, { path: c.path, role: 'inner' });
            out.nl();
          }
          out.w(c.indent + id, { path: c.path, role: 'inner' });
          out.nl();
        });
        return;
      }
      if (v.form === 'pq' && utf8 && !/[()\\]/.test(v.bin)) return out.w(`%q(${v.bin})`, tag);
      if ((v.form === 'sq' || v.form === 'pq') && utf8) return out.w(sq(v.bin), tag);
      return out.w(dq(v.bin, v.u), tag);
    }
    case 'int':
      return out.w(intText(v.v, v.form), tag);
    case 'float':
      return out.w(floatText(v.v), tag);
    case 'bool':
      return out.w(String(v.v), tag);
    case 'nil':
      return out.w('nil', tag);
    case 'sym':
      return out.w(isUtf8(v.name) ? symbolText(v.name, v.quoted) : dq(v.name), tag);
    case 'opaque':
      c.opaque.push(c.path);
      return out.w(v.code, tag);
    case 'arr': {
      const words = v.items.length > 0 && v.items.every((i) => (i.t === 'str' && WORD.test(i.bin)) || (i.t === 'sym' && WORD.test(i.name)));
      if (words && v.form === 'w' && v.items.every((i) => i.t === 'str')) return out.w(`%w[${v.items.map((i) => (i as { bin: Bin }).bin).join(' ')}]`, tag);
      if (words && v.form === 'i' && v.items.every((i) => i.t === 'sym')) return out.w(`%i[${v.items.map((i) => (i as { name: Bin }).name).join(' ')}]`, tag);
      const inner: Ctx = { ...c, heredoc: false, indent: c.indent + c.unit };
      if (v.multi && v.items.length > 0 && c.heredoc) {
        out.w('[', tag);
        out.nl();
        v.items.forEach((item, i) => {
          out.w(inner.indent, tag);
          writeValue(item, inner);
          if (i < v.items.length - 1 || c.comma) out.w(',', tag);
          out.nl();
        });
        return out.w(c.indent + ']', tag);
      }
      out.w('[', tag);
      v.items.forEach((item, i) => {
        if (i) out.w(', ', tag);
        writeValue(item, inner);
      });
      return out.w(']', tag);
    }
    case 'hash':
      return writeHash(v, c);
  }
}

function writeHash(v: Extract<VSpec, { t: 'hash' }>, c: Ctx): void {
  const { out } = c;
  const own: LineTag = { path: c.path, role: 'own' };
  const comma = v.comma ?? c.comma;
  // A one-line hash cannot hold a heredoc or comments; a hash inside a one-line value is one-line too.
  const layout = c.heredoc ? v.layout : 'one';
  if (v.pairs.length === 0) {
    if (layout === 'multi' && v.comma === true) {
      // An empty hash written over two lines, sometimes with only a comment in it.
      out.w('{', own);
      out.nl();
      if (v.layout === 'multi' && c.path.length % 2 === 0) {
        out.w(c.indent + c.unit + '# nothing here yet', { path: c.path, role: 'inner' });
        out.nl();
      }
      return out.w(c.indent + '}', own);
    }
    return out.w('{}', own);
  }
  if (layout === 'one') {
    out.w('{ ', own);
    v.pairs.forEach((p, i) => {
      if (i) out.w(', ', own);
      out.w(keyText(p.key, p.style, p.sep, p.value), own);
      writeValue(p.value, { ...c, path: [...c.path, p.key], heredoc: false });
    });
    return out.w(' }', own);
  }
  const inner = c.indent + c.unit;
  if (layout === 'compact') {
    // { "a" => 1,
    //   "b" => 2 }
    out.w('{ ', own);
    v.pairs.forEach((p, i) => {
      const path = [...c.path, p.key];
      if (i) {
        out.w(',', own);
        out.nl();
        out.w(c.indent + '  ', { path, role: 'own' });
      }
      out.w(keyText(p.key, p.style, p.sep, p.value), { path, role: 'own' });
      writeValue(p.value, { ...c, path, heredoc: false, indent: inner });
    });
    return out.w(' }', own);
  }
  out.w('{', own);
  out.nl();
  v.pairs.forEach((p, i) => {
    const path = [...c.path, p.key];
    if (p.before === 'comment') {
      out.w(inner + '# about ' + p.key.replace(/[^ -~]/g, '?'), { path: c.path, role: 'inner' });
      out.nl();
    } else if (p.before === 'blank') out.nl();
    out.w(inner + keyText(p.key, p.style, p.sep, p.value), { path, role: 'own' });
    writeValue(p.value, { ...c, path, heredoc: true, indent: inner });
    const last = i === v.pairs.length - 1;
    if (!last || comma) out.w(',', { path, role: 'own' });
    if (p.trailing) out.w(' # was ' + (p.value.t === 'str' ? 'a string' : p.value.t), { path, role: 'own' });
    out.nl();
  });
  out.w(c.indent + '}', own);
}

function indexText(key: Bin, form: IndexForm): string {
  if (form === 'sym' && isUtf8(key) && key !== '') return `[${symbolText(key, false)}]`;
  if (form === 'sq' && isUtf8(key) && !key.includes('\r')) return `[${sq(key)}]`;
  return `[${dq(key)}]`;
}

const pathKey = (p: Bin[]): string => JSON.stringify(p);

function fromSpec(v: VSpec): Mirror | 'leaf' {
  if (v.t !== 'hash') return 'leaf';
  const m: Mirror = new Map();
  for (const p of v.pairs) m.set(p.key, fromSpec(p.value));
  return m;
}

function hashPaths(m: Mirror, prefix: Bin[], out: Bin[][]): void {
  out.push(prefix);
  for (const [k, v] of m) if (v !== 'leaf') hashPaths(v, [...prefix, k], out);
}

function allPaths(v: VSpec, prefix: Bin[], out: Bin[][]): void {
  out.push(prefix);
  if (v.t === 'hash') for (const p of v.pairs) allPaths(p.value, [...prefix, p.key], out);
}

/** (b) Renders a file spec; repairs what Ruby would reject so the result always loads. */
export function renderFile(spec: FileSpec): GeneratedFile {
  heredocCounter = 0;
  const out = new Out(spec.eol);
  const groups = new Map<Group, Mirror>(GROUPS.map((g) => [g, new Map()]));
  const paths: Bin[][] = [];
  const seen = new Set<string>();
  const opaque: Bin[][] = [];
  const writes: Bin[][] = [];
  let enableAll = false;
  const base = { out, indent: '', unit: spec.indent, comma: spec.comma, heredoc: true, opaque };
  const note = (v: VSpec, prefix: Bin[]): void => {
    const found: Bin[][] = [];
    allPaths(v, prefix, found);
    for (const p of found) {
      if (!seen.has(pathKey(p))) {
        seen.add(pathKey(p));
        paths.push(p);
      }
    }
  };
  const hashTargets = (): Bin[][] => {
    const all: Bin[][] = [];
    for (const [g, m] of groups) hashPaths(m, [g], all);
    // Deeper hashes first: writes below app[:configuration]["scalr"] are what files really hold.
    return all.sort((a, b) => b.length - a.length || pathKey(a).localeCompare(pathKey(b)));
  };
  const mirrorAt = (path: Bin[]): Mirror | 'leaf' | undefined => {
    let cur: Mirror | 'leaf' | undefined = groups.get(path[0] as Group);
    for (const k of path.slice(1)) cur = cur === 'leaf' || cur === undefined ? undefined : cur.get(k);
    return cur;
  };
  const lhs = (path: Bin[], forms: IndexForm[]): string => path[0] + path.slice(1).map((k, i) => indexText(k, forms[i % forms.length])).join('');
  const trailingComment = (on: boolean, path: Bin[]): void => {
    if (on) out.w(' # set by hand', { path, role: 'own' });
  };

  for (const s of spec.stmts) {
    switch (s.k) {
      case 'group': {
        const path = [s.group, s.key];
        out.w(lhs(path, [s.index]) + ' = ', { path, role: 'own' });
        writeValue(s.value, { ...base, path });
        trailingComment(s.trailing && s.value.t !== 'str', path);
        out.nl();
        groups.get(s.group)!.set(s.key, fromSpec(s.value));
        note(s.value, path);
        writes.push(path);
        break;
      }
      case 'enable':
        out.w(s.paren ? `enable_all(${s.v})` : `enable_all ${s.v}`, { path: ['enable_all'], role: 'own' });
        out.nl();
        enableAll = true;
        break;
      case 'config': {
        const path = ['app', 'configuration'];
        out.w(lhs(path, [s.index]) + ' = ', { path, role: 'own' });
        writeValue(s.value, { ...base, path });
        trailingComment(s.trailing, path);
        out.nl();
        groups.get('app')!.set('configuration', fromSpec(s.value));
        note(s.value, path);
        writes.push(path);
        break;
      }
      case 'write': {
        const targets = hashTargets();
        const parent = targets[s.pick % targets.length];
        const path = [...parent, s.key];
        out.w(lhs(path, s.index) + ' = ', { path, role: 'own' });
        writeValue(s.value, { ...base, path });
        trailingComment(s.trailing, path);
        out.nl();
        (mirrorAt(parent) as Mirror).set(s.key, fromSpec(s.value));
        note(s.value, path);
        writes.push(path);
        break;
      }
      case 'comment':
        out.w(s.text, { path: [], role: 'inner' });
        out.nl();
        break;
      case 'begin':
        for (const line of ['=begin', ...s.lines.filter((l) => !l.startsWith('end')), '=end']) {
          out.w(line.replace(/[\r\n]/g, ' '), { path: [], role: 'inner' });
          out.nl();
        }
        break;
      case 'commented':
        for (const line of COMMENTED_BLOCKS[s.which % COMMENTED_BLOCKS.length]) {
          out.w(line, { path: [], role: 'inner' });
          out.nl();
        }
        break;
      case 'blank':
        out.w(s.ws);
        out.nl();
        break;
      case 'opaque':
        writeOpaque(s, { out, base, groups, opaque, hashTargets, mirrorAt, lhs, note, writes });
        break;
    }
  }
  if (out.lines.length === 0 || !out.atLineStart()) out.nl();
  const lines = out.lines;
  if (!spec.finalNewline) {
    // Drop trailing blank lines and the last line break.
    while (lines.length > 1 && lines[lines.length - 1].text.trim() === '') lines.pop();
    lines[lines.length - 1].end = '';
  }
  const text = lines.map((l) => l.text + l.end).join('');
  const lineTags = lines.map((l) => l.tags);
  if (text.endsWith('\n')) lineTags.push([{ path: [], role: 'own' }]);
  return { spec, text, lineTags, paths, opaque, enableAll, writes };
}

function writeOpaque(
  s: Extract<StmtSpec, { k: 'opaque' }>,
  env: {
    out: Out;
    base: Omit<Ctx, 'path'>;
    groups: Map<Group, Mirror>;
    opaque: Bin[][];
    hashTargets: () => Bin[][];
    mirrorAt: (p: Bin[]) => Mirror | 'leaf' | undefined;
    lhs: (p: Bin[], f: IndexForm[]) => string;
    note: (v: VSpec, p: Bin[]) => void;
    writes: Bin[][];
  },
): void {
  const { out, base, groups, opaque, lhs } = env;
  const targets = env.hashTargets();
  const parent = targets[s.pick % targets.length];
  const path = [...parent, s.key];
  const own: LineTag = { path, role: 'own' };
  const value = (p: Bin[]): void => writeValue(s.value, { ...base, path: p, heredoc: false });
  const set = (): void => {
    (env.mirrorAt(parent) as Mirror).set(s.key, 'leaf');
    env.note({ t: 'nil' }, path);
    env.writes.push(path);
  };
  switch (s.kind) {
    case 'var':
      // A local variable as the value: Ruby knows it, the tool cannot.
      out.w(`v_${s.pick % 100} = `, { path: [], role: 'inner' });
      value([]);
      out.nl();
      out.w(`${lhs(path, ['sym', 'dq'])} = v_${s.pick % 100}`, own);
      out.nl();
      opaque.push(path);
      return set();
    case 'call':
      out.w(`${lhs(path, ['dq'])} = ENV.fetch("SCALR_CONF_TEST_UNSET", `, own);
      value(path);
      out.w(')', own);
      out.nl();
      opaque.push(path);
      return set();
    case 'cond':
    case 'unless':
      out.w(s.kind === 'cond' ? 'if File.exist?("/")' : 'unless ENV.key?("SCALR_CONF_TEST_UNSET")', own);
      out.nl();
      out.w(base.unit + lhs(path, ['sym', 'dq']) + ' = ', own);
      value(path);
      out.nl();
      out.w('end', own);
      out.nl();
      opaque.push(path);
      return set();
    case 'modifier':
      out.w(lhs(path, ['dq']) + ' = ', own);
      value(path);
      out.w(' if true', own);
      out.nl();
      opaque.push(path);
      return set();
    case 'merge': {
      // merge! into an existing hash: the whole receiver becomes uncertain.
      out.w(`${lhs(parent, ['sym', 'dq'])}.merge!(${dq(s.key)} => `, { path: parent, role: 'own' });
      value(path);
      out.w(')', { path: parent, role: 'own' });
      out.nl();
      opaque.push(parent);
      return set();
    }
    case 'varkey': {
      // A variable as the key: nothing in the group can be known.
      const group = parent[0] as Group;
      out.w(`k_${s.pick % 100} = ${dq(s.key)}`, { path: [], role: 'inner' });
      out.nl();
      out.w(`${group}[k_${s.pick % 100}] = `, { path: [group, s.key], role: 'own' });
      value([group, s.key]);
      out.nl();
      opaque.push([group]);
      groups.get(group)!.set(s.key, 'leaf');
      env.note({ t: 'nil' }, [group, s.key]);
      env.writes.push([group, s.key]);
      return;
    }
  }
}

export const generatedFileArb = (opts: FileOptions = {}): fc.Arbitrary<GeneratedFile> => fileSpecArb(opts).map(renderFile);

/** (a) as a file: one app[:configuration] statement holding a generated hash. */
export const hashFileArb: fc.Arbitrary<GeneratedFile> = fc
  .record({ value: hashSpecArb(3), eol: fc.constantFrom<'\n' | '\r\n'>('\n', '\r\n'), indent: fc.constantFrom<'  ' | '    ' | '\t'>('  ', '\t'), comma: fc.boolean() })
  .map(({ value, eol, indent, comma }) => renderFile({ eol, indent, comma, finalNewline: true, stmts: [{ k: 'config', index: 'sym', value, trailing: false }] }));

// ------------------------------------------------------------------ values to set

/** Values the tool may be asked to write: every kind, hostile strings, bytes that are not UTF-8. */
export function rubyValueArb(depth = 2): fc.Arbitrary<RubyValue> {
  const scalar: fc.Arbitrary<RubyValue> = fc.oneof(
    { weight: 5, arbitrary: hostileBin.map((b) => ({ kind: 'string' as const, bin: b })) },
    { weight: 2, arbitrary: fc.constantFrom('local', 'public', 'auto', '', 'a b').map((b) => ({ kind: 'string' as const, bin: b })) },
    { weight: 2, arbitrary: fc.oneof(fc.bigInt(-1000n, 100000n), fc.bigInt(-(2n ** 70n), 2n ** 70n)).map((v) => ({ kind: 'integer' as const, value: v })) },
    { weight: 1, arbitrary: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0.5, 1.0, -0, 1e21, 1e-7)).map((v) => ({ kind: 'float' as const, value: v })) },
    { weight: 2, arbitrary: fc.boolean().map((v) => ({ kind: 'boolean' as const, value: v })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'nil' as const }) },
    { weight: 1, arbitrary: symNameArb.filter((n) => n !== '').map((name) => ({ kind: 'symbol' as const, name })) },
  );
  if (depth <= 0) return scalar;
  return fc.oneof(
    { weight: 8, arbitrary: scalar },
    { weight: 1, arbitrary: fc.array(rubyValueArb(depth - 1), { maxLength: 3 }).map((items) => ({ kind: 'array' as const, items })) },
    {
      weight: 2,
      arbitrary: fc
        .uniqueArray(fc.tuple(keyArb, rubyValueArb(depth - 1)), { selector: ([k]) => k, maxLength: 3 })
        .map((entries) => ({ kind: 'hash' as const, entries })),
    },
  );
}

// ------------------------------------------------------------------ changes

export type Where = 'existing' | 'child' | 'scalr' | 'new' | 'enable_all';

export interface ChangeSpec {
  op: 'set' | 'unset';
  where: Where;
  pick: number;
  extra: Bin[];
  group: Group;
  value: RubyValue;
}

export function changeSpecArb(keys: fc.Arbitrary<Bin> = keyArb, values: fc.Arbitrary<RubyValue> = rubyValueArb()): fc.Arbitrary<ChangeSpec> {
  return fc.record({
    op: fc.constantFrom<'set' | 'unset'>('set', 'set', 'unset'),
    where: fc.constantFrom<Where>('existing', 'existing', 'existing', 'child', 'scalr', 'scalr', 'new', 'enable_all'),
    pick: fc.nat(),
    extra: fc.array(keys, { minLength: 1, maxLength: 2 }),
    group: fc.constantFrom(...GROUPS),
    value: values,
  });
}

/** A change sequence: several sets and unsets, on paths the file has and paths it does not. */
export const changeSeqArb = (keys?: fc.Arbitrary<Bin>, values?: fc.Arbitrary<RubyValue>): fc.Arbitrary<ChangeSpec[]> =>
  fc.array(changeSpecArb(keys, values), { minLength: 1, maxLength: 4 });

/** The group-prefixed path a change spec names in a file ([‘enable_all’] for enable_all). */
export function resolvePath(file: GeneratedFile, c: ChangeSpec, usable: (p: Bin[]) => boolean = () => true): Bin[] {
  return pickPath(c, file.paths.filter((p) => p.length >= 2 && usable(p)));
}

/** The path a change spec names, choosing existing paths among `candidates`. */
export function pickPath(c: ChangeSpec, candidates: Bin[][]): Bin[] {
  const pick = (): Bin[] | undefined => (candidates.length ? candidates[c.pick % candidates.length] : undefined);
  switch (c.where) {
    case 'enable_all':
      return ['enable_all'];
    case 'existing':
      return pick() ?? ['app', 'configuration', 'scalr', ...c.extra];
    case 'child':
      return [...(pick() ?? ['app', 'configuration', 'scalr']), ...c.extra];
    case 'scalr':
      return ['app', 'configuration', 'scalr', ...c.extra];
    case 'new':
      return [c.group, ...c.extra];
  }
}

export function targetOf(path: Bin[]): Target {
  if (path[0] === 'enable_all') return { kind: 'enable_all' };
  return { kind: 'group', group: path[0] as Group, path: path.slice(1) };
}

/** Whether `a` is a prefix of `b` (or equal). */
export function isPrefix(a: Bin[], b: Bin[]): boolean {
  return a.length <= b.length && a.every((k, i) => b[i] === k);
}

/**
 * A statement after the last one that assigns the path (or a hash holding it) writes below the
 * path: replacing or removing the value there would not decide what Ruby ends up with.
 */
export function laterWriteBelow(file: { writes: Bin[][] }, path: Bin[]): Bin[] | undefined {
  let last = -1;
  file.writes.forEach((w, i) => {
    if (isPrefix(w, path)) last = i;
  });
  return file.writes.slice(last + 1).find((w) => w.length > path.length && isPrefix(path, w));
}
