/**
 * What a value means to Scalr beyond its syntax: whether it fits the setting, and which settings
 * decide each other (an attribute copied into config.yml, a per-cloud policy over the global one).
 */
import { renderValue } from '../edit/render';
import { DEFAULT_PAIR_STYLE } from '../ruby/style';
import { utf8Text, type RubyValue } from '../values/value';
import { string2boolean } from '../model/pipeline';
import { listSettings, lookupSetting, type JsonValue, type Setting } from './schema';

/** One-line Ruby text of a value, as it would be written in the file. */
export function rubyText(v: RubyValue): string {
  const text = renderValue(v, { indent: '', indentUnit: '  ', eol: '\n', multiline: false, pairStyle: DEFAULT_PAIR_STYLE, trailingComma: false });
  return utf8Text(text) ?? text;
}

/** A schema value (JSON) as Ruby text. */
export function jsonRubyText(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return 'nil';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(jsonRubyText).join(', ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v);
    return entries.length ? `{ ${entries.map(([k, x]) => `${JSON.stringify(k)} => ${jsonRubyText(x)}`).join(', ')} }` : '{}';
  }
  return String(v);
}

/** Whether a key is one of app[:configuration] (config.yml, read by Scalr's PHP) or an attribute (read by the cookbook). */
export function isConfigurationKey(key: string): boolean {
  return !/^[A-Za-z_]\w*\[/.test(key) && key !== 'enable_all';
}

const FALSY_LOOKING = new Set(['no', 'false', 'off', '0', 'n', '']);
const TRUTHY_LOOKING = new Set(['yes', 'true', 'on', '1', 'y']);

export interface ValueCheck {
  /** error: Scalr misreads or rejects the value; warning: Scalr reads it as meant, but it is better written otherwise. */
  severity: 'error' | 'warning';
  message: string;
}

/**
 * Why a value does not fit its setting, as an error only when Scalr would misread it. Values that
 * Scalr's PHP reads as meant (a port as the string "389", a flag as 1) are warnings, never refused.
 */
export function valueProblem(key: string, value: RubyValue, setting: Setting | undefined = lookupSetting(key), hide = false): string | undefined {
  const check = valueCheck(key, value, setting, hide);
  return check?.severity === 'error' ? check.message : undefined;
}

/**
 * How a value fits its setting; undefined when it fits or the key is unknown. app[:configuration] is
 * written to config.yml and read by Scalr's PHP, which compares loosely: "389" serves as the port 389,
 * 1 and 0 as true and false. Attributes are read by the cookbook's Ruby, where every number is true.
 */
export function valueCheck(key: string, value: RubyValue, setting: Setting | undefined = lookupSetting(key), hide = false): ValueCheck | undefined {
  const converted = convertedWord(key, value, setting, hide);
  if (converted) return converted;
  const problem = strictProblem(key, value, setting, hide);
  if (problem === undefined) return undefined;
  if (setting!.type === 'boolean' && value.kind === 'string' && TRUTHY_LOOKING.has((utf8Text(value.bin) ?? value.bin).trim().toLowerCase())) {
    // "YES" stays a string, and every such string is true: meant true, read as true, by luck of truthiness.
    return { severity: 'warning', message: `${problem} (a string is true, which is what it says, so it works as it is)` };
  }
  if (isConfigurationKey(key) && phpReadsAsMeant(setting!, value)) {
    return { severity: 'warning', message: `${problem} (Scalr's PHP reads this value as meant, so it works as it is)` };
  }
  return { severity: 'error', message: problem };
}

/**
 * A string reconfigure's string2boolean turns into a boolean or nil before the cookbook or config.yml
 * sees it: the exact lower-case words only (yes/no, true/false, on/off, 1/0; null, nil, ~).
 */
function convertedWord(key: string, value: RubyValue, setting: Setting | undefined, hide: boolean): ValueCheck | undefined {
  if (!setting || value.kind !== 'string') return undefined;
  const becomes = string2boolean(value.bin);
  if (!becomes) return undefined;
  const text = hide ? '********' : JSON.stringify(utf8Text(value.bin) ?? value.bin);
  const what = becomes.kind === 'boolean' ? String(becomes.value) : 'nil';
  if (setting.type === 'boolean') {
    if (becomes.kind === 'nil') return { severity: 'warning', message: `${key} is the string ${text}, which reconfigure turns into nil (string2boolean), so the default applies; write true or false without quotes, or remove it` };
    return { severity: 'warning', message: `${key} is the string ${text}, which reconfigure turns into ${what} (string2boolean), so it works as it is; write ${what} without quotes, since another spelling would stay a string` };
  }
  if (setting.type === 'string') {
    return { severity: 'warning', message: `${key} is the string ${text}, which reconfigure turns into ${what} (string2boolean): Scalr gets ${what}, not that text; choose another value` };
  }
  return undefined;
}

/** Values PHP's loose reading turns into what the setting expects. */
function phpReadsAsMeant(setting: Setting, value: RubyValue): boolean {
  if (setting.type === 'integer' || setting.type === 'float') return value.kind === 'string' && /^\s*[+-]?\d+(\.\d+)?\s*$/.test(value.bin);
  if (setting.type === 'boolean') return value.kind === 'integer';
  return false;
}

function strictProblem(key: string, value: RubyValue, setting: Setting | undefined, hide: boolean): string | undefined {
  if (!setting || value.kind === 'nil') return undefined;
  const shown = hide ? '********' : rubyText(value);
  const kind = kindName(value);
  switch (setting.type) {
    case 'boolean':
      if (value.kind === 'boolean') return undefined;
      if (value.kind === 'string') return booleanString(key, hide ? '********' : value.bin);
      if (value.kind === 'integer') {
        if (isConfigurationKey(key)) return `${key} is the integer ${shown}, not a boolean: write ${value.value === 0n ? 'false' : 'true'}`;
        return `${key} is the integer ${shown}, not a boolean: to Ruby every number, 0 included, is true; write ${value.value === 0n ? 'false' : 'true'}`;
      }
      return `${key} takes true or false, not ${kind} ${shown}`;
    case 'enum': {
      const values = setting.values ?? {};
      const choices = Object.keys(values).map((v) => JSON.stringify(v)).join(', ');
      if (value.kind === 'string') {
        const text = utf8Text(value.bin) ?? value.bin;
        if (Object.hasOwn(values, text)) return undefined;
        const near = Object.keys(values).find((v) => v.toLowerCase() === text.trim().toLowerCase());
        return `${key} is ${shown}, which is not one of ${choices}${near ? `; did you mean "${near}"?` : ''}`;
      }
      if (value.kind === 'symbol' && Object.hasOwn(values, value.name)) {
        return `${key} is the symbol ${shown}; Scalr compares it with the string "${value.name}", so write "${value.name}"`;
      }
      return `${key} takes one of ${choices}, not ${kind} ${shown}`;
    }
    case 'integer':
      if (value.kind === 'integer') return undefined;
      if (value.kind === 'string' && /^\s*[+-]?\d+\s*$/.test(value.bin)) {
        return `${key} is the string ${shown}, not a number; write ${value.bin.trim()} without quotes`;
      }
      return `${key} takes a whole number, not ${kind} ${shown}`;
    case 'float':
      if (value.kind === 'integer' || value.kind === 'float') return undefined;
      return `${key} takes a number, not ${kind} ${shown}`;
    case 'string':
      if (value.kind === 'string') return undefined;
      if (value.kind === 'integer' || value.kind === 'float') return undefined; // written as text in config.yml alike
      if (value.kind === 'symbol') return `${key} is the symbol ${shown}; write the string "${value.name}"`;
      return `${key} takes a string, not ${kind} ${shown}`;
    case 'array':
      if (value.kind === 'array') return undefined;
      return `${key} takes a list such as [${value.kind === 'string' ? shown : '"a", "b"'}], not ${kind} ${shown}`;
    case 'hash':
      if (value.kind === 'hash') return undefined;
      return `${key} takes a hash, not ${kind} ${shown}`;
  }
}

function booleanString(key: string, bin: string): string {
  const text = utf8Text(bin) ?? bin;
  const lower = text.trim().toLowerCase();
  const meant = FALSY_LOOKING.has(lower) ? false : TRUTHY_LOOKING.has(lower) ? true : undefined;
  // string2boolean turned the exact words already (convertedWord): this one stays a string.
  const stays = `reconfigure turns only the exact lower-case words yes, no, true, false, on, off, 1 and 0 into booleans, so ${JSON.stringify(text)} stays a string`;
  const why = isConfigurationKey(key)
    ? `${stays}, config.yml carries it as text, and Scalr (PHP) takes every non-empty string as true`
    : `${stays}, and scalr-server-ctl's cookbook tests it as Ruby does, where every string is true`;
  const fix = meant === undefined ? 'write true or false without quotes' : `write ${meant} without quotes`;
  const effect = meant === false && !(isConfigurationKey(key) && (lower === '0' || lower === '')) ? ', so this turns it ON' : '';
  return `${key} is the string ${JSON.stringify(text)}, not a boolean: ${why}${effect}; ${fix}`;
}

function kindName(v: RubyValue): string {
  switch (v.kind) {
    case 'string':
      return 'the string';
    case 'integer':
      return 'the integer';
    case 'float':
      return 'the number';
    case 'boolean':
      return 'the boolean';
    case 'symbol':
      return 'the symbol';
    case 'array':
      return 'the list';
    case 'hash':
      return 'the hash';
    case 'nil':
      return '';
  }
}

// ------------------------------------------------------------------------------------------------
// Settings that decide each other

const GLOBAL_POLICY = 'instances_connection_policy';
const PER_CLOUD_POLICY = /^([a-z0-9_]+)\.instances_connection_policy$/;

export interface Relations {
  /** The config.yml key this attribute is copied into by scalr-server-ctl. */
  feeds?: string;
  /** Attributes copied into this config.yml key (app[:configuration] wins over them). */
  fedBy: string[];
  /** The global key this per-cloud key overrides, and for which cloud. */
  overrides?: { key: string; cloud: string };
  /** Per-cloud keys that override this global one, each for its cloud. */
  overriddenBy: string[];
}

export function relationsOf(key: string): Relations {
  const setting = lookupSetting(key);
  const display = setting?.key ?? key;
  const all = listSettings();
  const cloud = PER_CLOUD_POLICY.exec(display);
  return {
    feeds: setting?.feeds,
    fedBy: all.filter((s) => s.feeds === display).map((s) => s.key),
    overrides: cloud ? { key: GLOBAL_POLICY, cloud: cloud[1] } : undefined,
    overriddenBy: display === GLOBAL_POLICY ? all.filter((s) => PER_CLOUD_POLICY.test(s.key)).map((s) => s.key) : [],
  };
}
