import { parseJsonValue } from '../values/json';
/**
 * What scalr-conf knows of Scalr's settings: the data in settings.json and the rules around it.
 *
 * Keys are in display form. A `configuration` key is a dotted path below app[:configuration]["scalr"]
 * without the leading `scalr.` (`aws.instances_connection_policy`); a `groups` key is written as in
 * scalr-server.rb (`proxy[:ssl_enable]`, `enable_all`). A `*` segment in the data stands for any one
 * segment, for families such as `crontab.services.*.enabled`.
 *
 * Secret rule, for masking values on display: a key is secret when its schema entry has
 * `secret: true`, or when its last segment is, or contains as an underscore-separated part, one of
 * pass, password, passwd, secret, token, api_key, private_key, key_material, access_key, secret_key
 * (any case). The name rule also covers keys the schema does not know, so that unknown credentials
 * stay masked; `mysql[:root_password]` and `connections.ldap.pass` are secret, `bypass` is not.
 */
import settings from './settings.json';
import policy from './iam-policy.json';
import { ScalrConfError } from '../values/errors';
import { str, type RubyValue } from '../values/value';
import { isDottedSegment } from '../values/keys';

export type SettingType = 'string' | 'integer' | 'float' | 'boolean' | 'enum' | 'array' | 'hash';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface Setting {
  /** The schema's key; for a family this is the pattern, e.g. `crontab.services.*.enabled`. */
  key: string;
  type: SettingType;
  /** Enum only: allowed value → one-line meaning. */
  values?: Record<string, string>;
  /** The value Scalr ships with (scalr-server's, where the installer sets one). */
  default?: JsonValue;
  description: string;
  secret?: boolean;
  /** The configuration key (dotted) this attribute is copied into by scalr-server-ctl. */
  feeds?: string;
  /**
   * Where Scalr's docs spell a per-cloud key by cloud name (`aws.`), the key Scalr's own code reads:
   * it looks per-cloud settings up by platform id (`ec2.`).
   */
  platformKey?: string;
}

type Entry = Omit<Setting, 'key'>;
interface SettingsFile {
  configuration: Record<string, Entry>;
  groups: Record<string, Entry>;
}

const data = settings as unknown as SettingsFile;

interface Parsed {
  form: 'dotted' | 'group';
  /** Group form: the group name, then the path inside it. Dotted form: the path below `scalr`. */
  segments: string[];
}

interface Known {
  setting: Setting;
  parsed: Parsed;
  wildcards: number;
}

interface Index {
  /** Every setting, sorted by key. */
  all: Setting[];
  known: Known[];
}

let index: Index | undefined;

/** Built on first use, for listing and suggesting: most runs never need every key parsed. */
function schemaIndex(): Index {
  if (index) return index;
  const all = [...Object.keys(data.configuration), ...Object.keys(data.groups)].map((key) => setting(key)!).sort((a, b) => compare(a.key, b.key));
  return (index = { all, known: all.map(toKnown) });
}

const settingsByKey = new Map<string, Setting>();

/** The schema's entry under exactly this key, one object per key. */
function setting(key: string): Setting | undefined {
  const known = settingsByKey.get(key);
  if (known) return known;
  const table = [data.configuration, data.groups].find((t) => Object.hasOwn(t, key));
  if (!table) return undefined;
  const entry: Setting = { key, ...table[key] };
  settingsByKey.set(key, entry);
  return entry;
}

function toKnown(entry: Setting): Known {
  const parsed = parseKey(entry.key);
  if (!parsed) throw new Error(`settings.json: cannot read the key ${entry.key}`);
  return { setting: entry, parsed, wildcards: parsed.segments.filter((s) => s === '*').length };
}

let families: Known[] | undefined;

/** Keys with a `*` segment, fewest wildcards first. */
function patterns(): Known[] {
  families ??= [...Object.keys(data.configuration), ...Object.keys(data.groups)]
    .filter((key) => key.includes('*'))
    .map((key) => toKnown(setting(key)!))
    .sort((a, b) => a.wildcards - b.wildcards);
  return families;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const IDENT = /^[A-Za-z_]\w*$/;

/** Reads a key in any spelling scalr-conf accepts; undefined when it is not a key at all. */
function parseKey(raw: string): Parsed | undefined {
  const key = raw.trim();
  if (key === '') return undefined;
  const group = key.match(/^([A-Za-z_]\w*)\[/);
  if (!group) {
    const segments = key.split('.');
    if (segments.some((s) => s === '')) return undefined;
    if (segments[0] === 'scalr' && segments.length > 1) segments.shift();
    return { form: 'dotted', segments };
  }
  const segments = [group[1]];
  let rest = key.slice(group[1].length);
  while (rest.length) {
    const m =
      rest.match(/^\[\s*:([A-Za-z_]\w*[?!]?)\s*\]/) ??
      rest.match(/^\[\s*:?"((?:[^"\\]|\\.)*)"\s*\]/) ??
      rest.match(/^\[\s*:?'((?:[^'\\]|\\.)*)'\s*\]/);
    if (!m) return undefined;
    segments.push(m[1].replace(/\\(.)/g, '$1'));
    rest = rest.slice(m[0].length);
  }
  // app[:configuration][:scalr][...] is the long spelling of a dotted key, when it can be one at all:
  // ["aws.instances_connection_policy"] is a single key with a dot in it, not aws's policy.
  const below = segments.slice(3);
  if (segments.length > 3 && segments[0] === 'app' && segments[1] === 'configuration' && segments[2] === 'scalr' && below.every(isDottedSegment)) {
    return { form: 'dotted', segments: below };
  }
  return { form: 'group', segments };
}

function formatParsed(p: Parsed): string {
  if (p.form === 'dotted') return p.segments.join('.');
  const [group, ...path] = p.segments;
  return group + path.map((s) => (IDENT.test(s) || s === '*' ? `[:${s}]` : `[${JSON.stringify(s)}]`)).join('');
}

/** The display form of a key (`proxy["ssl_enable"]` → `proxy[:ssl_enable]`); unreadable keys come back trimmed. */
export function canonicalKey(key: string): string {
  const p = parseKey(key);
  return p ? formatParsed(p) : key.trim();
}

function matches(pattern: Parsed, key: Parsed): boolean {
  return (
    pattern.form === key.form &&
    pattern.segments.length === key.segments.length &&
    pattern.segments.every((s, i) => s === '*' || s === key.segments[i])
  );
}

export function lookupSetting(key: string): Setting | undefined {
  const p = parseKey(key);
  if (!p) return undefined;
  const display = formatParsed(p);
  const exact = display.includes('*') ? undefined : setting(display);
  if (exact) return exact;
  return patterns().find((k) => matches(k.parsed, p))?.setting;
}

export function listSettings(prefix?: string): Setting[] {
  const { all } = schemaIndex();
  return prefix === undefined ? [...all] : all.filter((s) => s.key.startsWith(prefix));
}

const SECRET_NAME = /(^|_)(pass|password|passwd|secret|token|api_key|private_key|key_material|access_key|secret_key)($|_)/i;

export function isSecretKey(key: string): boolean {
  if (lookupSetting(key)?.secret) return true;
  const p = parseKey(key);
  const last = p ? p.segments[p.segments.length - 1] : key.trim();
  return SECRET_NAME.test(last);
}

export function iamPolicy(): object {
  return structuredClone(policy);
}

// ---------------------------------------------------------------------------------------------
// Did you mean

/** Optimal-string-alignment distance: Levenshtein plus transposition of two neighbours. */
export function editDistance(a: string, b: string): number {
  return boundedDistance(a, b, Infinity);
}

/**
 * editDistance when it is at most `limit`, else some number above it: each row of the table is
 * dropped as soon as it is done, and the work stops once no cell of a row is within the limit.
 * doctor asks this for every unknown key of a file against every known one.
 */
export function boundedDistance(a: string, b: string, limit: number): number {
  if (a === b) return 0;
  if (limit < 0 || Math.abs(a.length - b.length) > limit) return limit + 1;
  let before = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1);
    row[0] = i;
    let least = row[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j], before[j - 2] + 1);
      if (row[j] < least) least = row[j];
    }
    if (least > limit) return limit + 1;
    before = prev;
    prev = row;
  }
  return prev[b.length];
}

const MAX_SUGGESTIONS = 5;

/**
 * Known keys close to an unknown one, best first. Keys with as many segments are compared segment
 * by segment (the sum of distances), so a typo in one segment does not drift into a neighbouring
 * one, and dotted and bracket spellings meet; others are compared as whole strings. A family
 * pattern is filled in from the key itself.
 */
export function suggestKeys(key: string): string[] {
  const p = parseKey(key);
  if (!p || lookupSetting(key)) return [];
  return nearest(p, schemaIndex().known);
}

/**
 * Keys close to `key` among those a file holds (`present`, in display form), by the same measure
 * as suggestKeys: for a key that is neither a known setting nor in the file.
 */
export function suggestPresentKeys(key: string, present: Iterable<string>): string[] {
  const p = parseKey(key);
  if (!p) return [];
  const candidates: Known[] = [];
  const wanted = formatParsed(p);
  for (const k of present) {
    const parsed = parseKey(k);
    if (!parsed) continue;
    if (formatParsed(parsed) === wanted) return [];
    candidates.push({ setting: { key: formatParsed(parsed), type: 'string', description: '' }, parsed, wildcards: 0 });
  }
  return nearest(p, candidates);
}

/** Known settings and keys of the file close to `key`, settings first; none when `key` is either. */
export function suggestAnyKeys(key: string, present: Iterable<string>): string[] {
  const keys = [...present];
  const wanted = canonicalKey(key);
  if (lookupSetting(key) || keys.some((k) => canonicalKey(k) === wanted)) return [];
  const fromFile = suggestPresentKeys(key, keys);
  const all = [...suggestKeys(key), ...fromFile];
  return [...new Set(all)].slice(0, MAX_SUGGESTIONS);
}

function nearest(p: Parsed, known: readonly Known[]): string[] {
  const wanted = formatParsed(p);
  const limit = wanted.length <= 6 ? 1 : 2;
  const best = new Map<string, number>();
  for (const k of known) {
    let candidate: Parsed = k.parsed;
    let distance: number;
    if (k.parsed.segments.length === p.segments.length) {
      candidate = { form: k.parsed.form, segments: k.parsed.segments.map((s, i) => (s === '*' ? p.segments[i] : s)) };
      // A distance is at least the difference in length: skip the far ones cheaply (doctor asks for every key of big files).
      if (candidate.segments.reduce((sum, s, i) => sum + Math.abs(p.segments[i].length - s.length), 0) > limit) continue;
      distance = 0;
      for (let i = 0; i < candidate.segments.length && distance <= limit; i++) distance += boundedDistance(p.segments[i], candidate.segments[i], limit - distance);
    } else {
      if (k.wildcards > 0 || Math.abs(wanted.length - k.setting.key.length) > limit) continue;
      distance = boundedDistance(wanted, k.setting.key, limit);
    }
    // Same segments in the other spelling (proxy.ssl_enable for proxy[:ssl_enable]) is a fine hint.
    if ((distance === 0 && candidate.form === p.form) || distance > limit) continue;
    const text = formatParsed(candidate);
    const prev = best.get(text);
    if (prev === undefined || distance < prev) best.set(text, distance);
  }
  return [...best.entries()]
    .sort((a, b) => a[1] - b[1] || compare(a[0], b[0]))
    .slice(0, MAX_SUGGESTIONS)
    .map(([text]) => text);
}

/** `did you mean a or b?` for up to three suggestions; empty for none. */
export function didYouMean(suggestions: readonly string[]): string {
  return suggestions.length ? `did you mean ${suggestions.slice(0, 3).join(' or ')}?` : '';
}

// ---------------------------------------------------------------------------------------------
// Coercion of command-line text

function usage(message: string): never {
  throw new ScalrConfError('usage', message);
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

export function coerceValue(setting: Setting, raw: string): RubyValue {
  const text = raw.trim();
  switch (setting.type) {
    case 'string':
      return str(raw);
    case 'integer':
      if (!/^[+-]?\d+$/.test(text)) usage(`${raw} is not an integer (${setting.key} takes a whole number)`);
      return { kind: 'integer', value: BigInt(text) };
    case 'float': {
      if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) usage(`${raw} is not a number (${setting.key} takes a number)`);
      const value = Number(text);
      if (!Number.isFinite(value)) usage(`${raw} is out of range for ${setting.key}`);
      return { kind: 'float', value };
    }
    case 'boolean': {
      const lower = text.toLowerCase();
      if (TRUE.has(lower)) return { kind: 'boolean', value: true };
      if (FALSE.has(lower)) return { kind: 'boolean', value: false };
      return usage(`${raw} is not a boolean (${setting.key} takes true/false, yes/no, on/off or 1/0)`);
    }
    case 'enum': {
      const values = setting.values ?? {};
      if (Object.hasOwn(values, raw)) return str(raw);
      const allowed = Object.entries(values).map(([v, meaning]) => `${v} (${meaning})`);
      return usage(`${raw} is not one of: ${allowed.join(', ')}`);
    }
    case 'array': {
      if (text.startsWith('[')) {
        const v = parseJson(text, setting.key);
        if (v.kind !== 'array') usage(`${setting.key} takes a list`);
        return v;
      }
      if (text === '') return { kind: 'array', items: [] };
      const items = text.split(',').map((s) => s.trim());
      if (items.some((s) => s === '')) usage(`${raw} has an empty item (${setting.key} takes a,b,c or a JSON array)`);
      return { kind: 'array', items: items.map(str) };
    }
    case 'hash': {
      if (!text.startsWith('{')) usage(`${setting.key} takes a JSON object such as {"name": "value"}`);
      return parseJson(text, setting.key);
    }
  }
}

/** JSON to RubyValue with the one exact parser (core/json): 1.0 stays a float, big integers exact. */
export function parseExactJson(text: string, key: string): RubyValue {
  return parseJson(text, key);
}

function parseJson(text: string, key: string): RubyValue {
  try {
    return parseJsonValue(text);
  } catch (e) {
    return usage(`invalid JSON for ${key}: ${(e as Error).message}`);
  }
}
